// Whether a contact's outreach sequence must stop (§6.8): the contact
// unsubscribed (their address is in email_suppressions), booked a meeting
// (a meeting with the contact or its lead created since the sequence
// started, not cancelled), or replied (a reply_received intent signal on the
// contact's lead since the sequence started — written by the inbox reply
// detection of the sequence itself, the intent-signal API, or anything else
// that records replies). The database is the authority: the sequence asks
// here before every step, whatever signals its workflow did or did not get.
import type { SqlClient } from '../platform/transaction.js';

export const STOP_REASONS = ['unsubscribed', 'meeting_booked', 'replied'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** A cancelled meeting (meetings.status 4) books nothing. */
const MEETING_CANCELLED = 4;

/**
 * The reason the contact's sequence must stop, or null. `since`: when the
 * sequence started (its job's creation); a meeting or reply before it
 * belongs to earlier outreach, so a new plan after a reply is allowed to run.
 */
export async function sequenceStopReason(client: SqlClient, orgId: number, contactId: number, since: Date): Promise<StopReason | null> {
  const { rows } = await client.query<{ reason: StopReason | null }>(
    `SELECT CASE
              WHEN EXISTS (SELECT 1 FROM email_suppressions s WHERE s.org_id = c.org_id AND s.email = lower(trim(c.email))) THEN 'unsubscribed'
              WHEN EXISTS (SELECT 1 FROM meetings m
                            WHERE m.org_id = c.org_id AND m.created_at >= $3 AND m.status <> $4
                              AND (m.contact_id = c.id OR (c.lead_id IS NOT NULL AND m.lead_id = c.lead_id))) THEN 'meeting_booked'
              WHEN c.lead_id IS NOT NULL AND EXISTS (SELECT 1 FROM intent_signals i
                            WHERE i.org_id = c.org_id AND i.lead_id = c.lead_id AND i.signal_type = 'reply_received' AND i.occurred_at >= $3) THEN 'replied'
            END AS reason
       FROM contacts c WHERE c.org_id = $1 AND c.id = $2`,
    [orgId, contactId, since, MEETING_CANCELLED],
  );
  return rows[0]?.reason ?? null;
}

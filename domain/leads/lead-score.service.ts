// Scoring a stored lead: read the columns the score depends on (scoped by
// organization), score them with the pure rules model (lead-scoring.ts), and
// write the score and its explanation back. The scoring workflow's activity
// runs it on its own; bulk paths (HubSpot import, enrichment) run it inside
// the transaction that changed the lead instead of starting one workflow per
// lead. A score that newly reaches HOT_LEAD_SCORE writes a 'notification.announce'
// outbox event (hot_lead) in the same statement, so the announcement
// commits with the score, whichever path scored it.
import { announcementRouted, outboxInsert } from '../platform/outbox-events.js';
import type { SqlClient } from '../platform/transaction.js';
import { SCORING_COLUMNS, scoringRecord, type ScoringInput } from './lead-scoring.js';

/** A lead is hot from this score on (of 100): crossing it from below announces it (hot_lead), once per lead. */
export const HOT_LEAD_SCORE = 80;

/** The lead's new score; null when the organization has no such lead. */
export async function scoreStoredLead(db: SqlClient, orgId: number, leadId: number): Promise<number | null> {
  const { rows } = await db.query<Omit<ScoringInput, 'estimated_value'> & { estimated_value: string | null }>(
    `SELECT ${SCORING_COLUMNS} FROM leads WHERE id = $1 AND org_id = $2`,
    [leadId, orgId],
  );
  const lead = rows[0];
  if (!lead) return null;
  const { score, scoring } = scoringRecord(
    { ...lead, estimated_value: lead.estimated_value === null ? null : Number(lead.estimated_value) },
    new Date().toISOString(),
  );
  // updated_at is left alone: it records changes made to the lead, and the
  // score is derived from the lead; the merge keeps other ai_information keys.
  // The FROM subquery reads the score before this statement's update.
  const { rows: updated } = await db.query(
    `WITH updated AS (
       UPDATE leads l SET score = $3, ai_information = l.ai_information || jsonb_build_object('scoring', $4::jsonb)
         FROM (SELECT score AS prior FROM leads WHERE id = $1 AND org_id = $2) p
        WHERE l.id = $1 AND l.org_id = $2
        RETURNING l.id, l.org_id, p.prior
     ), announced AS (
       ${outboxInsert({ kind: 'notification.announce', orgId: 'org_id', payload: { eventType: `'hot_lead'::text`, subjectId: 'id' }, from: `updated WHERE prior < $5 AND $3::int >= $5 AND ${announcementRouted('updated.org_id', 'hot_lead')}` })}
     )
     SELECT id FROM updated`,
    [leadId, orgId, score, JSON.stringify(scoring), HOT_LEAD_SCORE],
  );
  return updated.length === 1 ? score : null;
}

// A hosted form's submissions: stored first, then turned into a lead through
// the same createLead as §8.1 ingestion. A submission is never lost: the
// valid answers and a 'web_form.submission' outbox event commit together in
// one statement before any lead work starts. The request then makes the lead
// itself (the person waits only for that); if anything fails there, the
// submission is marked failed with its error and the event, kept, is
// delivered by the outbox relay (worker/outbox-relay.ts), which runs the
// same processSubmission again with backoff until it succeeds.
//
// Raw SQL (docs/database.md, rule 2): the submission and its outbox row are
// one statement; the rest follows the pattern for symmetry.
import { createHmac } from 'node:crypto';
import type { WebForm } from '../../generated/prisma/client.js';
import { recordSignal } from '../engagement/intent-signals.js';
import { createLead, type CreateOutcome } from '../leads/lead.service.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { leadInputOf, type Answers, type FormField } from './form-fields.js';
import type { SubmissionStatus } from './web-form.service.js';

/**
 * The outbox event waits this long before the relay may take it: time for the
 * request that stored the submission to make its lead. A request that dies
 * on the way leaves it to the relay after this.
 */
export const INLINE_LEASE_SECONDS = 120;

/** After a failed attempt in the request, the relay retries this soon (then with the relay's backoff). */
const FIRST_RETRY_SECONDS = 2;

export interface SubmissionOrigin {
  /** clientHash() of the address, never the address */
  clientHash: string | null;
  userAgent: string | null;
  referrer: string | null;
}

/** A keyed hash of a client address: the same address gives the same hash (rate limits, abuse review); the address cannot be read back. */
export function clientHash(secret: string, address: string | null): string | null {
  if (!address) return null;
  const key = createHmac('sha256', secret).update('lio/web-form-client/v1').digest();
  return createHmac('sha256', key).update(address).digest('base64url').slice(0, 32);
}

const clip = (text: string | null, max: number) => (text === null ? null : text.slice(0, max));

/** A stored submission and its retry event (bigint id, as pg returns it). */
export interface StoredSubmission {
  submissionId: number;
  eventId: string;
}

/** Stores valid answers as a pending submission with its retry event, in one statement. */
export async function storeSubmission(db: Database, form: Pick<WebForm, 'id' | 'org_id'>, answers: Answers, origin: SubmissionOrigin): Promise<StoredSubmission> {
  const { rows } = await db.pool.query<{ id: number; event_id: string }>(
    `WITH submission AS (
       INSERT INTO web_form_submissions (org_id, form_id, answers, status, client_hash, user_agent, referrer)
       VALUES ($1, $2, $3::jsonb, 'pending', $4, $5, $6)
       RETURNING id, org_id
     ), retry AS (
       INSERT INTO outbox_events (org_id, kind, payload, available_at)
       SELECT org_id, 'web_form.submission', jsonb_build_object('submissionId', id), now() + make_interval(secs => $7) FROM submission
       RETURNING id
     )
     SELECT submission.id, retry.id AS event_id FROM submission, retry`,
    [form.org_id, form.id, JSON.stringify(answers), origin.clientHash, clip(origin.userAgent, 500), clip(origin.referrer, 2000), INLINE_LEASE_SECONDS],
  );
  return { submissionId: rows[0]!.id, eventId: rows[0]!.event_id };
}

/** Records a submission refused as spam (honeypot filled, sent too fast, no valid stamp): no answers kept, nothing created. */
export async function recordSpam(db: Database, form: Pick<WebForm, 'id' | 'org_id'>, reason: string, origin: SubmissionOrigin): Promise<void> {
  await db.pool.query(
    `INSERT INTO web_form_submissions (org_id, form_id, answers, status, error, client_hash, user_agent, referrer, processed_at)
     VALUES ($1, $2, '{}'::jsonb, 'spam', $3, $4, $5, $6, now())`,
    [form.org_id, form.id, reason, origin.clientHash, clip(origin.userAgent, 500), clip(origin.referrer, 2000)],
  );
}

export type ProcessOutcome =
  | { status: 'accepted' | 'merged'; leadId: number }
  /** already settled by an earlier attempt, or its form is gone: nothing to do */
  | { status: 'settled' }
  /** the lead cannot be made from these answers as the form now stands (e.g. its owner left): kept as failed, not retried */
  | { status: 'failed'; error: string };

/** What is kept of an error on the submission: its kind and message, never a stack nor a provider's body. */
const errorText = (err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  return (err instanceof ApiError ? `${err.kind}: ${message}` : message).slice(0, 500);
};

/** A stored submission, its status among its columns. */
type SubmissionRow = PendingSubmission & { status: SubmissionStatus };

/** A submission as its lead is made from it: its answers and what its form gives the lead (fields null: the form is gone). */
interface PendingSubmission {
  id: number;
  org_id: number;
  form_id: number;
  answers: Answers;
  fields: FormField[] | null;
  lead_source: number | null;
  lead_tags: string[] | null;
  assigned_to: number | null;
}

/**
 * Makes the submission's lead (duplicate email or LinkedIn URL: merged into
 * the existing lead, §8.1 policy merge), records a form_submitted signal and
 * marks the submission accepted or merged. Safe to run again: a settled
 * submission is left alone. A failure other than the answers not fitting the
 * organization any more is thrown after marking the submission failed, for
 * the caller to retry.
 */
export async function processSubmission(db: Database, submissionId: number): Promise<ProcessOutcome> {
  const { rows } = await db.pool.query<SubmissionRow>(
    `SELECT s.id, s.org_id, s.form_id, s.status, s.answers, f.fields, f.lead_source, f.lead_tags, f.assigned_to
       FROM web_form_submissions s LEFT JOIN web_forms f ON f.id = s.form_id AND f.org_id = s.org_id
      WHERE s.id = $1`,
    [submissionId],
  );
  const submission = rows[0];
  if (!submission || !['pending', 'failed'].includes(submission.status)) return { status: 'settled' };
  return makeLead(db, submission);
}

/**
 * `retryEventId`: the submission's outbox event, removed in the same
 * transaction once the lead is made (never by the relay, which holds that
 * row locked while it delivers it and removes it itself).
 */
/** Another attempt settled the submission first: this attempt's lead is rolled back. */
class SettledElsewhere extends Error {}

async function makeLead(db: Database, submission: PendingSubmission, retryEventId?: string): Promise<ProcessOutcome> {
  if (!submission.fields) return { status: 'settled' };
  const { org_id: orgId } = submission;
  const input = leadInputOf(submission.fields, submission.answers, {
    lead_source: submission.lead_source,
    lead_tags: submission.lead_tags ?? [],
    assigned_to: submission.assigned_to,
  });
  const statusOf = (outcome: CreateOutcome) => (outcome === 'merged' ? 'merged' : 'accepted');
  try {
    // The submission is settled in the lead's own transaction, so a process
    // dying between the two cannot leave a lead whose submission is retried
    // into a second one; and settling only a submission still pending or
    // failed makes a second processor (the relay after the lease, while the
    // request still runs) roll its lead back: one lead per submission.
    // The form acts as the system (no user): the activity feed shows the lead as created by the system.
    const { lead, outcome } = await createLead(db, { orgId, userId: null }, input, 'merge', 'workflow', async (tx, written) => {
      const settled = await tx.query(
        `UPDATE web_form_submissions SET status = $3, lead_id = $4, attempts = attempts + 1, error = NULL, processed_at = now()
          WHERE id = $1 AND org_id = $2 AND status IN ('pending', 'failed')`,
        [submission.id, orgId, statusOf(written.outcome), written.lead.id],
      );
      if (settled.rowCount === 0) throw new SettledElsewhere();
      await recordSignal(tx, {
        orgId,
        leadId: written.lead.id,
        signalType: 'form_submitted',
        source: 'web_form',
        detail: { form_id: submission.form_id, submission_id: submission.id },
      });
      // the request's own attempt settles its retry event with the submission (the relay removes the events it delivers)
      if (retryEventId !== undefined) await tx.query('DELETE FROM outbox_events WHERE id = $1', [retryEventId]);
    });
    return { status: statusOf(outcome), leadId: lead.id };
  } catch (err) {
    if (err instanceof SettledElsewhere) return { status: 'settled' };
    const permanent = err instanceof ApiError && err.kind === 'validation_error';
    await db.pool.query(
      `UPDATE web_form_submissions SET status = 'failed', attempts = attempts + 1, error = $3, processed_at = CASE WHEN $4 THEN now() END
        WHERE id = $1 AND org_id = $2`,
      [submission.id, orgId, errorText(err), permanent],
    );
    if (permanent) return { status: 'failed', error: errorText(err) };
    throw err;
  }
}

/**
 * The request's own attempt at a submission it just stored, from the form
 * and answers it has in hand: on success (or a permanent failure) its retry
 * event is removed; on a failure that may pass, the event is made due soon
 * and the relay takes over. Never throws: the submission is kept either way,
 * and the person is thanked.
 */
export async function processStoredSubmission(
  db: Database,
  form: Pick<WebForm, 'id' | 'org_id' | 'fields' | 'lead_source' | 'lead_tags' | 'assigned_to'>,
  answers: Answers,
  { submissionId, eventId }: StoredSubmission,
): Promise<ProcessOutcome | { status: 'retrying' }> {
  const submission: PendingSubmission = {
    id: submissionId,
    org_id: form.org_id,
    form_id: form.id,
    answers,
    fields: form.fields as unknown as FormField[],
    lead_source: form.lead_source,
    lead_tags: form.lead_tags,
    assigned_to: form.assigned_to,
  };
  try {
    const outcome = await makeLead(db, submission, eventId);
    // a submission failing for good leaves its event to remove here
    if (outcome.status === 'failed') await db.pool.query('DELETE FROM outbox_events WHERE id = $1', [eventId]);
    return outcome;
  } catch {
    await db.pool
      .query('UPDATE outbox_events SET available_at = now() + make_interval(secs => $2) WHERE id = $1', [eventId, FIRST_RETRY_SECONDS])
      // if even this fails, the event keeps its lease and the relay takes it later
      .catch(() => undefined);
    return { status: 'retrying' };
  }
}

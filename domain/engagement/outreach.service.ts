// ABM outreach plans (§6.8): each step (email, call, LinkedIn task, task) of
// a target account's contact is run by that contact's sequence — one job of
// type outreach_sequence per (account, contact) while it is open, run by
// workflows/outreach-sequence.workflow.ts. The API records a step and, for a
// contact without an open sequence, the job and its `job.start` event in one
// transaction; a step for a contact whose sequence is open joins it (its
// total grows) and an `outreach.changed` event wakes its workflow, which
// re-reads its next step. The job row is locked by both sides, so a step
// never joins a sequence that has just decided it is done.
//
// The workflow's activities call the rest: which step is next and when it
// may go out (outreach-timing.ts: quiet hours in the recipient's zone),
// whether the sequence must stop (sequence-stop.ts: reply, meeting,
// unsubscribe), and executing one step exactly once: a step is claimed
// (scheduled → running) and settled (running → done | skipped | failed) by
// conditional updates, an email is queued under the step's own idempotency
// key (one tracked message however often the activity is retried), a task is
// one notification per step, and a call retried after it was placed finds the
// call it placed.
import type pg from 'pg';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import type { ListParams } from '../platform/list-query.js';
import { paged } from '../platform/list-query.js';
import { outboxInsert } from '../platform/outbox-events.js';
import type { SecretBox } from '../platform/secret-box.js';
import { transaction } from '../platform/transaction.js';
import { openMailAccount } from '../communications/mail-configuration.service.js';
import { completeJobIn, createJob, growJobTotal, lockJobForStep, lockOpenJobWith, recordJobProgress, type JobRef } from '../jobs/job.service.js';
import { NOTIFICATION_TYPES } from '../notifications/notification.service.js';
import { initiateAgentCall } from '../voice/call.service.js';
import { queueTrackedMail, type TrackingLinks } from './email-tracking.js';
import { recordSignal } from './intent-signals.js';
import { DEFAULT_QUIET_HOURS, recipientTimeZone, sendTimeOf, type QuietHours } from './outreach-timing.js';
import { sequenceStopReason, type StopReason } from './sequence-stop.js';

export const OUTREACH_CHANNELS = ['email', 'call', 'linkedin_task', 'task'] as const;
export type OutreachChannel = (typeof OUTREACH_CHANNELS)[number];

export const OUTREACH_STEP_STATUSES = ['scheduled', 'running', 'done', 'skipped', 'cancelled', 'failed'] as const;
export type OutreachStepStatus = (typeof OUTREACH_STEP_STATUSES)[number];

/** How far ahead a step may be planned. */
export const MAX_PLAN_AHEAD_DAYS = 365;

export const OUTREACH_JOB_TYPE = 'outreach_sequence' as const;

interface OutreachStepRow {
  id: number;
  org_id: number;
  target_account_id: number;
  contact_id: number;
  channel: OutreachChannel;
  scheduled_at: Date;
  assigned_to: number | null;
  notes: string | null;
  subject: string | null;
  body: string | null;
  status: OutreachStepStatus;
  job_id: number | null;
  executed_at: Date | null;
  outcome: Record<string, unknown>;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}

export function presentOutreachStep(row: OutreachStepRow) {
  return {
    id: row.id,
    target_account_id: row.target_account_id,
    contact_id: row.contact_id,
    channel: row.channel,
    scheduled_at: row.scheduled_at.toISOString(),
    assigned_to: row.assigned_to,
    notes: row.notes,
    subject: row.subject,
    body: row.body,
    status: row.status,
    job_id: row.job_id,
    executed_at: row.executed_at?.toISOString() ?? null,
    outcome: row.outcome,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type OutreachStepView = ReturnType<typeof presentOutreachStep>;

export interface NewOutreachStep {
  contact_id: number;
  channel: OutreachChannel;
  scheduled_at: Date;
  assigned_to?: number | null;
  notes?: string | null;
  subject?: string | null;
  body?: string | null;
}

/** The account of the organization (locked against deletion while the step is written), or 404. */
async function targetAccountOf(client: pg.PoolClient, orgId: number, id: number) {
  const { rows } = await client.query<{ id: number; owner_id: number | null }>(
    'SELECT id, owner_id FROM target_accounts WHERE org_id = $1 AND id = $2 FOR KEY SHARE',
    [orgId, id],
  );
  if (!rows[0]) throw notFound('Target account');
  return rows[0];
}

/**
 * Records one step of the account's outreach plan for one of its contacts,
 * in the contact's open sequence or a new one (see the file's comment).
 */
export async function createOutreachStep(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, accountId: number, input: NewOutreachStep) {
  const now = Date.now();
  if (input.scheduled_at.getTime() <= now) {
    throw new ApiError('validation_error', 'scheduled_at must be in the future', { code: 'scheduled_in_past' });
  }
  if (input.scheduled_at.getTime() > now + MAX_PLAN_AHEAD_DAYS * 86_400_000) {
    throw new ApiError('validation_error', `scheduled_at may be at most ${MAX_PLAN_AHEAD_DAYS} days ahead`, { code: 'scheduled_too_far' });
  }
  if (input.channel === 'email' && !input.body?.trim() && !input.notes?.trim()) {
    throw new ApiError('validation_error', 'An email step needs a body (or notes, sent as its text)', { code: 'email_body_required' });
  }
  return transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const account = await targetAccountOf(client, scope.orgId, accountId);
    const { rowCount: linked } = await client.query(
      'SELECT 1 FROM target_account_contacts WHERE org_id = $1 AND target_account_id = $2 AND contact_id = $3',
      [scope.orgId, accountId, input.contact_id],
    );
    if (!linked) {
      throw new ApiError('validation_error', 'The contact is not one of this target account\'s contacts', { code: 'contact_not_in_account' });
    }
    const assignedTo = input.assigned_to ?? account.owner_id ?? scope.userId;
    if (assignedTo !== null) {
      const { rowCount } = await client.query('SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL', [scope.orgId, assignedTo]);
      if (!rowCount) throw new ApiError('validation_error', 'assigned_to is not a user of this organization', { code: 'unknown_user' });
    }
    // one sequence per contact: concurrent first steps for the same contact wait for each other here
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('outreach_sequence:' || $1 || ':' || $2 || ':' || $3, 0))`, [
      scope.orgId,
      accountId,
      input.contact_id,
    ]);
    const sequence = { target_account_id: accountId, contact_id: input.contact_id };
    const open = await lockOpenJobWith(client, scope.orgId, OUTREACH_JOB_TYPE, sequence);
    let jobId: number;
    if (open) {
      jobId = open.id;
      await growJobTotal(client, { orgId: scope.orgId, jobId }, 1);
    } else {
      jobId = (await createJob(client, scope, { type: OUTREACH_JOB_TYPE, params: sequence, total: 1 })).id;
    }
    const { rows } = await client.query<OutreachStepRow>(
      `WITH step AS (
         INSERT INTO outreach_steps (org_id, target_account_id, contact_id, channel, scheduled_at, assigned_to, notes, subject, body, job_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING *
       ), wake AS (
         ${outboxInsert({ kind: 'outreach.changed', orgId: 'org_id', payload: { jobId: 'job_id' }, from: 'step WHERE $12::boolean' })}
       )
       SELECT * FROM step`,
      [
        scope.orgId, accountId, input.contact_id, input.channel, input.scheduled_at, assignedTo, input.notes ?? null,
        input.subject ?? null, input.body ?? null, jobId, scope.userId, Boolean(open),
      ],
    );
    return presentOutreachStep(rows[0]!);
  });
}

export const OUTREACH_SORTABLE_FIELDS = ['id', 'scheduled_at', 'created_at'] as const;

/** The account's steps, by scheduled_at (then id) unless asked otherwise; 404 for an account of another organization. */
export async function listOutreachSteps(
  db: Database,
  scope: Pick<Scope, 'orgId'>,
  accountId: number,
  params: Pick<ListParams<(typeof OUTREACH_SORTABLE_FIELDS)[number]>, 'page' | 'limit' | 'order_by' | 'order_in'> & {
    contact_id?: number;
    status?: OutreachStepStatus[];
  },
) {
  const account = await db.prisma.targetAccount.findFirst({ where: { id: accountId, org_id: scope.orgId }, select: { id: true } });
  if (!account) throw notFound('Target account');
  const orderBy = params.order_by && OUTREACH_SORTABLE_FIELDS.includes(params.order_by) ? params.order_by : 'scheduled_at';
  const direction = params.order_in === 'DESC' ? 'DESC' : 'ASC';
  const filters = [params.contact_id ?? null, params.status ?? null] as const;
  const where = `org_id = $1 AND target_account_id = $2 AND ($3::int IS NULL OR contact_id = $3) AND ($4::text[] IS NULL OR status = ANY($4))`;
  const [{ rows }, { rows: counted }] = await Promise.all([
    db.pool.query<OutreachStepRow>(`SELECT * FROM outreach_steps WHERE ${where} ORDER BY ${orderBy} ${direction}, id ${direction} LIMIT $5 OFFSET $6`, [
      scope.orgId, accountId, ...filters, params.limit, (params.page - 1) * params.limit,
    ]),
    db.pool.query<{ total: number }>(`SELECT count(*)::int AS total FROM outreach_steps WHERE ${where}`, [scope.orgId, accountId, ...filters]),
  ]);
  return paged(rows.map(presentOutreachStep), counted[0]!.total, params);
}

// ---------------------------------------------------------------- the sequence's side (activities)

/** What the sequence does next: a step and when it may go out, or nothing left (`stopped`: why the rest was skipped). */
export type NextOutreachStep = { kind: 'step'; stepId: number; sendAt: number } | { kind: 'idle'; stopped: StopReason | null };

interface SequenceContext {
  contactId: number;
  /** when the sequence started: its first step's creation */
  since: Date;
}

async function sequenceOf(client: Database['pool'] | pg.PoolClient, { orgId, jobId }: JobRef): Promise<SequenceContext | undefined> {
  const { rows } = await client.query<{ contact_id: number; since: Date }>(
    'SELECT contact_id, min(created_at) AS since FROM outreach_steps WHERE org_id = $1 AND job_id = $2 GROUP BY contact_id LIMIT 1',
    [orgId, jobId],
  );
  return rows[0] && { contactId: rows[0].contact_id, since: rows[0].since };
}

/** The steps of the sequence not yet run are skipped, with the reason; answers how many. */
async function skipRemainingSteps(client: Database['pool'] | pg.PoolClient, { orgId, jobId }: JobRef, reason: string): Promise<number> {
  const { rowCount } = await client.query(
    `UPDATE outreach_steps SET status = 'skipped', outcome = jsonb_build_object('reason', $3::text), updated_at = now()
      WHERE org_id = $1 AND job_id = $2 AND status IN ('scheduled', 'running')`,
    [orgId, jobId, reason],
  );
  return rowCount ?? 0;
}

/**
 * Steps whose contact or target account was deleted meanwhile (nothing
 * links them by foreign key) have nobody to reach: skipped, with the reason,
 * so that the sequence neither waits for them nor tries them again.
 */
async function skipOrphanedSteps(db: Database, ref: JobRef): Promise<void> {
  await db.pool.query(
    `UPDATE outreach_steps s
        SET status = 'skipped', updated_at = now(),
            outcome = jsonb_build_object('reason', CASE WHEN c.id IS NULL THEN 'contact_deleted' ELSE 'target_account_deleted' END)
       FROM outreach_steps o
       LEFT JOIN contacts c ON c.id = o.contact_id AND c.org_id = o.org_id
       LEFT JOIN target_accounts a ON a.id = o.target_account_id AND a.org_id = o.org_id
      WHERE s.id = o.id AND o.org_id = $1 AND o.job_id = $2 AND o.status IN ('scheduled', 'running') AND (c.id IS NULL OR a.id IS NULL)`,
    [ref.orgId, ref.jobId],
  );
}

/** The job's progress from its steps: total = steps, processed = steps no longer waiting, result = steps by status. */
async function syncSequenceProgress(db: Database, ref: JobRef): Promise<void> {
  const { rows } = await db.pool.query<{ status: OutreachStepStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM outreach_steps WHERE org_id = $1 AND job_id = $2 GROUP BY status',
    [ref.orgId, ref.jobId],
  );
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Partial<Record<OutreachStepStatus, number>>;
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  const waiting = (byStatus.scheduled ?? 0) + (byStatus.running ?? 0);
  await recordJobProgress(db, ref, { checkpoint: {}, processed: total - waiting, total, result: byStatus });
}

/** Where and when a step's recipient is, and what the organization allows. */
interface StepTiming {
  scheduled_at: Date;
  contact_zone: string | null;
  org_zone: string | null;
  quiet_start: number | null;
  quiet_end: number | null;
}

const TIMING_COLUMNS = `s.scheduled_at, c.timezone AS contact_zone, o.timezone AS org_zone, e.quiet_hours_start AS quiet_start, e.quiet_hours_end AS quiet_end`;
const TIMING_JOINS = `JOIN contacts c ON c.id = s.contact_id AND c.org_id = s.org_id
                      JOIN organizations o ON o.id = s.org_id
                      LEFT JOIN engagement_settings e ON e.org_id = s.org_id`;

function sendTimeOfStep(step: StepTiming): Date {
  const quiet: QuietHours = step.quiet_start === null || step.quiet_end === null ? DEFAULT_QUIET_HOURS : { start: step.quiet_start, end: step.quiet_end };
  return sendTimeOf(step.scheduled_at, recipientTimeZone(step.contact_zone, step.org_zone), quiet);
}

/**
 * The sequence's next step and when it may go out. The stop conditions are
 * judged first: when the contact replied, booked a meeting or unsubscribed,
 * the remaining steps are skipped with that reason and nothing is next.
 */
export async function nextOutreachStep(db: Database, ref: JobRef): Promise<NextOutreachStep> {
  await skipOrphanedSteps(db, ref);
  const sequence = await sequenceOf(db.pool, ref);
  if (!sequence) return { kind: 'idle', stopped: null };
  const stopped = await sequenceStopReason(db.pool, ref.orgId, sequence.contactId, sequence.since);
  if (stopped) {
    await skipRemainingSteps(db.pool, ref, stopped);
    await syncSequenceProgress(db, ref);
    return { kind: 'idle', stopped };
  }
  const { rows } = await db.pool.query<StepTiming & { id: number }>(
    `SELECT s.id, ${TIMING_COLUMNS} FROM outreach_steps s ${TIMING_JOINS}
      WHERE s.org_id = $1 AND s.job_id = $2 AND s.status IN ('scheduled', 'running')
      ORDER BY s.scheduled_at, s.id LIMIT 1`,
    [ref.orgId, ref.jobId],
  );
  const step = rows[0];
  return step ? { kind: 'step', stepId: step.id, sendAt: sendTimeOfStep(step).getTime() } : { kind: 'idle', stopped: null };
}

/**
 * Completes the sequence's job when no step waits any more, with the job row
 * locked (a step being added locks it too: it either joined before, and is
 * waiting, or finds the job finished and starts a new sequence). False: a
 * step arrived meanwhile.
 */
export async function finishSequenceIfIdle(db: Database, ref: JobRef): Promise<boolean> {
  await syncSequenceProgress(db, ref);
  return transaction(db.pool, { actorId: null }, async (client) => {
    const job = await lockJobForStep(client, ref);
    if (!job) return true;
    const { rowCount } = await client.query(`SELECT 1 FROM outreach_steps WHERE org_id = $1 AND job_id = $2 AND status IN ('scheduled', 'running') LIMIT 1`, [
      ref.orgId,
      ref.jobId,
    ]);
    if (rowCount) return false;
    await completeJobIn(client, ref);
    return true;
  });
}

/** The sequence was cancelled (jobs API): its steps not yet run are cancelled. */
export async function cancelRemainingSteps(db: Database, ref: JobRef): Promise<number> {
  const { rowCount } = await db.pool.query(
    `UPDATE outreach_steps SET status = 'cancelled', outcome = jsonb_build_object('reason', 'job_cancelled'), updated_at = now()
      WHERE org_id = $1 AND job_id = $2 AND status IN ('scheduled', 'running')`,
    [ref.orgId, ref.jobId],
  );
  await syncSequenceProgress(db, ref);
  return rowCount ?? 0;
}

/** What executing a step needs from outside the database. */
export interface OutreachExecution {
  tracking: TrackingLinks;
  secrets: SecretBox;
  /** the voice provider calls are placed through ('twilio' | 'sandbox'), or null: voice is not set up, a call step becomes a task */
  voiceProvider: string | null;
  /**
   * the sequence's clock: the workflow's time when it judged the step due (the clock its timers keep, so a step
   * never runs before its send time by that clock — also when tests skip workflow time); recorded as executed_at
   */
  now: Date;
}

export type StepExecution =
  | { kind: 'settled'; status: OutreachStepStatus }
  | { kind: 'not_due'; sendAt: number }
  | { kind: 'stopped'; reason: StopReason };

interface ClaimedStep extends OutreachStepRow {
  contact_name: string;
  contact_email: string | null;
  lead_id: number | null;
  owner_id: number | null;
  /** the step was already running: an earlier attempt may have done part of its work */
  retried: boolean;
}

/**
 * Runs one step of the sequence, exactly once (see the file's comment):
 * not before its send time, and not when the contact's sequence must stop
 * (then every remaining step is skipped).
 */
export async function executeOutreachStep(db: Database, ref: JobRef, stepId: number, execution: OutreachExecution): Promise<StepExecution> {
  const { rows: timing } = await db.pool.query<StepTiming & { status: OutreachStepStatus }>(
    `SELECT s.status, ${TIMING_COLUMNS} FROM outreach_steps s ${TIMING_JOINS} WHERE s.org_id = $1 AND s.job_id = $2 AND s.id = $3`,
    [ref.orgId, ref.jobId, stepId],
  );
  const step = timing[0];
  if (!step) return { kind: 'settled', status: 'cancelled' };
  if (step.status !== 'scheduled' && step.status !== 'running') return { kind: 'settled', status: step.status };
  const sendAt = sendTimeOfStep(step).getTime();
  if (sendAt > execution.now.getTime()) return { kind: 'not_due', sendAt };

  const sequence = (await sequenceOf(db.pool, ref))!;
  const stopped = await sequenceStopReason(db.pool, ref.orgId, sequence.contactId, sequence.since);
  if (stopped) {
    await skipRemainingSteps(db.pool, ref, stopped);
    await syncSequenceProgress(db, ref);
    return { kind: 'stopped', reason: stopped };
  }

  // claimed: scheduled → running, outcome.claimed_at saying when (a retried call step looks for its call from then on)
  const { rows: claimed } = await db.pool.query<ClaimedStep>(
    `WITH claimed AS (
       UPDATE outreach_steps s SET status = 'running', updated_at = now(),
              outcome = CASE WHEN s.status = 'scheduled' THEN jsonb_build_object('claimed_at', now()) ELSE s.outcome END
        WHERE s.org_id = $1 AND s.job_id = $2 AND s.id = $3 AND s.status IN ('scheduled', 'running')
        RETURNING s.*, (SELECT status FROM outreach_steps WHERE id = s.id) = 'running' AS retried
     )
     SELECT claimed.*, c.name AS contact_name, c.email AS contact_email, c.lead_id, a.owner_id
       FROM claimed JOIN contacts c ON c.id = claimed.contact_id AND c.org_id = claimed.org_id
       LEFT JOIN target_accounts a ON a.id = claimed.target_account_id AND a.org_id = claimed.org_id`,
    [ref.orgId, ref.jobId, stepId],
  );
  const claim = claimed[0];
  if (!claim) {
    // settled meanwhile by a concurrent execution (or cancelled, or gone): answer what it is now
    const { rows: now } = await db.pool.query<{ status: OutreachStepStatus }>('SELECT status FROM outreach_steps WHERE org_id = $1 AND job_id = $2 AND id = $3', [
      ref.orgId,
      ref.jobId,
      stepId,
    ]);
    return { kind: 'settled', status: now[0]?.status ?? 'cancelled' };
  }

  let settled: { status: OutreachStepStatus; outcome: Record<string, unknown> };
  try {
    settled = await runStep(db, claim, execution);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // refused for good (no mail account, credentials to renew, …): recorded on the step, the sequence goes on
    if (err.options.code === 'recipient_unsubscribed') {
      await skipRemainingSteps(db.pool, ref, 'unsubscribed');
      await syncSequenceProgress(db, ref);
      return { kind: 'stopped', reason: 'unsubscribed' };
    }
    settled = { status: 'failed', outcome: { error: err.options.code ?? err.kind, message: err.message } };
  }
  const { rows: done } = await db.pool.query<{ status: OutreachStepStatus }>(
    `UPDATE outreach_steps SET status = $4, outcome = $5, executed_at = $6, updated_at = now()
      WHERE org_id = $1 AND job_id = $2 AND id = $3 AND status = 'running' RETURNING status`,
    // executed at the time it was judged due by (the workflow's clock)
    [ref.orgId, ref.jobId, stepId, settled.status, JSON.stringify(settled.outcome), execution.now],
  );
  await syncSequenceProgress(db, ref);
  return { kind: 'settled', status: done[0]?.status ?? settled.status };
}

async function runStep(db: Database, step: ClaimedStep, execution: OutreachExecution) {
  switch (step.channel) {
    case 'email':
      return sendStepEmail(db, step, execution);
    case 'call':
      return placeStepCall(db, step, execution);
    case 'linkedin_task':
    case 'task':
      return notifyTask(db, step, null);
  }
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Notes are plain text: sent as paragraphs, never as markup. */
const htmlOfNotes = (notes: string) =>
  notes
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');

/** The step's subject: its own, else the first line of its notes (cut to a subject's length). */
const subjectOf = (step: ClaimedStep) => step.subject?.trim() || (step.notes ?? '').split('\n')[0]!.trim().slice(0, 200) || 'Following up';

/** The sender's mailbox: the assigned user's newest active configuration, else the account owner's. */
async function senderMailboxOf(db: Database, step: ClaimedStep) {
  const { rows } = await db.pool.query<{ id: number; user_id: number }>(
    `SELECT id, user_id FROM mail_configurations
      WHERE org_id = $1 AND user_id = ANY($2::int[]) AND state_id = 1
      ORDER BY user_id = $3 DESC, id DESC LIMIT 1`,
    [step.org_id, [step.assigned_to, step.owner_id].filter((id): id is number => id !== null), step.assigned_to ?? 0],
  );
  return rows[0];
}

async function sendStepEmail(db: Database, step: ClaimedStep, execution: OutreachExecution) {
  if (!step.contact_email?.trim()) return { status: 'skipped' as const, outcome: { reason: 'no_email_address' } };
  const mailbox = await senderMailboxOf(db, step);
  if (!mailbox) {
    throw new ApiError('validation_error', 'Neither the assigned user nor the account owner has a mail configuration to send from', { code: 'no_mail_account' });
  }
  const account = await openMailAccount(db, execution.secrets, step.org_id, mailbox.id);
  const body = step.body?.trim() ? step.body : htmlOfNotes(step.notes ?? '');
  const { message, trackedEmailId } = await queueTrackedMail(
    db,
    execution.tracking,
    { orgId: step.org_id, userId: mailbox.user_id },
    account,
    { subject: subjectOf(step), body },
    { source: 'sequence', leadId: step.lead_id, contactId: step.contact_id, targetAccountId: step.target_account_id, recipient: step.contact_email },
    // one message per step, however often this runs
    `outreach-step:${step.id}`,
  );
  return { status: 'done' as const, outcome: { message_id: message.id, tracked_email_id: trackedEmailId, config_id: mailbox.id, to: step.contact_email } };
}

/** A call the step placed on an earlier attempt (the attempt ended before it recorded it). */
async function callPlacedBy(db: Database, step: ClaimedStep): Promise<number | undefined> {
  const { rows } = await db.pool.query<{ id: number }>(
    'SELECT id FROM calls WHERE org_id = $1 AND contact_id = $2 AND user_id IS NOT DISTINCT FROM $3 AND created_at >= $4::timestamptz ORDER BY id LIMIT 1',
    [step.org_id, step.contact_id, step.assigned_to, (step.outcome.claimed_at as string | undefined) ?? step.created_at],
  );
  return rows[0]?.id;
}

/**
 * A call step places an AI agent call through domain/voice when voice is set
 * up (the notes brief the agent); when it is not, or the call cannot be placed
 * (no number to call from, none to dial, an empty wallet), the assigned user
 * gets the call as a task instead, with the reason.
 */
async function placeStepCall(db: Database, step: ClaimedStep, execution: OutreachExecution) {
  if (!execution.voiceProvider) return notifyTask(db, step, 'voice_not_configured');
  const earlier = step.retried ? await callPlacedBy(db, step) : undefined;
  if (earlier !== undefined) return { status: 'done' as const, outcome: { call_id: earlier } };
  try {
    const call = await initiateAgentCall(db, { orgId: step.org_id, userId: step.assigned_to }, execution.voiceProvider, {
      contact_id: step.contact_id,
      system_prompt:
        step.notes?.trim() ||
        `You are calling ${step.contact_name} as part of an account outreach plan. Introduce yourself, ask whether now is a good time, and offer to book a meeting.`,
    });
    return { status: 'done' as const, outcome: { call_id: call.id } };
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'validation_error') return notifyTask(db, step, err.options.code ?? 'call_refused');
    throw err;
  }
}

const TASK_TITLES: Record<OutreachChannel, string> = {
  email: 'Outreach email',
  call: 'Outreach call due',
  linkedin_task: 'LinkedIn outreach due',
  task: 'Outreach task due',
};

/** The step as a task for its assigned user: one notification per step, however often this runs. */
async function notifyTask(db: Database, step: ClaimedStep, fallbackReason: string | null) {
  if (step.assigned_to === null) return { status: 'skipped' as const, outcome: { reason: 'no_assignee' } };
  const data = {
    model_type: 'outreach_step',
    model_id: step.id,
    outreach_step_id: step.id,
    channel: step.channel,
    contact_id: step.contact_id,
    target_account_id: step.target_account_id,
    ...(fallbackReason ? { reason: fallbackReason } : {}),
  };
  const message = `${step.contact_name}${step.notes ? `: ${step.notes.slice(0, 500)}` : ''}`;
  const { rows } = await db.pool.query<{ id: number }>(
    `WITH inserted AS (
       INSERT INTO notifications (org_id, user_id, type_id, title, message, data)
       SELECT $1, u.id, $3, $4, $5, $6::jsonb FROM users u
        WHERE u.org_id = $1 AND u.id = $2 AND u.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.org_id = $1 AND n.data @> jsonb_build_object('outreach_step_id', $7::int))
       RETURNING id)
     SELECT id FROM inserted UNION ALL
     SELECT id FROM notifications WHERE org_id = $1 AND data @> jsonb_build_object('outreach_step_id', $7::int)
     LIMIT 1`,
    [step.org_id, step.assigned_to, NOTIFICATION_TYPES.follow_up_due, TASK_TITLES[step.channel], message, JSON.stringify(data), step.id],
  );
  if (!rows[0]) return { status: 'skipped' as const, outcome: { reason: 'assignee_gone' } };
  return { status: 'done' as const, outcome: { task: 'notification', notification_id: rows[0].id, ...(fallbackReason ? { reason: fallbackReason } : {}) } };
}

// ---------------------------------------------------------------- reply detection from the inbox

/** What asking the inbox about a reply needs: the contact's address, the mailbox the sequence sent from, since its first send. */
export interface ReplyProbe {
  contactId: number;
  leadId: number | null;
  address: string;
  configId: number;
  since: Date;
}

/** The sequence's probe, or null when it has sent no email yet (nothing to reply to). */
export async function replyProbeOf(db: Database, ref: JobRef): Promise<ReplyProbe | null> {
  const { rows } = await db.pool.query<{ contact_id: number; lead_id: number | null; email: string | null; config_id: number; since: Date }>(
    `SELECT s.contact_id, c.lead_id, c.email, (s.outcome->>'config_id')::int AS config_id, s.executed_at AS since
       FROM outreach_steps s JOIN contacts c ON c.id = s.contact_id AND c.org_id = s.org_id
      WHERE s.org_id = $1 AND s.job_id = $2 AND s.channel = 'email' AND s.status = 'done' AND s.outcome ? 'config_id'
      ORDER BY s.executed_at LIMIT 1`,
    [ref.orgId, ref.jobId],
  );
  const row = rows[0];
  if (!row?.email) return null;
  return { contactId: row.contact_id, leadId: row.lead_id, address: row.email.trim(), configId: row.config_id, since: row.since };
}

/**
 * A reply the inbox showed: a reply_received signal on the contact's lead
 * (once per inbox message), which stops the sequence at its next look; a
 * contact without a lead has its remaining steps skipped here directly.
 */
export async function recordInboxReply(db: Database, ref: JobRef, probe: ReplyProbe, reply: { messageId: string; at: Date }): Promise<void> {
  if (probe.leadId === null) {
    await skipRemainingSteps(db.pool, ref, 'replied');
    await syncSequenceProgress(db, ref);
    return;
  }
  const detail = { inbox_message_id: reply.messageId, contact_id: probe.contactId, config_id: probe.configId };
  await transaction(db.pool, { actorId: null }, async (tx) => {
    // once per inbox message: a retried activity, or two looks at the same inbox, record it once
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('inbox_reply:' || $1 || ':' || $2, 0))`, [ref.orgId, reply.messageId]);
    const { rowCount } = await tx.query(
      `SELECT 1 FROM intent_signals WHERE org_id = $1 AND lead_id = $2 AND signal_type = 'reply_received' AND signal_detail @> $3::jsonb`,
      [ref.orgId, probe.leadId, JSON.stringify({ inbox_message_id: reply.messageId })],
    );
    if (rowCount) return;
    await recordSignal(tx, { orgId: ref.orgId, leadId: probe.leadId!, signalType: 'reply_received', detail, source: 'inbox', occurredAt: reply.at });
  });
}

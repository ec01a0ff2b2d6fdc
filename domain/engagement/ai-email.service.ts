// AI email (§6.9): drafts written by the language model for one lead
// (generate) or many (bulk-generate, a job), approved by a person, and sent
// once through the mail pipeline as a tracked email (open pixel, click
// links, unsubscribe: email-tracking.ts), the send recorded as lead activity.
//
// Credits: one draft costs ai_email_draft. A single draft is paid like the
// AI tools (checked before the model, debited in the draft's transaction).
// A bulk job reserves the whole batch in the API's transaction that records
// the job (one ledger debit: refused whole when the balance cannot cover
// it, and then no job exists), and when the job ends — completed, cancelled
// or failed — returns what it did not use in one ledger credit keyed by the
// job. That settlement locks the job row and marks the job settled; a draft
// of the job is stored only under the same lock and only while the job is
// not settled, so reserve − refund is exactly the drafts stored, whatever a
// late activity does after a cancellation.
//
// One draft per (job, lead) ever: the unique (org_id, job_id, lead_id) and
// a look before each model call make a retried batch skip what it drafted.
import type { Job } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { apiErrorOf } from '../platform/connector-failure.js';
import { ApiError, notFound } from '../platform/errors.js';
import { paged, type ListParams } from '../platform/list-query.js';
import type { SecretBox } from '../platform/secret-box.js';
import { transaction } from '../platform/transaction.js';
import { assertCredits, debitCredits, priceOf } from '../billing/credits.service.js';
import { ensureOpeningCredits, postLedgerEntry } from '../billing/ledger.service.js';
import { openMailAccount, openMailAccountFor } from '../communications/mail-configuration.service.js';
import { sanitizeMailHtml, type OutboundMessageView } from '../communications/mail-delivery.js';
import { advanceJob, createJob, FINISHED_JOB_STATUSES, loadJobBatch, readJobState, recordRowErrors, setJobResult, type JobRef, type JobState } from '../jobs/job.service.js';
import { AI_EMAIL_DRAFT_V1 } from './ai-prompts.js';
import { LANGUAGE_MODEL, loadLeadContext, type LeadContext, type TextGenerator } from './ai-tools.service.js';
import { queueTrackedMail, type TrackingLinks } from './email-tracking.js';

export const DRAFT_STATUSES = ['draft', 'approved', 'sent'] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

/** The most leads one bulk-generate may name (§6.9). */
export const MAX_BULK_LEADS = 500;
/** Leads one bulk batch activity drafts, one after another. */
export const BULK_BATCH_SIZE = 10;
export const MAX_PERSONA_CHARS = 500;
const MAX_SUBJECT_CHARS = 200;

interface DraftRow {
  id: number;
  org_id: number;
  lead_id: number;
  persona: string | null;
  subject: string;
  body: string;
  generator: string;
  model: string | null;
  prompt_version: string;
  status: DraftStatus;
  job_id: number | null;
  credits_charged: number;
  approved_by: number | null;
  approved_at: Date | null;
  outbound_message_id: string | bigint | null;
  config_id: number | null;
  sent_by: number | null;
  sent_at: Date | null;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}

export function presentDraft(row: DraftRow) {
  return {
    id: row.id,
    lead_id: row.lead_id,
    persona: row.persona,
    subject: row.subject,
    body: row.body,
    status: row.status,
    generator: row.generator as 'llm' | 'offline',
    model: row.model,
    prompt_version: row.prompt_version,
    job_id: row.job_id,
    credits_charged: row.credits_charged,
    approved_by: row.approved_by,
    approved_at: row.approved_at?.toISOString() ?? null,
    outbound_message_id: row.outbound_message_id === null ? null : Number(row.outbound_message_id),
    config_id: row.config_id,
    sent_by: row.sent_by,
    sent_at: row.sent_at?.toISOString() ?? null,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type DraftView = ReturnType<typeof presentDraft>;

// ---------------------------------------------------------------- parsing the model's answer

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** http(s) URLs in escaped text become links (then tracked when sent); the rest stays text. */
const linkify = (escaped: string) => escaped.replace(/\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g, (url) => `<a href="${url}">${url}</a>`);

/** Plain text as HTML paragraphs: blank lines split paragraphs, single line breaks stay breaks. */
export function textToHtml(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${linkify(escapeHtml(paragraph)).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

const SUBJECT_LINE = /^\s*[*_#\s]*subject[*_\s]*:\s*(.+?)\s*$/i;
/** The offline generator's label line ("[Generated offline …]"): said by the draft's generator field, not in its text. */
const LABEL_LINE = /^\s*\[generated offline\b.*\]\s*$/i;

const cleanSubject = (subject: string) => {
  const plain = subject.replace(/[*_`]+/g, '').replace(/^["'«]+|["'»]+$/g, '').replace(/\s+/g, ' ').trim();
  return plain.length > MAX_SUBJECT_CHARS ? `${plain.slice(0, MAX_SUBJECT_CHARS - 1)}…` : plain;
};

/**
 * A subject and sanitised HTML body from the model's answer: the template
 * asks for "Subject: …" first; a model that did not comply (no subject line,
 * an empty subject, a preamble) still gives a usable draft — the subject then
 * comes from the lead's company or name, and the whole answer is the body.
 */
export function parseDraftAnswer(text: string, lead: Pick<LeadContext, 'company' | 'name'>): { subject: string; body: string } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').filter((line) => !LABEL_LINE.test(line));
  // the subject line is looked for near the top only: a "Subject:" deep in the body is the body's
  const head = lines.findIndex((line, index) => index < 6 && SUBJECT_LINE.test(line));
  let subject = '';
  let bodyLines = lines;
  if (head !== -1) {
    subject = cleanSubject(SUBJECT_LINE.exec(lines[head]!)![1]!);
    bodyLines = lines.slice(head + 1);
  }
  if (!subject) subject = lead.company ? `An idea for ${lead.company}` : lead.name ? `A note for ${lead.name}` : 'A quick note';
  const bodyText = bodyLines.join('\n').trim();
  const body = sanitizeMailHtml(textToHtml(bodyText || text.trim()));
  return { subject, body: body || '<p></p>' };
}

// ---------------------------------------------------------------- one draft

/** What the model is asked for one lead's draft (the single draft and every lead of a bulk job alike). */
export const draftRequest = (lead: LeadContext, persona: string | null) => ({
  system: AI_EMAIL_DRAFT_V1.system,
  prompt: AI_EMAIL_DRAFT_V1.build({ lead, persona }),
  maxTokens: AI_EMAIL_DRAFT_V1.maxTokens,
});

const INSERT_DRAFT = `INSERT INTO ai_email_drafts (org_id, lead_id, persona, subject, body, generator, model, prompt_version, job_id, credits_charged, created_by)
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

/**
 * Drafts an email for one lead of the organization (404 otherwise): 422
 * insufficient_credits before the model is asked when the balance is short;
 * the draft and its debit commit together.
 */
export async function generateDraft(
  db: Database,
  generator: TextGenerator,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  leadId: number,
  persona: string | null,
): Promise<DraftView> {
  const lead = await loadLeadContext(db.pool, scope.orgId, leadId);
  await assertCredits(db, scope.orgId, 'ai_email_draft');
  const answer = await generator.complete(draftRequest(lead, persona)).catch((err: unknown) => {
    throw apiErrorOf(LANGUAGE_MODEL, err);
  });
  const { subject, body } = parseDraftAnswer(answer.text, lead);
  const price = priceOf('ai_email_draft');
  const row = await transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const { rows } = await client.query<DraftRow>(`${INSERT_DRAFT} RETURNING *`, [
      scope.orgId,
      leadId,
      persona,
      subject,
      body,
      answer.generator,
      answer.model,
      AI_EMAIL_DRAFT_V1.version,
      null,
      price,
      scope.userId,
    ]);
    await debitCredits(client, {
      orgId: scope.orgId,
      userId: scope.userId,
      feature: 'ai_email_draft',
      idempotencyKey: `draft:${rows[0]!.id}`,
      reference: { draft_id: rows[0]!.id, lead_id: leadId, prompt_version: AI_EMAIL_DRAFT_V1.version },
    });
    return rows[0]!;
  });
  return presentDraft(row);
}

// ---------------------------------------------------------------- bulk: the job

export interface AiEmailBulkParams {
  persona: string | null;
  count: number;
  batch_size: number;
  /** credits per draft when the job was created (the price may change later: the refund uses this one) */
  price: number;
  reserved_credits: number;
}

const reserveKey = (jobId: number) => `ai_email_draft:bulk-reserve:${jobId}`;
const refundKey = (jobId: number) => `ai_email_draft:bulk-refund:${jobId}`;

/**
 * Records an ai_email_bulk job for these leads (all of the organization:
 * 422 unknown_leads naming the others) with the credits for every draft
 * reserved in the same transaction (422 insufficient_credits: no job, no
 * workflow).
 */
export async function createBulkDraftJob(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  input: { lead_ids: number[]; persona: string | null },
): Promise<Job> {
  const { rows: known } = await db.pool.query<{ id: number }>('SELECT id FROM leads WHERE org_id = $1 AND id = ANY($2::int[])', [scope.orgId, input.lead_ids]);
  const knownIds = new Set(known.map((row) => row.id));
  const unknown = input.lead_ids.filter((id) => !knownIds.has(id));
  if (unknown.length > 0) {
    throw new ApiError('validation_error', `These leads are not the organization's: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', …' : ''}`, {
      code: 'unknown_leads',
      meta: { lead_ids: unknown },
    });
  }
  const price = priceOf('ai_email_draft');
  const params: AiEmailBulkParams = {
    persona: input.persona,
    count: input.lead_ids.length,
    batch_size: BULK_BATCH_SIZE,
    price,
    reserved_credits: price * input.lead_ids.length,
  };
  return transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const job = await createJob(client, scope, { type: 'ai_email_bulk', params: { ...params }, total: params.count, items: input.lead_ids });
    await ensureOpeningCredits(client, scope.orgId);
    await postLedgerEntry(client, {
      orgId: scope.orgId,
      account: 'ai_credits',
      amount: -params.reserved_credits,
      reason: 'ai_email_draft',
      idempotencyKey: reserveKey(job.id),
      reference: { feature: 'ai_email_draft', job_id: job.id, drafts: params.count, reserved: true },
      createdBy: scope.userId,
    });
    return job;
  });
}

/** What a batch activity does per lead: the model call, wrapped by the activity in the shared provider throttle. */
export type DraftWriter = (lead: LeadContext, persona: string | null) => Promise<{ text: string; generator: 'llm' | 'offline'; model: string }>;

export interface BulkBatchOutcome {
  drafted: number;
  /** already drafted by an earlier attempt */
  existing: number;
  /** leads deleted since the job was created */
  skipped: number;
  /** leads the model refused to write for (its failure named in the job's row errors) */
  failed: number;
  /** the job ended (cancelled, failed) or was settled: the batch stopped early */
  stopped: boolean;
}

/** A failure of the model for one lead that another attempt would not change: the lead is counted failed, the batch goes on. */
export type LeadFailureJudge = (err: unknown) => string | null;

/**
 * Drafts batch `batch` of a bulk job: each lead without a draft of this job
 * is written by `write` and stored (with the job's progress) under the job's
 * lock. A failure `write` throws that `leadFailure` does not name ends the
 * attempt (the activity is retried; drafts stored so far stay and are found).
 * The batch's skipped and failed counts are added once, with the batch marked
 * done in the job's checkpoint.
 */
export async function draftBulkBatch(
  db: Database,
  ref: JobRef,
  batch: number,
  write: DraftWriter,
  leadFailure: LeadFailureJudge,
  onLead?: () => void,
): Promise<BulkBatchOutcome> {
  const outcome: BulkBatchOutcome = { drafted: 0, existing: 0, skipped: 0, failed: 0, stopped: false };
  const job = await loadJobBatch<AiEmailBulkParams, number>(db, ref, 'ai_email_bulk', batch);
  if (!job || job.done) return outcome;
  if (!(await jobIsLive(db, ref))) return { ...outcome, stopped: true };
  const leadIds = job.items;
  const { rows: drafted } = await db.pool.query<{ lead_id: number }>(
    'SELECT lead_id FROM ai_email_drafts WHERE org_id = $1 AND job_id = $2 AND lead_id = ANY($3::int[])',
    [ref.orgId, ref.jobId, leadIds],
  );
  const alreadyDrafted = new Set(drafted.map((row) => row.lead_id));
  const failures: { row: number; reason: string }[] = [];
  for (const [index, leadId] of leadIds.entries()) {
    onLead?.();
    if (alreadyDrafted.has(leadId)) {
      outcome.existing++;
      continue;
    }
    // a cancelled or settled job asks the model nothing more
    if (!(await jobIsLive(db, ref))) return { ...outcome, stopped: true };
    let lead: LeadContext;
    try {
      lead = await loadLeadContext(db.pool, ref.orgId, leadId);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'not_found') {
        outcome.skipped++;
        continue;
      }
      throw err;
    }
    let answer: Awaited<ReturnType<DraftWriter>>;
    try {
      answer = await write(lead, job.params.persona);
    } catch (err) {
      const reason = leadFailure(err);
      if (reason === null) throw err;
      outcome.failed++;
      failures.push({ row: batch * job.params.batch_size + index + 1, reason: `lead ${leadId}: ${reason}` });
      continue;
    }
    const { subject, body } = parseDraftAnswer(answer.text, lead);
    const stored = await transaction(db.pool, { actorId: null }, async (client) => {
      const locked = await readJobState(client, ref, true);
      // settled: the unused credits went back already, so a draft now would be unpaid
      if (!locked || isSettled(locked)) return 'settled' as const;
      const inserted = await client.query(`${INSERT_DRAFT} ON CONFLICT (org_id, job_id, lead_id) DO NOTHING`, [
        ref.orgId,
        leadId,
        job.params.persona,
        subject,
        body,
        answer.generator,
        answer.model,
        AI_EMAIL_DRAFT_V1.version,
        ref.jobId,
        job.params.price,
        locked.createdBy,
      ]);
      if (inserted.rowCount === 0) return 'existing' as const;
      await advanceJob(client, ref, { processed: 1, created: 1, merged: 0, skipped: 0, failed: 0 }, locked.checkpoint);
      return 'drafted' as const;
    });
    if (stored === 'settled') return { ...outcome, stopped: true };
    outcome[stored]++;
  }
  await transaction(db.pool, { actorId: null }, async (client) => {
    const locked = await readJobState(client, ref, true);
    const done = (locked?.checkpoint.done as number[] | undefined) ?? [];
    if (!locked || done.includes(batch)) return;
    const counts = { processed: outcome.skipped + outcome.failed, created: 0, merged: 0, skipped: outcome.skipped, failed: outcome.failed };
    await advanceJob(client, ref, counts, { ...locked.checkpoint, done: [...done, batch] });
    await recordRowErrors(client, ref, failures.map((f) => ({ row: f.row, column: 'lead_id', reason: f.reason })));
  });
  return outcome;
}

const isSettled = (job: JobState) => job.result.settled === true;

/** The job still drafts: not finished, and its credits not settled. */
async function jobIsLive(db: Database, ref: JobRef): Promise<boolean> {
  const job = await readJobState(db.pool, ref);
  return job !== undefined && !FINISHED_JOB_STATUSES.includes(job.status) && !isSettled(job);
}

export interface BulkSettlement {
  reserved_credits: number;
  drafted: number;
  used_credits: number;
  refunded_credits: number;
}

/**
 * Returns the unused part of a bulk job's reservation in one ledger credit
 * (keyed by the job: once, however often asked) and marks the job settled,
 * under the job's lock: no draft of the job is stored after this.
 */
export async function settleBulkDraftJob(db: Database, ref: JobRef): Promise<BulkSettlement | null> {
  return transaction(db.pool, { actorId: null }, async (client) => {
    const job = await readJobState(client, ref, true);
    if (!job) return null;
    if (isSettled(job)) return job.result.settlement as BulkSettlement;
    const params = job.params as unknown as AiEmailBulkParams;
    const { rows: counted } = await client.query<{ drafted: number }>('SELECT count(*)::int AS drafted FROM ai_email_drafts WHERE org_id = $1 AND job_id = $2', [
      ref.orgId,
      ref.jobId,
    ]);
    const drafted = counted[0]!.drafted;
    const used = drafted * params.price;
    const settlement: BulkSettlement = {
      reserved_credits: params.reserved_credits,
      drafted,
      used_credits: used,
      refunded_credits: Math.max(0, params.reserved_credits - used),
    };
    if (settlement.refunded_credits > 0) {
      await postLedgerEntry(client, {
        orgId: ref.orgId,
        account: 'ai_credits',
        amount: settlement.refunded_credits,
        reason: 'ai_email_draft_refund',
        idempotencyKey: refundKey(ref.jobId),
        reference: { feature: 'ai_email_draft', job_id: ref.jobId, drafted, unused: true },
      });
    }
    await setJobResult(client, ref, { ...job.result, settled: true, settlement });
    return settlement;
  });
}

// ---------------------------------------------------------------- drafts: list, approve, send

export async function listLeadDrafts(db: Database, scope: Pick<Scope, 'orgId'>, leadId: number, params: Pick<ListParams, 'page' | 'limit'>) {
  const lead = await db.pool.query('SELECT 1 FROM leads WHERE id = $1 AND org_id = $2', [leadId, scope.orgId]);
  if (lead.rowCount === 0) throw notFound('Lead');
  const [{ rows }, { rows: counted }] = await Promise.all([
    db.pool.query<DraftRow>('SELECT * FROM ai_email_drafts WHERE org_id = $1 AND lead_id = $2 ORDER BY id DESC LIMIT $3 OFFSET $4', [
      scope.orgId,
      leadId,
      params.limit,
      (params.page - 1) * params.limit,
    ]),
    db.pool.query<{ total: number }>('SELECT count(*)::int AS total FROM ai_email_drafts WHERE org_id = $1 AND lead_id = $2', [scope.orgId, leadId]),
  ]);
  return paged(rows.map(presentDraft), counted[0]!.total, params);
}

async function draftRow(db: Database, orgId: number, id: number): Promise<DraftRow> {
  const { rows } = await db.pool.query<DraftRow>('SELECT * FROM ai_email_drafts WHERE id = $1 AND org_id = $2', [id, orgId]);
  if (!rows[0]) throw notFound('Draft');
  return rows[0];
}

const alreadySent = () => new ApiError('conflict', 'The draft was sent already', { code: 'already_sent' });

/** Approves a draft (approving an approved one again changes nothing); 409 already_sent for a sent one. */
export async function approveDraft(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, id: number): Promise<DraftView> {
  const { rows } = await db.pool.query<DraftRow>(
    `UPDATE ai_email_drafts SET status = 'approved', approved_by = $3, approved_at = now(), updated_at = now()
      WHERE id = $1 AND org_id = $2 AND status = 'draft' RETURNING *`,
    [id, scope.orgId, scope.userId],
  );
  if (rows[0]) return presentDraft(rows[0]);
  const draft = await draftRow(db, scope.orgId, id);
  if (draft.status === 'sent') throw alreadySent();
  return presentDraft(draft);
}

export interface SendDeps {
  secrets: SecretBox;
  links: TrackingLinks;
}

/**
 * Sends an approved draft to its lead's email, once: the first request
 * claims the draft for its user and mail configuration (sent_by,
 * config_id), and every request — a concurrent one, a retry — queues the
 * tracked email under the claimer's user and the draft's own key
 * (ai_email:draft:<id>), which the mail pipeline records once. The draft is
 * then marked sent with its message by a conditional update, which one
 * request wins; only that one records the lead activity (a lead note).
 */
export async function sendDraft(
  db: Database,
  deps: SendDeps,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  id: number,
  configId: number,
): Promise<{ draft: DraftView; message: OutboundMessageView }> {
  const draft = await draftRow(db, scope.orgId, id);
  if (draft.status === 'sent') throw alreadySent();
  if (draft.status !== 'approved') throw new ApiError('conflict', 'Only an approved draft can be sent: approve it first', { code: 'draft_not_approved' });
  // the caller must be able to use this configuration (their own; an admin: any), whoever ends up sending
  await openMailAccountFor(db, deps.secrets, scope, configId);
  const { rows: leads } = await db.pool.query<{ email: string | null }>('SELECT email FROM leads WHERE id = $1 AND org_id = $2', [draft.lead_id, scope.orgId]);
  if (!leads[0]) throw notFound('Lead');
  const recipient = leads[0].email?.trim();
  if (!recipient) throw new ApiError('validation_error', 'The lead has no email address to send the draft to', { code: 'lead_has_no_email' });

  type Claim = { sent_by: number | null; config_id: number | null; status: DraftStatus };
  const { rows: won } = await db.pool.query<Claim>(
    `UPDATE ai_email_drafts SET sent_by = $3, config_id = $4, updated_at = now()
      WHERE id = $1 AND org_id = $2 AND status = 'approved' AND config_id IS NULL
      RETURNING sent_by, config_id, status`,
    [id, scope.orgId, scope.userId, configId],
  );
  // someone else claimed it first: read their claim in a statement of its own (a subquery of the
  // UPDATE's statement would see the row as it was before their claim committed)
  const claim =
    won[0] ??
    (await db.pool.query<Claim>('SELECT sent_by, config_id, status FROM ai_email_drafts WHERE id = $1 AND org_id = $2', [id, scope.orgId])).rows[0];
  if (!claim) throw notFound('Draft');
  if (claim.status === 'sent') throw alreadySent();
  // the other claim was released meanwhile (its send was refused): the caller may try again
  if (claim.config_id === null) throw new ApiError('conflict', 'The draft is being sent by another request: try again', { code: 'draft_send_in_progress' });
  const sender = { orgId: scope.orgId, userId: claim.sent_by };
  const account = await openMailAccount(db, deps.secrets, scope.orgId, claim.config_id!);
  let queued: Awaited<ReturnType<typeof queueTrackedMail>>;
  try {
    queued = await queueTrackedMail(
      db,
      deps.links,
      sender,
      account,
      { subject: draft.subject, body: draft.body },
      { source: 'ai_email', leadId: draft.lead_id, recipient },
      `ai_email:draft:${id}`,
    );
  } catch (err) {
    // nothing was queued (an unsubscribed recipient, a configuration to authorise again): the draft may be sent another way
    await db.pool.query(
      `UPDATE ai_email_drafts SET sent_by = NULL, config_id = NULL, updated_at = now()
        WHERE id = $1 AND org_id = $2 AND status = 'approved' AND config_id = $3 AND sent_by IS NOT DISTINCT FROM $4
          AND NOT EXISTS (SELECT 1 FROM tracked_emails WHERE org_id = $2 AND idempotency_key = $5 AND outbound_message_id IS NOT NULL)`,
      [id, scope.orgId, claim.config_id, claim.sent_by, `ai_email:draft:${id}`],
    );
    throw err;
  }
  const sent = await transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const { rows } = await client.query<DraftRow>(
      `UPDATE ai_email_drafts SET status = 'sent', outbound_message_id = $3, sent_at = now(), updated_at = now()
        WHERE id = $1 AND org_id = $2 AND status = 'approved' RETURNING *`,
      [id, scope.orgId, queued.message.id],
    );
    if (!rows[0]) return null;
    await client.query('INSERT INTO lead_notes (org_id, lead_id, title, note, created_by) VALUES ($1, $2, $3, $4, $5)', [
      scope.orgId,
      draft.lead_id,
      // the notes API's bound on a title
      `AI email sent: ${draft.subject}`.slice(0, 100),
      `Sent to ${recipient} from ${account.address} (tracked; message ${queued.message.id}, draft ${id}).`,
      claim.sent_by,
    ]);
    return rows[0];
  });
  return { draft: presentDraft(sent ?? (await draftRow(db, scope.orgId, id))), message: queued.message };
}

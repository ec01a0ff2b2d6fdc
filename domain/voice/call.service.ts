// Calls (§6.12, §11 Call): an AI agent call is a calls row and its outbox
// event, written by one statement, and driven by its workflow
// (workflows/agent-call.workflow.ts) from there: placed once, its progress
// applied from the provider's signed callbacks and from polling, its
// recording, transcript and price settled when it ends.
//
// A call's status only moves forward (queued < initiated < ringing <
// in-progress < an end state): callbacks arrive late, out of order and more
// than once, and a late 'ringing' after 'completed', or the same status
// twice, changes nothing.
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { pageArgs, paged, type ListParams } from '../platform/list-query.js';
import { outboxInsert } from '../platform/outbox-events.js';
import { callerNumberOf } from './phone-number.service.js';
import { assertWalletNotEmpty, fromMinorUnits, organizationCurrency } from './wallet.service.js';
import { E164_PATTERN } from '../platform/phone-number.js';

export const CALL_STATUSES = ['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export const END_STATUSES: readonly CallStatus[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
export const isEndStatus = (status: string) => (END_STATUSES as readonly string[]).includes(status);

const RANK: Record<CallStatus, number> = { queued: 0, initiated: 1, ringing: 2, 'in-progress': 3, completed: 4, busy: 4, 'no-answer': 4, failed: 4, canceled: 4 };

/** The statuses a call may move to `status` from: every one ranked below it. */
const statusesBefore = (status: CallStatus) => CALL_STATUSES.filter((s) => RANK[s] < RANK[status]);

interface CallRow {
  id: number;
  org_id: number;
  user_id: number | null;
  lead_id: number | null;
  contact_id: number | null;
  company_id: number | null;
  direction: string;
  from_number: string | null;
  to_number: string;
  status: string;
  started_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  duration_sec: number | null;
  transcript: string | null;
  price_minor: bigint | null;
  provider: string;
  provider_call_sid: string | null;
  recording_sid: string | null;
  agent: unknown;
  created_at: Date;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function presentCall(row: CallRow, currency: string) {
  const agent = (row.agent ?? null) as { system_prompt?: string; first_message?: string | null; voice_id?: string | null; language?: string | null } | null;
  return {
    id: row.id,
    user_id: row.user_id,
    lead_id: row.lead_id,
    contact_id: row.contact_id,
    company_id: row.company_id,
    direction: row.direction,
    from_number: row.from_number,
    to_number: row.to_number,
    status: row.status,
    started_at: iso(row.started_at),
    answered_at: iso(row.answered_at),
    ended_at: iso(row.ended_at),
    duration_sec: row.duration_sec,
    transcript: row.transcript,
    price: row.price_minor === null ? null : fromMinorUnits(BigInt(row.price_minor), currency),
    price_minor: row.price_minor === null ? null : Number(row.price_minor),
    currency,
    provider: row.provider,
    // LIO's own address, which asks for the caller's token: the provider's is never handed out
    recording_url: row.recording_sid ? `/api/call/${row.id}/recording` : null,
    agent: agent
      ? { system_prompt: agent.system_prompt ?? '', first_message: agent.first_message ?? null, voice_id: agent.voice_id ?? null, language: agent.language ?? null }
      : null,
    created_at: row.created_at.toISOString(),
  };
}

export type CallView = ReturnType<typeof presentCall>;

/** A stored phone number as the provider dials it (E.164), or null when it cannot be read as one. */
export function dialable(phone: string | null): string | null {
  if (!phone) return null;
  const compact = phone.replace(/\s*(x|ext\.?)\s*\d+$/i, '').replace(/[\s().\-/]/g, '');
  return E164_PATTERN.test(compact) ? compact : null;
}

export interface AgentCallInput {
  system_prompt: string;
  lead_id?: number;
  contact_id?: number;
  first_message?: string;
  voice_id?: string;
  language?: string;
}

/** Who is called: the lead or contact of the organization, its phone as E.164, and the records the call belongs to. */
async function callTarget(db: Database, orgId: number, input: AgentCallInput) {
  if (input.contact_id !== undefined) {
    const contact = await db.prisma.contact.findFirst({ where: { id: input.contact_id, org_id: orgId } });
    if (!contact) throw notFound('Contact');
    return { phone: contact.phone_number, lead_id: contact.lead_id, contact_id: contact.id, company_id: contact.company_id };
  }
  const lead = await db.prisma.lead.findFirst({ where: { id: input.lead_id, org_id: orgId } });
  if (!lead) throw notFound('Lead');
  return { phone: lead.phone_number, lead_id: lead.id, contact_id: null, company_id: lead.company_id };
}

/**
 * Records an AI agent call and its workflow's start (202: the call is placed
 * by the workflow). Refused before anything is written when the callee has
 * no dialable number, the organization no number to call from, or an empty wallet.
 */
export async function initiateAgentCall(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, provider: string, input: AgentCallInput): Promise<CallView> {
  const target = await callTarget(db, scope.orgId, input);
  const to = dialable(target.phone);
  if (!to) {
    throw new ApiError('validation_error', 'The lead or contact has no phone number that can be dialled (international format, e.g. +14155550100)', { code: 'no_dialable_number' });
  }
  const from = await callerNumberOf(db, scope);
  if (!from) throw new ApiError('validation_error', 'The organization has no active phone number to call from: purchase one first', { code: 'no_phone_number' });
  await assertWalletNotEmpty(db, scope.orgId);
  const agent = { system_prompt: input.system_prompt, first_message: input.first_message ?? null, voice_id: input.voice_id ?? null, language: input.language ?? null };
  // raw SQL: the call and its outbox event in one statement, so neither exists without the other
  const { rows } = await db.pool.query<CallRow>(
    `WITH call AS (
       INSERT INTO calls (org_id, user_id, lead_id, contact_id, company_id, direction, from_number, to_number, status, provider, agent)
       VALUES ($1, $2, $3, $4, $5, 'outbound', $6, $7, 'queued', $8, $9)
       RETURNING *
     ), event AS (
       ${outboxInsert({ kind: 'call.start', orgId: 'org_id', payload: { callId: 'id' }, from: 'call' })}
     )
     SELECT * FROM call`,
    [scope.orgId, scope.userId, target.lead_id, target.contact_id, target.company_id, from, to, provider, JSON.stringify(agent)],
  );
  return presentCall(rows[0]!, await organizationCurrency(db, scope.orgId));
}

export interface CallFilters {
  lead_id?: number;
  contact_id?: number;
  company_id?: number;
  status?: CallStatus;
}

export async function listCalls(db: Database, scope: Pick<Scope, 'orgId'>, params: Pick<ListParams<'id' | 'created_at'>, 'page' | 'limit' | 'order_by' | 'order_in'> & CallFilters) {
  const where = {
    org_id: scope.orgId,
    ...(params.lead_id !== undefined && { lead_id: params.lead_id }),
    ...(params.contact_id !== undefined && { contact_id: params.contact_id }),
    ...(params.company_id !== undefined && { company_id: params.company_id }),
    ...(params.status !== undefined && { status: params.status }),
  };
  const direction = params.order_in === 'ASC' ? ('asc' as const) : ('desc' as const);
  const [rows, total, currency] = await Promise.all([
    db.prisma.call.findMany({ where, orderBy: [{ [params.order_by]: direction }, { id: direction }], ...pageArgs(params) }),
    db.prisma.call.count({ where }),
    organizationCurrency(db, scope.orgId),
  ]);
  return paged(rows.map((row) => presentCall(row, currency)), total, params);
}

async function findCall(db: Database, scope: Pick<Scope, 'orgId'>, id: number): Promise<CallRow> {
  const row = await db.prisma.call.findFirst({ where: { id, org_id: scope.orgId } });
  if (!row) throw notFound('Call');
  return row;
}

export async function getCall(db: Database, scope: Pick<Scope, 'orgId'>, id: number): Promise<CallView> {
  const [row, currency] = await Promise.all([findCall(db, scope, id), organizationCurrency(db, scope.orgId)]);
  return presentCall(row, currency);
}

export async function getCallTranscript(db: Database, scope: Pick<Scope, 'orgId'>, id: number) {
  const row = await findCall(db, scope, id);
  return { id: row.id, status: row.status, transcript: row.transcript, available: row.transcript !== null };
}

/** The provider's recording of the organization's call; 404 recording_not_available before there is one. */
export async function callRecordingOf(db: Database, scope: Pick<Scope, 'orgId'>, id: number): Promise<{ recordingSid: string; provider: string }> {
  const row = await findCall(db, scope, id);
  if (!row.recording_sid) throw new ApiError('not_found', 'This call has no recording (yet)', { code: 'recording_not_available' });
  return { recordingSid: row.recording_sid, provider: row.provider };
}

// ---- progress: callbacks, polling, placement and settlement ----------------

export interface CallRef {
  orgId: number;
  callId: number;
}

/** Whose call a callback names, before its signature is checked (the signature is the organization's). */
export async function callOfCallback(db: Database, callId: number): Promise<{ orgId: number; providerCallSid: string | null } | null> {
  const row = await db.prisma.call.findUnique({ where: { id: callId }, select: { org_id: true, provider_call_sid: true } });
  return row ? { orgId: row.org_id, providerCallSid: row.provider_call_sid } : null;
}

export interface StatusUpdate {
  status: CallStatus;
  /** the provider's sid of the call (a callback may arrive before the placement stored it) */
  providerCallSid: string;
  /** when the provider reported it */
  at: Date;
  durationSec?: number | null;
}

/**
 * Moves the call forward to `update.status`; returns whether it changed. With
 * `wakeWorkflow` (a callback), the change writes a call.status outbox event
 * in the same statement, which signals the call's workflow.
 */
export async function applyCallStatus(db: Database, ref: CallRef, update: StatusUpdate, options: { wakeWorkflow: boolean }): Promise<boolean> {
  const ended = isEndStatus(update.status);
  const duration = update.durationSec ?? null;
  const answeredAt =
    update.status === 'in-progress' ? update.at : ended && duration !== null && duration > 0 ? new Date(update.at.getTime() - duration * 1000) : null;
  // raw SQL: a conditional update and, when it changed the row, its outbox event, in one statement
  const change = `UPDATE calls
       SET status = $3, provider_call_sid = COALESCE(provider_call_sid, $4),
           answered_at = COALESCE(answered_at, $5), ended_at = COALESCE(ended_at, $6),
           duration_sec = COALESCE($7, duration_sec), updated_at = now()
     WHERE id = $1 AND org_id = $2 AND status = ANY($8::text[]) AND (provider_call_sid IS NULL OR provider_call_sid = $4)
     RETURNING id, org_id`;
  const sql = options.wakeWorkflow
    ? `WITH changed AS (${change}) ${outboxInsert({ kind: 'call.status', orgId: 'org_id', payload: { callId: 'id' }, from: 'changed' })} RETURNING 1`
    : change;
  const { rowCount } = await db.pool.query(sql, [
    ref.callId,
    ref.orgId,
    update.status,
    update.providerCallSid,
    answeredAt,
    ended ? update.at : null,
    duration,
    statusesBefore(update.status),
  ]);
  return (rowCount ?? 0) > 0;
}

export interface PlacementState {
  status: string;
  providerCallSid: string | null;
  /** set when a placement was attempted: a later attempt without a sid is in doubt (the provider may have the call) */
  attemptedAt: Date | null;
  to: string;
  from: string | null;
  agent: { first_message: string | null; voice_id: string | null; language: string | null };
}

export async function placementStateOf(db: Database, ref: CallRef): Promise<PlacementState> {
  const row = await db.prisma.call.findFirst({ where: { id: ref.callId, org_id: ref.orgId } });
  if (!row) throw notFound('Call');
  const agent = (row.agent ?? {}) as PlacementState['agent'];
  return {
    status: row.status,
    providerCallSid: row.provider_call_sid,
    attemptedAt: row.started_at,
    to: row.to_number,
    from: row.from_number,
    agent: { first_message: agent.first_message ?? null, voice_id: agent.voice_id ?? null, language: agent.language ?? null },
  };
}

/** Notes the attempt before the provider is asked (started_at: when LIO asked for the call, kept from the first attempt) and the workflow driving it. */
export async function recordPlacementAttempt(db: Database, ref: CallRef, workflowId: string | null): Promise<void> {
  await db.pool.query('UPDATE calls SET workflow_id = COALESCE($3, workflow_id), started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1 AND org_id = $2', [
    ref.callId,
    ref.orgId,
    workflowId,
  ]);
}

/** The provider took the call: its sid, once (a sid already stored is kept). */
export async function recordProviderCall(db: Database, ref: CallRef, providerCallSid: string): Promise<void> {
  await db.prisma.call.updateMany({ where: { id: ref.callId, org_id: ref.orgId, provider_call_sid: null }, data: { provider_call_sid: providerCallSid, updated_at: new Date() } });
}

/** The provider refused to place the call: it ends as failed. */
export async function markCallFailed(db: Database, ref: CallRef): Promise<void> {
  await db.prisma.call.updateMany({
    where: { id: ref.callId, org_id: ref.orgId, status: { in: statusesBefore('failed') } },
    data: { status: 'failed', ended_at: new Date(), updated_at: new Date() },
  });
}

export interface CallOutcome {
  recordingSid: string | null;
  transcript: string | null;
  priceMinor: bigint | null;
  durationSec: number | null;
}

/** Stores what the ended call left: its recording, transcript, duration and price (a price already stored is kept). */
export async function recordCallOutcome(db: Database, ref: CallRef, outcome: CallOutcome): Promise<void> {
  await db.pool.query(
    `UPDATE calls
        SET recording_sid = COALESCE($3, recording_sid), transcript = COALESCE($4, transcript),
            price_minor = COALESCE(price_minor, $5), duration_sec = COALESCE($6, duration_sec), updated_at = now()
      WHERE id = $1 AND org_id = $2`,
    [ref.callId, ref.orgId, outcome.recordingSid, outcome.transcript, outcome.priceMinor === null ? null : String(outcome.priceMinor), outcome.durationSec],
  );
}

/** Where the provider posts a call's progress, under the API's public address (PUBLIC_BASE_URL): signed for, and checked against, this URL. */
export const callStatusCallbackPath = (callId: number) => `/api/call/${callId}/status-callback`;

/** The public URL of a callback path: what the provider calls, and so what its signature covers. */
export const publicUrlOf = (publicBaseUrl: string, path: string) => `${publicBaseUrl.replace(/\/+$/, '')}${path}`;

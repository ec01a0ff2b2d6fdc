// Intent signals (§9.1): the ONE way a signal is recorded, whoever writes it —
// the API (POST /api/v1/intent-signal, /api/intent-alert/signal), email
// tracking (opens, clicks), the inbox (reply_received), bookings
// (demo_requested). recordSignal stores the signal and applies it to the
// lead's heat (domain/engagement/hot-leads.ts) in the caller's transaction,
// so a signal never exists without its effect on the heat, nor the other way round.
import type pg from 'pg';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { transaction } from '../platform/transaction.js';
import { addSignalToHeat, type SignalType } from './hot-leads.js';

export { SIGNAL_TYPES, type SignalType } from './hot-leads.js';

export interface SignalInput {
  orgId: number;
  leadId: number;
  signalType: SignalType;
  detail?: Record<string, unknown>;
  /** api | app | tracking | inbox | booking | … */
  source: string | null;
  /** when it happened; defaults to now */
  occurredAt?: Date;
  /** the tracked email an open or click came from */
  trackedEmailId?: number | null;
  /** the user who logged it (null: an API key, the system) */
  createdBy?: number | null;
}

export interface SignalView {
  id: number;
  lead_id: number;
  signal_type: SignalType;
  signal_detail: Record<string, unknown>;
  source: string | null;
  tracked_email_id: number | null;
  occurred_at: string;
  created_by: number | null;
  created_at: string;
}

export interface RecordedSignal {
  signal: SignalView;
  /** the lead's heat after it, rounded */
  heat: number;
  /** whether the lead is hot (in a hot episode) after it */
  hot: boolean;
  /** the alert it raised (it opened a hot episode), else null */
  alert_id: number | null;
}

interface SignalRow {
  id: number;
  lead_id: number;
  signal_type: SignalType;
  signal_detail: Record<string, unknown>;
  source: string | null;
  tracked_email_id: number | null;
  occurred_at: Date;
  created_by: number | null;
  created_at: Date;
}

const present = (row: SignalRow): SignalView => ({ ...row, occurred_at: row.occurred_at.toISOString(), created_at: row.created_at.toISOString() });

/**
 * Records one signal for a lead of the organization and applies it to the
 * lead's heat, in `tx` — which must be inside a transaction (transaction()
 * in domain/platform/transaction.ts), since the heat row stays locked until
 * it commits. 404 when the organization has no such lead. `now` is the
 * clock the heat is evaluated at (tests move it).
 */
export async function recordSignal(tx: pg.PoolClient, input: SignalInput, now: Date = new Date()): Promise<RecordedSignal> {
  // the lead (of this organization) and the signal in one statement: no row is inserted for another organization's lead
  const { rows } = await tx.query<SignalRow & { assigned_to: number | null }>(
    `WITH lead AS (SELECT id, assigned_to FROM leads WHERE id = $2 AND org_id = $1),
     inserted AS (
       INSERT INTO intent_signals (org_id, lead_id, signal_type, signal_detail, source, tracked_email_id, occurred_at, created_by)
       SELECT $1, lead.id, $3, $4::jsonb, $5, $6, $7, $8 FROM lead
       RETURNING id, lead_id, signal_type, signal_detail, source, tracked_email_id, occurred_at, created_by, created_at)
     SELECT inserted.*, lead.assigned_to FROM inserted JOIN lead ON lead.id = inserted.lead_id`,
    [
      input.orgId,
      input.leadId,
      input.signalType,
      JSON.stringify(input.detail ?? {}),
      input.source,
      input.trackedEmailId ?? null,
      input.occurredAt ?? now,
      input.createdBy ?? null,
    ],
  );
  if (!rows[0]) throw new ApiError('not_found', 'Lead not found');
  const { assigned_to, ...signal } = rows[0];
  const outcome = await addSignalToHeat(
    tx,
    { orgId: input.orgId, leadId: input.leadId, assignedTo: assigned_to },
    { id: signal.id, type: signal.signal_type, occurredAt: signal.occurred_at },
    now,
  );
  return { signal: present(signal), heat: outcome.heat, hot: outcome.hot, alert_id: outcome.alertId };
}

/** A signal logged by a caller of the API (a user or an API key of the organization), in its own transaction. */
export function logSignal(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  input: Omit<SignalInput, 'orgId' | 'createdBy' | 'trackedEmailId'>,
): Promise<RecordedSignal> {
  return transaction(db.pool, { actorId: scope.userId }, (tx) => recordSignal(tx, { ...input, orgId: scope.orgId, createdBy: scope.userId }));
}

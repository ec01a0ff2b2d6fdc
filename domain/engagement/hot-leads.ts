// The hot-lead rule (§6.13, docs/engagement.md): a lead's heat is the sum of
// its signals' weights, each decayed exponentially with its age (half-life
// HEAT_HALF_LIFE_MS). Heat is kept per lead in lead_heat as (heat, heat_at):
// the value at heat_at, from which it decays on its own, so a new signal
// costs one row update instead of a sum over the lead's history:
//   heat(t) = heat(heat_at) · 2^(−(t − heat_at)/h) + weight · 2^(−(t − occurred_at)/h)
// Reaching the organization's threshold opens a hot episode (hot_since) and
// raises one alert; the episode ends only when the heat has decayed below
// half the threshold (hysteresis: a lead hovering at the threshold is not
// announced again and again); a later crossing is a new episode, a new alert.
import type pg from 'pg';
import { announcementRouted, outboxInsert } from '../platform/outbox-events.js';
import { insertHotLeadNotification } from '../notifications/notification.service.js';
import type { SqlClient } from '../platform/transaction.js';
import { decayed, HEAT_HALF_LIFE_MS } from '../leads/heat-decay.js';

export const SIGNAL_TYPES = [
  'pricing_page_visit',
  'demo_requested',
  'form_submitted',
  'reply_received',
  'email_opened',
  'email_opened_3x',
  'link_clicked',
  'case_study_download',
  'manual',
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** What one signal of each type adds to the heat when it is fresh (see docs/engagement.md for why these). */
export const SIGNAL_WEIGHTS: Record<SignalType, number> = {
  demo_requested: 10,
  reply_received: 8,
  pricing_page_visit: 5,
  form_submitted: 5,
  manual: 5,
  email_opened_3x: 4,
  case_study_download: 4,
  link_clicked: 3,
  email_opened: 1,
};

/** The threshold of an organization without engagement_settings. */
export const DEFAULT_HOT_LEAD_THRESHOLD = 10;
/** The episode ends below threshold × this (hysteresis). */
export const EPISODE_END_RATIO = 0.5;
/** Signals older than this contribute under 1/16 of their weight: an alert's reasons leave them out. */
const REASON_HORIZON_MS = 4 * HEAT_HALF_LIFE_MS;
const MAX_REASONS = 20;

// the decay itself is defined with the lead score's engagement part, a lower layer that uses it too
export { decayed, HEAT_HALF_LIFE_MS };

/** What a signal of `type` that happened at `occurredAt` contributes at `at` (a future occurred_at counts fully). */
export const contributionOf = (type: SignalType, occurredAt: Date, at: Date): number => decayed(SIGNAL_WEIGHTS[type], occurredAt, at);

export interface HeatState {
  heat: number;
  heatAt: Date;
  hotSince: Date | null;
}

export interface HeatStep {
  next: HeatState;
  /** the signal opened a new hot episode (raise its alert) */
  becameHot: boolean;
}

/**
 * The pure rule: the lead's heat after one more signal, evaluated at `now`
 * (or at the last evaluation, if a clock behind it asks: heat_at never moves
 * back). An episode whose heat decayed below the end ratio is closed before
 * the signal is added, so the signal can open the next one.
 */
export function applySignal(state: HeatState, signal: { type: SignalType; occurredAt: Date }, threshold: number, now: Date): HeatStep {
  const at = now > state.heatAt ? now : state.heatAt;
  const before = decayed(state.heat, state.heatAt, at);
  const stillHot = state.hotSince !== null && before >= threshold * EPISODE_END_RATIO;
  const heat = before + contributionOf(signal.type, signal.occurredAt, at);
  const becameHot = !stillHot && heat >= threshold;
  return { next: { heat, heatAt: at, hotSince: stillHot ? state.hotSince : becameHot ? at : null }, becameHot };
}

/** Whether a lead with this stored state is hot at `now`: its episode is open and not yet decayed below its end. */
export const isHotAt = (state: HeatState, threshold: number, now: Date) =>
  state.hotSince !== null && decayed(state.heat, state.heatAt, now) >= threshold * EPISODE_END_RATIO;

export async function hotLeadThreshold(client: SqlClient, orgId: number): Promise<number> {
  const { rows } = await client.query<{ hot_lead_threshold: number }>('SELECT hot_lead_threshold FROM engagement_settings WHERE org_id = $1', [orgId]);
  return rows[0]?.hot_lead_threshold ?? DEFAULT_HOT_LEAD_THRESHOLD;
}

export interface AlertReason {
  signal_id: number;
  signal_type: SignalType;
  weight: number;
  occurred_at: string;
  /** what it still adds to the heat when the alert was raised */
  contribution: number;
}

export interface HeatOutcome {
  heat: number;
  hot: boolean;
  /** the alert this signal raised (it opened a hot episode), else null */
  alertId: number | null;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Adds a stored signal to its lead's heat, in the caller's transaction. The
 * lead_heat row is locked first (created if the lead has none), so
 * concurrent signals of one lead are applied one after another: only one of
 * them can find the lead not hot and raise the episode's alert. A new alert
 * notifies the lead's assigned rep in the app and, when the organization
 * routes intent_alert to Slack/Teams, writes its announcement to the outbox,
 * all in the same transaction.
 */
export async function addSignalToHeat(
  tx: pg.PoolClient,
  lead: { orgId: number; leadId: number; assignedTo: number | null },
  signal: { id: number; type: SignalType; occurredAt: Date },
  now: Date,
): Promise<HeatOutcome> {
  // one statement creates the row or locks the existing one (a no-op update takes its row lock and returns its
  // latest committed values, even when a concurrent signal committed them after this transaction began)
  const { rows } = await tx.query<{ heat: number; heat_at: Date; hot_since: Date | null; threshold: number | null }>(
    `INSERT INTO lead_heat (org_id, lead_id, heat, heat_at) VALUES ($1, $2, 0, $3)
     ON CONFLICT (org_id, lead_id) DO UPDATE SET updated_at = lead_heat.updated_at
     RETURNING heat, heat_at, hot_since, (SELECT hot_lead_threshold FROM engagement_settings WHERE org_id = $1) AS threshold`,
    [lead.orgId, lead.leadId, now],
  );
  const stored = rows[0]!;
  const threshold = stored.threshold ?? DEFAULT_HOT_LEAD_THRESHOLD;
  const { next, becameHot } = applySignal({ heat: stored.heat, heatAt: stored.heat_at, hotSince: stored.hot_since }, signal, threshold, now);
  await tx.query('UPDATE lead_heat SET heat = $3, heat_at = $4, hot_since = $5, updated_at = now() WHERE org_id = $1 AND lead_id = $2', [
    lead.orgId,
    lead.leadId,
    next.heat,
    next.heatAt,
    next.hotSince,
  ]);
  const alertId = becameHot ? await raiseAlert(tx, lead, signal.id, next) : null;
  return { heat: round(next.heat), hot: next.hotSince !== null, alertId };
}

async function raiseAlert(tx: pg.PoolClient, lead: { orgId: number; leadId: number; assignedTo: number | null }, signalId: number, state: HeatState) {
  const at = state.heatAt;
  const { rows: signals } = await tx.query<{ id: number; signal_type: SignalType; occurred_at: Date }>(
    `SELECT id, signal_type, occurred_at FROM intent_signals
      WHERE org_id = $1 AND lead_id = $2 AND occurred_at > $3
      ORDER BY occurred_at DESC, id DESC LIMIT ${MAX_REASONS}`,
    [lead.orgId, lead.leadId, new Date(at.getTime() - REASON_HORIZON_MS)],
  );
  const reasons: AlertReason[] = signals.map((s) => ({
    signal_id: s.id,
    signal_type: s.signal_type,
    weight: SIGNAL_WEIGHTS[s.signal_type],
    occurred_at: s.occurred_at.toISOString(),
    contribution: round(contributionOf(s.signal_type, s.occurred_at, at)),
  }));
  const types = [...new Set(reasons.map((r) => r.signal_type))];
  const { rows } = await tx.query<{ id: number }>(
    `WITH alert AS (
       INSERT INTO intent_alerts (org_id, lead_id, assigned_to_id, episode_started_at, heat, signal_id, signal_types, reasons)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::jsonb)
       ON CONFLICT (org_id, lead_id, episode_started_at) DO NOTHING
       RETURNING id, org_id
     ), announced AS (
       ${outboxInsert({
         kind: 'notification.announce',
         orgId: 'alert.org_id',
         payload: { eventType: `'intent_alert'::text`, subjectId: 'alert.id' },
         from: `alert WHERE ${announcementRouted('alert.org_id', 'intent_alert')}`,
       })}
     )
     SELECT id FROM alert`,
    [lead.orgId, lead.leadId, lead.assignedTo, state.hotSince, state.heat, signalId, types, JSON.stringify(reasons)],
  );
  const alertId = rows[0]?.id ?? null;
  if (alertId !== null && lead.assignedTo !== null) {
    await insertHotLeadNotification(tx, { orgId: lead.orgId, userId: lead.assignedTo, leadId: lead.leadId, alertId, heat: round(state.heat), signalTypes: types });
  }
  return alertId;
}

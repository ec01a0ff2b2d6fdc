// Reading and acknowledging hot-lead alerts (§6.13), the hot-leads list and
// the organization's threshold. Every member of the organization sees its
// alerts and hot leads, as every member sees its leads (the lead list
// restricts nobody to their own leads); acknowledging is the assigned rep's
// or an admin's.
import type { Scope } from '../platform/auth-context.js';
import { isAdmin } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { dateRangeFilter, type DateBound } from '../platform/list-query.js';
import { EPISODE_END_RATIO, HEAT_HALF_LIFE_MS, hotLeadThreshold, type AlertReason, type SignalType } from './hot-leads.js';

export interface AlertView {
  id: number;
  lead_id: number;
  lead_name: string;
  assigned_to_id: number | null;
  episode_started_at: string;
  heat: number;
  signal_id: number | null;
  signal_types: string[];
  reasons: AlertReason[];
  status: 'open' | 'acknowledged';
  acknowledged_by: number | null;
  acknowledged_at: string | null;
  created_at: string;
}

interface AlertRow {
  id: number;
  lead_id: number;
  lead_name: string;
  assigned_to_id: number | null;
  episode_started_at: Date;
  heat: number;
  signal_id: number | null;
  signal_types: string[];
  reasons: AlertReason[];
  status: 'open' | 'acknowledged';
  acknowledged_by: number | null;
  acknowledged_at: Date | null;
  created_at: Date;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

const presentAlert = (row: AlertRow): AlertView => ({
  ...row,
  heat: round(row.heat),
  episode_started_at: row.episode_started_at.toISOString(),
  acknowledged_at: row.acknowledged_at?.toISOString() ?? null,
  created_at: row.created_at.toISOString(),
});

const ALERT_COLUMNS = `a.id, a.lead_id, coalesce(nullif(trim(concat_ws(' ', l.first_name, l.last_name)), ''), 'Lead #' || l.id) AS lead_name,
  a.assigned_to_id, a.episode_started_at, a.heat, a.signal_id, a.signal_types, a.reasons, a.status, a.acknowledged_by, a.acknowledged_at, a.created_at`;
const ALERT_FROM = 'intent_alerts a JOIN leads l ON l.id = a.lead_id AND l.org_id = a.org_id';

export const ALERT_SORTABLE_FIELDS = ['id', 'created_at', 'heat'] as const;

export interface AlertListParams {
  page: number;
  limit: number;
  order_by: (typeof ALERT_SORTABLE_FIELDS)[number];
  order_in: 'ASC' | 'DESC';
  lead_id?: number;
  assigned_to_id?: number;
  status?: 'open' | 'acknowledged';
  /** on created_at (when the alert was raised) */
  from_date?: DateBound;
  to_date?: DateBound;
}

/** The organization's alerts matching the filters, newest first by default. */
export async function listAlerts(db: Database, scope: Pick<Scope, 'orgId'>, params: AlertListParams) {
  const conditions = ['a.org_id = $1'];
  const values: unknown[] = [scope.orgId];
  const add = (sql: (n: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(sql(`$${values.length}`));
  };
  if (params.lead_id !== undefined) add((n) => `a.lead_id = ${n}`, params.lead_id);
  if (params.assigned_to_id !== undefined) add((n) => `a.assigned_to_id = ${n}`, params.assigned_to_id);
  if (params.status) add((n) => `a.status = ${n}`, params.status);
  const range = dateRangeFilter(params.from_date, params.to_date);
  if (range?.gte) add((n) => `a.created_at >= ${n}`, range.gte);
  if (range?.lt) add((n) => `a.created_at < ${n}`, range.lt);
  if (range?.lte) add((n) => `a.created_at <= ${n}`, range.lte);
  const where = conditions.join(' AND ');
  // order_by comes from ALERT_SORTABLE_FIELDS only
  const order = `a.${params.order_by} ${params.order_in}${params.order_by === 'id' ? '' : `, a.id ${params.order_in}`}`;
  const [{ rows }, { rows: counted }] = await Promise.all([
    db.pool.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM} WHERE ${where} ORDER BY ${order} LIMIT ${params.limit} OFFSET ${(params.page - 1) * params.limit}`, values),
    db.pool.query<{ total: number }>(`SELECT count(*)::int AS total FROM intent_alerts a WHERE ${where}`, values),
  ]);
  return { data: rows.map(presentAlert), total: counted[0]!.total, page: params.page, limit: params.limit };
}

async function assertLeadOfOrganization(db: Database, orgId: number, leadId: number) {
  const { rows } = await db.pool.query('SELECT 1 FROM leads WHERE id = $1 AND org_id = $2', [leadId, orgId]);
  if (rows.length === 0) throw new ApiError('not_found', 'Lead not found');
}

/** One lead's alerts, newest first; 404 for a lead the organization does not have. */
export async function alertsOfLead(db: Database, scope: Pick<Scope, 'orgId'>, leadId: number, paging: { page: number; limit: number }) {
  await assertLeadOfOrganization(db, scope.orgId, leadId);
  return listAlerts(db, scope, { ...paging, order_by: 'id', order_in: 'DESC', lead_id: leadId });
}

/**
 * Marks an open alert acknowledged: by the rep it was raised for, the lead's
 * assigned rep now, or an admin (403 for anyone else, an API key included);
 * 409 when it already is; 404 when the organization has no such alert.
 */
export async function acknowledgeAlert(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, alertId: number): Promise<AlertView> {
  const { rows: found } = await db.pool.query<{ status: string; assigned_to_id: number | null; lead_assignee: number | null }>(
    `SELECT a.status, a.assigned_to_id, l.assigned_to AS lead_assignee FROM ${ALERT_FROM} WHERE a.id = $1 AND a.org_id = $2`,
    [alertId, scope.orgId],
  );
  const alert = found[0];
  if (!alert) throw new ApiError('not_found', 'Alert not found');
  const mayAcknowledge = scope.userId !== null && (isAdmin(scope) || scope.userId === alert.assigned_to_id || scope.userId === alert.lead_assignee);
  if (!mayAcknowledge) throw new ApiError('forbidden', "Only the lead's assigned rep or an admin may acknowledge its alert", { code: 'not_assigned' });
  // the status condition makes a concurrent second acknowledgement a 409, not a second write
  const { rows } = await db.pool.query<{ id: number }>(
    `UPDATE intent_alerts SET status = 'acknowledged', acknowledged_by = $3, acknowledged_at = now()
      WHERE id = $1 AND org_id = $2 AND status = 'open' RETURNING id`,
    [alertId, scope.orgId, scope.userId],
  );
  if (rows.length === 0) throw new ApiError('conflict', 'The alert is already acknowledged', { code: 'already_acknowledged' });
  const { rows: updated } = await db.pool.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM} WHERE a.id = $1 AND a.org_id = $2`, [alertId, scope.orgId]);
  return presentAlert(updated[0]!);
}

export interface HotLeadView {
  lead_id: number;
  lead_name: string;
  company: string | null;
  email: string | null;
  assigned_to_id: number | null;
  /** decayed to the time of the request */
  heat: number;
  hot_since: string;
  /** the signal types of the lead's last RECENT_SIGNALS_DAYS days */
  recent_signal_types: string[];
  /** the episode's alert (null only if it was raised before the lead was hot by this rule's history) */
  alert: { id: number; status: string; created_at: string } | null;
}

/** The window of `recent_signal_types` and of the signal_type filter. */
export const RECENT_SIGNALS_MS = HEAT_HALF_LIFE_MS;

/**
 * The organization's leads that are hot now (their episode open and not
 * decayed below its end), hottest first by their heat now.
 */
export async function hotLeads(
  db: Database,
  scope: Pick<Scope, 'orgId'>,
  filters: { limit: number; assigned_to_id?: number; signal_type?: SignalType },
  now: Date = new Date(),
): Promise<HotLeadView[]> {
  const threshold = await hotLeadThreshold(db.pool, scope.orgId);
  const since = new Date(now.getTime() - RECENT_SIGNALS_MS);
  const { rows } = await db.pool.query<{
    lead_id: number;
    lead_name: string;
    company: string | null;
    email: string | null;
    assigned_to_id: number | null;
    heat: number;
    hot_since: Date;
    recent_signal_types: string[] | null;
    alert_id: number | null;
    alert_status: string | null;
    alert_created_at: Date | null;
  }>(
    // the page is chosen first (by heat now); the signal types and the alert are then read for its rows only
    `WITH hot AS (
       SELECT h.lead_id, h.hot_since, h.heat * power(2, -greatest(0, extract(epoch FROM ($2::timestamptz - h.heat_at))) * 1000 / $3::float8) AS heat_now
         FROM lead_heat h
        WHERE h.org_id = $1 AND h.hot_since IS NOT NULL),
     page AS (
       SELECT hot.lead_id, coalesce(nullif(trim(concat_ws(' ', l.first_name, l.last_name)), ''), 'Lead #' || l.id) AS lead_name,
              l.company, l.email, l.assigned_to AS assigned_to_id, hot.heat_now AS heat, hot.hot_since
         FROM hot JOIN leads l ON l.id = hot.lead_id AND l.org_id = $1
        WHERE hot.heat_now >= $4
          AND ($6::int IS NULL OR l.assigned_to = $6)
          AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM intent_signals s WHERE s.org_id = $1 AND s.lead_id = hot.lead_id AND s.signal_type = $7 AND s.occurred_at >= $5))
        ORDER BY hot.heat_now DESC, hot.lead_id DESC
        LIMIT $8)
     SELECT page.*,
            (SELECT array_agg(DISTINCT s.signal_type) FROM intent_signals s WHERE s.org_id = $1 AND s.lead_id = page.lead_id AND s.occurred_at >= $5) AS recent_signal_types,
            a.id AS alert_id, a.status AS alert_status, a.created_at AS alert_created_at
       FROM page LEFT JOIN intent_alerts a ON a.org_id = $1 AND a.lead_id = page.lead_id AND a.episode_started_at = page.hot_since
      ORDER BY page.heat DESC, page.lead_id DESC`,
    [scope.orgId, now, HEAT_HALF_LIFE_MS, threshold * EPISODE_END_RATIO, since, filters.assigned_to_id ?? null, filters.signal_type ?? null, filters.limit],
  );
  return rows.map((r) => ({
    lead_id: r.lead_id,
    lead_name: r.lead_name,
    company: r.company,
    email: r.email,
    assigned_to_id: r.assigned_to_id,
    heat: round(r.heat),
    hot_since: r.hot_since.toISOString(),
    recent_signal_types: r.recent_signal_types ?? [],
    alert: r.alert_id === null ? null : { id: r.alert_id, status: r.alert_status!, created_at: r.alert_created_at!.toISOString() },
  }));
}

export interface EngagementThreshold {
  hot_lead_threshold: number;
}

const assertAdmin = (scope: Pick<Scope, 'roleName'>) => {
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may read or change the hot-lead settings');
};

export async function hotLeadSettings(db: Database, scope: Pick<Scope, 'orgId' | 'roleName'>): Promise<EngagementThreshold> {
  assertAdmin(scope);
  return { hot_lead_threshold: await hotLeadThreshold(db.pool, scope.orgId) };
}

/** Sets the organization's threshold (admins only); leads are judged by it from their next signal on. */
export async function updateHotLeadSettings(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, input: EngagementThreshold): Promise<EngagementThreshold> {
  assertAdmin(scope);
  await db.pool.query(
    `INSERT INTO engagement_settings (org_id, hot_lead_threshold, updated_by, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (org_id) DO UPDATE SET hot_lead_threshold = EXCLUDED.hot_lead_threshold, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [scope.orgId, input.hot_lead_threshold, scope.userId],
  );
  return input;
}

// An organization's forecast schedule (forecast_settings): the local time of
// its daily run and whether it is paused. The Temporal Schedule
// forecast:<orgPublicId> follows this row (worker/schedules.ts, kind
// `forecast`): every change writes a forecast_schedule.sync outbox event in
// the same statement, and the sync reads the row as it is then, so the
// stored state wins over anything changed by hand in the Temporal UI.
//
// The row is made when it is first needed, without anyone calling the API:
// ensureForecastSchedules (the worker, at start and every minute) gives each
// organization that has deals and no row the default one (02:00, running),
// together with its sync event, so every organization with deals has its
// daily run.
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { outboxInsert } from '../platform/outbox-events.js';

export const DEFAULT_FORECAST_RUN_AT = '02:00';

export const forecastScheduleId = (orgPublicId: string) => `forecast:${orgPublicId}`;

export interface ForecastSettingsView {
  run_at: string;
  paused: boolean;
  /** the organization's time zone, in which run_at is read */
  timezone: string;
  schedule_id: string;
  /** whether settings were stored (false: the defaults shown, the schedule not made yet) */
  stored: boolean;
  updated_at: string | null;
}

interface SettingsRow {
  public_id: string;
  timezone: string;
  run_at: string | null;
  paused: boolean | null;
  updated_at: Date | null;
}

async function settingsRow(db: Database, orgId: number): Promise<SettingsRow> {
  const { rows } = await db.pool.query<SettingsRow>(
    `SELECT o.public_id, o.timezone, fs.run_at, fs.paused, fs.updated_at
       FROM organizations o LEFT JOIN forecast_settings fs ON fs.org_id = o.id
      WHERE o.id = $1`,
    [orgId],
  );
  const row = rows[0];
  if (!row) throw new Error(`organization ${orgId} does not exist`);
  return row;
}

const present = (row: SettingsRow): ForecastSettingsView => ({
  run_at: row.run_at ?? DEFAULT_FORECAST_RUN_AT,
  paused: row.paused ?? false,
  timezone: row.timezone,
  schedule_id: forecastScheduleId(row.public_id),
  stored: row.run_at !== null,
  updated_at: row.updated_at?.toISOString() ?? null,
});

export async function getForecastSettings(db: Database, scope: Pick<Scope, 'orgId'>): Promise<ForecastSettingsView> {
  return present(await settingsRow(db, scope.orgId));
}

/** Saves the settings (what is not given keeps its stored or default value) and asks for the schedule's sync in the same statement. */
export async function saveForecastSettings(db: Database, scope: Scope, input: { run_at?: string; paused?: boolean }): Promise<ForecastSettingsView> {
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may change the forecast schedule');
  await db.pool.query(
    `WITH saved AS (
       INSERT INTO forecast_settings (org_id, run_at, paused, updated_at)
       VALUES ($1, coalesce($2, $4), coalesce($3, false), now())
       ON CONFLICT (org_id) DO UPDATE
         SET run_at = coalesce($2, forecast_settings.run_at), paused = coalesce($3, forecast_settings.paused), updated_at = now()
       RETURNING org_id
     )
     ${outboxInsert({ kind: 'forecast_schedule.sync', orgId: 'org_id', payload: {}, from: 'saved' })}`,
    [scope.orgId, input.run_at ?? null, input.paused ?? null, DEFAULT_FORECAST_RUN_AT],
  );
  return getForecastSettings(db, scope);
}

/** What the schedule sync reads: the daily cron at run_at in the organization's zone, or null when no settings are stored. */
export async function forecastScheduleState(db: Database, orgId: number) {
  const row = await settingsRow(db, orgId);
  if (row.run_at === null) return { orgPublicId: row.public_id, schedule: null };
  const [hour, minute] = row.run_at.split(':').map(Number) as [number, number];
  return { orgPublicId: row.public_id, schedule: { cron: `${minute} ${hour} * * *`, timezone: row.timezone, paused: row.paused ?? false } };
}

/**
 * Gives every organization that has deals and no forecast settings the
 * default ones and a sync event for its schedule, in one statement;
 * answers how many it gave. Cheap when there is nothing to do (an
 * anti-join on forecast_settings, one index probe into deals per
 * organization without settings).
 */
export async function ensureForecastSchedules(db: Database): Promise<number> {
  const { rowCount } = await db.pool.query(
    `WITH made AS (
       INSERT INTO forecast_settings (org_id, run_at, paused)
       SELECT o.id, $1, false FROM organizations o
        WHERE NOT EXISTS (SELECT 1 FROM forecast_settings fs WHERE fs.org_id = o.id)
          AND EXISTS (SELECT 1 FROM deals d WHERE d.org_id = o.id)
       ON CONFLICT (org_id) DO NOTHING
       RETURNING org_id
     )
     ${outboxInsert({ kind: 'forecast_schedule.sync', orgId: 'org_id', payload: {}, from: 'made' })}`,
    [DEFAULT_FORECAST_RUN_AT],
  );
  return rowCount ?? 0;
}

// Scheduled ABM automation (§6.8): an organization may run its ABM upkeep on
// a recurring schedule — chosen week days at a local time in its time zone,
// e.g. every weekday at 09:00 Europe/Berlin. The settings live in
// engagement_settings (abm_schedule_cron: a cron built from days + time, NULL
// when disabled; abm_schedule_timezone; abm_schedule_paused); saving them
// writes an abm_schedule.sync outbox event in the same transaction, and the
// relay brings the organization's Temporal Schedule in line with what is
// stored then (worker/schedules.ts), so the latest save wins whatever order
// events are delivered in. Each run (workflows/abm-automation.workflow.ts)
// asks for every active target account's health to be recomputed and wakes
// every running outreach sequence to read its stop conditions again.
import { isTimeZone } from '../communications/availability.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { outboxInsert } from '../platform/outbox-events.js';
import { transaction, type SqlClient } from '../platform/transaction.js';
import { OUTREACH_JOB_TYPE } from './outreach.service.js';
import { instantOfLocal, localTimeOf } from './outreach-timing.js';

/** Days in cron order: the index is the cron day-of-week number (0 = Sunday). */
export const ABM_WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type AbmWeekday = (typeof ABM_WEEKDAYS)[number];
/** How days are answered: the working week first, as people read a schedule. */
const DISPLAY_ORDER: readonly AbmWeekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** 24-hour local time of day, e.g. 09:00. */
export const ABM_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
/** How many upcoming runs the settings answer with. */
export const NEXT_RUNS_SHOWN = 5;


export interface AbmAutomationInput {
  enabled: boolean;
  /** required when enabled */
  days?: AbmWeekday[];
  /** HH:MM, required when enabled */
  time?: string;
  /** IANA name; absent: the organization's time zone */
  timezone?: string;
  paused?: boolean;
}

export interface AbmAutomation {
  enabled: boolean;
  days: AbmWeekday[];
  time: string | null;
  timezone: string;
  paused: boolean;
  /** the schedule as Temporal runs it (null when disabled) */
  cron: string | null;
  /** the next runs, as instants (none when disabled or paused) */
  next_runs: string[];
  schedule_id: string;
  updated_at: string | null;
}

/** The organization's Temporal Schedule: one per organization, named by its public id as operators know it. */
export const abmScheduleId = (orgPublicId: string) => `abm-automation:${orgPublicId}`;

/** Cron for the days at the time: minute hour, every month day and month, the days by number. */
export function abmCron(days: readonly AbmWeekday[], time: string): string {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const numbers = [...new Set(days.map((day) => ABM_WEEKDAYS.indexOf(day)))].sort((a, b) => a - b);
  return `${minute} ${hour} * * ${numbers.join(',')}`;
}

/** The days and time of a cron abmCron built (the only kind stored). */
export function parseAbmCron(cron: string): { days: AbmWeekday[]; time: string } {
  const match = /^(\d{1,2}) (\d{1,2}) \* \* ([0-6](?:,[0-6])*)$/.exec(cron);
  if (!match) throw new Error(`not an ABM automation cron: ${cron}`);
  const days = match[3]!.split(',').map((n) => ABM_WEEKDAYS[Number(n)]!);
  return {
    days: DISPLAY_ORDER.filter((day) => days.includes(day)),
    time: `${match[2]!.padStart(2, '0')}:${match[1]!.padStart(2, '0')}`,
  };
}

/**
 * The next `count` instants after `now` at which the days + time fall in the
 * zone, by its wall clock (daylight-saving changes included: 09:00 stays
 * 09:00 local). A time skipped by a spring-forward jump runs just after it.
 */
export function nextAbmRuns(days: readonly AbmWeekday[], time: string, zone: string, now: Date, count = NEXT_RUNS_SHOWN): Date[] {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const today = localTimeOf(now, zone);
  const runs: Date[] = [];
  // a week and a day covers every chosen day once after today's; more weeks for more runs
  for (let offset = 0; runs.length < count && offset <= 7 * Math.ceil(count / Math.max(days.length, 1)) + 7; offset++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    if (!days.includes(ABM_WEEKDAYS[d.getUTCDay()]!)) continue;
    const date = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    const run = new Date(instantOfLocal(zone, date, hour).getTime() + minute * 60_000);
    if (run > now) runs.push(run);
  }
  return runs;
}

interface SettingsRow {
  abm_schedule_cron: string | null;
  abm_schedule_timezone: string;
  abm_schedule_paused: boolean;
  updated_at: Date | null;
  public_id: string;
  org_timezone: string;
}

async function settingsRow(client: SqlClient, orgId: number): Promise<SettingsRow> {
  const { rows } = await client.query<SettingsRow>(
    `SELECT e.abm_schedule_cron, COALESCE(e.abm_schedule_timezone, o.timezone) AS abm_schedule_timezone,
            COALESCE(e.abm_schedule_paused, false) AS abm_schedule_paused, e.updated_at, o.public_id, o.timezone AS org_timezone
       FROM organizations o LEFT JOIN engagement_settings e ON e.org_id = o.id
      WHERE o.id = $1`,
    [orgId],
  );
  if (!rows[0]) throw new ApiError('not_found', 'Organization not found');
  return rows[0];
}

function present(row: SettingsRow, now: Date): AbmAutomation {
  const schedule = row.abm_schedule_cron === null ? null : parseAbmCron(row.abm_schedule_cron);
  return {
    enabled: schedule !== null,
    days: schedule?.days ?? [],
    time: schedule?.time ?? null,
    timezone: row.abm_schedule_timezone,
    paused: row.abm_schedule_paused,
    cron: row.abm_schedule_cron,
    next_runs:
      schedule && !row.abm_schedule_paused ? nextAbmRuns(schedule.days, schedule.time, row.abm_schedule_timezone, now).map((d) => d.toISOString()) : [],
    schedule_id: abmScheduleId(row.public_id),
    updated_at: row.updated_at?.toISOString() ?? null,
  };
}

/** The organization's ABM automation with its next runs; every member may read it. */
export async function getAbmAutomation(db: Database, scope: Pick<Scope, 'orgId'>, now = new Date()): Promise<AbmAutomation> {
  return present(await settingsRow(db.pool, scope.orgId), now);
}

/**
 * Stores the organization's ABM automation (admins only) and, in the same
 * transaction, the event that syncs its Temporal Schedule. Disabling keeps
 * the time zone and forgets days and time (the schedule is deleted).
 */
export async function saveAbmAutomation(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  input: AbmAutomationInput,
  now = new Date(),
): Promise<AbmAutomation> {
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may schedule ABM automation');
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    throw new ApiError('validation_error', `timezone: ${input.timezone} is not an IANA time zone`, { code: 'invalid_timezone' });
  }
  if (input.enabled && (!input.days?.length || !input.time)) {
    throw new ApiError('validation_error', 'days and time are required to enable ABM automation', { code: 'schedule_incomplete' });
  }
  const cron = input.enabled ? abmCron(input.days!, input.time!) : null;
  const row = await transaction(db.pool, { actorId: scope.userId }, async (client) => {
    await client.query(
      `INSERT INTO engagement_settings (org_id, abm_schedule_cron, abm_schedule_timezone, abm_schedule_paused, updated_by, updated_at)
       SELECT o.id, $2, COALESCE($3, o.timezone), $4, $5, now() FROM organizations o WHERE o.id = $1
       ON CONFLICT (org_id) DO UPDATE
         SET abm_schedule_cron = EXCLUDED.abm_schedule_cron,
             abm_schedule_timezone = COALESCE($3, engagement_settings.abm_schedule_timezone),
             abm_schedule_paused = EXCLUDED.abm_schedule_paused,
             updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [scope.orgId, cron, input.timezone ?? null, input.paused ?? false, scope.userId],
    );
    await client.query(outboxInsert({ kind: 'abm_schedule.sync', orgId: '$1::int', payload: {}, from: '(SELECT 1) AS one' }), [scope.orgId]);
    return settingsRow(client, scope.orgId);
  });
  return present(row, now);
}

/** What the organization's Temporal Schedule must be now: null when disabled (no schedule). */
export interface AbmScheduleState {
  orgId: number;
  orgPublicId: string;
  schedule: { cron: string; timezone: string; paused: boolean } | null;
}

/** Read by the relay's abm_schedule.sync delivery: the stored settings, whichever event asked. */
export async function abmScheduleState(db: Database, orgId: number): Promise<AbmScheduleState> {
  const row = await settingsRow(db.pool, orgId);
  return {
    orgId,
    orgPublicId: row.public_id,
    schedule: row.abm_schedule_cron === null ? null : { cron: row.abm_schedule_cron, timezone: row.abm_schedule_timezone, paused: row.abm_schedule_paused },
  };
}

export interface AbmRunOutcome {
  /** active target accounts whose health recomputation was requested */
  accountsRefreshed: number;
  /** running outreach sequences woken to read their steps and stop conditions again */
  sequencesWoken: number;
}

/**
 * One automation run, as one transaction of outbox events (their deliveries
 * are idempotent, so a retried run only asks again): an account_health.refresh
 * per active target account (the account-health workflow recomputes it) and
 * an outreach.changed per running outreach sequence (its workflow reads its
 * next step and its contact's stop conditions — a reply, a meeting, an
 * unsubscribe — at once instead of at its next timer).
 */
export async function runAbmAutomation(db: Database, orgId: number): Promise<AbmRunOutcome> {
  return transaction(db.pool, { actorId: null }, async (client) => {
    const accounts = await client.query(
      outboxInsert({
        kind: 'account_health.refresh',
        orgId: 'ta.org_id',
        payload: { targetAccountId: 'ta.id' },
        from: `target_accounts ta WHERE ta.org_id = $1 AND ta.status = 'active'`,
      }),
      [orgId],
    );
    const sequences = await client.query(
      outboxInsert({
        kind: 'outreach.changed',
        orgId: 'j.org_id',
        payload: { jobId: 'j.id' },
        // running only: a queued sequence reads its steps when it starts, a paused one must not act until resumed
        from: `jobs j WHERE j.org_id = $1 AND j.type = $2 AND j.status = 'running'`,
      }),
      [orgId, OUTREACH_JOB_TYPE],
    );
    return { accountsRefreshed: accounts.rowCount ?? 0, sequencesWoken: sequences.rowCount ?? 0 };
  });
}

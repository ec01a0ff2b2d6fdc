// Dashboard rollups (issue 14, docs/rollups.md): the per-day aggregates the
// dashboards read instead of scanning every lead. Statement-level triggers on
// leads and deals (migration *_dashboard_rollups) append what each write
// changed to lead_rollup_deltas / deal_rollup_deltas; foldDashboardRollups,
// a chore of the worker's maintenance round, moves those deltas into the day
// tables. A reader sees, in one snapshot, day rows + unfolded deltas for the
// whole UTC days of its range and the live rows for the parts of a day at
// either end, so its answer equals an aggregate over the rows themselves.
import { Prisma } from '../../generated/prisma/client.js';
import type { Database } from '../platform/db.js';
import { dateRangeConditions, dateRangeFilter, type DateBound } from '../platform/list-query.js';
import { transaction } from '../platform/transaction.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A day table, the delta table that feeds it, and how a row of the live table maps onto its columns. */
export interface DailyRollup {
  days: string;
  deltas: string;
  live: string;
  /** rollup column → the same figure for one live row (grouping columns as they are, measures as the row's share) */
  columns: Readonly<Record<string, string>>;
}

/** Leads per status and source, with the sum of their scores. */
export const LEAD_STATUS_DAYS: DailyRollup = {
  days: 'lead_status_days',
  deltas: 'lead_rollup_deltas',
  live: 'leads',
  columns: { status: 'status', lead_source: 'lead_source', leads: '1', score_sum: 'score' },
};

/** Leads per day. */
export const LEAD_DAYS: DailyRollup = {
  days: 'lead_days',
  deltas: 'lead_rollup_deltas',
  live: 'leads',
  columns: { leads: '1' },
};

/** Leads per assignee (null: unassigned). */
export const LEAD_ASSIGNEE_DAYS: DailyRollup = {
  days: 'lead_assignee_days',
  deltas: 'lead_rollup_deltas',
  live: 'leads',
  columns: { assigned_to: 'assigned_to', leads: '1' },
};

/**
 * Deals per stage and assignee of their lead (assigned leads only), with the
 * sum of their values. A live deal's assignee is its lead's, looked up as the
 * dashboards join them.
 */
export const DEAL_ASSIGNEE_DAYS: DailyRollup = {
  days: 'deal_assignee_days',
  deltas: 'deal_rollup_deltas',
  live: 'deals',
  columns: {
    stage_id: 'stage_id',
    assigned_to: '(SELECT l.assigned_to FROM leads l WHERE l.id = deals.lead_id AND l.org_id = deals.org_id)',
    deals: '1',
    value_sum: 'value',
  },
};

/** Deals per stage, with the sum of their values. */
export const DEAL_STAGE_DAYS: DailyRollup = {
  days: 'deal_stage_days',
  deltas: 'deal_rollup_deltas',
  live: 'deals',
  columns: { stage_id: 'stage_id', deals: '1', value_sum: 'value' },
};

const isoDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * A created_at range as whole UTC days (`from` inclusive, `until` exclusive,
 * either open) and the instants at its ends outside those days, as condition
 * lists on created_at (each one interval, so it stays one index range scan).
 */
export function splitIntoDays(start?: DateBound, end?: DateBound): { days: { from?: string; until?: string } | null; partial: Prisma.Sql[][] } {
  const bounds = dateRangeFilter(start, end);
  // created_at has millisecond precision: a day is whole when its last millisecond is in the range
  const firstDay = bounds?.gte && new Date(Math.ceil(bounds.gte.getTime() / DAY_MS) * DAY_MS);
  const upper = bounds?.lt ?? (bounds?.lte && new Date(bounds.lte.getTime() + 1));
  const endDay = upper && new Date(Math.floor(upper.getTime() / DAY_MS) * DAY_MS);
  if (firstDay && endDay && firstDay >= endDay) return { days: null, partial: [dateRangeConditions('created_at', start, end)] };
  const partial: Prisma.Sql[][] = [];
  if (bounds?.gte && firstDay && bounds.gte < firstDay) partial.push([Prisma.sql`created_at >= ${bounds.gte}`, Prisma.sql`created_at < ${firstDay}`]);
  if (upper && endDay && upper > endDay) {
    partial.push([Prisma.sql`created_at >= ${endDay}`, bounds!.lt ? Prisma.sql`created_at < ${bounds!.lt}` : Prisma.sql`created_at <= ${bounds!.lte}`]);
  }
  return { days: { from: firstDay && isoDay(firstDay), until: endDay && isoDay(endDay) }, partial };
}

/**
 * The rollup's rows for the organization's records created in the range, as
 * a subquery of (day, ...columns): measures are to be summed, and a group may
 * appear several times (day row, deltas, live rows) or sum to zero (all its
 * records moved away), so callers aggregate and drop empty groups. `only`, a
 * condition on grouping columns that the live table has too, is applied in
 * each part, where an index on the day table can serve it.
 */
export function dailyRows(rollup: DailyRollup, org: number, start?: DateBound, end?: DateBound, only: Prisma.Sql = Prisma.sql`TRUE`): Prisma.Sql {
  const { days, partial } = splitIntoDays(start, end);
  const names = Object.keys(rollup.columns);
  const stored = Prisma.raw(['day', ...names].join(', '));
  const live = Prisma.raw([`(created_at AT TIME ZONE 'UTC')::date AS day`, ...names.map((n) => `${rollup.columns[n]} AS ${n}`)].join(', '));
  const dayConditions = days
    ? Prisma.join([
        Prisma.sql`org_id = ${org}`,
        ...(days.from ? [Prisma.sql`day >= ${days.from}::date`] : []),
        ...(days.until ? [Prisma.sql`day < ${days.until}::date`] : []),
      ], ' AND ')
    : null;
  const parts = [
    ...(dayConditions
      ? [
          Prisma.sql`SELECT ${stored} FROM ${Prisma.raw(rollup.days)} WHERE ${dayConditions} AND ${only}`,
          Prisma.sql`SELECT ${stored} FROM ${Prisma.raw(rollup.deltas)} WHERE ${dayConditions} AND ${only}`,
        ]
      : []),
    ...partial.map(
      (conditions) => Prisma.sql`SELECT ${live} FROM ${Prisma.raw(rollup.live)} WHERE org_id = ${org} AND ${Prisma.join(conditions, ' AND ')} AND ${only}`,
    ),
  ];
  return Prisma.join(parts, ' UNION ALL ');
}

/**
 * Moves every committed delta into the day tables, in one transaction per
 * table, and answers how many delta rows it folded. Deltas committed while it
 * runs stay for the next round. Concurrent folds (several workers) are
 * harmless but pointless, so one that finds another running returns 0.
 * A day row whose records all moved away stays at zero (readers drop empty
 * groups): the rows are bounded by the days × groups that ever had records.
 */
export async function foldDashboardRollups(db: Database): Promise<number> {
  const folds = [
    `WITH folded AS (DELETE FROM lead_rollup_deltas RETURNING *),
          by_status AS (
            INSERT INTO lead_status_days AS r (org_id, day, status, lead_source, leads, score_sum)
            SELECT org_id, day, status, lead_source, sum(leads), sum(score_sum) FROM folded GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (org_id, day, status, lead_source) DO UPDATE SET leads = r.leads + excluded.leads, score_sum = r.score_sum + excluded.score_sum),
          by_assignee AS (
            INSERT INTO lead_assignee_days AS r (org_id, day, assigned_to, leads)
            SELECT org_id, day, assigned_to, sum(leads) FROM folded GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (org_id, day, assigned_to) DO UPDATE SET leads = r.leads + excluded.leads),
          by_day AS (
            INSERT INTO lead_days AS r (org_id, day, leads)
            SELECT org_id, day, sum(leads) FROM folded GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (org_id, day) DO UPDATE SET leads = r.leads + excluded.leads)
     -- data-modifying WITH parts run to completion whether or not the query reads them
     SELECT count(*)::int AS folded FROM folded`,
    `WITH folded AS (DELETE FROM deal_rollup_deltas RETURNING *),
          by_stage AS (
            INSERT INTO deal_stage_days AS r (org_id, day, stage_id, deals, value_sum)
            SELECT org_id, day, stage_id, sum(deals), sum(value_sum) FROM folded GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (org_id, day, stage_id) DO UPDATE SET deals = r.deals + excluded.deals, value_sum = r.value_sum + excluded.value_sum),
          by_assignee AS (
            INSERT INTO deal_assignee_days AS r (org_id, stage_id, day, assigned_to, deals, value_sum)
            SELECT org_id, stage_id, day, assigned_to, sum(deals), sum(value_sum) FROM folded WHERE assigned_to IS NOT NULL
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (org_id, stage_id, day, assigned_to) DO UPDATE SET deals = r.deals + excluded.deals, value_sum = r.value_sum + excluded.value_sum)
     SELECT count(*)::int AS folded FROM folded`,
  ];
  let folded = 0;
  for (const sql of folds) {
    folded += await transaction(db.pool, { actorId: null }, async (client) => {
      const { rows } = await client.query<{ taken: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended('dashboard_rollup_fold', 0)) AS taken`);
      if (!rows[0]!.taken) return 0;
      return (await client.query<{ folded: number }>(sql)).rows[0]!.folded;
    });
  }
  return folded;
}

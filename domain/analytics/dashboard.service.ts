// Dashboard statistics (§6.10) that need no AI: every figure is an aggregate
// computed by PostgreSQL (nothing row-by-row in memory), so the answers stay
// fast at a million leads. Counts and sums by created_at come from the
// per-day rollups (dashboard-rollups.ts, docs/rollups.md), exact at any
// time; the rest from the rows (docs/indexes.md says which index serves
// which query). Date ranges filter on created_at; a date-only end_date covers
// its whole UTC day (ENGINEERING.md §7).
import type pg from 'pg';
import { Prisma } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import { ApiError } from '../platform/errors.js';
import { transaction } from '../platform/transaction.js';
import { loadLeadLabels } from '../crm/lead-lookups.js';
import { dateRangeConditions, dateRangeFilter, type DateBound } from '../platform/list-query.js';
import type { Database } from '../platform/db.js';
import { dailyRows, DEAL_ASSIGNEE_DAYS, DEAL_STAGE_DAYS, LEAD_ASSIGNEE_DAYS, LEAD_DAYS, LEAD_STATUS_DAYS, type DailyRollup } from './dashboard-rollups.js';

export interface DateRange {
  start_date?: DateBound;
  end_date?: DateBound;
}

type OrgScope = Pick<Scope, 'orgId'>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The stats time series switches from daily to weekly buckets above this many days. */
export const DAILY_SERIES_MAX_DAYS = 92;
/** Without start_date the stats time series covers this many days up to end_date (or today). */
export const DEFAULT_SERIES_DAYS = 30;
/** Longest stats range: keeps the bucket series (and the answer) bounded. */
export const MAX_SERIES_DAYS = 3660;
export const TOP_ASSIGNEES = 10;

/** Age buckets of lead-aging, in whole days; the last one is open-ended. */
export const AGING_BUCKETS = [
  { bucket: '0-7', min_days: 0, max_days: 7 },
  { bucket: '8-30', min_days: 8, max_days: 30 },
  { bucket: '31-90', min_days: 31, max_days: 90 },
  { bucket: '91-180', min_days: 91, max_days: 180 },
  { bucket: '180+', min_days: 181, max_days: null },
] as const;

const invalidRange = (message: string) =>
  new ApiError('validation_error', `end_date: ${message}`, { details: [{ path: 'end_date', message }] });

/** 422 when the range ends before it starts (a date-only end_date still covers its whole day). */
function assertOrderedRange(range: DateRange) {
  const bounds = dateRangeFilter(range.start_date, range.end_date);
  const end = bounds?.lt ?? bounds?.lte;
  if (bounds?.gte && end && (bounds.lt ? bounds.gte >= end : bounds.gte > end)) {
    throw invalidRange('must not be before start_date');
  }
}

const isBounded = (range: DateRange) => range.start_date !== undefined || range.end_date !== undefined;

/** `column` within the range, as SQL; TRUE without bounds. `column` is a fixed identifier, never input. */
function createdWithin(column: string, range: DateRange): Prisma.Sql {
  const conditions = dateRangeConditions(column, range.start_date, range.end_date);
  return conditions.length > 0 ? Prisma.join(conditions, ' AND ') : Prisma.sql`TRUE`;
}

/**
 * Runs one aggregate query with JIT compilation off. These queries take tens
 * to hundreds of milliseconds, and their row estimates (grouping expressions,
 * candidate lists) are poor enough that PostgreSQL spent up to 1.5 s
 * compiling them (docs/indexes.md). Each runs on a connection of its own, so
 * a dashboard's queries run concurrently: one shared snapshot would mean one
 * connection and its queries in sequence, measured 30% slower.
 */
async function aggregate<Row extends pg.QueryResultRow>(db: Database, sql: Prisma.Sql): Promise<Row[]> {
  return transaction(db.pool, { actorId: null, readOnly: true, settings: { jit: 'off' } }, async (client) => (await client.query<Row>(sql.text, sql.values)).rows);
}

/** PostgreSQL numeric (sums of Decimal columns) arrives as text; the API answers numbers. */
const money = (value: string | null) => (value === null ? 0 : Number(value));
const percentage = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100);

const echoBound = (bound: DateBound | undefined) =>
  bound === undefined ? null : bound.dateOnly ? bound.at.toISOString().slice(0, 10) : bound.at.toISOString();
const echoRange = (range: DateRange) => ({ start_date: echoBound(range.start_date), end_date: echoBound(range.end_date) });

interface CodeCount {
  code: number | null;
  count: number;
}

/**
 * Counts per lookup code with the organization's labels: every lookup code
 * (zero when no lead has it), then codes without a lookup, then no code.
 */
function labelled(counts: CodeCount[], labels: Map<number, string>) {
  const byCode = new Map(counts.map((c) => [c.code, c.count]));
  const codes = [...new Set([...labels.keys(), ...counts.flatMap((c) => (c.code === null ? [] : [c.code]))])].sort((x, y) => x - y);
  const rows: { code: number | null; text: string | null; count: number }[] = codes.map((code) => ({
    code,
    text: labels.get(code) ?? null,
    count: byCode.get(code) ?? 0,
  }));
  if (byCode.has(null)) rows.push({ code: null, text: null, count: byCode.get(null)! });
  return rows;
}

// ---------------------------------------------------------------- overview

/**
 * Totals for the period (all time without a range): leads created in it by
 * status and source with their average score, deals created in it by outcome
 * (stage is_won / is_lost; every other stage is open), contacts and
 * companies; `total` counts ignore the range.
 */
export async function dashboardOverview(db: Database, scope: OrgScope, range: DateRange) {
  assertOrderedRange(range);
  const org = scope.orgId;
  const [leadGroups, allLeads, deal, contacts, companies, labels] = await Promise.all([
    leadCells(db, org, range),
    // without a range the period is all time, and its count is the total
    isBounded(range) ? leadCount(db, org) : undefined,
    dealOutcomes(db, org, range),
    recordCounts(db, 'contacts', org, range),
    recordCounts(db, 'companies', org, range),
    loadLeadLabels(db.pool, org),
  ]);
  // GROUPING(status, lead_source) is a bit mask of the columns a row is NOT grouped by
  const groups = (mask: number) => leadGroups.filter((g) => g.grouped_by === mask);
  const period = groups(3)[0]!;
  return {
    period: echoRange(range),
    leads: {
      total: allLeads ?? period.count,
      new_in_period: period.count,
      average_score: period.average_score === null ? null : Number(period.average_score),
      by_status: labelled(groups(1).map((g) => ({ code: g.status, count: g.count })), labels.code.status).map((r) => ({
        // leads.status is NOT NULL: the rows grouped by it never have a null code
        status: r.code!,
        status_text: r.text,
        count: r.count,
      })),
      by_lead_source: labelled(groups(2).map((g) => ({ code: g.lead_source, count: g.count })), labels.code.lead_source).map((r) => ({
        lead_source: r.code,
        lead_source_text: r.text,
        count: r.count,
      })),
    },
    deals: {
      count: deal.count,
      open_count: deal.open_count,
      open_value: money(deal.open_value),
      won_count: deal.won_count,
      won_value: money(deal.won_value),
      lost_count: deal.lost_count,
    },
    contacts,
    companies,
    conversion_rate: period.count === 0 ? null : percentage(deal.won_count, period.count),
  };
}

/**
 * The period's leads per status, per source and overall, with average scores:
 * the rollup's status × source cells (a cell whose leads all moved away sums
 * to zero and is no group), then the grouping sets over those few cells.
 */
function leadCells(db: Database, org: number, range: DateRange) {
  return aggregate<{ status: number | null; lead_source: number | null; grouped_by: number; count: number; average_score: string | null }>(
    db,
    Prisma.sql`WITH cells AS (
                 SELECT status, lead_source, sum(leads) AS n, sum(score_sum) AS score_sum
                   FROM (${dailyRows(LEAD_STATUS_DAYS, org, range.start_date, range.end_date)}) r
                  GROUP BY status, lead_source HAVING sum(leads) <> 0
               )
               SELECT status, lead_source, GROUPING(status, lead_source) AS grouped_by, coalesce(sum(n), 0)::int AS count,
                      round(sum(score_sum) / sum(n), 2)::text AS average_score
                 FROM cells GROUP BY GROUPING SETS ((status), (lead_source), ())`,
  );
}

async function leadCount(db: Database, org: number) {
  const [row] = await aggregate<{ total: number }>(db, Prisma.sql`SELECT coalesce(sum(leads), 0)::int AS total FROM (${dailyRows(LEAD_DAYS, org)}) r`);
  return row!.total;
}

/** The period's deals by the outcome of their stage. */
async function dealOutcomes(db: Database, org: number, range: DateRange) {
  const [row] = await aggregate<{ count: number; open_count: number; open_value: string; won_count: number; won_value: string; lost_count: number }>(
    db,
    Prisma.sql`SELECT coalesce(sum(d.deals), 0)::int AS count,
                      coalesce(sum(d.deals) FILTER (WHERE NOT s.is_won AND NOT s.is_lost), 0)::int AS open_count,
                      coalesce(sum(d.value) FILTER (WHERE NOT s.is_won AND NOT s.is_lost), 0)::text AS open_value,
                      coalesce(sum(d.deals) FILTER (WHERE s.is_won), 0)::int AS won_count,
                      coalesce(sum(d.value) FILTER (WHERE s.is_won), 0)::text AS won_value,
                      coalesce(sum(d.deals) FILTER (WHERE s.is_lost), 0)::int AS lost_count
                 FROM (${dealsPerStage(org, range)}) d JOIN stages s ON s.id = d.stage_id AND s.org_id = ${org}`,
  );
  return row!;
}

/** The deals created in the range per stage: (stage_id, deals, value). */
const dealsPerStage = (org: number, range: DateRange) =>
  Prisma.sql`SELECT stage_id, sum(deals)::int AS deals, sum(value_sum) AS value
               FROM (${dailyRows(DEAL_STAGE_DAYS, org, range.start_date, range.end_date)}) r GROUP BY stage_id`;

/** All rows of an organization's table, and those created in the range. */
async function recordCounts(db: Database, table: 'contacts' | 'companies', org: number, range: DateRange) {
  const [row] = await aggregate<{ total: number; new_in_period: number }>(
    db,
    Prisma.sql`SELECT count(*)::int AS total, count(*) FILTER (WHERE ${createdWithin('created_at', range)})::int AS new_in_period
                 FROM ${Prisma.raw(table)} WHERE org_id = ${org}`,
  );
  return row!;
}

// ------------------------------------------------------------------- stats

type SeriesGranularity = 'day' | 'week';

/**
 * The range the stats time series covers: as given, or the DEFAULT_SERIES_DAYS
 * days up to end_date (today when absent); start_date alone runs to today
 * (or to its own day when that is later).
 */
function seriesRange(range: DateRange, now: Date): Required<DateRange> {
  const today: DateBound = { at: new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`), dateOnly: true };
  const end = range.end_date ?? (range.start_date && range.start_date.at > today.at ? { ...range.start_date, dateOnly: true } : today);
  const endDay = new Date(`${end.at.toISOString().slice(0, 10)}T00:00:00Z`);
  const start = range.start_date ?? { at: new Date(endDay.getTime() - (DEFAULT_SERIES_DAYS - 1) * DAY_MS), dateOnly: true };
  return { start_date: start, end_date: end };
}

/** Calendar days (UTC) the range touches, both ends included. */
const daysSpanned = (range: Required<DateRange>) => {
  const day = (d: Date) => Math.floor(d.getTime() / DAY_MS);
  return day(range.end_date.at) - day(range.start_date.at) + 1;
};

/** What the series counts: a rollup and its count column. */
const SERIES = {
  leads: { rollup: LEAD_DAYS, count: 'leads' },
  deals: { rollup: DEAL_STAGE_DAYS, count: 'deals' },
} as const satisfies Record<string, { rollup: DailyRollup; count: string }>;

/**
 * Per-day (or per-week) counts of rows created in the range, every bucket
 * present (zero when empty); weeks start on Monday (UTC) and the first and
 * last weeks count only the days inside the range (the rollup's rows are
 * those of the range: partial days at its ends come from the rows).
 */
function createdSeries(db: Database, counted: keyof typeof SERIES, org: number, range: Required<DateRange>, unit: SeriesGranularity) {
  const { rollup, count } = SERIES[counted];
  return aggregate<{ date: string; count: number }>(
    db,
    Prisma.sql`SELECT to_char(b.bucket, 'YYYY-MM-DD') AS date, coalesce(c.count, 0)::int AS count
                 FROM generate_series(date_trunc(${unit}::text, ${range.start_date.at}::timestamptz AT TIME ZONE 'UTC'),
                                      date_trunc(${unit}::text, ${range.end_date.at}::timestamptz AT TIME ZONE 'UTC'),
                                      ('1 ' || ${unit}::text)::interval) AS b(bucket)
                 LEFT JOIN (SELECT date_trunc(${unit}::text, day::timestamp) AS bucket, sum(${Prisma.raw(count)}) AS count
                              FROM (${dailyRows(rollup, org, range.start_date, range.end_date)}) r GROUP BY 1) c ON c.bucket = b.bucket
                ORDER BY b.bucket`,
  );
}

/**
 * CRM statistics: leads and deals created per day (per week when the range
 * spans more than DAILY_SERIES_MAX_DAYS days) over the series range; the
 * pipeline summary (deals per stage, value, probability-weighted value) and
 * the top assignees over the given range (all time without one).
 */
export async function dashboardStats(db: Database, scope: OrgScope, range: DateRange, now = new Date()) {
  assertOrderedRange(range);
  const series = seriesRange(range, now);
  assertOrderedRange(series);
  const days = daysSpanned(series);
  if (days > MAX_SERIES_DAYS) throw invalidRange(`the range may span at most ${MAX_SERIES_DAYS} days`);
  const granularity: SeriesGranularity = days > DAILY_SERIES_MAX_DAYS ? 'week' : 'day';
  const org = scope.orgId;
  const [leadsCreated, dealsCreated, pipelines, assignees] = await Promise.all([
    createdSeries(db, 'leads', org, series, granularity),
    createdSeries(db, 'deals', org, series, granularity),
    pipelineSummary(db, org, range),
    topAssignees(db, org, range),
  ]);
  return {
    period: echoRange(range),
    series: { ...echoRange(series), granularity },
    leads_created: leadsCreated,
    deals_created: dealsCreated,
    pipelines,
    top_assignees: assignees.map((a) => ({ ...a, won_value: money(a.won_value) })),
  };
}

/**
 * Users by the leads created in the range and assigned to them, then by the
 * won deals (created in the range) of their leads.
 */
function topAssignees(db: Database, org: number, range: DateRange) {
  // in each part of the rollup, so the won stages' rows are read off its (org_id, stage_id, day) index
  const wonStages = Prisma.sql`stage_id IN (SELECT id FROM stages WHERE org_id = ${org} AND is_won)`;
  return aggregate<{ user_id: number; name: string; leads_assigned: number; deals_won: number; won_value: string }>(
    db,
    Prisma.sql`WITH assigned AS (
                 SELECT assigned_to AS user_id, sum(leads)::int AS leads_assigned
                   FROM (${dailyRows(LEAD_ASSIGNEE_DAYS, org, range.start_date, range.end_date)}) r
                  WHERE assigned_to IS NOT NULL
                  GROUP BY assigned_to HAVING sum(leads) <> 0
               ), won AS (
                 SELECT r.assigned_to AS user_id, sum(r.deals)::int AS deals_won, sum(r.value_sum) AS won_value
                   FROM (${dailyRows(DEAL_ASSIGNEE_DAYS, org, range.start_date, range.end_date, wonStages)}) r
                  WHERE r.assigned_to IS NOT NULL
                  GROUP BY r.assigned_to HAVING sum(r.deals) <> 0
               )
               SELECT u.id AS user_id, concat_ws(' ', u.first_name, u.last_name) AS name,
                      coalesce(a.leads_assigned, 0) AS leads_assigned, coalesce(w.deals_won, 0) AS deals_won,
                      coalesce(w.won_value, 0)::text AS won_value
                 FROM users u
                 LEFT JOIN assigned a ON a.user_id = u.id
                 LEFT JOIN won w ON w.user_id = u.id
                WHERE u.org_id = ${org} AND (a.user_id IS NOT NULL OR w.user_id IS NOT NULL)
                ORDER BY leads_assigned DESC, deals_won DESC, u.id
                LIMIT ${TOP_ASSIGNEES}`,
  );
}

/** Every pipeline with every stage (empty ones too), counting the deals created in the range. */
async function pipelineSummary(db: Database, org: number, range: DateRange) {
  const rows = await aggregate<{
    pipeline_id: number;
    pipeline_name: string;
    pipeline_deal_count: number;
    pipeline_value: string;
    pipeline_weighted_value: string;
    stage_id: number;
    stage_name: string;
    position: number;
    is_won: boolean;
    is_lost: boolean;
    probability: number;
    deal_count: number;
    value: string;
    weighted_value: string;
  }>(
    db,
    Prisma.sql`SELECT p.id AS pipeline_id, p.name AS pipeline_name,
                      (sum(coalesce(d.deals, 0)) OVER w)::int AS pipeline_deal_count,
                      (sum(coalesce(d.value, 0)) OVER w)::text AS pipeline_value,
                      round(sum(coalesce(d.value, 0) * s.probability::numeric) OVER w, 2)::text AS pipeline_weighted_value,
                      s.id AS stage_id, s.name AS stage_name, s.position, s.is_won, s.is_lost, s.probability,
                      coalesce(d.deals, 0) AS deal_count, coalesce(d.value, 0)::text AS value,
                      round(coalesce(d.value, 0) * s.probability::numeric, 2)::text AS weighted_value
                 FROM pipelines p
                 JOIN stages s ON s.pipeline_id = p.id AND s.org_id = p.org_id
                 LEFT JOIN (${dealsPerStage(org, range)}) d ON d.stage_id = s.id
                WHERE p.org_id = ${org}
               WINDOW w AS (PARTITION BY p.id)
                ORDER BY p.id, s.position, s.id`,
  );
  const presentStage = (row: (typeof rows)[number]) => ({
    stage_id: row.stage_id,
    stage_name: row.stage_name,
    position: row.position,
    is_won: row.is_won,
    is_lost: row.is_lost,
    probability: row.probability,
    deal_count: row.deal_count,
    value: money(row.value),
    weighted_value: money(row.weighted_value),
  });
  const pipelines = new Map<number, {
    pipeline_id: number;
    pipeline_name: string;
    deal_count: number;
    value: number;
    weighted_value: number;
    stages: ReturnType<typeof presentStage>[];
  }>();
  for (const row of rows) {
    const pipeline = pipelines.get(row.pipeline_id) ?? {
      pipeline_id: row.pipeline_id,
      pipeline_name: row.pipeline_name,
      deal_count: row.pipeline_deal_count,
      value: money(row.pipeline_value),
      weighted_value: money(row.pipeline_weighted_value),
      stages: [],
    };
    pipeline.stages.push(presentStage(row));
    pipelines.set(row.pipeline_id, pipeline);
  }
  return [...pipelines.values()];
}

// -------------------------------------------------------------- lead aging

/**
 * Leads by whole days since creation and since their last activity
 * (created_at when they have none), overall and per status, as of `now`.
 */
export async function dashboardLeadAging(db: Database, scope: OrgScope, now = new Date()) {
  // a lead is at least n whole days old when its timestamp is at or before now - n days; comparing with
  // these instants keeps the per-row work to timestamp comparisons
  const cutoffs = AGING_BUCKETS.map((b) => new Date(now.getTime() - b.min_days * DAY_MS));
  const bucketCounts = (column: string) =>
    Prisma.join(
      AGING_BUCKETS.map((_, i) => {
        const at = Prisma.raw(column);
        const conditions = [
          ...(i > 0 ? [Prisma.sql`${at} <= ${cutoffs[i]}`] : []),
          ...(i + 1 < cutoffs.length ? [Prisma.sql`${at} > ${cutoffs[i + 1]}`] : []),
        ];
        return Prisma.sql`count(*) FILTER (WHERE ${Prisma.join(conditions, ' AND ')})::int`;
      }),
    );
  const [rows, labels] = await Promise.all([
    // grouped by status alone (a handful of groups) so PostgreSQL aggregates in parallel; the
    // buckets are FILTERed counts rather than grouping keys, whose group count it cannot estimate
    aggregate<{ status: number; by_age: number[]; by_inactivity: number[] }>(
      db,
      Prisma.sql`SELECT status, ARRAY[${bucketCounts('created_at')}] AS by_age,
                        ARRAY[${bucketCounts('coalesce(last_activity_at, created_at)')}] AS by_inactivity
                   FROM leads WHERE org_id = ${scope.orgId}
                  GROUP BY status`,
    ),
    loadLeadLabels(db.pool, scope.orgId),
  ]);
  const noLeads = AGING_BUCKETS.map(() => 0);
  const withShares = (counts: number[]) => {
    const total = counts.reduce((sum, n) => sum + n, 0);
    return AGING_BUCKETS.map((b, i) => ({ ...b, count: counts[i]!, percentage: percentage(counts[i]!, total) }));
  };
  const sumOf = (kind: 'by_age' | 'by_inactivity') => rows.reduce((sums, r) => sums.map((n, i) => n + r[kind][i]!), noLeads);
  const byStatus = new Map(rows.map((r) => [r.status, r]));
  const overall = sumOf('by_age');
  return {
    as_of: now.toISOString(),
    total: overall.reduce((sum, n) => sum + n, 0),
    by_age: withShares(overall),
    by_inactivity: withShares(sumOf('by_inactivity')),
    by_status: labelled(rows.map((r) => ({ code: r.status, count: r.by_age.reduce((sum, n) => sum + n, 0) })), labels.code.status).map((r) => ({
      status: r.code!,
      status_text: r.text,
      total: r.count,
      by_age: withShares(byStatus.get(r.code!)?.by_age ?? noLeads),
      by_inactivity: withShares(byStatus.get(r.code!)?.by_inactivity ?? noLeads),
    })),
  };
}

// ------------------------------------------------------------ top accounts

export const TOP_ACCOUNTS_DEFAULT = 10;
export const TOP_ACCOUNTS_MAX = 50;

/**
 * Companies with linked leads (leads.company_id), ranked by the value of the
 * open deals of those leads (stages neither won nor lost), then by lead
 * count, then by the latest last_activity_at of those leads.
 */
export async function dashboardTopAccounts(db: Database, scope: OrgScope, limit: number) {
  const rows = await rankedAccounts(db, scope.orgId, limit);
  return rows.map((r, i) => ({
    rank: i + 1,
    ...r,
    open_deal_value: money(r.open_deal_value),
    last_activity_at: r.last_activity_at?.toISOString() ?? null,
  }));
}

/**
 * Lead activity is counted only for the companies that can still make the
 * list: those with one of the `limit` largest open values (ties included);
 * only when fewer companies have open deals than the list has places does
 * every company with leads compete on activity.
 */
function rankedAccounts(db: Database, org: number, limit: number) {
  return aggregate<{
    company_id: number;
    company_name: string;
    industry_type: string | null;
    website: string | null;
    open_deal_value: string;
    open_deal_count: number;
    lead_count: number;
    last_activity_at: Date | null;
  }>(
    db,
    Prisma.sql`WITH open_deals AS (
                 SELECT l.company_id, count(*)::int AS open_deal_count, sum(d.value) AS open_deal_value
                   FROM deals d
                   JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id AND NOT s.is_won AND NOT s.is_lost
                   JOIN leads l ON l.id = d.lead_id AND l.org_id = d.org_id
                  WHERE d.org_id = ${org} AND l.company_id IS NOT NULL
                  GROUP BY l.company_id
               ), last_place AS (
                 SELECT open_deal_value FROM open_deals ORDER BY open_deal_value DESC OFFSET ${limit - 1} LIMIT 1
               ), candidates AS (
                 SELECT company_id FROM open_deals WHERE open_deal_value >= (SELECT open_deal_value FROM last_place)
                 UNION
                 SELECT company_id FROM leads WHERE org_id = ${org} AND company_id IS NOT NULL AND NOT EXISTS (SELECT FROM last_place)
               )
               SELECT c.id AS company_id, c.company_name, c.industry_type, c.website,
                      coalesce(o.open_deal_value, 0)::text AS open_deal_value, coalesce(o.open_deal_count, 0) AS open_deal_count,
                      a.lead_count, a.last_activity_at
                 FROM candidates k
                 JOIN companies c ON c.id = k.company_id AND c.org_id = ${org}
                 CROSS JOIN LATERAL (SELECT count(*)::int AS lead_count, max(last_activity_at) AS last_activity_at
                                       FROM leads WHERE org_id = ${org} AND company_id = k.company_id) a
                 LEFT JOIN open_deals o ON o.company_id = k.company_id
                ORDER BY coalesce(o.open_deal_value, 0) DESC, a.lead_count DESC, a.last_activity_at DESC NULLS LAST, c.id
                LIMIT ${limit}`,
  );
}

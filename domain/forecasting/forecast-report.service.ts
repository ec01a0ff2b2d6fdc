// What the forecasting endpoints answer (§6.7): a deal's latest forecast
// and trend, its snapshot history, the pipeline forecast per period and the
// deals making up a month, the deals at risk and why, and the accuracy of
// past forecasts against what closed. Every read is scoped by org_id; every
// user of the organization sees all of its deals (deal.service's rule: deals
// are not restricted by owner). A deal's owner is its lead's assignee, or
// whoever created the deal when the lead is unassigned.
//
// Aggregates are SQL over "the current forecast" of each open deal: its
// latest snapshot, or — for a deal no run has reached yet — its stage's
// probability and its own close date (source `stage`).
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { notFound } from '../platform/errors.js';
import { BEST_CASE_PROBABILITY, COMMIT_PROBABILITY, addDays, describeChange, forecastDeal, type ForecastCategory, type ForecastFactor } from './deal-forecast.js';
import { aggregate, loadDealFeatures, loadForecastContext, orgToday } from './forecast-data.js';

/** A change of at most this size (probability) reads as flat. */
const FLAT_CHANGE = 0.01;
/** No signal nor meeting from the lead for this many days puts an open deal at risk. */
export const SILENT_DAYS = 21;
/** A fall of at least this much (probability) against a week ago puts a deal at risk. */
export const PROBABILITY_DROP = 0.1;

const round2 = (x: number) => Math.round(x * 100) / 100;

// ---------------------------------------------------------------------------
// one deal

interface DealRow {
  id: number;
  title: string;
  pipeline_id: number;
  stage_id: number;
  stage_name: string;
  is_won: boolean;
  is_lost: boolean;
  value: number;
}

async function dealOfOrg(db: Database, orgId: number, dealId: number): Promise<DealRow> {
  const { rows } = await db.pool.query<DealRow>(
    `SELECT d.id, d.title, d.pipeline_id, d.stage_id, s.name AS stage_name, s.is_won, s.is_lost, d.value::float8 AS value
       FROM deals d JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id
      WHERE d.id = $1 AND d.org_id = $2`,
    [dealId, orgId],
  );
  if (!rows[0]) throw notFound('Deal');
  return rows[0];
}

interface SnapshotRow {
  snapshot_date: string;
  win_probability: number;
  expected_close_date: string;
  value: number;
  weighted_value: number;
  category: ForecastCategory | 'omitted';
  stage_id: number;
  factors: ForecastFactor[];
  job_id: number | null;
  computed_at: Date;
}

const SNAPSHOT_COLUMNS = `to_char(snapshot_date, 'YYYY-MM-DD') AS snapshot_date, win_probability, to_char(expected_close_date, 'YYYY-MM-DD') AS expected_close_date,
  value::float8 AS value, weighted_value::float8 AS weighted_value, category, stage_id, factors, job_id, computed_at`;

const presentSnapshot = (row: SnapshotRow) => ({
  snapshot_date: row.snapshot_date,
  win_probability: row.win_probability,
  expected_close_date: row.expected_close_date,
  value: row.value,
  weighted_value: row.weighted_value,
  category: row.category,
  stage_id: row.stage_id,
  factors: row.factors,
  job_id: row.job_id,
  computed_at: row.computed_at.toISOString(),
});

/** The deal's snapshot probability on `date` or the last day before; null when it has none that old. */
async function probabilityAsOf(db: Database, orgId: number, dealId: number, date: string): Promise<number | null> {
  const { rows } = await db.pool.query<{ win_probability: number }>(
    `SELECT win_probability FROM deal_forecasts WHERE org_id = $1 AND deal_id = $2 AND snapshot_date <= $3::date
      ORDER BY snapshot_date DESC LIMIT 1`,
    [orgId, dealId, date],
  );
  return rows[0]?.win_probability ?? null;
}

/**
 * The deal's latest forecast with its trend: the latest snapshot (source
 * `snapshot`), or, when no run has reached the deal yet, computed now the
 * same way a run would (source `live`; a closed deal without snapshots
 * answers its outcome). The trend compares the probability with the
 * snapshots of 7 and 30 days before the forecast's day.
 */
export async function getDealForecast(db: Database, scope: Pick<Scope, 'orgId'>, dealId: number) {
  const deal = await dealOfOrg(db, scope.orgId, dealId);
  const { rows } = await db.pool.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM deal_forecasts WHERE org_id = $1 AND deal_id = $2 ORDER BY snapshot_date DESC LIMIT 1`,
    [scope.orgId, dealId],
  );
  const { today, timezone } = await orgToday(db.pool, scope.orgId);
  let forecast: ReturnType<typeof presentSnapshot>;
  let source: 'snapshot' | 'live';
  if (rows[0]) {
    forecast = presentSnapshot(rows[0]);
    source = 'snapshot';
  } else {
    source = 'live';
    const [features] = await loadDealFeatures(db.pool, scope.orgId, { dealId }, new Date(), timezone);
    if (features) {
      const result = forecastDeal(features, await loadForecastContext(db.pool, scope.orgId), today);
      forecast = {
        snapshot_date: today,
        win_probability: result.winProbability,
        expected_close_date: result.expectedCloseDate,
        value: deal.value,
        weighted_value: round2(deal.value * result.winProbability),
        category: result.category,
        stage_id: deal.stage_id,
        factors: result.factors,
        job_id: null,
        computed_at: new Date().toISOString(),
      };
    } else {
      // closed: the outcome is known
      const p = deal.is_won ? 1 : 0;
      forecast = {
        snapshot_date: today,
        win_probability: p,
        expected_close_date: today,
        value: deal.value,
        weighted_value: round2(deal.value * p),
        category: 'omitted' as const,
        stage_id: deal.stage_id,
        factors: [],
        job_id: null,
        computed_at: new Date().toISOString(),
      };
    }
  }
  const [weekAgo, monthAgo] = await Promise.all([
    probabilityAsOf(db, scope.orgId, dealId, addDays(forecast.snapshot_date, -7)),
    probabilityAsOf(db, scope.orgId, dealId, addDays(forecast.snapshot_date, -30)),
  ]);
  const change7 = weekAgo === null ? null : round4(forecast.win_probability - weekAgo);
  const change30 = monthAgo === null ? null : round4(forecast.win_probability - monthAgo);
  const reference = change7 ?? change30;
  return {
    deal_id: deal.id,
    title: deal.title,
    pipeline_id: deal.pipeline_id,
    stage_name: deal.stage_name,
    status: deal.is_won ? ('won' as const) : deal.is_lost ? ('lost' as const) : ('open' as const),
    source,
    ...forecast,
    trend: {
      change_7d: change7,
      change_30d: change30,
      direction: (reference === null ? null : Math.abs(reference) <= FLAT_CHANGE ? 'flat' : reference > 0 ? 'up' : 'down') as 'flat' | 'up' | 'down' | null,
      summary:
        reference === null
          ? 'no earlier snapshot to compare with yet'
          : `${describeChange(reference)} since ${change7 !== null ? 'a week' : 'a month'} ago`,
    },
  };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** The deal's stored snapshots, newest first. */
export async function dealForecastHistory(db: Database, scope: Pick<Scope, 'orgId'>, dealId: number, limit: number) {
  await dealOfOrg(db, scope.orgId, dealId);
  const { rows } = await db.pool.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM deal_forecasts WHERE org_id = $1 AND deal_id = $2 ORDER BY snapshot_date DESC LIMIT $3`,
    [scope.orgId, dealId, limit],
  );
  return rows.map(presentSnapshot);
}

// ---------------------------------------------------------------------------
// the pipeline

/**
 * SQL: the organization's open deals ($1; pipeline $2 or all) with their
 * current forecast — probability `p`, close `close` (a close before the
 * first period `first` of CTE `org` counts in it), `source` and
 * `snapshot_date` — and, `withOwner`, their owner. The latest snapshot of
 * almost every open deal is on the organization's latest snapshot day (each
 * run takes them all): those are joined by that day in one hash join; only a
 * deal missing from that day (opened since, or a run cancelled part way)
 * looks up its own latest snapshot (the lateral's filter on the join's miss
 * is checked before its query runs). Needs CTE `org` (timezone, first).
 */
const currentForecasts = (withOwner: boolean) => `
  latest_day AS (SELECT max(snapshot_date) AS day FROM deal_forecasts WHERE org_id = $1),
  current AS (
    SELECT d.id, d.title, d.pipeline_id, d.stage_id, s.name AS stage_name, d.value::float8 AS value,
           coalesce(f.win_probability, older.win_probability, s.probability) AS p,
           greatest(coalesce(f.expected_close_date, older.expected_close_date, d.expected_close_date), (SELECT first FROM org)) AS close,
           CASE WHEN coalesce(f.win_probability, older.win_probability) IS NULL THEN 'stage' ELSE 'snapshot' END AS source,
           to_char(coalesce(f.snapshot_date, older.snapshot_date), 'YYYY-MM-DD') AS snapshot_date
           ${withOwner ? ', coalesce(l.assigned_to, d.created_by) AS owner_id' : ''}
      FROM deals d
      JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id
      ${withOwner ? 'JOIN leads l ON l.id = d.lead_id AND l.org_id = d.org_id' : ''}
      LEFT JOIN deal_forecasts f ON f.org_id = d.org_id AND f.deal_id = d.id AND f.snapshot_date = (SELECT day FROM latest_day)
      LEFT JOIN LATERAL (
        SELECT o.win_probability, o.expected_close_date, o.snapshot_date FROM deal_forecasts o
         WHERE f.deal_id IS NULL AND o.org_id = d.org_id AND o.deal_id = d.id ORDER BY o.snapshot_date DESC LIMIT 1
      ) older ON true
     WHERE d.org_id = $1 AND NOT s.is_won AND NOT s.is_lost AND ($2::int IS NULL OR d.pipeline_id = $2)
  )`;

export type ForecastPeriod = 'monthly' | 'quarterly';

const periodLabel = (start: string, period: ForecastPeriod) => {
  const [year, month] = start.split('-').map(Number) as [number, number];
  return period === 'monthly' ? start.slice(0, 7) : `${year}-Q${Math.ceil(month / 3)}`;
};

/**
 * Per period from the current one (the organization's calendar): committed
 * (value of deals at ≥ 70% closing in it), best case (≥ 40%, so commit
 * included), weighted (Σ value × probability) and the deal count, beside
 * what was won in it so far. Quarterly answers ceil(months / 3) quarters.
 */
export async function pipelineForecast(db: Database, scope: Pick<Scope, 'orgId'>, query: { period: ForecastPeriod; months: number; pipeline_id?: number }) {
  const unit = query.period === 'monthly' ? 'month' : 'quarter';
  const count = query.period === 'monthly' ? query.months : Math.ceil(query.months / 3);
  const step = query.period === 'monthly' ? '1 month' : '3 months';
  const rows = await aggregate<{
    start: string;
    next: string;
    committed: number;
    best_case: number;
    weighted: number;
    deal_count: number;
    closed_won: number;
    closed_won_count: number;
  }>(
    db,
    `WITH org AS (
       SELECT timezone, date_trunc('${unit}', (now() AT TIME ZONE timezone)::date)::date AS first FROM organizations WHERE id = $1
     ), periods AS (
       SELECT gs::date AS start, (gs + $4::interval)::date AS next
         FROM org, generate_series(org.first, org.first + ($3::int - 1) * $4::interval, $4::interval) gs
     ), ${currentForecasts(false)},
     by_period AS (
       SELECT date_trunc('${unit}', close)::date AS start,
              sum(value) FILTER (WHERE p >= $5) AS committed, sum(value) FILTER (WHERE p >= $6) AS best_case,
              sum(value * p) AS weighted, count(*) AS deal_count
         FROM current GROUP BY 1
     ), won AS (
       SELECT date_trunc('${unit}', (d.closed_at AT TIME ZONE org.timezone)::date)::date AS start, sum(d.value)::float8 AS value, count(*) AS n
         FROM deals d JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id AND s.is_won, org
        WHERE d.org_id = $1 AND ($2::int IS NULL OR d.pipeline_id = $2) AND d.closed_at >= (org.first - 1)
        GROUP BY 1
     )
     SELECT to_char(p.start, 'YYYY-MM-DD') AS start, to_char(p.next, 'YYYY-MM-DD') AS next,
            coalesce(b.committed, 0)::float8 AS committed, coalesce(b.best_case, 0)::float8 AS best_case,
            coalesce(b.weighted, 0)::float8 AS weighted, coalesce(b.deal_count, 0)::int AS deal_count,
            coalesce(w.value, 0)::float8 AS closed_won, coalesce(w.n, 0)::int AS closed_won_count
       FROM periods p LEFT JOIN by_period b ON b.start = p.start LEFT JOIN won w ON w.start = p.start
      ORDER BY p.start`,
    [scope.orgId, query.pipeline_id ?? null, count, step, COMMIT_PROBABILITY, BEST_CASE_PROBABILITY],
  );
  return {
    period: query.period,
    pipeline_id: query.pipeline_id ?? null,
    periods: rows.map((r) => ({
      period: periodLabel(r.start, query.period),
      start: r.start,
      end: addDays(r.next, -1),
      committed: round2(r.committed),
      best_case: round2(r.best_case),
      weighted: round2(r.weighted),
      deal_count: r.deal_count,
      closed_won: round2(r.closed_won),
      closed_won_count: r.closed_won_count,
    })),
  };
}

const categoryOf = (p: number): ForecastCategory => (p >= COMMIT_PROBABILITY ? 'commit' : p >= BEST_CASE_PROBABILITY ? 'best_case' : 'pipeline');

/** The open deals whose current forecast closes in the month (YYYY-MM; default the current one), largest weighted value first. */
export async function pipelineContributors(
  db: Database,
  scope: Pick<Scope, 'orgId'>,
  query: { period_month?: string; pipeline_id?: number; page: number; limit: number },
) {
  const rows = await aggregate<{
    id: number;
    title: string;
    pipeline_id: number;
    stage_id: number;
    stage_name: string;
    value: number;
    p: number;
    close: string;
    source: 'snapshot' | 'stage';
    snapshot_date: string | null;
    owner_id: number | null;
    owner_name: string | null;
    total: number;
  }>(
    db,
    `WITH org AS (
       SELECT timezone, date_trunc('month', (now() AT TIME ZONE timezone)::date)::date AS first FROM organizations WHERE id = $1
     ), ${currentForecasts(true)},
     month AS (SELECT coalesce($3::date, (SELECT first FROM org)) AS start)
     SELECT c.id, c.title, c.pipeline_id, c.stage_id, c.stage_name, c.value, c.p, to_char(c.close, 'YYYY-MM-DD') AS close, c.source, c.snapshot_date,
            c.owner_id, nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '') AS owner_name, count(*) OVER ()::int AS total
       FROM current c CROSS JOIN month m
       LEFT JOIN users u ON u.id = c.owner_id AND u.org_id = $1
      WHERE c.close >= m.start AND c.close < m.start + interval '1 month'
      ORDER BY c.value * c.p DESC, c.id
      LIMIT $4 OFFSET $5`,
    [scope.orgId, query.pipeline_id ?? null, query.period_month ? `${query.period_month}-01` : null, query.limit, (query.page - 1) * query.limit],
  );
  return {
    rows: rows.map((r) => ({
      deal_id: r.id,
      title: r.title,
      pipeline_id: r.pipeline_id,
      stage_id: r.stage_id,
      stage_name: r.stage_name,
      value: r.value,
      win_probability: r.p,
      weighted_value: round2(r.value * r.p),
      category: categoryOf(r.p),
      expected_close_date: r.close,
      source: r.source,
      snapshot_date: r.snapshot_date,
      owner_id: r.owner_id,
      owner_name: r.owner_name,
    })),
    total: rows[0]?.total ?? 0,
  };
}

// ---------------------------------------------------------------------------
// at risk

export const RISK_REASONS = ['overdue_in_stage', 'close_date_passed', 'no_engagement', 'probability_drop'] as const;
export type RiskReason = (typeof RISK_REASONS)[number];

/**
 * Open deals at risk, with every reason that holds: overdue in their stage,
 * close date passed, no signal nor meeting from the lead for SILENT_DAYS
 * (counted from the deal's creation when there was never any), probability
 * down by PROBABILITY_DROP or more against a week ago. `status` is `all`
 * (any reason) or one reason; most reasons first, then largest value.
 */
export async function atRiskDeals(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  query: { status: 'all' | RiskReason; owner: 'me' | 'all'; pipeline_id?: number; limit: number },
) {
  const rows = await aggregate<{
    id: number;
    title: string;
    pipeline_id: number;
    stage_name: string;
    value: number;
    owner_id: number | null;
    days_in_stage: number;
    max_days_in_stage: number | null;
    expected_close_date: string;
    days_silent: number;
    p_now: number | null;
    p_week_ago: number | null;
    days_past_close: number;
    overdue_in_stage: boolean;
    close_date_passed: boolean;
    no_engagement: boolean;
    probability_drop: boolean;
  }>(
    db,
    `WITH org AS (SELECT timezone, (now() AT TIME ZONE timezone)::date AS today FROM organizations WHERE id = $1),
     deals_now AS (
       SELECT d.id, d.title, d.pipeline_id, s.name AS stage_name, d.value::float8 AS value, coalesce(l.assigned_to, d.created_by) AS owner_id,
              org.today - (d.stage_entered_at AT TIME ZONE org.timezone)::date AS days_in_stage, s.max_days_in_stage,
              d.expected_close_date, org.today,
              org.today - (greatest(sig.last_at, mt.last_at, d.created_at) AT TIME ZONE org.timezone)::date AS days_silent,
              now_f.p AS p_now, week_f.p AS p_week_ago
         FROM deals d
         CROSS JOIN org
         JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id
         JOIN leads l ON l.id = d.lead_id AND l.org_id = d.org_id
         LEFT JOIN LATERAL (SELECT max(i.occurred_at) AS last_at FROM intent_signals i WHERE i.org_id = d.org_id AND i.lead_id = d.lead_id) sig ON true
         LEFT JOIN LATERAL (SELECT max(m.start_time) AS last_at FROM meetings m
                             WHERE m.org_id = d.org_id AND m.lead_id = d.lead_id AND m.status IN (1, 2, 3) AND m.start_time <= now()) mt ON true
         LEFT JOIN LATERAL (SELECT f.win_probability AS p FROM deal_forecasts f WHERE f.org_id = d.org_id AND f.deal_id = d.id
                             ORDER BY f.snapshot_date DESC LIMIT 1) now_f ON true
         LEFT JOIN LATERAL (SELECT f.win_probability AS p FROM deal_forecasts f WHERE f.org_id = d.org_id AND f.deal_id = d.id
                             AND f.snapshot_date <= org.today - 7 ORDER BY f.snapshot_date DESC LIMIT 1) week_f ON true
        WHERE d.org_id = $1 AND NOT s.is_won AND NOT s.is_lost AND ($2::int IS NULL OR d.pipeline_id = $2)
          AND ($3::int IS NULL OR coalesce(l.assigned_to, d.created_by) = $3)
     ), flagged AS (
       SELECT *, (max_days_in_stage IS NOT NULL AND days_in_stage > max_days_in_stage) AS overdue_in_stage,
                 (expected_close_date < today) AS close_date_passed,
                 (days_silent >= $4) AS no_engagement,
                 (p_now IS NOT NULL AND p_week_ago IS NOT NULL AND p_week_ago - p_now >= $5) AS probability_drop
         FROM deals_now
     )
     SELECT id, title, pipeline_id, stage_name, value, owner_id, days_in_stage, max_days_in_stage,
            to_char(expected_close_date, 'YYYY-MM-DD') AS expected_close_date, days_silent, p_now, p_week_ago,
            today - expected_close_date AS days_past_close, overdue_in_stage, close_date_passed, no_engagement, probability_drop
       FROM flagged
      WHERE CASE $6::text WHEN 'all' THEN overdue_in_stage OR close_date_passed OR no_engagement OR probability_drop
                          WHEN 'overdue_in_stage' THEN overdue_in_stage WHEN 'close_date_passed' THEN close_date_passed
                          WHEN 'no_engagement' THEN no_engagement ELSE probability_drop END
      ORDER BY overdue_in_stage::int + close_date_passed::int + no_engagement::int + probability_drop::int DESC, value DESC, id
      LIMIT $7`,
    [scope.orgId, query.pipeline_id ?? null, query.owner === 'me' ? (scope.userId ?? -1) : null, SILENT_DAYS, PROBABILITY_DROP - 1e-9, query.status, query.limit],
  );
  return rows.map((r) => {
    const reasons: { reason: RiskReason; detail: string }[] = [];
    if (r.overdue_in_stage) {
      reasons.push({ reason: 'overdue_in_stage', detail: `${r.days_in_stage} days in "${r.stage_name}", ${r.days_in_stage - r.max_days_in_stage!} over its ${r.max_days_in_stage}` });
    }
    if (r.close_date_passed) reasons.push({ reason: 'close_date_passed', detail: `expected to close on ${r.expected_close_date}, ${r.days_past_close} days ago` });
    if (r.no_engagement) reasons.push({ reason: 'no_engagement', detail: `no intent signal nor meeting from the lead for ${r.days_silent} days` });
    if (r.probability_drop) {
      reasons.push({
        reason: 'probability_drop',
        detail: `win probability ${describeChange(r.p_now! - r.p_week_ago!)} against a week ago (${Math.round(r.p_week_ago! * 100)}% → ${Math.round(r.p_now! * 100)}%)`,
      });
    }
    return {
      deal_id: r.id,
      title: r.title,
      pipeline_id: r.pipeline_id,
      stage_name: r.stage_name,
      value: r.value,
      owner_id: r.owner_id,
      expected_close_date: r.expected_close_date,
      win_probability: r.p_now,
      reasons,
    };
  });
}

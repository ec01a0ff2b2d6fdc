// What the deal forecast reads from the database, in set-based statements
// (raw SQL: lateral joins and aggregates Prisma cannot express, docs/database.md):
// a batch of open deals with their features in one query (stage, engagement
// counts by lateral subqueries), the organization's context (stage histories,
// median won deal) in one more, and a batch of forecasts written in one
// multi-row INSERT … ON CONFLICT. Never one query per deal.
import type pg from 'pg';
import type { Database } from '../platform/db.js';
import { transaction } from '../platform/transaction.js';
import { ENGAGEMENT_DAYS, type DealFeatures, type DealForecastResult, type OrgForecastContext } from './deal-forecast.js';

type SqlClient = pg.Pool | pg.PoolClient;

/** Closed deals count towards a stage's history for this long after they closed. */
const HISTORY_DAYS = 730;

/** Aggregates over many deals: read-only, and without JIT, whose compile time costs more than these queries take (docs/indexes.md). */
export const aggregate = <T extends pg.QueryResultRow>(db: Database, text: string, values: unknown[]) =>
  transaction(db.pool, { actorId: null, readOnly: true, settings: { jit: 'off' } }, async (client) => (await client.query<T>(text, values)).rows);

/** The organization's calendar day now (its time zone), YYYY-MM-DD, and its time zone. */
export async function orgToday(client: SqlClient, orgId: number): Promise<{ today: string; timezone: string; orgPublicId: string }> {
  const { rows } = await client.query<{ today: string; timezone: string; public_id: string }>(
    `SELECT to_char((now() AT TIME ZONE timezone)::date, 'YYYY-MM-DD') AS today, timezone, public_id FROM organizations WHERE id = $1`,
    [orgId],
  );
  const row = rows[0];
  if (!row) throw new Error(`organization ${orgId} does not exist`);
  return { today: row.today, timezone: row.timezone, orgPublicId: row.public_id };
}

/**
 * The organization's past as the forecast uses it. A closed deal "reached" a
 * stage when one of its daily snapshots (deal_forecasts) shows it there: the
 * deals table keeps only the current stage, and the snapshots are the one
 * record of the stages a deal went through. Closed deals of the last two
 * years count.
 */
export async function loadForecastContext(client: SqlClient, orgId: number): Promise<OrgForecastContext> {
  const [history, median] = await Promise.all([
    client.query<{ stage_id: number; closed: number; won: number }>(
      `SELECT reached.stage_id, count(*)::int AS closed, count(*) FILTER (WHERE s.is_won)::int AS won
         FROM deals d
         JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id AND (s.is_won OR s.is_lost)
         JOIN LATERAL (SELECT DISTINCT f.stage_id FROM deal_forecasts f WHERE f.org_id = d.org_id AND f.deal_id = d.id) reached ON true
        WHERE d.org_id = $1 AND d.closed_at > now() - make_interval(days => $2)
        GROUP BY reached.stage_id`,
      [orgId, HISTORY_DAYS],
    ),
    client.query<{ median: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d.value)::float8 AS median
         FROM deals d JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id AND s.is_won
        WHERE d.org_id = $1`,
      [orgId],
    ),
  ]);
  return {
    stageHistory: Object.fromEntries(history.rows.map((r) => [r.stage_id, { closed: r.closed, won: r.won }])),
    medianWonValue: median.rows[0]?.median ?? null,
  };
}

/** A deal's features plus what the run stores beside its forecast. */
export interface DealFeatureRow extends DealFeatures {
  pipelineId: number;
}

/** Which open deals to read: a keyset batch (ids after `afterId`, in id order) or one deal. */
export type DealSelection = { afterId: number; limit: number } | { dealId: number };

/**
 * Open deals (stage neither won nor lost) with their features as of `asOf`,
 * in one statement: intent signals of the deal's lead in the engagement
 * window counted by type, its meetings held in the window and scheduled
 * (booked, not held, cancelled nor missed) from the window's start to as far
 * ahead. `today` is the organization's day, for the days in stage.
 */
export async function loadDealFeatures(client: SqlClient, orgId: number, selection: DealSelection, asOf: Date, timezone: string): Promise<DealFeatureRow[]> {
  const byDeal = 'dealId' in selection;
  const { rows } = await client.query<{
    id: number;
    pipeline_id: number;
    stage_id: number;
    stage_name: string;
    probability: number;
    max_days_in_stage: number | null;
    days_in_stage: number;
    value: number;
    expected_close_date: string;
    signals: Record<string, number> | null;
    meetings_held: number;
    meetings_scheduled: number;
  }>(
    `SELECT d.id, d.pipeline_id, d.stage_id, s.name AS stage_name, s.probability, s.max_days_in_stage,
            greatest(0, ($3::timestamptz AT TIME ZONE $4)::date - (d.stage_entered_at AT TIME ZONE $4)::date) AS days_in_stage,
            d.value::float8 AS value, to_char(d.expected_close_date, 'YYYY-MM-DD') AS expected_close_date,
            sig.signals, coalesce(mt.held, 0)::int AS meetings_held, coalesce(mt.scheduled, 0)::int AS meetings_scheduled
       FROM deals d
       JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id
       LEFT JOIN LATERAL (
         SELECT jsonb_object_agg(t.signal_type, t.n) AS signals
           FROM (SELECT i.signal_type, count(*)::int AS n FROM intent_signals i
                  WHERE i.org_id = d.org_id AND i.lead_id = d.lead_id
                    AND i.occurred_at > $3::timestamptz - make_interval(days => $5) AND i.occurred_at <= $3::timestamptz
                  GROUP BY i.signal_type) t
       ) sig ON true
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE m.status = 3 AND m.start_time <= $3::timestamptz) AS held,
                count(*) FILTER (WHERE m.status IN (1, 2)) AS scheduled
           FROM meetings m
          WHERE m.org_id = d.org_id AND m.lead_id = d.lead_id
            AND m.start_time > $3::timestamptz - make_interval(days => $5)
            AND m.start_time <= $3::timestamptz + make_interval(days => $5)
       ) mt ON true
      WHERE d.org_id = $1 AND NOT s.is_won AND NOT s.is_lost
        AND ${byDeal ? 'd.id = $2' : 'd.id > $2'}
      ORDER BY d.id
      ${byDeal ? '' : 'LIMIT $6'}`,
    byDeal ? [orgId, selection.dealId, asOf, timezone, ENGAGEMENT_DAYS] : [orgId, selection.afterId, asOf, timezone, ENGAGEMENT_DAYS, selection.limit],
  );
  return rows.map((r) => ({
    dealId: r.id,
    pipelineId: r.pipeline_id,
    stageId: r.stage_id,
    stageName: r.stage_name,
    stageProbability: r.probability,
    maxDaysInStage: r.max_days_in_stage,
    daysInStage: r.days_in_stage,
    value: r.value,
    expectedCloseDate: r.expected_close_date,
    signals: r.signals ?? {},
    meetingsHeld: r.meetings_held,
    meetingsScheduled: r.meetings_scheduled,
  }));
}

/** A computed forecast of one deal, ready to store. */
export interface ForecastRow {
  deal: DealFeatureRow;
  forecast: DealForecastResult;
}

/**
 * Stores a batch of forecasts as the snapshot of `snapshotDate` in one
 * statement; a deal's snapshot of that day already there (an earlier run the
 * same day, or a retried batch) is replaced.
 */
export async function writeForecastSnapshots(client: SqlClient, orgId: number, jobId: number | null, snapshotDate: string, rows: readonly ForecastRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO deal_forecasts (org_id, deal_id, pipeline_id, stage_id, job_id, snapshot_date, win_probability,
                                 expected_close_date, value, weighted_value, category, factors, computed_at)
     SELECT $1, f.deal_id, f.pipeline_id, f.stage_id, $2, $3::date, f.p, f.close, f.value, round(f.value * f.p::numeric, 2), f.category, f.factors, now()
       FROM unnest($4::int[], $5::int[], $6::int[], $7::float8[], $8::date[], $9::numeric[], $10::text[], $11::jsonb[])
         AS f(deal_id, pipeline_id, stage_id, p, close, value, category, factors)
     ON CONFLICT (org_id, deal_id, snapshot_date) DO UPDATE
       SET pipeline_id = EXCLUDED.pipeline_id, stage_id = EXCLUDED.stage_id, job_id = EXCLUDED.job_id,
           win_probability = EXCLUDED.win_probability, expected_close_date = EXCLUDED.expected_close_date,
           value = EXCLUDED.value, weighted_value = EXCLUDED.weighted_value, category = EXCLUDED.category,
           factors = EXCLUDED.factors, computed_at = EXCLUDED.computed_at`,
    [
      orgId,
      jobId,
      snapshotDate,
      rows.map((r) => r.deal.dealId),
      rows.map((r) => r.deal.pipelineId),
      rows.map((r) => r.deal.stageId),
      rows.map((r) => r.forecast.winProbability),
      rows.map((r) => r.forecast.expectedCloseDate),
      rows.map((r) => r.deal.value),
      rows.map((r) => r.forecast.category),
      rows.map((r) => JSON.stringify(r.forecast.factors)),
    ],
  );
}

// Forecast runs: jobs of type forecast_run (the jobs API shows their
// progress, pauses, resumes and cancels them) that snapshot every open deal
// of an organization into deal_forecasts, FORECAST_BATCH_SIZE deals per
// step. Started on demand (POST /api/forecast/runs) or by the
// organization's daily Temporal Schedule (worker/schedules.ts): both are the
// same job. The first step fixes the run's day (the organization's calendar
// day then), its clock and the organization's context in the checkpoint, so
// every batch of one run — retried, resumed after a pause, or picked up by
// another worker after a crash — computes against the same moment; each
// batch then writes its forecasts and moves the checkpoint past its last
// deal id in one transaction. A rerun on the same day replaces that day's
// snapshots (upsert on org, deal, day).
import type pg from 'pg';
import type { Job } from '../../generated/prisma/client.js';
import { advanceJob, createJob, lockJobForStep, lockOpenJobWith, readJobState, recordJobProgress, setJobResult, type JobRef } from '../jobs/job.service.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { transaction } from '../platform/transaction.js';
import { forecastDeal, type OrgForecastContext } from './deal-forecast.js';
import { loadDealFeatures, loadForecastContext, orgToday, writeForecastSnapshots } from './forecast-data.js';

export const FORECAST_RUN_JOB = 'forecast_run' as const;
/** Deals per batch activity: one features query, one INSERT. */
export const FORECAST_BATCH_SIZE = 500;

/** Where a run stands (jobs.checkpoint). */
export interface ForecastRunCheckpoint {
  /** the organization's day the snapshots stand for, YYYY-MM-DD */
  snapshotDate: string;
  /** the run's clock (ISO): engagement windows and days in stage count to here */
  asOf: string;
  timezone: string;
  /** the last deal id snapshot so far (deals are taken in id order) */
  afterId: number;
  context: OrgForecastContext;
}

export interface ForecastRunParams {
  /** who asked: a person through the API, or the organization's schedule */
  trigger: 'api' | 'schedule';
  batch_size: number;
}

/** Locks the organization's forecast runs for the transaction: two starts at once see each other. */
const lockRuns = (client: pg.PoolClient, orgId: number) =>
  client.query(`SELECT pg_advisory_xact_lock(hashtextextended('forecast_run:' || $1::int, 0))`, [orgId]);

/**
 * Records a forecast_run job for the organization (its workflow is started
 * by the outbox relay). When one is already queued, running or paused, the
 * API's start answers 409 forecast_run_in_progress and the schedule's start
 * leaves it be (answers null).
 */
export async function startForecastRun(db: Database, scope: { orgId: number; userId: number | null }, trigger: ForecastRunParams['trigger']): Promise<Job | null> {
  return transaction(db.pool, { actorId: scope.userId }, async (client) => {
    await lockRuns(client, scope.orgId);
    const open = await lockOpenJobWith(client, scope.orgId, FORECAST_RUN_JOB, {});
    if (open) {
      if (trigger === 'schedule') return null;
      throw new ApiError('conflict', `forecast run ${open.id} is still in progress for this organization`, { code: 'forecast_run_in_progress' });
    }
    const params: ForecastRunParams = { trigger, batch_size: FORECAST_BATCH_SIZE };
    return createJob(client, scope, { type: FORECAST_RUN_JOB, params: params as unknown as Record<string, unknown> });
  });
}

/** POST /api/forecast/runs: an admin starts a run now. */
export async function requestForecastRun(db: Database, scope: Scope): Promise<Job> {
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may start a forecast run');
  return (await startForecastRun(db, scope, 'api'))!;
}

/**
 * The run's first step: fixes its day, clock and context and counts the open
 * deals (the job's total). A retried or resumed run keeps the checkpoint it
 * has. Null when the job has finished or gone.
 */
export async function beginForecastRun(db: Database, ref: JobRef): Promise<ForecastRunCheckpoint | null> {
  const job = await readJobState(db.pool, ref);
  if (!job || ['completed', 'failed', 'cancelled'].includes(job.status)) return null;
  if (typeof job.checkpoint.snapshotDate === 'string') return job.checkpoint as unknown as ForecastRunCheckpoint;
  const [{ today, timezone }, context, open] = await Promise.all([
    orgToday(db.pool, ref.orgId),
    loadForecastContext(db.pool, ref.orgId),
    db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deals d JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id
        WHERE d.org_id = $1 AND NOT s.is_won AND NOT s.is_lost`,
      [ref.orgId],
    ),
  ]);
  const checkpoint: ForecastRunCheckpoint = { snapshotDate: today, asOf: new Date().toISOString(), timezone, afterId: 0, context };
  const recorded = await recordJobProgress(db, ref, { checkpoint, processed: 0, total: open.rows[0]!.n });
  return recorded ? checkpoint : null;
}

export interface ForecastBatchOutcome {
  /** deals snapshot by this batch */
  snapshots: number;
  /** no open deal is left after this batch */
  done: boolean;
}

/**
 * One batch: the next open deals after the checkpoint, forecast and stored,
 * and the checkpoint moved past them, in one transaction. A batch that
 * finds the checkpoint moved meanwhile (a retried attempt whose first try
 * committed after all) stores nothing and lets the workflow go on.
 */
export async function snapshotForecastBatch(db: Database, ref: JobRef, options: { onBatch?: () => void } = {}): Promise<ForecastBatchOutcome> {
  const job = await readJobState(db.pool, ref);
  if (!job || ['completed', 'failed', 'cancelled'].includes(job.status)) return { snapshots: 0, done: true };
  const checkpoint = job.checkpoint as unknown as ForecastRunCheckpoint;
  const batchSize = Number((job.params as unknown as ForecastRunParams).batch_size) || FORECAST_BATCH_SIZE;
  const deals = await loadDealFeatures(db.pool, ref.orgId, { afterId: checkpoint.afterId, limit: batchSize }, new Date(checkpoint.asOf), checkpoint.timezone);
  const rows = deals.map((deal) => ({ deal, forecast: forecastDeal(deal, checkpoint.context, checkpoint.snapshotDate) }));
  const committed = await transaction(db.pool, { actorId: null }, async (client) => {
    const locked = await lockJobForStep(client, ref);
    if (!locked || (locked.checkpoint as unknown as ForecastRunCheckpoint).afterId !== checkpoint.afterId) return false;
    await writeForecastSnapshots(client, ref.orgId, ref.jobId, checkpoint.snapshotDate, rows);
    const next: ForecastRunCheckpoint = { ...checkpoint, afterId: rows.at(-1)?.deal.dealId ?? checkpoint.afterId };
    await advanceJob(client, ref, { processed: rows.length, created: rows.length, merged: 0, skipped: 0, failed: 0 }, next);
    return true;
  });
  options.onBatch?.();
  return { snapshots: committed ? rows.length : 0, done: deals.length < batchSize };
}

/** The run's result once all batches are stored: the day and how many deals it snapshot. */
export async function finishForecastRun(db: Database, ref: JobRef): Promise<void> {
  await transaction(db.pool, { actorId: null }, async (client) => {
    const job = await lockJobForStep(client, ref);
    if (!job || ['completed', 'failed', 'cancelled'].includes(job.status)) return;
    const { snapshotDate } = job.checkpoint as unknown as ForecastRunCheckpoint;
    await setJobResult(client, ref, { snapshot_date: snapshotDate, deals: job.processed });
  });
}

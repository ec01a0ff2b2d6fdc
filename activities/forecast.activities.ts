// Forecast run I/O (workflows/forecast-run.workflow.ts): fixing the run's
// day and context, one batch of snapshots per call (heartbeating, so a
// worker that dies mid-batch is noticed and the batch is retried from the
// checkpoint), the run's result; and the scheduled start, which records a
// forecast_run job like the API's (domain/forecasting/forecast-run.service.ts).
import { Context } from '@temporalio/activity';
import type { JobRef } from '../domain/jobs/job.service.js';
import {
  beginForecastRun,
  finishForecastRun,
  snapshotForecastBatch,
  startForecastRun,
  type ForecastBatchOutcome,
} from '../domain/forecasting/forecast-run.service.js';
import type { ActivityDeps } from './activity-deps.js';

export interface ScheduledForecastInput {
  orgId: number;
}

export function createForecastActivities({ database }: ActivityDeps) {
  return {
    /** Fixes the run's day, clock and context; false when the job has ended meanwhile. */
    beginForecastRun: async (ref: JobRef): Promise<boolean> => (await beginForecastRun(database, ref)) !== null,

    /** Snapshots the next batch of open deals after the checkpoint. */
    snapshotForecastBatch: (ref: JobRef): Promise<ForecastBatchOutcome> => {
      const context = Context.current();
      return snapshotForecastBatch(database, ref, { onBatch: () => context.heartbeat() });
    },

    finishForecastRun: (ref: JobRef): Promise<void> => finishForecastRun(database, ref),

    /** The schedule's run: a forecast_run job (its id), or null when one is already open for the organization. */
    startScheduledForecastRun: async ({ orgId }: ScheduledForecastInput): Promise<number | null> =>
      (await startForecastRun(database, { orgId, userId: null }, 'schedule'))?.id ?? null,
  };
}

export type ForecastActivities = ReturnType<typeof createForecastActivities>;

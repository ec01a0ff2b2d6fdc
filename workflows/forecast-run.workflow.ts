// A forecast run (job type forecast_run): snapshots every open deal of the
// organization, one batch activity after another (FORECAST_BATCH_SIZE deals
// each), with a pause point between batches; the checkpoint lives in the
// job row, so a retried batch, a resumed job or a new worker after a crash
// continues after the last committed deal. A long run continues as new when
// Temporal suggests it (its history stays small at any number of deals).
//
// forecastScheduleWorkflow is what the organization's daily Temporal
// Schedule (forecast:<orgPublicId>, worker/schedules.ts) starts: it records
// a forecast_run job, exactly as POST /api/forecast/runs does, so a
// scheduled run shows in the jobs API like any other; the job's own
// workflow is then started by the outbox relay.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ForecastActivities, ScheduledForecastInput } from '../activities/forecast.activities.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 50 };

// a batch heartbeats once it is stored: a worker lost mid-batch is noticed within the minute and the batch retried from the checkpoint
const { snapshotForecastBatch } = proxyActivities<ForecastActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry });

// two or three statements each, no heartbeat
const { beginForecastRun, finishForecastRun } = proxyActivities<ForecastActivities>({ startToCloseTimeout: '5 minutes', retry });

const { startScheduledForecastRun } = proxyActivities<ForecastActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function forecastRunWorkflow(input: JobWorkflowInput): Promise<void> {
  const ref = { orgId: input.orgId, jobId: input.jobId };
  await runJob(input, async (_job, control) => {
    if (!(await beginForecastRun(ref))) return;
    for (;;) {
      await control.checkpoint();
      const { done } = await snapshotForecastBatch(ref);
      if (done) break;
      if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof forecastRunWorkflow>({ ...ref, ...control.carried() });
    }
    await finishForecastRun(ref);
  });
}

/** One scheduled run: the forecast_run job it recorded, or null when a run was already open. */
export async function forecastScheduleWorkflow(input: ScheduledForecastInput): Promise<number | null> {
  return startScheduledForecastRun(input);
}

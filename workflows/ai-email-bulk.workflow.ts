// An AI email bulk job (§6.9 bulk-generate): up to 500 leads in numbered
// batches, a sliding window of WINDOW_SIZE batch activities in flight —
// each drafts its leads one after another, so at most WINDOW_SIZE model
// calls of this job run at once. Pause takes effect between batches:
// running ones finish and commit, then the job reads paused. Whatever way the job ends — completed,
// cancelled, failed — the unused part of the credits reserved for it goes
// back in one ledger credit (settleAiEmailBulk, idempotent per job), run
// even while the workflow is being cancelled. 500 leads are 50 batches:
// one run's history holds them, no continue-as-new is needed.
import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { AiEmailActivities } from '../activities/ai-email.activities.js';
import type { AiEmailBulkParams } from '../domain/engagement/ai-email.service.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

/** Batch activities (so model calls) in flight at once. */
const WINDOW_SIZE = 4;

// A 429 fails the attempt with nextRetryDelay = the model's Retry-After; other failures back off.
const { draftAiEmailBatch } = proxyActivities<AiEmailActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 100,
    nonRetryableErrorTypes: ['LlmCredentialsRefused'],
  },
});

const { settleAiEmailBulk } = proxyActivities<AiEmailActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function aiEmailBulkWorkflow(input: JobWorkflowInput): Promise<void> {
  const ref = { orgId: input.orgId, jobId: input.jobId };
  try {
    await runJob(input, async (job, control) => {
      const params = job.params as unknown as AiEmailBulkParams;
      const batchCount = Math.ceil(params.count / params.batch_size);
      const done = new Set((job.checkpoint.done as number[] | undefined) ?? []);
      const inFlight = new Set<Promise<unknown>>();
      for (let batch = 0; batch < batchCount; batch++) {
        if (done.has(batch)) continue;
        while (inFlight.size >= WINDOW_SIZE) await Promise.race(inFlight);
        // pause point: no new batch starts, and the running ones finish and commit before the job reads paused
        if (control.pauseRequested()) await Promise.all(inFlight);
        await control.checkpoint();
        const running: Promise<unknown> = draftAiEmailBatch({ ...ref, batch }).then(() => inFlight.delete(running));
        inFlight.add(running);
      }
      await Promise.all(inFlight);
      // settled before the job reads completed: a client that sees it completed sees its refund too
      await settleAiEmailBulk(ref);
    });
  } finally {
    await CancellationScope.nonCancellable(() => settleAiEmailBulk(ref));
  }
}

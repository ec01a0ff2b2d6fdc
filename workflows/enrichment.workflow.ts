// An enrichment job (§6.3 bulk enrich, and the single lead or company
// enrichments that did not fit the API's time budget). A bulk job's inputs
// are numbered batches; a sliding window keeps a few batch activities in
// flight (never one activity per lead), each batch committing its work and
// its place in the job's checkpoint together — samples-typescript
// batch-sliding-window. After a bounded number of batches the run drains its
// window and continues as new, so history stays small for 10,000 leads;
// the next run reads the batches already done from the checkpoint, and a
// pause (and the last control applied) travels along in the input.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { EnrichmentActivities } from '../activities/enrichment.activities.js';
import type { EnrichmentJobParams } from '../domain/jobs/enrichment.service.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

/** Batch activities in flight at once. */
const WINDOW_SIZE = 8;
/** Batches one run starts before continuing as new (about 6 history events each). */
const BATCHES_PER_RUN = 100;

// Provider 429s and 5xx fail the activity and are retried with backoff
// (a batch redone asks only the providers that had not answered: the rest
// is cached). A misconfigured provider fails non-retryably.
const { enrichLeadBatch, enrichCompanyForJob } = proxyActivities<EnrichmentActivities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 30,
    nonRetryableErrorTypes: ['EnrichmentProviderMisconfigured'],
  },
});

export async function enrichmentWorkflow(input: JobWorkflowInput): Promise<void> {
  const ref = { orgId: input.orgId, jobId: input.jobId };
  await runJob(input, async (job, control) => {
    const params = job.params as EnrichmentJobParams;
    if (params.target === 'company') {
      await enrichCompanyForJob(ref);
      return;
    }
    const batchCount = Math.ceil(params.count / params.batch_size);
    const done = new Set((job.checkpoint.done as number[] | undefined) ?? []);
    const pending = Array.from({ length: batchCount }, (_, batch) => batch).filter((batch) => !done.has(batch));
    const inFlight = new Set<Promise<unknown>>();
    let started = 0;
    for (const batch of pending) {
      if (started === BATCHES_PER_RUN) {
        await Promise.all(inFlight);
        await control.checkpoint();
        await continueAsNew<typeof enrichmentWorkflow>({ ...ref, ...control.carried() });
      }
      while (inFlight.size >= WINDOW_SIZE) await Promise.race(inFlight);
      // pause point: batches already running finish and commit; no new one starts
      await control.checkpoint();
      const running: Promise<unknown> = enrichLeadBatch({ ...ref, batch }).then(() => inFlight.delete(running));
      inFlight.add(running);
      started++;
    }
    await Promise.all(inFlight);
  });
}

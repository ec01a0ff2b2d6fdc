// Rescoring all of an organization's leads as a lead_rescore job
// (domain/scoring/lead-rescore.ts): one batch per activity, each committed
// with its checkpoint, and a pause or cancellation taking effect between
// batches. The history is renewed (continue-as-new) every BATCHES_PER_RUN
// batches, so a million leads stay well inside Temporal's history limits.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { ScoringModelActivities } from '../activities/scoring-model.activities.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

const { rescoreLeadBatch } = proxyActivities<ScoringModelActivities>({
  // a batch is 1,000 leads in three statements: well under a minute even on a loaded database
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const BATCHES_PER_RUN = 200;

export async function leadRescoreWorkflow(input: JobWorkflowInput): Promise<void> {
  const ref = { orgId: input.orgId, jobId: input.jobId };
  await runJob(input, async (_job, control) => {
    for (let batch = 1; ; batch++) {
      if ((await rescoreLeadBatch(ref)).done) return;
      await control.checkpoint();
      if (batch === BATCHES_PER_RUN) await continueAsNew<typeof leadRescoreWorkflow>({ ...ref, ...control.carried() });
    }
  });
}

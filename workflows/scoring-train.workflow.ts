// Training an organization's lead-fit model (domain/scoring/scoring-training.ts)
// as a scoring_train job: one activity does the work in one transaction; a
// model the guard activates starts its own lead_rescore job (outbox). The
// organization's weekly Temporal Schedule (worker/schedules.ts, kind
// scoring_train) runs scheduledScoringTrainWorkflow, which only records the
// job: the job's own workflow does the training, as for an admin's request.
import { proxyActivities } from '@temporalio/workflow';
import type { ScoringModelActivities } from '../activities/scoring-model.activities.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

const { trainScoringModel, startScheduledScoringTraining } = proxyActivities<ScoringModelActivities>({
  // a fit over tens of thousands of closed leads takes seconds; the transaction holds it whole
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

export async function scoringTrainWorkflow(input: JobWorkflowInput) {
  return runJob(input, async () => trainScoringModel({ orgId: input.orgId, jobId: input.jobId }));
}

export async function scheduledScoringTrainWorkflow(input: { orgId: number }) {
  return startScheduledScoringTraining(input);
}

// A HubSpot import job (§6.14): companies, then contacts, one page per
// activity call; each call commits its page together with the job's
// checkpoint, so the workflow itself holds no cursor and a retried call
// resumes where the last commit left off. Between pages the job may pause.
// Long imports continue as new to keep the history bounded.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { HubspotImportActivities } from '../activities/hubspot-import.activities.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

// A page can wait on HubSpot's rate limit (Retry-After) before it is fetched;
// the activity heartbeats meanwhile, and a worker killed mid-page is noticed
// by the missing heartbeat instead of after the whole start-to-close timeout.
const { importNextHubspotPage } = proxyActivities<HubspotImportActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Pages per workflow run: about four events each, well under Temporal's history limits. */
const PAGES_PER_RUN = 500;

export async function hubspotImportWorkflow(input: JobWorkflowInput): Promise<void> {
  await runJob(input, async (_job, control) => {
    for (let pages = 0; ; pages++) {
      if (pages === PAGES_PER_RUN) await continueAsNew<typeof hubspotImportWorkflow>({ ...input, ...control.carried() });
      const step = await importNextHubspotPage({ orgId: input.orgId, jobId: input.jobId });
      if (step.done) return;
      await control.checkpoint();
    }
  });
}

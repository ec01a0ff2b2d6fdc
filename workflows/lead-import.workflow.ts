// A lead import job (§6.2 POST /api/lead/lead-imports): the file is imported
// slice by slice by an activity that commits each batch with the job's
// checkpoint (domain/jobs/lead-import.service.ts). Between slices the job may be
// paused; a slice whose worker dies stops heartbeating and is retried on
// another worker within seconds, from the checkpoint. At the end the job's
// total and result are set and its creator is notified.
import { proxyActivities } from '@temporalio/workflow';
import type { LeadImportActivities } from '../activities/lead-import.activities.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

const { importLeadSlice, finishLeadImport } = proxyActivities<LeadImportActivities>({
  // a slice runs about ten seconds; the heartbeat after every batch is what detects a lost worker
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '12 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export async function leadImportWorkflow(input: JobWorkflowInput) {
  return runJob(input, async (_job, control) => {
    const ref = { orgId: input.orgId, jobId: input.jobId };
    while (!(await importLeadSlice(ref)).done) await control.checkpoint();
    return finishLeadImport(ref);
  });
}

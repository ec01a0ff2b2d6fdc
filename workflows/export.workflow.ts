// An export job (§6.15): the CSV is written slice by slice by an activity
// that records its checkpoint as it goes (domain/jobs/export.service.ts); between
// slices the job may be paused, and a cancellation stops the slice in flight
// at its next batch.
import { proxyActivities } from '@temporalio/workflow';
import type { ExportActivities } from '../activities/export.activities.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

const { writeExportSlice } = proxyActivities<ExportActivities>({
  // a slice is a few thousand rows; the heartbeat after every batch is what detects a lost worker
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

export async function exportWorkflow(input: JobWorkflowInput): Promise<void> {
  await runJob(input, async (_job, control) => {
    const ref = { orgId: input.orgId, jobId: input.jobId };
    while (!(await writeExportSlice(ref)).done) await control.checkpoint();
  });
}

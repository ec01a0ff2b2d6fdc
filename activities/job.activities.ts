// Job lifecycle I/O shared by every job workflow (workflows/job-control.ts):
// the job row's status moves only through these, scoped by organization.
// A job that was cancelled or deleted before its workflow began is not
// started; a finished job is never moved back.
import { markJobStarted, setJobStatus, type JobRef, type JobTransition, type StartedJob } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';

export function createJobActivities({ database }: ActivityDeps) {
  return {
    /** Marks the job running; null when it is gone or already finished (then the workflow does nothing). */
    startJob: (ref: JobRef): Promise<StartedJob | null> => markJobStarted(database, ref),

    /** Records a state the workflow reached; `error` only for failed. Finished jobs keep their final state. */
    async setJobStatus({ status, error, ...ref }: JobRef & { status: JobTransition; error?: string }): Promise<void> {
      await setJobStatus(database, ref, status, error);
    },
  };
}

export type JobActivities = ReturnType<typeof createJobActivities>;

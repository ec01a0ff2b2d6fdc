// Job lifecycle I/O shared by every job workflow (workflows/job-control.ts):
// the job row's status moves only through these, scoped by organization.
// A job that was cancelled or deleted before its workflow began is not
// started; a finished job is never moved back.
import type { JobRef, JobStatus } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';

/** What a job workflow needs to do its work. */
export interface StartedJob {
  params: Record<string, unknown>;
  checkpoint: Record<string, unknown>;
  inputKey: string | null;
  createdBy: number | null;
}

export type JobTransition = Extract<JobStatus, 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'>;

export function createJobActivities({ database }: ActivityDeps) {
  const { pool } = database;
  return {
    /** Marks the job running; null when it is gone or already finished (then the workflow does nothing). */
    async startJob({ orgId, jobId }: JobRef): Promise<StartedJob | null> {
      const { rows } = await pool.query<{ params: Record<string, unknown>; checkpoint: Record<string, unknown>; input_key: string | null; created_by: number | null }>(
        `UPDATE jobs SET status = CASE WHEN status = 'paused' THEN status ELSE 'running' END,
                         started_at = coalesce(started_at, now()), updated_at = now()
          WHERE id = $1 AND org_id = $2 AND status IN ('queued', 'running', 'paused')
          RETURNING params, checkpoint, input_key, created_by`,
        [jobId, orgId],
      );
      const job = rows[0];
      return job ? { params: job.params, checkpoint: job.checkpoint, inputKey: job.input_key, createdBy: job.created_by } : null;
    },

    /** Records a state the workflow reached; `error` only for failed. Finished jobs keep their final state. */
    async setJobStatus({ orgId, jobId, status, error }: JobRef & { status: JobTransition; error?: string }): Promise<void> {
      const finished = status === 'completed' || status === 'failed' || status === 'cancelled';
      await pool.query(
        `UPDATE jobs SET status = $3, error = $4, updated_at = now(), finished_at = CASE WHEN $5 THEN now() ELSE finished_at END
          WHERE id = $1 AND org_id = $2 AND status NOT IN ('completed', 'failed', 'cancelled')`,
        [jobId, orgId, status, error ?? null, finished],
      );
    },
  };
}

export type JobActivities = ReturnType<typeof createJobActivities>;

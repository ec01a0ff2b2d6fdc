// Jobs: every long-running piece of work (imports, exports, enrichment,
// HubSpot imports) is a row here run by one Temporal workflow. The API
// records the job together with a `job.start` outbox event in one statement
// and answers at once; the outbox relay starts the workflow (so a job is
// never recorded without its workflow being started, nor started twice).
// Pause, resume and cancel travel the same way as `job.control` events. The
// workflow, through activities/job.activities.ts, is the only writer of
// status and progress after that.
import type pg from 'pg';
import { Prisma, type Job } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import type { Db } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

export const JOB_TYPES = ['lead_import', 'export', 'enrichment', 'hubspot_import'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job in one of these states has ended: nothing more happens to it. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export const JOB_CONTROL_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type JobControlAction = (typeof JOB_CONTROL_ACTIONS)[number];

export const OUTBOX_JOB_START = 'job.start';
export const OUTBOX_JOB_CONTROL = 'job.control';

export const JOB_SORTABLE_FIELDS = ['id', 'created_at', 'updated_at', 'status', 'type'] as const;

/** The workflow id of a job: a business id, so a redelivered start finds the running workflow. */
export const jobWorkflowId = (job: { type: string; orgId: number; jobId: number }) => `${job.type}:${job.orgId}:${job.jobId}`;

/** What every job workflow receives. */
export interface JobRef {
  orgId: number;
  jobId: number;
}

export interface NewJob {
  type: JobType;
  params: Record<string, unknown>;
  total?: number | null;
  inputKey?: string | null;
  /** input items given in the request (jobs.items): for activities only */
  items?: unknown[];
}

/**
 * Records a queued job and its `job.start` outbox event in one statement;
 * the workflow id is known before the workflow exists.
 */
export async function createJob(pool: pg.Pool | pg.PoolClient, scope: Pick<Scope, 'orgId' | 'userId'>, job: NewJob): Promise<Job> {
  // the id is drawn first so that the workflow id (jobWorkflowId's format) is written with the row
  const { rows } = await pool.query<Job>(
    `WITH next AS (
       SELECT nextval(pg_get_serial_sequence('jobs', 'id'))::int AS id
     ), job AS (
       INSERT INTO jobs (id, org_id, type, workflow_id, params, total, input_key, created_by, items)
       SELECT id, $1::int, $2::text, $2::text || ':' || $1::int || ':' || id, $3::jsonb, $4::int, $5::text, $6::int, $7::jsonb FROM next
       RETURNING *
     ), outbox AS (
       INSERT INTO outbox_events (org_id, kind, payload)
       SELECT $1::int, '${OUTBOX_JOB_START}', jsonb_build_object('jobId', id, 'type', $2::text) FROM next
     )
     SELECT * FROM job`,
    [scope.orgId, job.type, JSON.stringify(job.params), job.total ?? null, job.inputKey ?? null, scope.userId, job.items ? JSON.stringify(job.items) : null],
  );
  return rows[0]!;
}

export function presentJob(job: Job) {
  return {
    id: job.id,
    type: job.type as JobType,
    status: job.status as JobStatus,
    workflow_id: job.workflow_id,
    params: job.params as Record<string, unknown>,
    progress: {
      total: job.total,
      processed: job.processed,
      created: job.created,
      merged: job.merged,
      skipped: job.skipped,
      failed: job.failed,
      percent: job.total ? Math.min(100, Math.round((job.processed / job.total) * 1000) / 10) : null,
    },
    result: job.result as Record<string, unknown>,
    error: job.error,
    created_by: job.created_by,
    created_at: job.created_at.toISOString(),
    started_at: job.started_at?.toISOString() ?? null,
    finished_at: job.finished_at?.toISOString() ?? null,
    updated_at: job.updated_at.toISOString(),
  };
}

export type PresentedJob = ReturnType<typeof presentJob>;

export interface JobFilters {
  type?: JobType[];
  status?: JobStatus[];
}

export async function listJobs(db: Db, scope: Pick<Scope, 'orgId'>, params: ListParams<(typeof JOB_SORTABLE_FIELDS)[number]>, filters: JobFilters) {
  const where: Prisma.JobWhereInput = {
    org_id: scope.orgId,
    ...(filters.type && { type: { in: filters.type } }),
    ...(filters.status && { status: { in: filters.status } }),
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { workflow_id: { contains: params.search_value, mode: 'insensitive' as const } }),
  };
  const [rows, total] = await Promise.all([
    db.job.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.job.count({ where }),
  ]);
  return paged(rows.map(presentJob), total, params);
}

/** One job of the organization, optionally only of the given types (a 404 otherwise). */
export async function getJob(db: Db, scope: Pick<Scope, 'orgId'>, id: number, types?: readonly JobType[]): Promise<Job> {
  const job = await db.job.findFirst({ where: { id, org_id: scope.orgId, ...(types && { type: { in: [...types] } }) } });
  if (!job) throw notFound('Job');
  return job;
}

/** A job's progress counters (jobs.processed ... failed). */
export interface JobCounts {
  processed: number;
  created: number;
  merged: number;
  skipped: number;
  failed: number;
}

/**
 * In the caller's transaction: locks the job row, so that the step about to
 * be committed is judged against the checkpoint as it stands; undefined when
 * the organization has no such job.
 */
export async function lockJobForStep(client: pg.PoolClient, { orgId, jobId }: JobRef) {
  const { rows } = await client.query<{ checkpoint: Record<string, unknown>; processed: number; status: JobStatus }>(
    'SELECT checkpoint, processed, status FROM jobs WHERE id = $1 AND org_id = $2 FOR UPDATE',
    [jobId, orgId],
  );
  return rows[0];
}

/** In the step's transaction (after lockJobForStep): adds its counts and moves the checkpoint past it. */
export async function advanceJob(client: pg.PoolClient, { orgId, jobId }: JobRef, counts: JobCounts, checkpoint: unknown): Promise<void> {
  await client.query(
    `UPDATE jobs SET processed = processed + $3, created = created + $4, merged = merged + $5, skipped = skipped + $6,
                     failed = failed + $7, checkpoint = $8, updated_at = now()
      WHERE id = $1 AND org_id = $2`,
    [jobId, orgId, counts.processed, counts.created, counts.merged, counts.skipped, counts.failed, JSON.stringify(checkpoint)],
  );
}

/** What a job is in, as the controls judge it: its status, and a pause or resume asked for but not yet in effect. */
function controlState(job: Job): string {
  if (job.status === 'running' && job.pause_requested) return 'running with a pause pending';
  if (job.status === 'paused' && !job.pause_requested) return 'paused with a resume pending';
  return job.status;
}

/**
 * Asks the job's workflow to pause, resume or cancel (delivered by the
 * outbox relay as a signal or a cancellation). Judged against what was last
 * asked, not only the status the workflow recorded: a pause applies to a job
 * not already asked to pause, a resume only to one that was; cancel to any
 * unfinished job. One statement checks, records the request and numbers it
 * (jobs.control_seq), and writes its event: the workflow applies controls in
 * the order of those numbers, so a resume delivered after the pause that
 * followed it cannot undo that pause. The workflow records the new state
 * when it takes effect: a pause at the next batch boundary, so committed
 * work and the checkpoint always agree.
 */
export async function requestJobControl(pool: pg.Pool, db: Db, scope: Pick<Scope, 'orgId'>, id: number, action: JobControlAction): Promise<Job> {
  const { rows } = await pool.query<Job>(
    `WITH job AS (
       UPDATE jobs SET control_seq = control_seq + 1,
                       pause_requested = CASE $3::text WHEN 'pause' THEN true WHEN 'resume' THEN false ELSE pause_requested END
        WHERE id = $1 AND org_id = $2 AND status IN ('queued', 'running', 'paused')
          AND CASE $3::text WHEN 'pause' THEN NOT pause_requested WHEN 'resume' THEN pause_requested ELSE true END
        RETURNING *
     ), outbox AS (
       INSERT INTO outbox_events (org_id, kind, payload)
       SELECT org_id, '${OUTBOX_JOB_CONTROL}', jsonb_build_object('jobId', id, 'type', type, 'action', $3::text, 'seq', control_seq) FROM job
     )
     SELECT * FROM job`,
    [id, scope.orgId, action],
  );
  if (rows[0]) return rows[0];
  const job = await getJob(db, scope, id);
  throw new ApiError('conflict', `The job is ${controlState(job)}; it cannot be asked to ${action}`, { code: 'job_state' });
}

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
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { announcementRouted, outboxInsert, type JobControlAction } from '../platform/outbox-events.js';
import { dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

export const JOB_TYPES = ['lead_import', 'export', 'enrichment', 'hubspot_import', 'ai_email_bulk', 'outreach_sequence', 'forecast_run', 'scoring_train', 'lead_rescore'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job in one of these states has ended: nothing more happens to it. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export { JOB_CONTROL_ACTIONS, type JobControlAction } from '../platform/outbox-events.js';

export const JOB_SORTABLE_FIELDS = ['id', 'created_at', 'updated_at', 'status', 'type'] as const;

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
 * the workflow id is known before the workflow exists. It is a business id,
 * `<type>:<public organization id>:<job id>` (e.g. `export:org_3kq9…:42`),
 * built here only: everything that addresses the workflow later reads it
 * from the row, so jobs recorded under an older format keep working.
 */
export async function createJob(pool: pg.Pool | pg.PoolClient, scope: Pick<Scope, 'orgId' | 'userId'>, job: NewJob): Promise<Job> {
  // the id is drawn first so that the workflow id is written with the row
  const { rows } = await pool.query<Job>(
    `WITH next AS (
       SELECT nextval(pg_get_serial_sequence('jobs', 'id'))::int AS id
     ), job AS (
       INSERT INTO jobs (id, org_id, type, workflow_id, params, total, input_key, created_by, items)
       SELECT id, $1::int, $2::text, $2::text || ':' || (SELECT public_id FROM organizations WHERE id = $1::int) || ':' || id,
              $3::jsonb, $4::int, $5::text, $6::int, $7::jsonb FROM next
       RETURNING *
     ), outbox AS (
       ${outboxInsert({ kind: 'job.start', orgId: '$1::int', payload: { jobId: 'id', type: '$2::text' }, from: 'next' })}
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

export async function listJobs(db: Database, scope: Pick<Scope, 'orgId'>, params: ListParams<(typeof JOB_SORTABLE_FIELDS)[number]>, filters: JobFilters) {
  const where: Prisma.JobWhereInput = {
    org_id: scope.orgId,
    ...(filters.type && { type: { in: filters.type } }),
    ...(filters.status && { status: { in: filters.status } }),
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { workflow_id: { contains: params.search_value, mode: 'insensitive' as const } }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.job.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.job.count({ where }),
  ]);
  return paged(rows.map(presentJob), total, params);
}

/** One job of the organization, optionally only of the given types (a 404 otherwise). */
export async function getJob(db: Database, scope: Pick<Scope, 'orgId'>, id: number, types?: readonly JobType[]): Promise<Job> {
  const job = await db.prisma.job.findFirst({ where: { id, org_id: scope.orgId, ...(types && { type: { in: [...types] } }) } });
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
 * What every job's domain step takes from its activity, which adapts them to
 * Temporal (see activities/export.activities.ts): `onBatch` after each batch
 * is recorded (to heartbeat), `stopRequested` asked between batches (true
 * stops the step where it is; what it did so far is recorded).
 */
export interface JobStepOptions<Progress> {
  onBatch?: (progress: Progress) => void;
  stopRequested?: () => boolean;
}

/** What a job workflow needs to do its work. */
export interface StartedJob {
  params: Record<string, unknown>;
  checkpoint: Record<string, unknown>;
  inputKey: string | null;
  createdBy: number | null;
}

export type JobTransition = Extract<JobStatus, 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'>;

/** Marks the job running; null when it is gone or already finished (then its workflow does nothing). */
export async function markJobStarted(db: Database, { orgId, jobId }: JobRef): Promise<StartedJob | null> {
  const { rows } = await db.pool.query<{ params: Record<string, unknown>; checkpoint: Record<string, unknown>; input_key: string | null; created_by: number | null }>(
    `UPDATE jobs SET status = CASE WHEN status = 'paused' THEN status ELSE 'running' END,
                     started_at = coalesce(started_at, now()), updated_at = now()
      WHERE id = $1 AND org_id = $2 AND status IN ('queued', 'running', 'paused')
      RETURNING params, checkpoint, input_key, created_by`,
    [jobId, orgId],
  );
  const job = rows[0];
  return job ? { params: job.params, checkpoint: job.checkpoint, inputKey: job.input_key, createdBy: job.created_by } : null;
}

/** The jobs whose end (completed or failed, not cancelled by a person) is announced as import_finished. */
const ANNOUNCED_IMPORT_TYPES: readonly JobType[] = ['lead_import', 'hubspot_import'];

/**
 * Records a state the workflow reached; `error` only for failed. Finished
 * jobs keep their final state. An import reaching completed or failed writes
 * its import_finished announcement (outbox) in the same statement: once,
 * since a finished job is never updated again.
 */
export async function setJobStatus(db: Database, { orgId, jobId }: JobRef, status: JobTransition, error?: string): Promise<void> {
  const finished = FINISHED_JOB_STATUSES.includes(status);
  await db.pool.query(
    `WITH changed AS (
       UPDATE jobs SET status = $3, error = $4, updated_at = now(), finished_at = CASE WHEN $5 THEN now() ELSE finished_at END
        WHERE id = $1 AND org_id = $2 AND status NOT IN ('completed', 'failed', 'cancelled')
        RETURNING id, org_id, type, status
     )
     ${outboxInsert({
       kind: 'notification.announce',
       orgId: 'org_id',
       payload: { eventType: `'import_finished'::text`, subjectId: 'id' },
       from: `changed WHERE type = ANY($6::text[]) AND status IN ('completed', 'failed') AND ${announcementRouted('changed.org_id', 'import_finished')}`,
     })}`,
    [jobId, orgId, status, error ?? null, finished, ANNOUNCED_IMPORT_TYPES],
  );
}

/** What one step of a job reads from its row. */
export interface JobForStep<Params, Checkpoint> {
  params: Params;
  checkpoint: Checkpoint;
  inputKey: string | null;
  outputKey: string | null;
  createdBy: number | null;
}

/** The job of this organization and type, if it is in one of `statuses` (any by default); undefined otherwise. */
export async function loadJobForStep<Params, Checkpoint = Record<string, unknown>>(
  db: Database,
  { orgId, jobId }: JobRef,
  type: JobType,
  statuses: readonly JobStatus[] = JOB_STATUSES,
): Promise<JobForStep<Params, Checkpoint> | undefined> {
  const { rows } = await db.pool.query<{ params: Params; checkpoint: Checkpoint; input_key: string | null; output_key: string | null; created_by: number | null }>(
    `SELECT params, checkpoint, input_key, output_key, created_by FROM jobs
      WHERE id = $1 AND org_id = $2 AND type = $3 AND status = ANY($4::text[])`,
    [jobId, orgId, type, statuses],
  );
  const job = rows[0];
  return job && { params: job.params, checkpoint: job.checkpoint, inputKey: job.input_key, outputKey: job.output_key, createdBy: job.created_by };
}

/** Statuses of a job that has not ended. */
export const UNFINISHED_JOB_STATUSES = JOB_STATUSES.filter((status) => !FINISHED_JOB_STATUSES.includes(status));

/**
 * One numbered batch of a job whose input items (jobs.items) are cut into
 * batches of params.batch_size: only that batch's items are read, and
 * whether the checkpoint already counts it done (checkpoint.done).
 */
export async function loadJobBatch<Params, Item>(db: Database, { orgId, jobId }: JobRef, type: JobType, batch: number) {
  // items [batch * size, (batch + 1) * size - 1]
  const { rows } = await db.pool.query<{ params: Params; items: Item[] | null; done: boolean; created_by: number | null }>(
    `SELECT params,
            jsonb_path_query_array(items, '$[$from to $to]',
              jsonb_build_object('from', $4::int * (params->>'batch_size')::int, 'to', ($4::int + 1) * (params->>'batch_size')::int - 1)) AS items,
            coalesce(checkpoint->'done', '[]'::jsonb) @> to_jsonb($4::int) AS done, created_by
       FROM jobs WHERE id = $1 AND org_id = $2 AND type = $3`,
    [jobId, orgId, type, batch],
  );
  const job = rows[0];
  return job && { params: job.params, items: job.items ?? [], done: job.done, createdBy: job.created_by };
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

/** A job as a step judges whether and how to go on: its status, what it was asked, where it stands, its result, who made it. */
export interface JobState {
  status: JobStatus;
  params: Record<string, unknown>;
  checkpoint: Record<string, unknown>;
  result: Record<string, unknown>;
  createdBy: number | null;
}

/**
 * The job's state; undefined when the organization has no such job. Given
 * a transaction's connection and `forUpdate`, the row stays locked until the
 * transaction ends (a step's commit judged against the state it read).
 */
export async function readJobState(client: pg.Pool | pg.PoolClient, { orgId, jobId }: JobRef, forUpdate = false): Promise<JobState | undefined> {
  const { rows } = await client.query<{ status: JobStatus; params: Record<string, unknown>; checkpoint: Record<string, unknown>; result: Record<string, unknown>; created_by: number | null }>(
    `SELECT status, params, checkpoint, result, created_by FROM jobs WHERE id = $1 AND org_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [jobId, orgId],
  );
  const job = rows[0];
  return job && { status: job.status, params: job.params, checkpoint: job.checkpoint, result: job.result, createdBy: job.created_by };
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

/**
 * Records where an unfinished job stands, for a job that counts its work
 * itself (processed is set, not added to), with its total and result when
 * known; false when the job has meanwhile finished or gone.
 */
export async function recordJobProgress(
  db: Database,
  { orgId, jobId }: JobRef,
  progress: { checkpoint: unknown; processed: number; total?: number; result?: Record<string, unknown> },
): Promise<boolean> {
  const { rowCount } = await db.pool.query(
    `UPDATE jobs SET checkpoint = $3, processed = $4, total = coalesce($5, total), result = coalesce($6, result), updated_at = now()
      WHERE id = $1 AND org_id = $2 AND status NOT IN ('completed', 'failed', 'cancelled')`,
    [jobId, orgId, JSON.stringify(progress.checkpoint), progress.processed, progress.total ?? null, progress.result ? JSON.stringify(progress.result) : null],
  );
  return rowCount === 1;
}

/** The job's output file key: the one recorded, else `key` (recorded now); undefined when the job is gone. */
export async function claimJobOutputKey(db: Database, { orgId, jobId }: JobRef, key: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ output_key: string }>(
    'UPDATE jobs SET output_key = coalesce(output_key, $3) WHERE id = $1 AND org_id = $2 RETURNING output_key',
    [jobId, orgId, key],
  );
  return rows[0]?.output_key;
}

/** In the caller's transaction: the job's result. */
export async function setJobResult(client: pg.PoolClient, { orgId, jobId }: JobRef, result: Record<string, unknown>): Promise<void> {
  await client.query('UPDATE jobs SET result = $3 WHERE id = $1 AND org_id = $2', [jobId, orgId, JSON.stringify(result)]);
}

/** The job's counters become its result, and its total what it processed; undefined when the job is gone. */
export async function settleCountsAsResult(db: Database, { orgId, jobId }: JobRef) {
  const { rows } = await db.pool.query<Omit<JobCounts, 'processed'> & { total: number; created_by: number | null }>(
    `UPDATE jobs SET total = processed,
                     result = jsonb_build_object('created', created, 'merged', merged, 'skipped', skipped, 'failed', failed),
                     updated_at = now()
      WHERE id = $1 AND org_id = $2
      RETURNING processed AS total, created, merged, skipped, failed, created_by`,
    [jobId, orgId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { created_by: createdBy, ...summary } = row;
  return { summary, createdBy };
}

/** Why one input row (a file's row, a batch's input, a HubSpot record) of a job failed. */
export interface JobRowError {
  row: number;
  /** the input's column at fault, when one is */
  column?: string | null;
  reason: string;
}

/** In the step's transaction: records its rows' errors (the job's error report). */
export async function recordRowErrors(client: pg.PoolClient, { orgId, jobId }: JobRef, errors: readonly JobRowError[]): Promise<void> {
  if (errors.length === 0) return;
  await client.query(
    `INSERT INTO job_row_errors (org_id, job_id, row_number, "column", reason)
     SELECT $1, $2, r, c, m FROM unnest($3::int[], $4::text[], $5::text[]) AS e(r, c, m)`,
    [orgId, jobId, errors.map((e) => e.row), errors.map((e) => e.column ?? null), errors.map((e) => e.reason)],
  );
}

/** One page of a job's row errors in row order, after `after` (keyset on row_number, id). */
export async function rowErrorsAfter(db: Database, { orgId, jobId }: JobRef, after: { row: number; id: string }, limit: number) {
  const { rows } = await db.pool.query<{ row_number: number; column: string | null; reason: string; id: string }>(
    `SELECT row_number, "column", reason, id::text FROM job_row_errors
      WHERE org_id = $1 AND job_id = $2 AND (row_number, id) > ($3, $4::bigint)
      ORDER BY row_number, id LIMIT $5`,
    [orgId, jobId, after.row, after.id, limit],
  );
  return rows;
}

/**
 * In the caller's transaction: the unfinished job of this type whose params
 * contain `params` (e.g. the contact of an outreach sequence), locked until
 * the transaction ends, so that work joining it and its workflow deciding it
 * is done (completeJobIn) are serialised; undefined when none is open.
 */
export async function lockOpenJobWith(client: pg.PoolClient, orgId: number, type: JobType, params: Record<string, unknown>) {
  const { rows } = await client.query<{ id: number }>(
    `SELECT id FROM jobs WHERE org_id = $1 AND type = $2 AND params @> $3::jsonb AND status IN ('queued', 'running', 'paused')
      ORDER BY id DESC LIMIT 1 FOR UPDATE`,
    [orgId, type, JSON.stringify(params)],
  );
  return rows[0];
}

/** SQL: whether the organization (an SQL expression) has ever had a job of `type`, whatever its state. */
export const jobOfTypeExists = (orgId: string, type: JobType) => `EXISTS (SELECT 1 FROM jobs j WHERE j.org_id = ${orgId} AND j.type = '${type}')`;

/** In the caller's transaction (after lockJobForStep): the job's units of work, once they are counted. */
export async function setJobTotal(client: pg.PoolClient, { orgId, jobId }: JobRef, total: number): Promise<void> {
  await client.query('UPDATE jobs SET total = $3 WHERE id = $1 AND org_id = $2', [jobId, orgId, total]);
}

/** In the caller's transaction (after lockOpenJobWith): the job has `more` items of work to do. */
export async function growJobTotal(client: pg.PoolClient, { orgId, jobId }: JobRef, more: number): Promise<void> {
  await client.query('UPDATE jobs SET total = coalesce(total, 0) + $3, updated_at = now() WHERE id = $1 AND org_id = $2', [jobId, orgId, more]);
}

/** In the caller's transaction (after lockJobForStep): the job completed; false when it had already finished. */
export async function completeJobIn(client: pg.PoolClient, { orgId, jobId }: JobRef): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE jobs SET status = 'completed', error = NULL, finished_at = now(), updated_at = now()
      WHERE id = $1 AND org_id = $2 AND status NOT IN ('completed', 'failed', 'cancelled')`,
    [jobId, orgId],
  );
  return rowCount === 1;
}

/** What the outbox relay needs to steer a job's workflow: the id it was started under, and whether it has ended. */
export async function jobWorkflowOf(db: Database, { orgId, jobId }: JobRef) {
  const { rows } = await db.pool.query<{ workflow_id: string; type: JobType; status: JobStatus }>(
    'SELECT workflow_id, type, status FROM jobs WHERE id = $1 AND org_id = $2',
    [jobId, orgId],
  );
  const job = rows[0];
  return job && { workflowId: job.workflow_id, type: job.type, finished: FINISHED_JOB_STATUSES.includes(job.status) };
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
export async function requestJobControl(db: Database, scope: Pick<Scope, 'orgId'>, id: number, action: JobControlAction): Promise<Job> {
  const { rows } = await db.pool.query<Job>(
    `WITH job AS (
       UPDATE jobs SET control_seq = control_seq + 1,
                       pause_requested = CASE $3::text WHEN 'pause' THEN true WHEN 'resume' THEN false ELSE pause_requested END
        WHERE id = $1 AND org_id = $2 AND status IN ('queued', 'running', 'paused')
          AND CASE $3::text WHEN 'pause' THEN NOT pause_requested WHEN 'resume' THEN pause_requested ELSE true END
        RETURNING *
     ), outbox AS (
       ${outboxInsert({ kind: 'job.control', orgId: 'org_id', payload: { jobId: 'id', type: 'type', action: '$3::text', seq: 'control_seq' }, from: 'job' })}
     )
     SELECT * FROM job`,
    [id, scope.orgId, action],
  );
  if (rows[0]) return rows[0];
  const job = await getJob(db, scope, id);
  throw new ApiError('conflict', `The job is ${controlState(job)}; it cannot be asked to ${action}`, { code: 'job_state' });
}

// One HubSpot import step per activity call: fetch the page the job's
// checkpoint names, then commit its records with the next checkpoint in one
// transaction (domain/jobs/hubspot-import.ts). The checkpoint is read from the
// jobs row on every call, so a retried attempt — after a crash, a timeout or
// a worker restart — continues from the last committed page. No database
// connection is held while HubSpot is asked: the job and the connection are
// read with single pool queries, and the page's transaction starts once the
// page has arrived. The activity heartbeats while it waits on HubSpot, so a
// worker that dies mid-page is noticed within the heartbeat timeout.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { HUBSPOT_MAX_PAGE_SIZE, HubspotAuthError, HubspotRequestError } from '../connectors/hubspot/hubspot.connector.js';
import { getHubspotConnection } from '../domain/integrations/connected-app.service.js';
import { ApiError } from '../domain/platform/errors.js';
import { checkpointAfter, commitHubspotPage, pageRequestOf, readCheckpoint, type HubspotImportObject, type HubspotImportParams } from '../domain/jobs/hubspot-import.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';

export interface HubspotImportStep {
  /** nothing is left to import */
  done: boolean;
  object: HubspotImportObject | 'done';
  /** records this call committed (0 when an earlier attempt had committed the page) */
  committed: number;
}

/** Well under the workflow's heartbeat timeout, so that waits on HubSpot (Retry-After, backoff) do not look like a lost worker. */
const HEARTBEAT_INTERVAL_MS = 3000;

/** Heartbeats every few seconds until `work` settles (outside an activity, e.g. when a test calls it directly, it just runs). */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

/** Retrying cannot fix a missing connection, a refused token or a refused destination: the job fails with the reason. */
const isPermanent = (err: unknown): err is Error =>
  err instanceof HubspotAuthError ||
  (err instanceof HubspotRequestError && !err.retryable) ||
  (err instanceof ApiError && err.options.code === 'hubspot_not_connected');

export function createHubspotImportActivities({ database, services, config }: ActivityDeps) {
  const { pool } = database;
  return {
    async importNextHubspotPage({ orgId, jobId }: JobRef): Promise<HubspotImportStep> {
      const { rows } = await pool.query<{ params: HubspotImportParams; checkpoint: Record<string, unknown>; created_by: number | null }>(
        `SELECT params, checkpoint, created_by FROM jobs
          WHERE id = $1 AND org_id = $2 AND type = 'hubspot_import' AND status IN ('running', 'paused')`,
        [jobId, orgId],
      );
      const job = rows[0];
      // a job deleted or finished meanwhile has nothing left to import
      if (!job) return { done: true, object: 'done', committed: 0 };
      const checkpoint = readCheckpoint(job.params, job.checkpoint);
      if (checkpoint.object === 'done') return { done: true, object: 'done', committed: 0 };
      const at = { ...checkpoint, object: checkpoint.object };
      try {
        const connection = await getHubspotConnection(pool, orgId, config);
        const hubspot = services.hubspot.forAccount(connection);
        const page = await heartbeating(() => hubspot.fetchPage(at.object, pageRequestOf(job.params, at, HUBSPOT_MAX_PAGE_SIZE)));
        const next = checkpointAfter(job.params, at, page.records.length, page.nextAfter);
        const outcome = await commitHubspotPage(pool, { orgId, jobId, actorId: job.created_by, params: job.params, from: at, to: next, records: page.records });
        return { done: next.object === 'done', object: next.object, committed: outcome ? page.records.length : 0 };
      } catch (err) {
        if (isPermanent(err)) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },
  };
}

export type HubspotImportActivities = ReturnType<typeof createHubspotImportActivities>;

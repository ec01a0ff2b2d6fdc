// One HubSpot import step per activity call: fetch the page the job's
// checkpoint names, then commit its records with the next checkpoint in one
// transaction (domain/hubspot-import.ts). The checkpoint is read from the
// jobs row on every call, so a retried attempt — after a crash, a timeout or
// a worker restart — continues from the last committed page.
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { createHubspotConnector, HUBSPOT_MAX_PAGE_SIZE, HubspotAuthError } from '../connectors/hubspot/hubspot.connector.js';
import type { Config } from '../domain/config.js';
import { getHubspotConnection } from '../domain/connected-app.service.js';
import { ApiError } from '../domain/errors.js';
import { checkpointAfter, commitHubspotPage, pageRequestOf, readCheckpoint, type HubspotImportObject, type HubspotImportParams } from '../domain/hubspot-import.js';
import type { JobRef } from '../domain/job.service.js';

export interface HubspotImportStep {
  /** nothing is left to import */
  done: boolean;
  object: HubspotImportObject | 'done';
  /** records this call committed (0 when an earlier attempt had committed the page) */
  committed: number;
}

export interface HubspotImportDeps {
  pool: pg.Pool;
  config: Pick<Config, 'HUBSPOT_BASE_PATH' | 'HUBSPOT_REQUESTS_PER_10S'>;
}

export function createHubspotImportActivities(deps: HubspotImportDeps) {
  const { pool, config } = deps;
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
        const connection = await getHubspotConnection(pool, orgId, config.HUBSPOT_BASE_PATH);
        const hubspot = createHubspotConnector({ ...connection, requestsPer10s: config.HUBSPOT_REQUESTS_PER_10S });
        const page = await hubspot.fetchPage(at.object, pageRequestOf(job.params, at, HUBSPOT_MAX_PAGE_SIZE));
        const next = checkpointAfter(job.params, at, page.records.length, page.nextAfter);
        const outcome = await commitHubspotPage(pool, { orgId, jobId, actorId: job.created_by, params: job.params, from: at, to: next, records: page.records });
        return { done: next.object === 'done', object: next.object, committed: outcome ? page.records.length : 0 };
      } catch (err) {
        // retrying cannot fix a missing connection or a refused token: the job fails with the reason
        if (err instanceof HubspotAuthError || (err instanceof ApiError && err.options.code === 'hubspot_not_connected')) {
          throw ApplicationFailure.nonRetryable(err.message, err.name);
        }
        throw err;
      }
    },
  };
}

export type HubspotImportActivities = ReturnType<typeof createHubspotImportActivities>;

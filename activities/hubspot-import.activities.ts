// One HubSpot import step per activity call (domain/jobs/hubspot-import.ts
// fetches the page the job's checkpoint names and commits it with the next
// checkpoint in one transaction). This adapts it to Temporal: it heartbeats
// while the step waits on HubSpot, so a worker that dies mid-page is noticed
// within the heartbeat timeout, and a refusal that no retry can fix fails the
// job at once with its reason.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { HUBSPOT_MAX_PAGE_SIZE, HubspotAuthError, HubspotRequestError } from '../connectors/hubspot/hubspot.connector.js';
import { getHubspotConnection } from '../domain/integrations/connected-app.service.js';
import { ApiError } from '../domain/platform/errors.js';
import { importNextHubspotPage, type HubspotImportStep } from '../domain/jobs/hubspot-import.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';

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
  return {
    async importNextHubspotPage(ref: JobRef): Promise<HubspotImportStep> {
      try {
        return await importNextHubspotPage(database, {
          maxPageSize: HUBSPOT_MAX_PAGE_SIZE,
          async fetchPage(object, request) {
            const connection = await getHubspotConnection(database, services.secrets, ref.orgId, config);
            const hubspot = services.hubspot.forAccount(connection);
            return heartbeating(() => hubspot.fetchPage(object, request));
          },
        }, ref);
      } catch (err) {
        if (isPermanent(err)) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },
  };
}

export type HubspotImportActivities = ReturnType<typeof createHubspotImportActivities>;

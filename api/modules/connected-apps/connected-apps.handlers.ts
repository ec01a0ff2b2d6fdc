import type { RouteHandler } from '@hono/zod-openapi';
import { createHubspotConnector, HubspotAuthError, type HubspotObject } from '../../../connectors/hubspot/hubspot.connector.js';
import { connectHubspot, disconnectHubspot, getHubspotConnection, listConnectedApps } from '../../../domain/connected-app.service.js';
import { ApiError } from '../../../domain/errors.js';
import {
  COMMON_HUBSPOT_PROPERTIES,
  COMPANY_IMPORT_FIELDS,
  DEFAULT_HUBSPOT_MAPPING,
  LEAD_IMPORT_FIELDS,
  type HubspotImportParams,
} from '../../../domain/hubspot-import.js';
import { createJob, getJob, presentJob } from '../../../domain/job.service.js';
import { dateRangeFilter } from '../../../domain/list-query.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  connectHubspotRoute,
  disconnectHubspotRoute,
  hubspotImportStatusRoute,
  hubspotPropertiesRoute,
  listConnectedAppsRoute,
  startHubspotImportRoute,
} from './connected-apps.routes.js';

// an API request waits for HubSpot only briefly; imports (activities) retry longer
const REQUEST_ATTEMPTS = 3;

export const listConnectedAppsHandler: RouteHandler<typeof listConnectedAppsRoute, AppEnv> = async (c) => {
  const apps = await listConnectedApps(c.var.deps.database.pool, c.var.auth);
  return okList(c, { data: apps, total: apps.length, page: 1, limit: apps.length }, 'Connected apps retrieved');
};

export const connectHubspotHandler: RouteHandler<typeof connectHubspotRoute, AppEnv> = async (c) =>
  ok(c, await connectHubspot(c.var.deps.database.pool, c.var.auth, c.req.valid('json')), 'HubSpot connected');

export const disconnectHubspotHandler: RouteHandler<typeof disconnectHubspotRoute, AppEnv> = async (c) =>
  ok(c, await disconnectHubspot(c.var.deps.database.pool, c.var.auth), 'HubSpot disconnected');

export const hubspotPropertiesHandler: RouteHandler<typeof hubspotPropertiesRoute, AppEnv> = async (c) => {
  const { config, database } = c.var.deps;
  const all = c.req.valid('query').all === '1';
  const connection = await getHubspotConnection(database.pool, c.var.auth.orgId, config.HUBSPOT_BASE_PATH);
  const hubspot = createHubspotConnector({ ...connection, requestsPer10s: config.HUBSPOT_REQUESTS_PER_10S, maxAttempts: REQUEST_ATTEMPTS });
  const propertiesOf = async (object: HubspotObject) => {
    const properties = await hubspot.listProperties(object);
    return all ? properties : properties.filter((p) => COMMON_HUBSPOT_PROPERTIES[object].includes(p.name));
  };
  try {
    const [contacts, companies] = await Promise.all([propertiesOf('contacts'), propertiesOf('companies')]);
    return ok(
      c,
      {
        contacts,
        companies,
        mapping_targets: { lead: [...LEAD_IMPORT_FIELDS], company: [...COMPANY_IMPORT_FIELDS] },
        default_mapping: DEFAULT_HUBSPOT_MAPPING,
      },
      'HubSpot properties retrieved',
    );
  } catch (err) {
    if (err instanceof HubspotAuthError) throw new ApiError('validation_error', err.message, { code: 'hubspot_token_rejected' });
    throw err;
  }
};

export const startHubspotImportHandler: RouteHandler<typeof startHubspotImportRoute, AppEnv> = async (c) => {
  const { config, database } = c.var.deps;
  const body = c.req.valid('json');
  // refused before a job exists: an import without a connection could only fail
  await getHubspotConnection(database.pool, c.var.auth.orgId, config.HUBSPOT_BASE_PATH);
  // the shared date-range rule (a date-only `to` covers its day), as the inclusive instants HubSpot's filter takes
  const range = dateRangeFilter(body.from, body.to);
  const to = range?.lt ? new Date(range.lt.getTime() - 1) : range?.lte;
  const params: HubspotImportParams = {
    mapping: {
      lead: body.mapping?.lead ?? DEFAULT_HUBSPOT_MAPPING.lead,
      company: body.mapping?.company ?? DEFAULT_HUBSPOT_MAPPING.company,
    },
    from: range?.gte?.toISOString() ?? null,
    to: to?.toISOString() ?? null,
    limit: body.limit ?? null,
  };
  const job = await createJob(database.pool, c.var.auth, { type: 'hubspot_import', params: { ...params } });
  return ok(c, presentJob(job), 'HubSpot import started', 202);
};

export const hubspotImportStatusHandler: RouteHandler<typeof hubspotImportStatusRoute, AppEnv> = async (c) =>
  ok(c, presentJob(await getJob(c.var.deps.database.prisma, c.var.auth, c.req.valid('param').id, ['hubspot_import'])), 'HubSpot import status');

import type { RouteHandler } from '@hono/zod-openapi';
import type { Config } from '../../../domain/platform/config.js';
import { connectHubspot, getHubspotConnection, listConnectedApps, removeConnection } from '../../../domain/integrations/connected-app.service.js';
import { ApiError } from '../../../domain/platform/errors.js';
import {
  COMMON_HUBSPOT_PROPERTIES,
  COMPANY_IMPORT_FIELDS,
  DEFAULT_HUBSPOT_MAPPING,
  LEAD_IMPORT_FIELDS,
  startHubspotImport,
  type HubspotImportObject,
  type HubspotImportParams,
} from '../../../domain/jobs/hubspot-import.js';
import { getJob, presentJob } from '../../../domain/jobs/job.service.js';
import { dateRangeFilter } from '../../../domain/platform/list-query.js';
import { normaliseServiceUrl } from '../../../domain/platform/web-address.js';
import type { AppDeps, AppEnv } from '../../app-env.js';
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

export const listConnectedAppsHandler: RouteHandler<typeof listConnectedAppsRoute, AppEnv> = async (c) =>
  okList(c, await listConnectedApps(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Connected apps retrieved');

/**
 * A connection's own base path: HubSpot's address is the operator's to set
 * (HUBSPOT_BASE_PATH); a tenant may choose another only where the operator
 * allows it, and only one the egress allows (checked here, and again by the
 * egress on every request, since what a name resolves to can change).
 */
async function allowedTenantBasePath({ config, services }: Pick<AppDeps, 'config' | 'services'>, basePath: string | undefined): Promise<string | undefined> {
  if (basePath === undefined) return undefined;
  if (!config.HUBSPOT_ALLOW_TENANT_BASE_PATH) {
    throw new ApiError('validation_error', "base_path cannot be set on this server: HubSpot's address is its operator's configuration (HUBSPOT_BASE_PATH)", {
      code: 'base_path_not_allowed',
    });
  }
  try {
    await services.egress.checkDestination(basePath);
  } catch (err) {
    const failure = services.egress.failureOf(err);
    if (failure) throw new ApiError('validation_error', `base_path: ${failure.message}`, { code: 'base_path_refused' });
    throw err;
  }
  // its form was checked by the body's schema (serviceUrlProblem)
  return normaliseServiceUrl(basePath);
}

export const connectHubspotHandler: RouteHandler<typeof connectHubspotRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const body = c.req.valid('json');
  const basePath = await allowedTenantBasePath(c.var.deps, body.base_path);
  return ok(c, await connectHubspot(database, services.secrets, c.var.auth, { access_token: body.access_token, base_path: basePath }), 'HubSpot connected');
};

export const disconnectHubspotHandler: RouteHandler<typeof disconnectHubspotRoute, AppEnv> = async (c) =>
  ok(c, await removeConnection(c.var.deps.database, c.var.auth, 'hubspot'), 'HubSpot disconnected');

export const hubspotPropertiesHandler: RouteHandler<typeof hubspotPropertiesRoute, AppEnv> = async (c) => {
  const { config, database, services } = c.var.deps;
  const all = c.req.valid('query').all === '1';
  // the connection is read (and its pooled client released) before HubSpot is called: no database connection waits on HubSpot
  const connection = await getHubspotConnection(database, services.secrets, c.var.auth.orgId, config);
  const hubspot = services.hubspot.forAccount(connection, { maxAttempts: REQUEST_ATTEMPTS });
  const propertiesOf = async (object: HubspotImportObject) => {
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
    const failure = services.hubspot.failureOf(err);
    if (failure?.kind === 'token_rejected') throw new ApiError('validation_error', failure.message, { code: 'hubspot_token_rejected' });
    if (failure?.kind === 'unavailable') throw new ApiError('bad_gateway', failure.message, { code: 'hubspot_unavailable' });
    throw err;
  }
};

export const startHubspotImportHandler: RouteHandler<typeof startHubspotImportRoute, AppEnv> = async (c) => {
  const { config, database, services } = c.var.deps;
  const body = c.req.valid('json');
  // refused before a job exists: an import without a connection could only fail
  await getHubspotConnection(database, services.secrets, c.var.auth.orgId, config);
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
  const job = await startHubspotImport(database, c.var.auth, params);
  return ok(c, presentJob(job), 'HubSpot import started', 202);
};

export const hubspotImportStatusHandler: RouteHandler<typeof hubspotImportStatusRoute, AppEnv> = async (c) =>
  ok(c, presentJob(await getJob(c.var.deps.database, c.var.auth, c.req.valid('param').id, ['hubspot_import'])), 'HubSpot import status');

import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { jobSchema } from '../jobs/job.schemas.js';
import { connectedAppSchema, connectedAppsListQuery, hubspotConnectBody, hubspotImportBody, hubspotPropertiesQuery, hubspotPropertiesSchema } from './connected-app.schemas.js';

const tags = ['Integrations'];

export const listConnectedAppsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/connected-apps/list',
  tags,
  summary: 'List connected providers',
  description:
    'Every provider LIO integrates with (HubSpot, Slack, Teams, Google) and whether the organization has connected it, in that order, ' +
    'a page at a time (page, limit). Tokens are never returned.',
  request: { query: connectedAppsListQuery },
  responses: { 200: { description: 'The providers', content: jsonContent(listEnvelope(connectedAppSchema)) } },
});

export const connectHubspotRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/connected-apps/hubspot/connect',
  tags,
  summary: 'Connect HubSpot (beyond the spec)',
  description:
    'Admins only (403 otherwise). Stores a HubSpot private app token for the organization (replacing an earlier one). The token is checked when it is used: ' +
    'GET /api/connected-apps/hubspot/properties answers 422 hubspot_token_rejected when HubSpot refuses it. base_path is accepted only where the ' +
    'operator allows a tenant its own HubSpot address (422 base_path_not_allowed otherwise) and only when it resolves to a public address ' +
    '(422 base_path_refused).',
  request: { body: { required: true, content: jsonContent(hubspotConnectBody) } },
  responses: { 200: { description: 'Connected', content: jsonContent(okEnvelope(connectedAppSchema)) } },
});

export const disconnectHubspotRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/connected-apps/hubspot/disconnect',
  tags,
  summary: 'Disconnect HubSpot (beyond the spec)',
  description: 'Admins only (403 otherwise). Forgets the stored token. A running import fails at its next page; disconnecting twice is harmless.',
  responses: { 200: { description: 'Disconnected', content: jsonContent(okEnvelope(connectedAppSchema)) } },
});

export const hubspotPropertiesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/connected-apps/hubspot/properties',
  tags,
  summary: 'HubSpot fields',
  description:
    "HubSpot's contact and company properties, read live from the connected account, with the LIO fields they can be mapped to " +
    'and the default mapping. 422 hubspot_not_connected when HubSpot is not connected; 422 hubspot_token_rejected when HubSpot refuses the token; ' +
    '502 hubspot_unavailable when HubSpot fails, cannot be reached in time, or its address is not an allowed destination.',
  request: { query: hubspotPropertiesQuery },
  responses: {
    200: { description: 'Properties', content: jsonContent(okEnvelope(hubspotPropertiesSchema)) },
    502: { description: 'HubSpot failed or could not be reached (error.code hubspot_unavailable)', content: jsonContent(errorEnvelopeSchema) },
  },
});

export const startHubspotImportRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/connected-apps/hubspot/import',
  tags,
  summary: 'Start a HubSpot import',
  description:
    'Starts a durable job that imports companies, then contacts as leads, page by page. Companies are matched by name; leads by email ' +
    'or LinkedIn URL (then merged, never duplicated), or by the HubSpot id an earlier import kept in custom_fields.hubspot_id. ' +
    'Unmapped properties are ignored. Answers 202 at once with the job; poll the status endpoint (or GET /api/jobs/{id}). ' +
    'The body is optional: without one, everything is imported with the default mapping.',
  request: { body: { required: false, content: jsonContent(hubspotImportBody) } },
  responses: { 202: { description: 'The queued job', content: jsonContent(okEnvelope(jobSchema)) } },
});

export const hubspotImportStatusRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/connected-apps/hubspot/import/{id}/status',
  tags,
  summary: 'HubSpot import status',
  description: 'The import job with its progress (processed, created, merged, skipped, failed). 404 for any other job.',
  request: { params: idParam },
  responses: { 200: { description: 'The job', content: jsonContent(okEnvelope(jobSchema)) } },
});

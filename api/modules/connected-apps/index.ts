// Connected apps (§6.14): providers and their connection, and the HubSpot
// import (workflows/hubspot-import.workflow.ts) with its status.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import {
  connectHubspotHandler,
  disconnectHubspotHandler,
  hubspotImportStatusHandler,
  hubspotPropertiesHandler,
  listConnectedAppsHandler,
  startHubspotImportHandler,
} from './connected-apps.handlers.js';
import {
  connectHubspotRoute,
  disconnectHubspotRoute,
  hubspotImportStatusRoute,
  hubspotPropertiesRoute,
  listConnectedAppsRoute,
  startHubspotImportRoute,
} from './connected-apps.routes.js';

export function mountConnectedApps(app: OpenAPIHono<AppEnv>) {
  app.openapi(listConnectedAppsRoute, listConnectedAppsHandler);
  app.openapi(connectHubspotRoute, connectHubspotHandler);
  app.openapi(disconnectHubspotRoute, disconnectHubspotHandler);
  app.openapi(hubspotPropertiesRoute, hubspotPropertiesHandler);
  app.openapi(startHubspotImportRoute, startHubspotImportHandler);
  app.openapi(hubspotImportStatusRoute, hubspotImportStatusHandler);
}

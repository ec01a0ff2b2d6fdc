// Connected apps (§6.14): providers and their connection, and the HubSpot
// import (workflows/hubspot-import.workflow.ts) with its status.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './connected-apps.handlers.js';
import * as routes from './connected-apps.routes.js';

export function mountConnectedApps(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'listConnectedApps',
    'connectHubspot',
    'disconnectHubspot',
    'hubspotProperties',
    'startHubspotImport',
    'hubspotImportStatus',
  ]);
}

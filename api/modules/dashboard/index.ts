import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { leadAgingHandler, overviewHandler, statsHandler, topAccountsHandler } from './dashboard.handlers.js';
import { leadAgingRoute, overviewRoute, statsRoute, topAccountsRoute } from './dashboard.routes.js';

export function mountDashboard(app: OpenAPIHono<AppEnv>) {
  app.openapi(overviewRoute, overviewHandler);
  app.openapi(statsRoute, statsHandler);
  app.openapi(leadAgingRoute, leadAgingHandler);
  app.openapi(topAccountsRoute, topAccountsHandler);
}

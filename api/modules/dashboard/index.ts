import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './dashboard.handlers.js';
import * as routes from './dashboard.routes.js';

export function mountDashboard(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['overview', 'stats', 'leadAging', 'topAccounts']);
}

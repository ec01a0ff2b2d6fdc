import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './ai-dashboards.handlers.js';
import * as routes from './ai-dashboards.routes.js';

export function mountAiDashboards(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['generateDashboard']);
}

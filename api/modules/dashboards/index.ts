import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './dashboards.handlers.js';
import * as routes from './dashboards.routes.js';

export function mountDashboards(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listDashboards', 'createDashboard', 'getDashboard', 'updateDashboard', 'deleteDashboard', 'widgetData']);
}

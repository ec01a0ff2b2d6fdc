import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './custom-views.handlers.js';
import * as routes from './custom-views.routes.js';

export function mountCustomViews(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listViews', 'addView', 'updateView', 'deleteView']);
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './tracking.handlers.js';
import * as routes from './tracking.routes.js';

export function mountTracking(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['trackOpen', 'trackClick', 'unsubscribePage', 'unsubscribe']);
}

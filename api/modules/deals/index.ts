import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './deals.handlers.js';
import * as routes from './deals.routes.js';

export function mountDeals(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listDeals', 'addDeal', 'updateDeal', 'deleteDeals']);
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './custom-lookups.handlers.js';
import * as routes from './custom-lookups.routes.js';

export function mountCustomLookups(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listLookups', 'addLookup', 'updateLookup']);
}

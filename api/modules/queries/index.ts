import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './queries.handlers.js';
import * as routes from './queries.routes.js';

export function mountQueries(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listQueries', 'createQuery', 'getQuery', 'updateQuery', 'deleteQuery', 'executeQuery']);
}

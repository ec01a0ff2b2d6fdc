import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './roles.handlers.js';
import * as routes from './roles.routes.js';

export function mountRoles(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listRoles', 'addRole']);
}

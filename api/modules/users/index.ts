import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './users.handlers.js';
import * as routes from './users.routes.js';

export function mountUsers(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['myProfile', 'listUsers', 'addUser', 'updateUser', 'changePassword', 'deleteUser']);
}

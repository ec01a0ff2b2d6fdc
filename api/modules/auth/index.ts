import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './auth.handlers.js';
import * as routes from './auth.routes.js';

export function mountAuth(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['login', 'logout']);
}

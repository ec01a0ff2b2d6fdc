import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './search.handlers.js';
import * as routes from './search.routes.js';

export function mountSearch(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['globalSearch']);
}

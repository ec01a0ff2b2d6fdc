import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { globalSearchHandler } from './search.handlers.js';
import { globalSearchRoute } from './search.routes.js';

export function mountSearch(app: OpenAPIHono<AppEnv>) {
  app.openapi(globalSearchRoute, globalSearchHandler);
}

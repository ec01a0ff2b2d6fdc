import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { loginHandler, logoutHandler } from './auth.handlers.js';
import { loginRoute, logoutRoute } from './auth.routes.js';

export function mountAuth(app: OpenAPIHono<AppEnv>) {
  app.openapi(loginRoute, loginHandler);
  app.openapi(logoutRoute, logoutHandler);
}

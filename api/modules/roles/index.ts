import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { addRoleHandler, listRolesHandler } from './roles.handlers.js';
import { addRoleRoute, listRolesRoute } from './roles.routes.js';

export function mountRoles(app: OpenAPIHono<AppEnv>) {
  app.openapi(listRolesRoute, listRolesHandler);
  app.openapi(addRoleRoute, addRoleHandler);
}

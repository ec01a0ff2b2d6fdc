import type { RouteHandler } from '@hono/zod-openapi';
import { addRole, listRoles } from '../../../domain/identity/role.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { addRoleRoute, listRolesRoute } from './roles.routes.js';

type RoleRow = Awaited<ReturnType<typeof addRole>>;

const presentRole = (role: RoleRow) => ({ ...role, created_at: role.created_at.toISOString() });

export const listRolesHandler: RouteHandler<typeof listRolesRoute, AppEnv> = async (c) => {
  const page = await listRoles(c.var.deps.database, c.var.auth, c.req.valid('query'));
  return okList(c, { ...page, data: page.data.map(presentRole) });
};

export const addRoleHandler: RouteHandler<typeof addRoleRoute, AppEnv> = async (c) => {
  const role = await addRole(c.var.deps.database, c.var.auth, c.req.valid('json'));
  return ok(c, presentRole(role), 'Role created successfully', 201);
};

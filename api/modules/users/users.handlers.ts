import type { RouteHandler, z } from '@hono/zod-openapi';
import { addUser, changePassword, deleteUser, getProfile, listUsers, updateUser, type UserWithRole } from '../../../domain/identity/user.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList, okMessage } from '../../openapi/envelopes.js';
import type {
  addUserRoute,
  changePasswordRoute,
  deleteUserRoute,
  listUsersRoute,
  myProfileRoute,
  updateUserRoute,
  userSchema,
} from './users.routes.js';

/** `organizationId` is the caller's organization's public id: users never leave their organization. */
function presentUser(user: UserWithRole, organizationId: string): z.infer<typeof userSchema> {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    email: user.email,
    phone_no: user.phone_no,
    language: user.language,
    timezone: user.timezone,
    role_id: user.role_id,
    role_name: user.role.name,
    state_id: user.state_id,
    organization_id: organizationId,
    created_at: user.created_at.toISOString(),
  };
}

export const myProfileHandler: RouteHandler<typeof myProfileRoute, AppEnv> = async (c) => {
  const { auth } = c.var;
  return ok(c, presentUser(await getProfile(c.var.deps.database, auth), auth.orgPublicId));
};

export const listUsersHandler: RouteHandler<typeof listUsersRoute, AppEnv> = async (c) => {
  const { auth } = c.var;
  const page = await listUsers(c.var.deps.database, auth, c.req.valid('query'));
  return okList(c, { ...page, data: page.data.map((user) => presentUser(user, auth.orgPublicId)) });
};

export const addUserHandler: RouteHandler<typeof addUserRoute, AppEnv> = async (c) => {
  const { auth } = c.var;
  const user = await addUser(c.var.deps.database, auth, c.req.valid('json'));
  return ok(c, presentUser(user, auth.orgPublicId), 'User created successfully', 201);
};

export const updateUserHandler: RouteHandler<typeof updateUserRoute, AppEnv> = async (c) => {
  const { auth } = c.var;
  const user = await updateUser(c.var.deps.database, auth, c.req.valid('param').id, c.req.valid('json'));
  return ok(c, presentUser(user, auth.orgPublicId), 'User updated successfully');
};

export const changePasswordHandler: RouteHandler<typeof changePasswordRoute, AppEnv> = async (c) => {
  await changePassword(c.var.deps.database, c.var.auth, c.req.valid('json'));
  return okMessage(c, 'Password changed successfully; your other sessions were signed out');
};

export const deleteUserHandler: RouteHandler<typeof deleteUserRoute, AppEnv> = async (c) => {
  await deleteUser(c.var.deps.database, c.var.auth, c.req.valid('json').user_id);
  return okMessage(c, 'User removed successfully');
};

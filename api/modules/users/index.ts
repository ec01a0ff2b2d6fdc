import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import {
  addUserHandler,
  changePasswordHandler,
  deleteUserHandler,
  listUsersHandler,
  myProfileHandler,
  updateUserHandler,
} from './users.handlers.js';
import { addUserRoute, changePasswordRoute, deleteUserRoute, listUsersRoute, myProfileRoute, updateUserRoute } from './users.routes.js';

export function mountUsers(app: OpenAPIHono<AppEnv>) {
  app.openapi(myProfileRoute, myProfileHandler);
  app.openapi(listUsersRoute, listUsersHandler);
  app.openapi(addUserRoute, addUserHandler);
  app.openapi(updateUserRoute, updateUserHandler);
  app.openapi(changePasswordRoute, changePasswordHandler);
  app.openapi(deleteUserRoute, deleteUserHandler);
}

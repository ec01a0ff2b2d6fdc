import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './contacts.handlers.js';
import * as routes from './contacts.routes.js';

export function mountContacts(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listContacts', 'viewContact', 'addContact', 'updateContact', 'bulkUpdateContacts', 'deleteContacts']);
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import {
  addContactHandler,
  bulkUpdateContactsHandler,
  deleteContactsHandler,
  listContactsHandler,
  updateContactHandler,
  viewContactHandler,
} from './contacts.handlers.js';
import {
  addContactRoute,
  bulkUpdateContactsRoute,
  deleteContactsRoute,
  listContactsRoute,
  updateContactRoute,
  viewContactRoute,
} from './contacts.routes.js';

export function mountContacts(app: OpenAPIHono<AppEnv>) {
  app.openapi(listContactsRoute, listContactsHandler);
  app.openapi(viewContactRoute, viewContactHandler);
  app.openapi(addContactRoute, addContactHandler);
  app.openapi(updateContactRoute, updateContactHandler);
  app.openapi(bulkUpdateContactsRoute, bulkUpdateContactsHandler);
  app.openapi(deleteContactsRoute, deleteContactsHandler);
}

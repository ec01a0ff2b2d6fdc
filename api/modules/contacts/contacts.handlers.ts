import type { RouteHandler } from '@hono/zod-openapi';
import {
  bulkUpdateContacts,
  createContact,
  deleteContacts,
  getContact,
  listContacts,
  updateContact,
} from '../../../domain/crm/contact.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  addContactRoute,
  bulkUpdateContactsRoute,
  deleteContactsRoute,
  listContactsRoute,
  updateContactRoute,
  viewContactRoute,
} from './contacts.routes.js';
import { deletionOf } from '../../openapi/selection.js';

export const listContactsHandler: RouteHandler<typeof listContactsRoute, AppEnv> = async (c) => {
  const { page, limit, order_by, order_in, ...filters } = c.req.valid('query');
  return okList(c, await listContacts(c.var.deps.database, c.var.auth, { page, limit, order_by, order_in }, filters));
};

export const viewContactHandler: RouteHandler<typeof viewContactRoute, AppEnv> = async (c) =>
  ok(c, await getContact(c.var.deps.database, c.var.auth, c.req.valid('param').id));

export const addContactHandler: RouteHandler<typeof addContactRoute, AppEnv> = async (c) =>
  ok(c, await createContact(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Contact created successfully', 201);

export const updateContactHandler: RouteHandler<typeof updateContactRoute, AppEnv> = async (c) =>
  ok(c, await updateContact(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Contact updated successfully');

export const bulkUpdateContactsHandler: RouteHandler<typeof bulkUpdateContactsRoute, AppEnv> = async (c) => {
  const { contact_ids, select_all, filters, ...change } = c.req.valid('json');
  // the body schema has already required exactly one of the two forms
  const selection = contact_ids ? { ids: contact_ids } : { filters: filters ?? {} };
  const updated = await bulkUpdateContacts(c.var.deps.database, c.var.auth, selection, change);
  return ok(c, { updated }, `${updated} contact(s) updated`);
};

export const deleteContactsHandler: RouteHandler<typeof deleteContactsRoute, AppEnv> = async (c) => {
  const deletion = deletionOf(c.req.valid('param').id, c.req.valid('json'));
  const deleted = await deleteContacts(c.var.deps.database, c.var.auth, deletion);
  return ok(c, { deleted }, `${deleted} contact(s) deleted`);
};

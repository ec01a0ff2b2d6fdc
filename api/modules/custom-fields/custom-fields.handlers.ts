import type { RouteHandler } from '@hono/zod-openapi';
import { listCustomFields, setLeadCustomField } from '../../../domain/crm/custom-field.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { listCustomFieldsRoute, setLeadCustomFieldRoute } from './custom-fields.routes.js';

export const setLeadCustomFieldHandler: RouteHandler<typeof setLeadCustomFieldRoute, AppEnv> = async (c) =>
  ok(c, await setLeadCustomField(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Custom field saved');

export const listCustomFieldsHandler: RouteHandler<typeof listCustomFieldsRoute, AppEnv> = async (c) =>
  okList(c, await listCustomFields(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Custom fields retrieved');

import type { RouteHandler } from '@hono/zod-openapi';
import { addLookup, listLookups, updateLookup } from '../../../domain/crm/custom-lookup.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { addLookupRoute, listLookupsRoute, updateLookupRoute } from './custom-lookups.routes.js';

export const listLookupsHandler: RouteHandler<typeof listLookupsRoute, AppEnv> = async (c) =>
  okList(c, await listLookups(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Lookups retrieved');

export const addLookupHandler: RouteHandler<typeof addLookupRoute, AppEnv> = async (c) =>
  ok(c, await addLookup(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Lookup created', 201);

export const updateLookupHandler: RouteHandler<typeof updateLookupRoute, AppEnv> = async (c) =>
  ok(c, await updateLookup(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Lookup updated');

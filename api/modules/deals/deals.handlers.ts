import type { RouteHandler } from '@hono/zod-openapi';
import { createDeal, deleteDeals, listDeals, updateDeal } from '../../../domain/crm/deal.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { addDealRoute, deleteDealsRoute, listDealsRoute, updateDealRoute } from './deals.routes.js';

export const listDealsHandler: RouteHandler<typeof listDealsRoute, AppEnv> = async (c) =>
  okList(c, await listDeals(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Deals retrieved');

export const addDealHandler: RouteHandler<typeof addDealRoute, AppEnv> = async (c) =>
  ok(c, await createDeal(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Deal created', 201);

export const updateDealHandler: RouteHandler<typeof updateDealRoute, AppEnv> = async (c) =>
  ok(c, await updateDeal(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Deal updated');

export const deleteDealsHandler: RouteHandler<typeof deleteDealsRoute, AppEnv> = async (c) => {
  const deleted = await deleteDeals(c.var.deps.database, c.var.auth, c.req.valid('json').ids);
  return ok(c, { deleted }, `${deleted} deal(s) deleted`);
};

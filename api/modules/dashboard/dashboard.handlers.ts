import type { RouteHandler } from '@hono/zod-openapi';
import { dashboardLeadAging, dashboardOverview, dashboardStats, dashboardTopAccounts } from '../../../domain/analytics/dashboard.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import type { leadAgingRoute, overviewRoute, statsRoute, topAccountsRoute } from './dashboard.routes.js';

export const overviewHandler: RouteHandler<typeof overviewRoute, AppEnv> = async (c) =>
  ok(c, await dashboardOverview(c.var.deps.database, c.var.auth, c.req.valid('query')));

export const statsHandler: RouteHandler<typeof statsRoute, AppEnv> = async (c) =>
  ok(c, await dashboardStats(c.var.deps.database, c.var.auth, c.req.valid('query')));

export const leadAgingHandler: RouteHandler<typeof leadAgingRoute, AppEnv> = async (c) =>
  ok(c, await dashboardLeadAging(c.var.deps.database, c.var.auth));

export const topAccountsHandler: RouteHandler<typeof topAccountsRoute, AppEnv> = async (c) =>
  ok(c, await dashboardTopAccounts(c.var.deps.database, c.var.auth, c.req.valid('query').limit));

import type { RouteHandler } from '@hono/zod-openapi';
import { createDashboard, dashboardWidgetData, deleteDashboard, getDashboard, listDashboards, updateDashboard } from '../../../domain/analytics/custom-dashboard.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList, okMessage } from '../../openapi/envelopes.js';
import { member } from '../queries/member-scope.js';
import type { createDashboardRoute, deleteDashboardRoute, getDashboardRoute, listDashboardsRoute, updateDashboardRoute, widgetDataRoute } from './dashboards.routes.js';

export const listDashboardsHandler: RouteHandler<typeof listDashboardsRoute, AppEnv> = async (c) =>
  okList(c, await listDashboards(c.var.deps.database, member(c.var.auth), c.req.valid('query')), 'Dashboards retrieved');

export const createDashboardHandler: RouteHandler<typeof createDashboardRoute, AppEnv> = async (c) =>
  ok(c, await createDashboard(c.var.deps.database, member(c.var.auth), c.req.valid('json')), 'Dashboard created', 201);

export const getDashboardHandler: RouteHandler<typeof getDashboardRoute, AppEnv> = async (c) =>
  ok(c, await getDashboard(c.var.deps.database, member(c.var.auth), c.req.valid('param').id), 'Dashboard retrieved');

export const updateDashboardHandler: RouteHandler<typeof updateDashboardRoute, AppEnv> = async (c) =>
  ok(c, await updateDashboard(c.var.deps.database, member(c.var.auth), c.req.valid('param').id, c.req.valid('json')), 'Dashboard updated');

export const deleteDashboardHandler: RouteHandler<typeof deleteDashboardRoute, AppEnv> = async (c) => {
  await deleteDashboard(c.var.deps.database, member(c.var.auth), c.req.valid('param').id);
  return okMessage(c, 'Dashboard deleted');
};

export const widgetDataHandler: RouteHandler<typeof widgetDataRoute, AppEnv> = async (c) => {
  const { id, widgetId } = c.req.valid('param');
  const answer = await dashboardWidgetData(c.var.deps.database, member(c.var.auth), id, widgetId, c.var.deps.config.SAVED_QUERY_TIMEOUT_MS);
  return ok(c, answer, 'Widget data');
};

import type { RouteHandler } from '@hono/zod-openapi';
import { generateDashboard } from '../../../domain/analytics/ai-dashboard.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import { member } from '../queries/member-scope.js';
import type { generateDashboardRoute } from './ai-dashboards.routes.js';

export const generateDashboardHandler: RouteHandler<typeof generateDashboardRoute, AppEnv> = async (c) =>
  ok(c, await generateDashboard(c.var.deps.database, c.var.deps.services.llm, member(c.var.auth), c.req.valid('json')), 'Dashboard generated');

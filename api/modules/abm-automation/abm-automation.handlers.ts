import type { RouteHandler } from '@hono/zod-openapi';
import { getAbmAutomation, saveAbmAutomation } from '../../../domain/engagement/abm-automation.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import type { getAbmAutomationRoute, putAbmAutomationRoute } from './abm-automation.routes.js';

export const getAbmAutomationHandler: RouteHandler<typeof getAbmAutomationRoute, AppEnv> = async (c) =>
  ok(c, await getAbmAutomation(c.var.deps.database, c.var.auth), 'ABM automation retrieved');

export const putAbmAutomationHandler: RouteHandler<typeof putAbmAutomationRoute, AppEnv> = async (c) =>
  ok(c, await saveAbmAutomation(c.var.deps.database, c.var.auth, c.req.valid('json')), 'ABM automation saved');

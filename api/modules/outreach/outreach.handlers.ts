import type { RouteHandler } from '@hono/zod-openapi';
import { createOutreachStep, listOutreachSteps } from '../../../domain/engagement/outreach.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { createOutreachPlanRoute, listOutreachPlansRoute } from './outreach.routes.js';

export const listOutreachPlansHandler: RouteHandler<typeof listOutreachPlansRoute, AppEnv> = async (c) =>
  okList(c, await listOutreachSteps(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('query')), 'Outreach plans retrieved');

export const createOutreachPlanHandler: RouteHandler<typeof createOutreachPlanRoute, AppEnv> = async (c) =>
  ok(c, await createOutreachStep(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Outreach step scheduled', 201);

// Outreach plans (§6.8): the steps of a target account's plan, each contact's
// run as a durable sequence workflow (domain/engagement/outreach.service.ts,
// workflows/outreach-sequence.workflow.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './outreach.handlers.js';
import * as routes from './outreach.routes.js';

export function mountOutreach(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listOutreachPlans', 'createOutreachPlan']);
}

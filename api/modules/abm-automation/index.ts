// Scheduled ABM automation (§6.8): the organization's recurring run, kept as
// a Temporal Schedule by the worker (worker/schedules.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './abm-automation.handlers.js';
import * as routes from './abm-automation.routes.js';

export function mountAbmAutomation(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['getAbmAutomation', 'putAbmAutomation']);
}

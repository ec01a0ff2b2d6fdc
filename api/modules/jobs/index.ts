// The jobs API (beyond the spec): every job type in one place, with pause,
// resume and cancel (domain/jobs/job.service.ts, workflows/job-control.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { JOB_CONTROL_ACTIONS } from '../../../domain/jobs/job.service.js';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './jobs.handlers.js';
import * as routes from './jobs.routes.js';

export function mountJobs(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listJobs', 'viewJob']);
  for (const action of JOB_CONTROL_ACTIONS) app.openapi(routes.jobControlRoutes[action], handlers.jobControlHandler(action));
}

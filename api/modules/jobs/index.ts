// The jobs API (beyond the spec): every job type in one place, with pause,
// resume and cancel (domain/jobs/job.service.ts, workflows/job-control.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { JOB_CONTROL_ACTIONS } from '../../../domain/jobs/job.service.js';
import type { AppEnv } from '../../app-env.js';
import { jobControlHandler, listJobsHandler, viewJobHandler } from './jobs.handlers.js';
import { jobControlRoutes, listJobsRoute, viewJobRoute } from './jobs.routes.js';

export function mountJobs(app: OpenAPIHono<AppEnv>) {
  app.openapi(listJobsRoute, listJobsHandler);
  app.openapi(viewJobRoute, viewJobHandler);
  for (const action of JOB_CONTROL_ACTIONS) app.openapi(jobControlRoutes[action], jobControlHandler(action));
}

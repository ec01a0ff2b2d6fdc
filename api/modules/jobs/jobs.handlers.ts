import type { RouteHandler } from '@hono/zod-openapi';
import { getJob, listJobs, presentJob, requestJobControl, type JobControlAction } from '../../../domain/jobs/job.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { jobControlRoutes, listJobsRoute, viewJobRoute } from './jobs.routes.js';

export const listJobsHandler: RouteHandler<typeof listJobsRoute, AppEnv> = async (c) => {
  const { type, status, ...params } = c.req.valid('query');
  return okList(c, await listJobs(c.var.deps.database, c.var.auth, params, { type, status }), 'Jobs retrieved');
};

export const viewJobHandler: RouteHandler<typeof viewJobRoute, AppEnv> = async (c) =>
  ok(c, presentJob(await getJob(c.var.deps.database, c.var.auth, c.req.valid('param').id)), 'Job retrieved');

export const jobControlHandler =
  (action: JobControlAction): RouteHandler<(typeof jobControlRoutes)[JobControlAction], AppEnv> =>
  async (c) => {
    const job = await requestJobControl(c.var.deps.database, c.var.auth, c.req.valid('param').id, action);
    return ok(c, presentJob(job), `Job ${action} requested`, 202);
  };

import type { RouteHandler } from '@hono/zod-openapi';
import { createPipeline, deletePipelines, listPipelines, pipelineStages, updatePipeline } from '../../../domain/crm/pipeline.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  addPipelineRoute,
  deletePipelinesRoute,
  listPipelinesRoute,
  pipelineStagesRoute,
  updatePipelineRoute,
} from './pipelines.routes.js';

export const listPipelinesHandler: RouteHandler<typeof listPipelinesRoute, AppEnv> = async (c) =>
  okList(c, await listPipelines(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Pipelines retrieved');

export const addPipelineHandler: RouteHandler<typeof addPipelineRoute, AppEnv> = async (c) =>
  ok(c, await createPipeline(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Pipeline created', 201);

export const updatePipelineHandler: RouteHandler<typeof updatePipelineRoute, AppEnv> = async (c) =>
  ok(c, await updatePipeline(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Pipeline updated');

export const deletePipelinesHandler: RouteHandler<typeof deletePipelinesRoute, AppEnv> = async (c) => {
  const deleted = await deletePipelines(c.var.deps.database, c.var.auth, c.req.valid('json').ids);
  return ok(c, { deleted }, `${deleted} pipeline(s) deleted`);
};

export const pipelineStagesHandler: RouteHandler<typeof pipelineStagesRoute, AppEnv> = async (c) =>
  ok(c, await pipelineStages(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Stages retrieved');

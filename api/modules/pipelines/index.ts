import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import {
  addPipelineHandler,
  deletePipelinesHandler,
  listPipelinesHandler,
  pipelineStagesHandler,
  updatePipelineHandler,
} from './pipelines.handlers.js';
import {
  addPipelineRoute,
  deletePipelinesRoute,
  listPipelinesRoute,
  pipelineStagesRoute,
  updatePipelineRoute,
} from './pipelines.routes.js';

export function mountPipelines(app: OpenAPIHono<AppEnv>) {
  app.openapi(listPipelinesRoute, listPipelinesHandler);
  app.openapi(addPipelineRoute, addPipelineHandler);
  app.openapi(updatePipelineRoute, updatePipelineHandler);
  app.openapi(deletePipelinesRoute, deletePipelinesHandler);
  app.openapi(pipelineStagesRoute, pipelineStagesHandler);
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './pipelines.handlers.js';
import * as routes from './pipelines.routes.js';

export function mountPipelines(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listPipelines', 'addPipeline', 'updatePipeline', 'deletePipelines', 'pipelineStages']);
}

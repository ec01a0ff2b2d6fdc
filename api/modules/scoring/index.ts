// Scoring (beyond the spec, docs/scoring.md): the learned lead-fit model, its
// versions, and training and rescoring jobs on demand (domain/scoring/).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './scoring.handlers.js';
import * as routes from './scoring.routes.js';

export function mountScoring(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['scoringModel', 'scoringModels', 'trainScoringModel', 'rescoreLeads']);
}

import type { RouteHandler } from '@hono/zod-openapi';
import { presentJob } from '../../../domain/jobs/job.service.js';
import { listScoringModels, requestScoringJob, scoringModelOverview } from '../../../domain/scoring/scoring-model.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { rescoreLeadsRoute, scoringModelRoute, scoringModelsRoute, trainScoringModelRoute } from './scoring.routes.js';

export const scoringModelHandler: RouteHandler<typeof scoringModelRoute, AppEnv> = async (c) =>
  ok(c, await scoringModelOverview(c.var.deps.database, c.var.auth), 'Scoring model retrieved');

export const scoringModelsHandler: RouteHandler<typeof scoringModelsRoute, AppEnv> = async (c) =>
  okList(c, await listScoringModels(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Scoring models retrieved');

export const trainScoringModelHandler: RouteHandler<typeof trainScoringModelRoute, AppEnv> = async (c) =>
  ok(c, presentJob(await requestScoringJob(c.var.deps.database, c.var.auth, 'scoring_train')), 'Training started', 202);

export const rescoreLeadsHandler: RouteHandler<typeof rescoreLeadsRoute, AppEnv> = async (c) =>
  ok(c, presentJob(await requestScoringJob(c.var.deps.database, c.var.auth, 'lead_rescore')), 'Rescoring started', 202);

import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { limitParam, pageParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { z } from '@hono/zod-openapi';
import { jobSchema } from '../jobs/job.schemas.js';
import { scoringModelSchema, scoringOverviewSchema } from './scoring.schemas.js';

export const scoringModelRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/scoring/model',
  tags: ['Scoring'],
  summary: 'The lead scoring model in use',
  description:
    'Beyond the spec. The score (0–100) is fit plus engagement (docs/scoring.md). Shows what computes the fit now (the rules, ' +
    'rules-v1, until a learned model beats them on held-out outcomes), the active model and the latest trained one with their ' +
    'held-out AUC, Brier score and calibration, features with coefficients, the ideal profile, and the decision in words.',
  responses: { 200: { description: 'The scoring model', content: jsonContent(okEnvelope(scoringOverviewSchema)) } },
});

export const scoringModelsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/scoring/models',
  tags: ['Scoring'],
  summary: 'List trained scoring model versions',
  description: 'Beyond the spec. Every trained version of the organization, newest first: active, rejected (with the reason) or retired.',
  request: { query: z.object({ page: pageParam, limit: limitParam(100, 10) }) },
  responses: { 200: { description: 'A page of model versions', content: jsonContent(listEnvelope(scoringModelSchema)) } },
});

export const trainScoringModelRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/scoring/model/train',
  tags: ['Scoring'],
  summary: 'Train the scoring model now',
  description:
    'Beyond the spec; admins only. Starts a scoring_train job (follow it in GET /api/jobs/{id}); it completes with "not enough outcomes" ' +
    'when the organization has too few closed deals. Also runs weekly on the organization\'s schedule. 409 while one is unfinished.',
  responses: {
    202: { description: 'The training job, queued', content: jsonContent(okEnvelope(jobSchema)) },
    403: errorResponse('Not an admin'),
    409: errorResponse('A training job has not finished (code scoring_training_running)'),
  },
});

export const rescoreLeadsRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/scoring/rescore',
  tags: ['Scoring'],
  summary: 'Rescore every lead now',
  description:
    'Beyond the spec; admins only. Starts a lead_rescore job over all of the organization\'s leads in batches (progress, pause, resume ' +
    'and cancel through the jobs API). Activating a model starts one by itself. 409 while one is unfinished.',
  responses: {
    202: { description: 'The rescoring job, queued', content: jsonContent(okEnvelope(jobSchema)) },
    403: errorResponse('Not an admin'),
    409: errorResponse('A rescoring job has not finished (code lead_rescore_running)'),
  },
});

import { z } from '@hono/zod-openapi';
import { MAX_AMOUNT } from '../../../domain/crm/pipeline.service.js';
import { errorResponse, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idList, idParam, listQuery, recordId } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { hexColor } from '../custom-lookups/custom-lookups.routes.js';

const stageInput = z.object({
  name: z.string().trim().min(1).max(100),
  color: hexColor.nullable().optional(),
  position: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ description: "Unique within the pipeline; defaults to the stage's place in the list" }),
  is_won: z.boolean().optional(),
  is_lost: z.boolean().optional(),
  probability: z.number().min(0).max(1).optional(),
  max_days_in_stage: z.number().int().min(1).max(3650).nullable().optional(),
});

const stageItem = stageInput
  .partial()
  .extend({
    id: recordId.optional().openapi({ description: 'An existing stage to change; without id the item adds a stage' }),
  });

const pipelineFields = {
  name: z.string().trim().min(2).max(100),
  description: z.string().trim().max(1000).nullable().optional(),
  max_deal_limit: z.number().min(0).max(MAX_AMOUNT).nullable().optional().openapi({ description: 'Deals above this value are refused' }),
  region: z.string().trim().max(100).nullable().optional(),
};

export const addPipelineBody = z.object({
  ...pipelineFields,
  stages: z
    .array(stageInput)
    .min(1)
    .max(50)
    .optional()
    .openapi({ description: 'Omitted: the default stages, protected Won and Lost included' }),
});

export const updatePipelineBody = z.object({
  ...pipelineFields,
  name: pipelineFields.name.optional(),
  state_id: z.number().int().min(0).max(1).optional().openapi({ description: '1 = Active, 0 = Inactive' }),
  stages: z
    .array(stageItem)
    .min(1)
    .max(50)
    .optional()
    .openapi({
      description:
        "The complete stage list: the pipeline's stages not listed are removed; protected (won/lost) stages may move but not change",
    }),
});

const stageSchema = z
  .object({
    id: z.number().int(),
    pipeline_id: z.number().int(),
    name: z.string(),
    color: z.string().nullable(),
    position: z.number().int(),
    is_won: z.boolean(),
    is_lost: z.boolean(),
    probability: z.number(),
    max_days_in_stage: z.number().int().nullable(),
    is_protected: z.boolean(),
  })
  .openapi('Stage');

const pipelineSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    max_deal_limit: z.number().nullable(),
    region: z.string().nullable(),
    state_id: z.number().int(),
    deal_count: z.number().int(),
    open_value: z.number().openapi({ description: 'Summed value of the deals in stages that are neither won nor lost' }),
    stages: z.array(stageSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Pipeline');

export const listPipelinesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/pipelines/list',
  tags: ['Pipelines'],
  summary: 'List pipelines with their stages, deal count and open value',
  request: {
    query: listQuery(['id', 'name', 'created_at']).extend({
      state_id: z.coerce.number().int().min(0).max(1).optional().openapi({ description: '1 = Active, 0 = Inactive' }),
    }),
  },
  responses: { 200: { description: 'A page of pipelines', content: { 'application/json': { schema: listEnvelope(pipelineSchema) } } } },
});

export const addPipelineRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/pipelines/add',
  tags: ['Pipelines'],
  summary: 'Create a pipeline with stages',
  request: { body: { required: true, content: { 'application/json': { schema: addPipelineBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: okEnvelope(pipelineSchema) } } } },
});

export const updatePipelineRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/pipelines/update/{id}',
  tags: ['Pipelines'],
  summary: 'Update a pipeline and, optionally, its stage list',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updatePipelineBody } } } },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: okEnvelope(pipelineSchema) } } },
    409: errorResponse('A stage to remove still has deals'),
    422: errorResponse('Invalid values, or a protected stage changed or removed (error.code "protected_stage")'),
  },
});

export const deletePipelinesRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/pipelines/delete',
  tags: ['Pipelines'],
  summary: 'Delete pipelines and their stages',
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ ids: idList }) } } } },
  responses: {
    200: { description: 'Deleted', content: { 'application/json': { schema: okEnvelope(z.object({ deleted: z.number().int() })) } } },
    409: errorResponse('A pipeline still has deals (error.pipeline_ids names them); nothing is deleted'),
  },
});

export const pipelineStagesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/pipelines/stages/{id}',
  tags: ['Pipelines'],
  summary: "A pipeline's stages, ordered by position",
  request: { params: idParam },
  responses: { 200: { description: 'The stages', content: { 'application/json': { schema: okEnvelope(z.array(stageSchema)) } } } },
});

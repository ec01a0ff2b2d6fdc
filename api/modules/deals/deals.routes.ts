import { z } from '@hono/zod-openapi';
import { MAX_AMOUNT } from '../../../domain/crm/pipeline.service.js';
import { listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { dateBound, idList, idParam, listQuery, recordId, recordIdParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';

const dealFields = {
  lead_id: recordId,
  pipeline_id: recordId,
  stage_id: recordId.openapi({ description: 'A stage of the pipeline' }),
  title: z.string().trim().min(2).max(50),
  value: z.number().min(1).max(MAX_AMOUNT).openapi({ description: "At most the pipeline's max_deal_limit, when it has one" }),
  // a calendar date; a date-time counts as its UTC day
  expected_close_date: dateBound.transform(({ at }) => new Date(`${at.toISOString().slice(0, 10)}T00:00:00Z`)),
  priority: z.number().int().min(1).max(4).openapi({ description: '1=Low, 2=Medium, 3=High, 4=Urgent' }),
  description: z.string().trim().max(1000).nullable(),
};

export const addDealBody = z.object({
  ...dealFields,
  priority: dealFields.priority.default(2),
  description: dealFields.description.optional(),
});

export const updateDealBody = z.object(dealFields).partial();

const dealSchema = z
  .object({
    id: z.number().int(),
    lead_id: z.number().int(),
    pipeline_id: z.number().int(),
    pipeline_name: z.string(),
    stage_id: z.number().int(),
    stage_name: z.string(),
    title: z.string(),
    value: z.number(),
    expected_close_date: z.string().openapi({ example: '2026-07-31' }),
    priority: z.number().int(),
    description: z.string().nullable(),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Deal');

const positiveId = recordIdParam.optional();

export const listDealsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/deal/list',
  tags: ['Deals'],
  summary: 'List deals',
  request: {
    query: listQuery(['id', 'title', 'value', 'expected_close_date', 'created_at']).extend({
      lead_id: positiveId,
      pipeline_id: positiveId,
      status: positiveId.openapi({ description: 'A stage id' }),
    }),
  },
  responses: { 200: { description: 'A page of deals', content: { 'application/json': { schema: listEnvelope(dealSchema) } } } },
});

export const addDealRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/deal/add',
  tags: ['Deals'],
  summary: 'Create a deal',
  request: { body: { required: true, content: { 'application/json': { schema: addDealBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: okEnvelope(dealSchema) } } } },
});

export const updateDealRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/deal/update/{id}',
  tags: ['Deals'],
  summary: 'Update a deal',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateDealBody } } } },
  responses: { 200: { description: 'Updated', content: { 'application/json': { schema: okEnvelope(dealSchema) } } } },
});

export const deleteDealsRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/lead/deal/delete',
  tags: ['Deals'],
  summary: 'Delete deals',
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ ids: idList }) } } } },
  responses: {
    200: { description: 'Deleted', content: { 'application/json': { schema: okEnvelope(z.object({ deleted: z.number().int() })) } } },
  },
});

import { z } from '@hono/zod-openapi';
import { VIEW_VISIBILITIES } from '../../../domain/crm/custom-view.service.js';
import { errorResponse, listEnvelope, messageEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam, listQuery } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { moduleName } from '../custom-lookups/custom-lookups.routes.js';

const viewFields = {
  module_name: moduleName,
  visibility: z
    .enum(VIEW_VISIBILITIES)
    .openapi({ description: 'private: only you; team: users with your role; public: everyone in the organization' }),
  view_name: z.string().trim().min(1).max(100),
  filters: z.record(z.string(), z.unknown()).openapi({ example: { status: '1,2', assigned_to: 'true' } }),
  columns: z
    .array(z.string().min(1).max(100))
    .max(200)
    .openapi({ example: ['first_name', 'company', 'score'] }),
  sorting: z.record(z.string(), z.unknown()).openapi({ example: { order_by: 'score', order_in: 'DESC' } }),
};

export const addViewBody = z.object(viewFields).partial({ view_name: true, filters: true, columns: true, sorting: true });
export const updateViewBody = z.object(viewFields).partial();

const viewSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int().openapi({ description: 'The owner' }),
    module_name: z.string(),
    view_name: z.string(),
    visibility: z.enum(VIEW_VISIBILITIES),
    filters: z.record(z.string(), z.unknown()),
    columns: z.array(z.string()),
    sorting: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('CustomView');

const forbidden = errorResponse('You can see the view but only its owner or an Admin may change it');

export const listViewsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/custom-view/list',
  tags: ['Custom views'],
  summary: "List the saved views you can see (your own, your role's team views, public views)",
  request: { query: listQuery(['id', 'view_name', 'created_at']).extend({ module_name: moduleName.optional() }) },
  responses: { 200: { description: 'A page of views', content: { 'application/json': { schema: listEnvelope(viewSchema) } } } },
});

export const addViewRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/custom-view/add',
  tags: ['Custom views'],
  summary: 'Create a saved view owned by you',
  request: { body: { required: true, content: { 'application/json': { schema: addViewBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: okEnvelope(viewSchema) } } } },
});

export const updateViewRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/custom-view/update/{id}',
  tags: ['Custom views'],
  summary: 'Update a saved view (owner or Admin)',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateViewBody } } } },
  responses: { 200: { description: 'Updated', content: { 'application/json': { schema: okEnvelope(viewSchema) } } }, 403: forbidden },
});

export const deleteViewRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/custom-view/delete/{id}',
  tags: ['Custom views'],
  summary: 'Delete a saved view (owner or Admin)',
  request: { params: idParam },
  responses: { 200: { description: 'Deleted', content: { 'application/json': { schema: messageEnvelope } } }, 403: forbidden },
});

import { z } from '@hono/zod-openapi';
import { errorResponse, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { booleanQuery, idParam, listQuery, recordId, recordIdParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';

/** A key such as a module ("lead") or a lookup type ("lead_source"). */
const lowercaseKey = (example: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z][a-z0-9_]{0,49}$/, 'must be 1-50 lowercase letters, digits or underscores, starting with a letter')
    .openapi({ example });

export const moduleName = lowercaseKey('lead');
export const lookupType = lowercaseKey('status');

export const hexColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour')
  .openapi({ example: '#22c55e' });

export const lookupSchema = z
  .object({
    id: z.number().int(),
    module_name: z.string(),
    type: z.string(),
    code: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The number records store, for status, priority and lead_source; null otherwise' }),
    name: z.string(),
    value: z.string().nullable(),
    color_code: z.string().nullable(),
    parent_id: z.number().int().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Lookup');

const lookupFields = {
  name: z.string().trim().min(1).max(100),
  value: z.string().trim().max(255).nullable().optional(),
  color_code: hexColor.nullable().optional(),
};

export const addLookupBody = z.object({
  module_name: moduleName,
  type: lookupType,
  ...lookupFields,
  parent_id: recordId.nullable().optional(),
});

export const updateLookupBody = z.object({ ...lookupFields, name: lookupFields.name.optional(), is_active: z.boolean().optional() });

export const listLookupsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/custom-lookups/list',
  tags: ['Custom lookups'],
  summary: 'List lookup values (status, source, tags, etc.)',
  request: {
    query: listQuery(['id', 'name', 'code', 'created_at']).extend({
      module_name: moduleName.optional(),
      type: lookupType.optional(),
      is_active: booleanQuery.optional(),
      parent_id: recordIdParam.optional(),
    }),
  },
  responses: { 200: { description: 'A page of lookup values', content: { 'application/json': { schema: listEnvelope(lookupSchema) } } } },
});

export const addLookupRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/custom-lookups/add',
  tags: ['Custom lookups'],
  summary: 'Create a lookup value (status, priority and lead_source get the next free code)',
  request: { body: { required: true, content: { 'application/json': { schema: addLookupBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: okEnvelope(lookupSchema) } } },
    409: errorResponse('A lookup with this name already exists for the module and type'),
  },
});

export const updateLookupRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/custom-lookups/update/{id}',
  tags: ['Custom lookups'],
  summary: 'Update a lookup value',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateLookupBody } } } },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: okEnvelope(lookupSchema) } } },
    409: errorResponse('A lookup with this name already exists for the module and type'),
  },
});

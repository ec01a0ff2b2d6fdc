import { z } from '@hono/zod-openapi';
import { errorEnvelopeSchema, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { csvIds, listQuery } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';

export const roleSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    state_id: z.number().int().openapi({ description: '1 = active, 0 = inactive' }),
    is_system: z.boolean().openapi({ description: 'Admin, Manager and Sales Rep exist in every organization' }),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Role');

export const roleListQuery = listQuery(['id', 'name', 'created_at']).extend({
  state_id: csvIds.optional().openapi({ description: 'Comma-separated states (1 = active, 0 = inactive)' }),
});

export const listRolesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/role/list',
  tags: ['Roles'],
  summary: 'List roles (search over name and description)',
  request: { query: roleListQuery },
  responses: { 200: { description: 'A page of roles', content: { 'application/json': { schema: listEnvelope(roleSchema) } } } },
});

export const addRoleBody = z
  .object({
    name: z.string().trim().min(2).max(50),
    description: z.string().trim().max(500).nullable().optional(),
  })
  .openapi('AddRoleRequest');

export const addRoleRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/role/add',
  tags: ['Roles'],
  summary: 'Create a role (Admin only)',
  request: { body: { required: true, content: { 'application/json': { schema: addRoleBody } } } },
  responses: {
    201: { description: 'The new role', content: { 'application/json': { schema: okEnvelope(roleSchema) } } },
    409: { description: 'A role with this name (in any letter case) exists', content: { 'application/json': { schema: errorEnvelopeSchema } } },
  },
});

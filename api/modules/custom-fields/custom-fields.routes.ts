import { z } from '@hono/zod-openapi';
import { listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { listQuery, recordId } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { moduleName } from '../custom-lookups/custom-lookups.routes.js';

const fieldValue = z.union([z.string().max(5000), z.number(), z.boolean(), z.null()]);

export const setLeadCustomFieldBody = z.object({
  lead_id: recordId,
  field_name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_ ]+$/, 'may contain only letters, digits, underscores and spaces')
    .openapi({ example: 'contract_type' }),
  field_value: fieldValue.optional().openapi({ description: "The lead's value; omitted keeps the current value" }),
});

const definitionSchema = z
  .object({
    id: z.number().int(),
    module_name: z.string(),
    field_name: z.string(),
    field_type: z.string(),
    created_at: z.string(),
  })
  .openapi('CustomFieldDefinition');

const leadCustomFieldSchema = definitionSchema
  .extend({
    lead_id: z.number().int(),
    field_value: fieldValue,
    custom_fields: z.record(z.string(), z.unknown()),
  })
  .openapi('LeadCustomField');

export const setLeadCustomFieldRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/custom-field',
  tags: ['Custom fields'],
  summary: 'Define a lead custom field and set its value on a lead (an existing definition is reused)',
  request: { body: { required: true, content: { 'application/json': { schema: setLeadCustomFieldBody } } } },
  responses: {
    200: {
      description: "The definition and the lead's custom fields",
      content: { 'application/json': { schema: okEnvelope(leadCustomFieldSchema) } },
    },
  },
});

export const listCustomFieldsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/custom-field/list',
  tags: ['Custom fields'],
  summary: 'List custom field definitions',
  request: { query: listQuery(['id', 'field_name', 'created_at']).extend({ module_name: moduleName.default('lead') }) },
  responses: { 200: { description: 'A page of definitions', content: { 'application/json': { schema: listEnvelope(definitionSchema) } } } },
});

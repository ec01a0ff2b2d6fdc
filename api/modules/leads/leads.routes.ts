import { z } from '@hono/zod-openapi';
import { IMAGE_TYPES } from '../../../domain/platform/file-storage.js';
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idList, idParam, recordId } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { fileBytes, uploadedFile } from '../../openapi/uploads.js';
import { createLeadBody, jsonObject, leadListQuery, leadSchema, updateLeadBody } from './lead.schemas.js';

const leadResponse = (description: string) => ({ description, content: jsonContent(okEnvelope(leadSchema)) });
const duplicateResponse = { description: 'Another lead of the organization has this email or LinkedIn URL (error.code duplicate_lead)', content: jsonContent(errorEnvelopeSchema) };

export const listLeadsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/list',
  tags: ['Leads'],
  summary: 'List leads (filter, sort, paginate)',
  description:
    'search_value matches (case-insensitively) the full name, email, company or phone number. start_date/end_date and created_from/created_to ' +
    'filter on created_at; date-only values are whole UTC days, both ends inclusive. All filters combine with AND.',
  request: { query: leadListQuery },
  responses: { 200: { description: 'A page of leads', content: jsonContent(listEnvelope(leadSchema)) } },
});

export const addLeadRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/add',
  tags: ['Leads'],
  summary: 'Create a lead',
  request: { body: { required: true, content: jsonContent(createLeadBody) } },
  responses: { 201: leadResponse('The new lead; its score follows shortly'), 409: duplicateResponse },
});

export const viewLeadRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/view/{id}',
  tags: ['Leads'],
  summary: 'Get one lead',
  request: { params: idParam },
  responses: { 200: leadResponse('The lead with status_text, priority_text and lead_source_text') },
});

export const updateLeadRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/update/{id}',
  tags: ['Leads'],
  summary: 'Update a lead',
  description: 'Accepts any creatable field; tags are replaced, custom_fields and ai_information are merged into the existing values.',
  request: { params: idParam, body: { required: true, content: jsonContent(updateLeadBody) } },
  responses: { 200: leadResponse('The updated lead; it is re-scored shortly'), 409: duplicateResponse },
});

export const deleteLeadsBody = z.object({ ids: idList }).openapi('DeleteLeadsRequest');

export const deleteLeadsRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/lead/delete',
  tags: ['Leads'],
  summary: 'Delete leads with their notes, follow-ups and documents',
  description: "Ids of other organizations are ignored; 404 when none of the ids is one of the organization's leads.",
  request: { body: { required: true, content: jsonContent(deleteLeadsBody) } },
  responses: {
    200: { description: 'How many leads were deleted', content: jsonContent(okEnvelope(z.object({ deleted: z.number().int() }))) },
  },
});

export const updateCustomFieldsBody = z
  .object({
    lead_id: recordId,
    custom_fields: jsonObject.openapi({ description: 'Merged into the existing values key by key' }),
  })
  .openapi('UpdateLeadCustomFieldsRequest');

export const updateCustomFieldsRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/update-custom-fields',
  tags: ['Leads'],
  summary: 'Update custom field values',
  request: { body: { required: true, content: jsonContent(updateCustomFieldsBody) } },
  responses: { 200: leadResponse('The updated lead') },
});

export const uploadProfileImageRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/{id}/upload-profile-image',
  tags: ['Leads'],
  summary: 'Upload a profile image',
  description:
    'JPEG, PNG, GIF or WebP, recognised by its content (the declared type is not trusted); at most 5 MB (less if the server limit is lower). ' +
    'The lead’s profile_image then names GET /api/lead/{id}/profile-image.',
  request: {
    params: idParam,
    body: { required: true, content: { 'multipart/form-data': { schema: z.object({ image: uploadedFile }) } } },
  },
  responses: {
    200: leadResponse('The lead with its new profile_image'),
    413: { description: 'The image is larger than the limit', content: jsonContent(errorEnvelopeSchema) },
    422: { description: 'Empty file or not a JPEG, PNG, GIF or WebP image (error.code unsupported_file_type)', content: jsonContent(errorEnvelopeSchema) },
  },
});

export const profileImageRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/{id}/profile-image',
  tags: ['Leads'],
  summary: "The lead's profile image",
  request: { params: idParam },
  responses: {
    200: {
      description: 'The image bytes, with their content type',
      content: Object.fromEntries(IMAGE_TYPES.map((type) => [type, { schema: fileBytes }])),
    },
  },
});

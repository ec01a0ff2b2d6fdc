import { z } from '@hono/zod-openapi';
import { jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { bulkUpdateContactsBody, contactListQuery, contactSchema, createContactBody, deleteContactsBody, updateContactBody } from './contact.schemas.js';
import { deletionNote } from '../../openapi/selection.js';

const contactResponse = (description: string) => ({ description, content: jsonContent(okEnvelope(contactSchema)) });

export const listContactsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/contact/list',
  tags: ['Contacts'],
  summary: 'List contacts',
  description:
    'search_value matches (case-insensitively) the name, email, phone number or designation. start_date/end_date filter on created_at; ' +
    'date-only values are whole UTC days, both ends inclusive. All filters combine with AND.',
  request: { query: contactListQuery },
  responses: { 200: { description: 'A page of contacts, each with its company_name', content: jsonContent(listEnvelope(contactSchema)) } },
});

export const viewContactRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/contact/view/{id}',
  tags: ['Contacts'],
  summary: 'Get one contact',
  request: { params: idParam },
  responses: { 200: contactResponse('The contact') },
});

export const addContactRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/contact/add',
  tags: ['Contacts'],
  summary: 'Create a contact',
  description: "company_id, lead_id, status and tag ids must be the organization's (422 otherwise).",
  request: { body: { required: true, content: jsonContent(createContactBody) } },
  responses: { 201: contactResponse('The new contact') },
});

export const updateContactRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/contact/update/{id}',
  tags: ['Contacts'],
  summary: 'Update a contact',
  description: 'Accepts any contact field, validated as on create; tags are replaced.',
  request: { params: idParam, body: { required: true, content: jsonContent(updateContactBody) } },
  responses: { 200: contactResponse('The updated contact') },
});

export const bulkUpdateContactsRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/contact/bulk-update',
  tags: ['Contacts'],
  summary: 'Bulk update contacts',
  description:
    'Sets company_id, lead_score and/or tags (replacing each contact’s tags) on the contacts in `contact_ids`, or with `select_all: true` ' +
    'on every contact matching `filters` (the query parameters of GET /api/contact/list), in one statement. Ids of other organizations ' +
    "are not changed; 404 when none of contact_ids is one of the organization's contacts.",
  request: { body: { required: true, content: jsonContent(bulkUpdateContactsBody) } },
  responses: {
    200: { description: 'How many contacts were changed', content: jsonContent(okEnvelope(z.object({ updated: z.number().int() }))) },
  },
});

export const deleteContactsRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/contact/delete/{id}',
  tags: ['Contacts'],
  summary: 'Delete contacts',
  description: deletionNote('contact', 'contacts', '/api/contact/list'),
  request: { params: idParam, body: { required: false, content: jsonContent(deleteContactsBody) } },
  responses: {
    200: { description: 'How many contacts were deleted', content: jsonContent(okEnvelope(z.object({ deleted: z.number().int() }))) },
  },
});

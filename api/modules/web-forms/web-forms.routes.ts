// Hosted web forms, managed by members of the organization (beyond the spec:
// §8.3 says "build and manage forms in the LIO app", and the app needs an API).
import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { submissionListQuery, submissionSchema, webFormBody, webFormListQuery, webFormSchema } from './web-form.schemas.js';

const tags = ['Web forms'];
const formResponse = (description: string) => ({ description, content: jsonContent(okEnvelope(webFormSchema)) });
const FIELD_RULES =
  'Fields (1–50): unique keys; a select needs options; each lead field filled at most once by a field of a fitting type; ' +
  'custom:<name> must be a lead custom field of the organization; one of email, phone_number or linkedin_url must be mapped (§8.1). ' +
  'thank_you_message or redirect_url (https), not both. 422 for an assigned_to or lead_source the organization does not have.';

export const listWebFormsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/web-forms',
  tags,
  summary: 'List web forms',
  description: 'Filters: search (name or title contains), status. Default order: id descending.',
  request: { query: webFormListQuery },
  responses: { 200: { description: 'A page of forms', content: jsonContent(listEnvelope(webFormSchema)) } },
});

export const createWebFormRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/web-forms',
  tags,
  summary: 'Create a hosted lead-capture form',
  description: `The server gives the form its unguessable form_link (22 base62 characters); public_url is where it is served. ${FIELD_RULES}`,
  request: { body: { required: true, content: jsonContent(webFormBody) } },
  responses: { 201: formResponse('The new form') },
});

export const viewWebFormRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/web-forms/{id}',
  tags,
  summary: 'View a web form',
  request: { params: idParam },
  responses: { 200: formResponse('The form') },
});

export const updateWebFormRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/web-forms/{id}',
  tags,
  summary: 'Replace a web form',
  description: `Replaces the whole definition (omitted optional fields are cleared); form_link stays, so embedded pages keep working. ${FIELD_RULES}`,
  request: { params: idParam, body: { required: true, content: jsonContent(webFormBody) } },
  responses: { 200: formResponse('The form as now defined') },
});

export const deleteWebFormRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/web-forms/{id}',
  tags,
  summary: 'Delete a web form',
  description: 'Its link stops working and its submission records go; the leads it created stay.',
  request: { params: idParam },
  responses: { 200: formResponse('The deleted form') },
});

export const listWebFormSubmissionsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/web-forms/{id}/submissions',
  tags,
  summary: "List a form's submissions",
  description: 'Filters: status, lead_id, start_date/end_date (created_at). Spam is recorded without its answers. Default order: id descending.',
  request: { params: idParam, query: submissionListQuery },
  responses: {
    200: { description: 'A page of submissions', content: jsonContent(listEnvelope(submissionSchema)) },
    404: errorResponse('No such form in the organization'),
  },
});

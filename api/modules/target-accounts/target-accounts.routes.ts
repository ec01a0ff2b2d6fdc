import { z } from '@hono/zod-openapi';
import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import {
  abmFunnelSchema,
  abmReportQuery,
  accountContactSchema,
  addAccountContactBody,
  bulkEmailBody,
  bulkEmailHeaders,
  bulkEmailPreviewSchema,
  bulkEmailQueuedSchema,
  createTargetAccountBody,
  deletedTargetAccountSchema,
  targetAccountDetailSchema,
  targetAccountListQuery,
  targetAccountSchema,
  topEngagedQuery,
  topEngagedSchema,
  updateTargetAccountBody,
} from './target-account.schemas.js';

const tags = ['Target accounts (ABM)'];
const accountResponse = (description: string) => ({ description, content: jsonContent(okEnvelope(targetAccountSchema)) });
const VISIBILITY_NOTE = 'Every member of the organization sees and works on all its target accounts (as with companies and deals); owner_id says whose it is.';

export const listTargetAccountsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/target-accounts',
  tags,
  summary: 'List target accounts',
  description: `Filters combine with AND: search (company name), health, tier, owner_id, start_date/end_date (created_at; date-only values are whole UTC days). sort (or order_by/order_in) orders the page; default id descending. ${VISIBILITY_NOTE}`,
  request: { query: targetAccountListQuery },
  responses: { 200: { description: 'A page of target accounts', content: jsonContent(listEnvelope(targetAccountSchema)) } },
});

export const createTargetAccountRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/target-accounts',
  tags,
  summary: 'Create a target account',
  description: 'Its health is computed at once from what its company\'s leads did so far. 422 for a company or owner not of the organization.',
  request: { body: { required: true, content: jsonContent(createTargetAccountBody) } },
  responses: {
    201: accountResponse('The new target account'),
    409: errorResponse('The company is already a target account (code target_account_exists, existing_id)'),
  },
});

export const viewTargetAccountRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/target-accounts/{id}',
  tags,
  summary: 'Account detail',
  description: 'The account with its contacts (stakeholder roles), its engagement (signals of the last 30 and 90 days, last touch, tracked emails, meetings, open deals with their stage) and its outreach steps per status.',
  request: { params: idParam },
  responses: { 200: { description: 'The account', content: jsonContent(okEnvelope(targetAccountDetailSchema)) } },
});

export const updateTargetAccountRoute = defineRoute('bearer', {
  method: 'patch',
  path: '/api/target-accounts/{id}',
  tags,
  summary: 'Update an account',
  description: 'A status of won moves the account to the won stage; its health is recomputed when status or estimated_decision_makers change.',
  request: { params: idParam, body: { required: true, content: jsonContent(updateTargetAccountBody) } },
  responses: { 200: accountResponse('The updated account') },
});

export const deleteTargetAccountRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/target-accounts/{id}',
  tags,
  summary: 'Delete an account',
  description: 'Its stakeholder links go with it (the contacts stay); its outreach steps still scheduled are cancelled, and their sequences send nothing more.',
  request: { params: idParam },
  responses: { 200: { description: 'The deleted account', content: jsonContent(okEnvelope(deletedTargetAccountSchema)) } },
});

export const addTargetAccountContactRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/target-accounts/{id}/contacts',
  tags,
  summary: 'Add a contact',
  description: "The contact must be one of the account's company (422 contact_not_of_company): the account's engagement is its company's.",
  request: { params: idParam, body: { required: true, content: jsonContent(addAccountContactBody) } },
  responses: {
    201: { description: 'The contact with its stakeholder role', content: jsonContent(okEnvelope(accountContactSchema)) },
    409: errorResponse('The contact is already a contact of this account (code account_contact_exists)'),
  },
});

export const sendTargetAccountBulkEmailRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/target-accounts/{id}/send-bulk-email',
  tags,
  summary: 'Email account contacts',
  description:
    "individual (default): one tracked email per contact (open pixel, click links, unsubscribe link), queued through the mail pipeline and sent once; " +
    'contacts without an email or unsubscribed are skipped and listed with the reason. preview: the first email rendered, nothing sent (200). ' +
    'At most 200 contacts per call (422 too_many_recipients). 422 mail_configuration_required when you have no mail configuration and give no config_id.',
  request: { params: idParam, headers: bulkEmailHeaders, body: { required: true, content: jsonContent(bulkEmailBody) } },
  responses: {
    200: { description: 'The preview (mode preview)', content: jsonContent(okEnvelope(bulkEmailPreviewSchema)) },
    202: { description: 'The emails queued and the contacts skipped', content: jsonContent(okEnvelope(bulkEmailQueuedSchema)) },
  },
});

export const abmFunnelRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/reports/abm/funnel',
  tags,
  summary: 'ABM funnel metrics',
  description: 'Target accounts per engagement stage in funnel order (identified, engaged, meeting, opportunity, won), with the conversion from the previous stage; archived accounts are left out. Optionally for one tier or owner.',
  request: { query: abmReportQuery },
  responses: { 200: { description: 'The funnel', content: jsonContent(okEnvelope(abmFunnelSchema)) } },
});

export const abmTopEngagedRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/reports/abm/top-engaged',
  tags,
  summary: 'Top engaged accounts',
  description: 'Accounts by health score, then by their intent signals of the last 30 days, with the reasons of their health; archived accounts are left out.',
  request: { query: topEngagedQuery },
  responses: { 200: { description: 'The accounts, most engaged first', content: jsonContent(okEnvelope(z.array(topEngagedSchema))) } },
});

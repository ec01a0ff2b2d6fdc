// Intent signals and hot-lead alerts (§9.1, §6.13).
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { alertListQuery, alertSchema, hotLeadSchema, hotLeadsQuery, leadIdParam, pagingQuery, recordedSignalSchema, settingsSchema, signalBody } from './intent.schemas.js';
import { z } from '@hono/zod-openapi';

const tags = ['Intent signals and alerts'];

const signalRequest = { body: { required: true, content: jsonContent(signalBody) } };
const signalResponses = {
  201: { description: 'The stored signal, the lead’s heat after it, and the alert it raised if it made the lead hot', content: jsonContent(okEnvelope(recordedSignalSchema)) },
};
const SIGNAL_DESCRIPTION =
  'Records a behavioural signal against a lead of the caller’s organization (404 for any other lead) and applies it to the lead’s time-decayed heat; ' +
  'reaching the organization’s threshold raises one hot-lead alert per hot episode (docs/engagement.md), which notifies the assigned rep and, where ' +
  'the organization routes intent_alert, Slack/Teams.';

export const logSignalRoute = defineRoute('bearer_or_api_key', {
  method: 'post',
  path: '/api/intent-signal',
  tags,
  summary: 'Log an intent signal (API key or bearer)',
  description: `${SIGNAL_DESCRIPTION} Accepts an API key (x-api-key), rate-limited per key like lead ingestion (INGEST_RATE_LIMIT a minute).`,
  request: signalRequest,
  responses: signalResponses,
});

export const alertSignalRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/intent-alert/signal',
  tags,
  summary: 'Log an intent signal',
  description: SIGNAL_DESCRIPTION,
  request: signalRequest,
  responses: signalResponses,
});

export const alertListRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/intent-alert/list',
  tags,
  summary: 'List intent alerts',
  description: 'The organization’s hot-lead alerts; from_date/to_date bound when they were raised.',
  request: { query: alertListQuery },
  responses: { 200: { description: 'A page of alerts', content: jsonContent(listEnvelope(alertSchema)) } },
});

export const hotLeadsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/intent-alert/hot-leads',
  tags,
  summary: 'Hot leads',
  description: 'Leads in a hot episode now, hottest first by their heat decayed to now, with their recent signal types and the episode’s alert.',
  request: { query: hotLeadsQuery },
  responses: { 200: { description: 'The hot leads', content: jsonContent(okEnvelope(z.array(hotLeadSchema))) } },
});

export const leadAlertsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/intent-alert/lead/{leadId}',
  tags,
  summary: 'Alerts for a lead',
  request: { params: leadIdParam, query: pagingQuery },
  responses: { 200: { description: 'A page of the lead’s alerts, newest first', content: jsonContent(listEnvelope(alertSchema)) } },
});

export const acknowledgeAlertRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/intent-alert/acknowledge/{id}',
  tags,
  summary: 'Acknowledge an alert',
  description: 'By the lead’s assigned rep (or the rep the alert was raised for) or an admin; 403 code not_assigned for anyone else.',
  request: { params: idParam },
  responses: {
    200: { description: 'The acknowledged alert', content: jsonContent(okEnvelope(alertSchema)) },
    409: { description: 'Already acknowledged (code already_acknowledged)', content: jsonContent(errorEnvelopeSchema) },
  },
});

export const hotLeadSettingsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/intent-alert/settings',
  tags,
  summary: 'Hot-lead settings (admins)',
  responses: { 200: { description: 'The organization’s threshold', content: jsonContent(okEnvelope(settingsSchema)) } },
});

export const updateHotLeadSettingsRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/intent-alert/settings',
  tags,
  summary: 'Change the hot-lead threshold (admins)',
  description: 'Leads are judged by the new threshold from their next signal on; the hot-leads list uses it at once.',
  request: { body: { required: true, content: jsonContent(settingsSchema) } },
  responses: { 200: { description: 'The saved settings', content: jsonContent(okEnvelope(settingsSchema)) } },
});

import { z } from '@hono/zod-openapi';
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { fileBytes } from '../../openapi/uploads.js';
import {
  assignNumberBody,
  availableNumberSchema,
  availableNumbersQuery,
  callListQuery,
  callSchema,
  callTranscriptSchema,
  initiateAgentCallBody,
  myNumbersQuery,
  phoneNumberSchema,
  purchaseNumberBody,
  statusCallbackForm,
  voiceTokenSchema,
  walletSchema,
} from './voice.schemas.js';

const tags = ['Voice'];
const providerFailed = {
  description: 'The voice provider failed or could not be reached (error.code voice_provider_unavailable)',
  content: jsonContent(errorEnvelopeSchema),
};

export const availableNumbersRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/voice/available-numbers',
  tags,
  summary: 'Search phone numbers',
  description:
    "Numbers the provider offers for purchase, live: type local, toll_free or mobile, an areaCode, a `contains` pattern, at most `limit` (≤ 50). " +
    '422 voice_not_configured where the server has no voice provider; 502 voice_provider_unavailable when the provider fails.',
  request: { query: availableNumbersQuery },
  responses: { 200: { description: 'Numbers for sale', content: jsonContent(listEnvelope(availableNumberSchema)) }, 502: providerFailed },
});

export const myNumbersRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/voice/my-numbers',
  tags,
  summary: 'List owned numbers',
  description: "The organization's numbers, oldest first (page, limit), with their status (purchasing, active, failed) and the users each is assigned to.",
  request: { query: myNumbersQuery },
  responses: { 200: { description: 'The numbers', content: jsonContent(listEnvelope(phoneNumberSchema)) } },
});

export const purchaseNumberRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/voice/purchase-number',
  tags,
  summary: 'Purchase a number',
  description:
    'Admins only (403 otherwise). Buys phoneNumber (E.164) in the organization\'s own provider account (created on its first purchase). ' +
    'Idempotent: the number is recorded before it is bought, so a repeated or concurrent purchase buys it once: 201 when bought now, ' +
    '200 with the number when an earlier request bought it, 409 purchase_in_progress while another request is buying it. ' +
    '422 voice_not_configured; 502 voice_provider_unavailable (the number is then failed and may be purchased again).',
  request: { body: { required: true, content: jsonContent(purchaseNumberBody) } },
  responses: {
    200: { description: 'Already purchased', content: jsonContent(okEnvelope(phoneNumberSchema)) },
    201: { description: 'Purchased', content: jsonContent(okEnvelope(phoneNumberSchema)) },
    409: { description: 'Another request is purchasing this number (error code purchase_in_progress)', content: jsonContent(errorEnvelopeSchema) },
    502: providerFailed,
  },
});

export const assignNumberRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/voice/assign-number',
  tags,
  summary: 'Assign a number to users',
  description:
    "Admins only. Assigns the organization's number_id to exactly user_ids (or the one user_id), replacing its current users; [] unassigns it. " +
    'Calls a user starts go out from a number assigned to them, else from the organization\'s first. 422 invalid_users for ids that are not users of the organization.',
  request: { body: { required: true, content: jsonContent(assignNumberBody) } },
  responses: { 200: { description: 'The number', content: jsonContent(okEnvelope(phoneNumberSchema)) } },
});

export const walletRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/voice/wallet',
  tags,
  summary: 'Calling wallet balance',
  description: "The calling wallet's balance in the organization's currency: in minor units and as a decimal. Every call's price is debited from it once; it never goes below zero.",
  responses: { 200: { description: 'The wallet', content: jsonContent(okEnvelope(walletSchema)) } },
});

export const voiceTokenRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/call/voice-token',
  tags,
  summary: 'Get a calling token',
  description:
    'A short-lived Twilio Access Token with a Voice grant for the calling user (identity user_<id>), for calling from the browser. ' +
    '422 voice_not_configured where the server has no Twilio account with an API key and TwiML app.',
  responses: { 200: { description: 'The token', content: jsonContent(okEnvelope(voiceTokenSchema)) } },
});

export const initiateAgentCallRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/call/agent/initiate',
  tags,
  summary: 'Start an AI agent call',
  description:
    "Calls the lead_id or contact_id (one of them, of the organization, with a phone number in international format) from a number assigned to the caller " +
    "(else the organization's first). Answers 202 at once with the call (status queued); a durable workflow places it, follows its progress, and stores its " +
    'recording, transcript and price (debited from the wallet once). The agent says first_message in voice_id/language and records the conversation; ' +
    'system_prompt is stored with the call for the conversation engine. 422 no_dialable_number, no_phone_number, insufficient_balance (empty wallet), voice_not_configured.',
  request: { body: { required: true, content: jsonContent(initiateAgentCallBody) } },
  responses: { 202: { description: 'The call, queued', content: jsonContent(okEnvelope(callSchema)) } },
});

export const listCallsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/call/list',
  tags,
  summary: 'Call history',
  description: "The organization's calls, newest first by default, filtered by lead_id, contact_id, company_id and status (§5 paging).",
  request: { query: callListQuery },
  responses: { 200: { description: 'The calls', content: jsonContent(listEnvelope(callSchema)) } },
});

export const getCallRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/call/{id}',
  tags,
  summary: 'One call record',
  request: { params: idParam },
  responses: { 200: { description: 'The call', content: jsonContent(okEnvelope(callSchema)) } },
});

export const callRecordingRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/call/{id}/recording',
  tags,
  summary: 'Call recording',
  description:
    "The call's recording (audio/mpeg), fetched from the provider with the organization's credentials and streamed to the caller: the link " +
    '(recording_url of the call) works only with a token of the organization. 404 recording_not_available before there is one; 502 voice_provider_unavailable.',
  request: { params: idParam },
  responses: { 200: { description: 'The audio', content: { 'audio/mpeg': { schema: fileBytes } } }, 502: providerFailed },
});

export const callTranscriptRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/call/{id}/transcript',
  tags,
  summary: 'Call transcript',
  description: "The call's transcript once the provider has transcribed its recording (available false before).",
  request: { params: idParam },
  responses: { 200: { description: 'The transcript', content: jsonContent(okEnvelope(callTranscriptSchema)) } },
});

export const callStatusCallbackRoute = defineRoute('public', {
  method: 'post',
  path: '/api/call/{id}/status-callback',
  tags,
  summary: "The provider's call status callback (for Twilio)",
  description:
    "Twilio posts a call's progress here (form-encoded). No bearer token: the request must carry Twilio's X-Twilio-Signature for the public URL " +
    '(PUBLIC_BASE_URL + this path) under the organization\'s account, else 403 invalid_signature and nothing changes. The status only moves forward: ' +
    'a late or repeated status is accepted (204) and changes nothing.',
  request: {
    params: idParam,
    headers: z.object({ 'x-twilio-signature': z.string().max(200).optional() }),
    body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: statusCallbackForm } } },
  },
  responses: {
    204: { description: 'Accepted' },
    403: { description: 'The signature is missing or not the provider\'s for this URL and body (error code invalid_signature)', content: jsonContent(errorEnvelopeSchema) },
    404: { description: 'No such call', content: jsonContent(errorEnvelopeSchema) },
  },
});

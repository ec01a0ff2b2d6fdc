import type { RouteHandler } from '@hono/zod-openapi';
import {
  applyCallStatus,
  callOfCallback,
  callRecordingOf,
  getCall,
  getCallTranscript,
  initiateAgentCall,
  listCalls,
  publicUrlOf,
} from '../../../domain/voice/call.service.js';
import { assignPhoneNumber, listPhoneNumbers, purchasePhoneNumber } from '../../../domain/voice/phone-number.service.js';
import { findVoiceAccount, requireVoice, requireVoiceAccount, voiceNotConfigured } from '../../../domain/voice/voice-account.js';
import { getWallet } from '../../../domain/voice/wallet.service.js';
import { ApiError } from '../../../domain/platform/errors.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  assignNumberRoute,
  availableNumbersRoute,
  callRecordingRoute,
  callStatusCallbackRoute,
  callTranscriptRoute,
  getCallRoute,
  initiateAgentCallRoute,
  listCallsRoute,
  myNumbersRoute,
  purchaseNumberRoute,
  voiceTokenRoute,
  walletRoute,
} from './voice.routes.js';
import { apiErrorOf, type OutsideService } from '../../../domain/platform/connector-failure.js';

// long enough for a browser session's calls; the Voice SDK renews it before it expires
const VOICE_TOKEN_TTL_SECONDS = 3600;

const VOICE_PROVIDER: OutsideService = { name: 'The voice provider', code: 'voice_provider' };

/** A failure of the voice provider as the answer the caller gets (apiErrorOfFailure: 429 with its Retry-After, 422, 404 or 502). */
async function atProvider<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw apiErrorOf(VOICE_PROVIDER, err);
  }
}

export const availableNumbersHandler: RouteHandler<typeof availableNumbersRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const voice = requireVoice(services.voice);
  const { country, type, areaCode, contains, limit } = c.req.valid('query');
  // before its first purchase an organization has no account of its own: the operator's searches
  const account = await findVoiceAccount(database, services.secrets, c.var.auth.orgId);
  const numbers = await atProvider(voice.searchAvailableNumbers(account, { country, type, areaCode, contains, limit }));
  return okList(c, { data: numbers, total: numbers.length, page: 1, limit }, 'Available numbers retrieved');
};

export const myNumbersHandler: RouteHandler<typeof myNumbersRoute, AppEnv> = async (c) =>
  okList(c, await listPhoneNumbers(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Phone numbers retrieved');

export const purchaseNumberHandler: RouteHandler<typeof purchaseNumberRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const voice = requireVoice(services.voice);
  const body = c.req.valid('json');
  const { number, created } = await atProvider(
    purchasePhoneNumber(database, services.secrets, voice, c.var.auth, { phoneNumber: body.phoneNumber, friendlyName: body.friendlyName ?? null, type: body.type }),
  );
  return created ? ok(c, number, 'Number purchased', 201) : ok(c, number, 'Number already purchased');
};

export const assignNumberHandler: RouteHandler<typeof assignNumberRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const userIds = body.user_ids ?? (body.user_id !== undefined ? [body.user_id] : []);
  return ok(c, await assignPhoneNumber(c.var.deps.database, c.var.auth, { numberId: body.number_id, userIds }), 'Number assigned');
};

export const walletHandler: RouteHandler<typeof walletRoute, AppEnv> = async (c) => ok(c, await getWallet(c.var.deps.database, c.var.auth), 'Wallet retrieved');

export const voiceTokenHandler: RouteHandler<typeof voiceTokenRoute, AppEnv> = async (c) => {
  const voice = requireVoice(c.var.deps.services.voice);
  const identity = `user_${c.var.auth.userId ?? 'api'}`;
  const token = voice.accessToken(identity, VOICE_TOKEN_TTL_SECONDS);
  if (!token) throw voiceNotConfigured();
  return ok(c, { token, identity, expires_in: VOICE_TOKEN_TTL_SECONDS }, 'Voice token issued');
};

export const initiateAgentCallHandler: RouteHandler<typeof initiateAgentCallRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const voice = requireVoice(services.voice);
  // an organization with an active number has its account: initiateAgentCall refuses one without (no_phone_number)
  const call = await initiateAgentCall(database, c.var.auth, voice.provider, c.req.valid('json'));
  return ok(c, call, 'Call queued', 202);
};

export const listCallsHandler: RouteHandler<typeof listCallsRoute, AppEnv> = async (c) =>
  okList(c, await listCalls(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Calls retrieved');

export const getCallHandler: RouteHandler<typeof getCallRoute, AppEnv> = async (c) =>
  ok(c, await getCall(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Call retrieved');

export const callTranscriptHandler: RouteHandler<typeof callTranscriptRoute, AppEnv> = async (c) =>
  ok(c, await getCallTranscript(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Transcript retrieved');

export const callRecordingHandler: RouteHandler<typeof callRecordingRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const { recordingSid } = await callRecordingOf(database, c.var.auth, c.req.valid('param').id);
  const voice = requireVoice(services.voice);
  const account = await requireVoiceAccount(database, services.secrets, c.var.auth.orgId);
  const audio = await atProvider(voice.fetchRecordingAudio(account, recordingSid));
  return c.body(audio.body, 200, {
    'content-type': audio.contentType,
    'content-length': String(audio.body.byteLength),
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  });
};

const invalidSignature = () => new ApiError('forbidden', 'The request is not signed by the voice provider for this URL', { code: 'invalid_signature' });

export const callStatusCallbackHandler: RouteHandler<typeof callStatusCallbackRoute, AppEnv> = async (c) => {
  const { config, database, services } = c.var.deps;
  const { id } = c.req.valid('param');
  const form = c.req.valid('form');
  const call = await callOfCallback(database, id);
  if (!call) throw new ApiError('not_found', 'Call not found');
  const account = await findVoiceAccount(database, services.secrets, call.orgId);
  const signature = c.req.header('x-twilio-signature');
  // signed over the URL Twilio called, the public one, and every form field it sent
  const url = new URL(c.req.url);
  const params = Object.fromEntries(Object.entries(form).map(([key, value]) => [key, String(value)]));
  if (!services.voice || !account || !signature || !services.voice.validateSignature(account, publicUrlOf(config.PUBLIC_BASE_URL, url.pathname + url.search), params, signature)) {
    throw invalidSignature();
  }
  const duration = form.CallDuration === undefined ? null : Number(form.CallDuration);
  const at = form.Timestamp && !Number.isNaN(Date.parse(form.Timestamp)) ? new Date(form.Timestamp) : new Date();
  await applyCallStatus(database, { orgId: call.orgId, callId: id }, { status: form.CallStatus, providerCallSid: form.CallSid, at, durationSec: duration }, { wakeWorkflow: true });
  return c.body(null, 204);
};

// Request and response shapes of voice and calling (§6.12, §11 Call).
import { z } from '@hono/zod-openapi';
import { CALL_STATUSES } from '../../../domain/voice/call.service.js';
import { boundedIntParam, idList, listQuery, recordId, recordIdParam } from '../../openapi/params.js';
import { E164_PATTERN } from '../../../domain/platform/phone-number.js';

const NUMBER_TYPES = ['local', 'toll_free', 'mobile'] as const;

/** E.164: a plus, a country code and at most 15 digits in all, nothing else. */
const e164 = z
  .string()
  .trim()
  .regex(E164_PATTERN, 'must be an E.164 phone number: + then 7 to 15 digits, e.g. +14155550100')
  // the schema trims first: the published pattern allows the spaces it removes
  .openapi({ pattern: `^\\s*${E164_PATTERN.source.slice(1, -1)}\\s*$`, example: '+14155550100' });

export const availableNumbersQuery = z.object({
  areaCode: boundedIntParam(1, 99_999).optional().openapi({ description: 'Area code (digits), e.g. 415' }),
  contains: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z*+]{1,16}$/, 'digits, letters or * (Twilio pattern), at most 16')
    .optional()
    .openapi({ description: 'A pattern the number contains: digits, letters (keypad) and * wildcards' }),
  type: z.enum(NUMBER_TYPES).default('local'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code, e.g. US')
    .default('US')
    .openapi({ description: 'Country of the numbers (beyond the spec; default US)' }),
  limit: boundedIntParam(1, 50).default(20),
});

export const availableNumberSchema = z
  .object({
    phone_number: z.string(),
    friendly_name: z.string(),
    locality: z.string().nullable(),
    region: z.string().nullable(),
    country: z.string(),
    voice: z.boolean(),
    sms: z.boolean(),
  })
  .openapi('AvailablePhoneNumber');

export const phoneNumberSchema = z
  .object({
    id: z.number().int(),
    phone_number: z.string(),
    friendly_name: z.string().nullable(),
    type: z.string(),
    status: z.string().openapi({ description: 'purchasing | active | failed' }),
    provider: z.string().openapi({ description: 'twilio | sandbox' }),
    assigned_user_ids: z.array(z.number().int()),
    created_at: z.string(),
  })
  .openapi('PhoneNumber');

export const myNumbersQuery = listQuery(['id']).pick({ page: true, limit: true });

export const purchaseNumberBody = z.object({
  phoneNumber: e164,
  friendlyName: z.string().trim().min(1).max(64).optional(),
  type: z.enum(NUMBER_TYPES).default('local'),
});

export const assignNumberBody = z
  .object({
    number_id: recordId,
    user_id: recordId.optional(),
    user_ids: z.union([idList, z.array(recordId).length(0)]).optional().openapi({ description: 'Every user the number is assigned to (replaces the current ones); [] unassigns it' }),
  })
  .refine((body) => (body.user_id === undefined) !== (body.user_ids === undefined), { message: 'give user_ids or user_id (one of them)', path: ['user_ids'] });

export const walletSchema = z
  .object({
    currency: z.string().openapi({ description: "ISO 4217, the organization's currency", example: 'USD' }),
    balance_minor: z.number().int().openapi({ description: 'The balance in minor units (cents)' }),
    balance: z.number().openapi({ description: 'The balance as a decimal amount of the currency', example: 12.34 }),
  })
  .openapi('CallingWallet');

export const voiceTokenSchema = z
  .object({
    token: z.string().openapi({ description: 'A Twilio Access Token (JWT) with a Voice grant, for the Voice JavaScript SDK' }),
    identity: z.string(),
    expires_in: z.number().int(),
  })
  .openapi('VoiceToken');

export const initiateAgentCallBody = z
  .object({
    system_prompt: z.string().trim().min(1).max(20_000),
    lead_id: recordId.optional(),
    contact_id: recordId.optional(),
    first_message: z.string().trim().max(2000).optional(),
    voice_id: z.string().trim().min(1).max(100).optional().openapi({ description: "The provider's voice name, e.g. Polly.Joanna" }),
    language: z
      .string()
      .trim()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag, e.g. en-US')
      .optional(),
  })
  .refine((body) => (body.lead_id === undefined) !== (body.contact_id === undefined), { message: 'give lead_id or contact_id (one of them)', path: ['lead_id'] });

export const callSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int().nullable(),
    lead_id: z.number().int().nullable(),
    contact_id: z.number().int().nullable(),
    company_id: z.number().int().nullable(),
    direction: z.string().openapi({ description: 'inbound | outbound' }),
    from_number: z.string().nullable(),
    to_number: z.string(),
    status: z.string().openapi({ description: CALL_STATUSES.join(' | ') }),
    started_at: z.string().nullable(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_sec: z.number().int().nullable(),
    transcript: z.string().nullable(),
    price: z.number().nullable().openapi({ description: "What the call cost, in the organization's currency (debited from the wallet once)" }),
    price_minor: z.number().int().nullable(),
    currency: z.string(),
    provider: z.string().openapi({ description: 'twilio | sandbox' }),
    recording_url: z.string().nullable().openapi({ description: 'GET it with your bearer token (LIO fetches the audio; the provider address is never shown)' }),
    agent: z
      .object({ system_prompt: z.string(), first_message: z.string().nullable(), voice_id: z.string().nullable(), language: z.string().nullable() })
      .nullable(),
    created_at: z.string(),
  })
  .openapi('Call');

export const callListQuery = listQuery(['id', 'created_at'])
  .pick({ page: true, limit: true, order_by: true, order_in: true })
  .extend({
    lead_id: recordIdParam.optional(),
    contact_id: recordIdParam.optional(),
    company_id: recordIdParam.optional(),
    status: z.enum(CALL_STATUSES).optional(),
  });

export const callTranscriptSchema = z
  .object({ id: z.number().int(), status: z.string(), transcript: z.string().nullable(), available: z.boolean() })
  .openapi('CallTranscript');

/** What Twilio posts to a status callback (form-encoded); other fields it sends are signed for too, and kept for the signature check. */
export const statusCallbackForm = z
  .looseObject({
    CallSid: z.string().min(1).max(64),
    CallStatus: z.enum(CALL_STATUSES),
    CallDuration: z.string().regex(/^\d{1,7}$/).optional(),
    Timestamp: z.string().max(100).optional(),
  })
  .openapi('TwilioStatusCallback');

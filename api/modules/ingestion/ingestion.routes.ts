// Lead ingestion (spec §8.1, §8.2): external systems push leads with an API
// key (or a bearer token) and list the key's organization's leads.
import { z } from '@hono/zod-openapi';
import { LEAD_SORTABLE_FIELDS } from '../../../domain/leads/lead-query.service.js';
import type { DuplicatePolicy, LeadInput } from '../../../domain/leads/lead.service.js';
import { errorEnvelopeSchema, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { listQuery, phoneNumber, recordId } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { jsonObject, leadSchema, tagRefs } from '../leads/lead.schemas.js';

const text = (max: number) => z.string().trim().max(max).nullish();
const lookupCode = recordId;
// "duplicate: 1" in the spec; booleans are accepted as well
const flag = z.union([z.literal(0), z.literal(1), z.boolean()]).optional();

const textFields = {
  email: z.string().trim().email().max(254).nullish(),
  phone_number: phoneNumber.nullish(),
  first_name: text(100),
  last_name: text(100),
  company: text(200),
  job_title: text(200),
  linkedin_url: text(500),
};
type TextField = keyof typeof textFields;
const isTextField = (key: string): key is TextField => Object.hasOwn(textFields, key);

/** The fields §8.1 lists; anything else a client sends is stored under custom_fields. */
const ingestFields = {
  ...textFields,
  // no zod defaults: a new lead gets the column defaults (1 = New, 2 = Medium), a merge keeps what the lead has
  status: lookupCode.optional().openapi({ description: 'Status lookup code (default 1 = New)' }),
  priority: lookupCode.optional().openapi({ description: '1=Low, 2=Medium, 3=High, 4=Urgent (default 2)' }),
  lead_source: lookupCode.nullish().openapi({ description: '1=Website, 2=Referral, 3=LinkedIn, 4=Email, 5=Direct' }),
  tags: tagRefs.optional(),
  custom_fields: jsonObject.optional(),
  duplicate: flag.openapi({ description: '1: create the lead even when it duplicates an existing one' }),
  merge: flag.openapi({ description: '1: update the existing lead instead of creating a duplicate' }),
};

const CONTACT_FIELDS = ['email', 'phone_number', 'linkedin_url'] as const;

export const ingestLeadBody = z
  .object(ingestFields)
  .catchall(z.unknown())
  .superRefine((body, ctx) => {
    if (!CONTACT_FIELDS.some((field) => body[field])) {
      ctx.addIssue({ code: 'custom', message: `provide at least one of ${CONTACT_FIELDS.join(', ')}` });
    }
    if (body.duplicate && body.merge) {
      ctx.addIssue({ code: 'custom', message: 'send either duplicate or merge, not both' });
    }
  })
  .transform(({ duplicate, merge, status, priority, lead_source, tags, custom_fields, ...rest }) => {
    const lead: LeadInput = {
      ...(status && { status }),
      ...(priority && { priority }),
      ...(lead_source && { lead_source }),
      ...(tags && { tags }),
    };
    const unlisted: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (!isTextField(key)) unlisted[key] = value;
      else if (value) lead[key] = value as string;
    }
    // explicitly sent custom_fields win over same-named top-level fields
    lead.custom_fields = { ...unlisted, ...custom_fields };
    const policy: DuplicatePolicy = duplicate ? 'accept' : merge ? 'merge' : 'reject';
    return { lead, policy };
  })
  .openapi('IngestLeadRequest', {
    description: 'At least one of email, phone_number, linkedin_url. Any other top-level field is stored under custom_fields.',
  });

const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .trim()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: 'Retries with the same key return the first response instead of creating another lead (kept 24 h)' }),
});

const errorContent = { content: { 'application/json': { schema: errorEnvelopeSchema } } };

const leadAnswer = (description: string) => ({
  description,
  headers: {
    'Idempotent-Replayed': {
      description: 'true when this is the stored answer to an earlier request with the same Idempotency-Key',
      schema: { type: 'string' as const, enum: ['true'] },
    },
  },
  content: { 'application/json': { schema: okEnvelope(leadSchema) } },
});

export const ingestLeadRoute = defineRoute('bearer_or_api_key', {
  method: 'post',
  path: '/api/lead',
  tags: ['Lead ingestion'],
  summary: 'Create a lead in the API key’s organization',
  description:
    'A duplicate (same email, case-insensitive, or same LinkedIn profile) answers 409 unless `duplicate: 1` (create anyway) or `merge: 1` (update the existing lead). Scoring fills `score` and `ai_information.scoring` shortly after creation.',
  request: {
    headers: idempotencyHeaders,
    body: { required: true, content: { 'application/json': { schema: ingestLeadBody } } },
  },
  responses: {
    201: leadAnswer('Lead created'),
    200: leadAnswer('merge: 1 — merged into the existing lead'),
    409: {
      description: 'Duplicate lead (code duplicate_lead, existing_id), or the Idempotency-Key is still in flight (code idempotency_in_progress)',
      ...errorContent,
    },
    422: { description: 'Validation error, or an Idempotency-Key reused with another body (code idempotency_key_reused)', ...errorContent },
  },
});

export const ingestLeadListRoute = defineRoute('bearer_or_api_key', {
  method: 'get',
  path: '/api/lead/lead-list',
  tags: ['Lead ingestion'],
  summary: 'List the API key’s organization’s leads (search over name, email, company, phone)',
  request: { query: listQuery(LEAD_SORTABLE_FIELDS) },
  responses: { 200: { description: 'A page of leads', content: { 'application/json': { schema: listEnvelope(leadSchema) } } } },
});

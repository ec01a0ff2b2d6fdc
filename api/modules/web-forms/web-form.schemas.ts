import { z } from '@hono/zod-openapi';
import { FIELD_TYPES, MAPPABLE_LEAD_FIELDS } from '../../../domain/webforms/form-fields.js';
import { FORM_STATUSES, SUBMISSION_STATUSES, WEB_FORM_SORT_FIELDS } from '../../../domain/webforms/web-form.service.js';
import { boundedInt, listQuery, recordId, recordIdParam } from '../../openapi/params.js';

const LEAD_FIELD_NAMES = Object.keys(MAPPABLE_LEAD_FIELDS) as [keyof typeof MAPPABLE_LEAD_FIELDS, ...(keyof typeof MAPPABLE_LEAD_FIELDS)[]];

/** Hosts a form may post from in development without TLS (browsers treat them as secure contexts). */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An origin allowed to embed a form, normalised to scheme://host[:port]
 * (lower case, default port dropped): https, or http only for localhost.
 * Paths, queries, credentials and wildcards are refused: frame-ancestors
 * takes origins, and a stored value must not carry anything else into the header.
 */
export const embeddingOrigin = z
  .string()
  .trim()
  .max(300)
  .transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an origin like https://www.example.com' });
      return z.NEVER;
    }
    const local = LOCAL_HOSTS.has(url.hostname);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !text.includes('*');
    if (!bare || !(url.protocol === 'https:' || (url.protocol === 'http:' && local))) {
      ctx.addIssue({ code: 'custom', message: 'must be an origin like https://www.example.com (https; http only for localhost), without a path' });
      return z.NEVER;
    }
    return url.origin;
  })
  .openapi({ type: 'string', example: 'https://www.example.com' });

export const formFieldSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _, starting with a letter (at most 40)').openapi({ example: 'work_email' }),
    label: z.string().trim().min(1).max(120).openapi({ example: 'Work email' }),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    maps_to: z
      .union([z.enum(LEAD_FIELD_NAMES), z.string().regex(/^custom:[A-Za-z0-9_ ]{1,64}$/, 'custom:<a lead custom field name of the organization>')])
      .nullable()
      .default(null)
      .openapi({ description: `A lead field (${LEAD_FIELD_NAMES.join(', ')}), custom:<lead custom field name>, or null (kept under custom_fields by its key)` }),
    options: z.array(z.string().trim().min(1).max(200)).min(1).max(100).nullable().default(null).openapi({ description: 'The choices of a select field' }),
    max_length: boundedInt(1, 10_000).nullable().default(null).openapi({ description: "At most this many characters (capped by the type's and the lead field's limits)" }),
    placeholder: z.string().trim().max(200).nullable().default(null),
    help: z.string().trim().max(500).nullable().default(null).openapi({ description: 'A hint shown under the label' }),
  })
  .openapi('WebFormField');

export const webFormBody = z
  .object({
    name: z.string().trim().min(1).max(200).openapi({ description: 'Internal name', example: 'Pricing page contact' }),
    title: z.string().trim().max(200).nullable().optional().openapi({ description: 'The heading people see (default: the name)' }),
    description: z.string().trim().max(2000).nullable().optional(),
    fields: z.array(formFieldSchema).min(1).max(50),
    submit_label: z.string().trim().min(1).max(60).nullable().optional(),
    thank_you_message: z.string().trim().max(2000).nullable().optional(),
    redirect_url: z.url({ protocol: /^https$/ }).max(2000).nullable().optional().openapi({ description: 'Where the person goes after submitting (https); instead of the thank-you message' }),
    lead_source: boundedInt(1, 5).nullable().optional().openapi({ description: '1=Website, 2=Referral, 3=LinkedIn, 4=Email, 5=Direct' }),
    lead_tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]).openapi({ description: 'Tag names given to the leads (created if new)' }),
    assigned_to: recordId.nullable().optional().openapi({ description: 'The user the leads are assigned to' }),
    allowed_domains: z
      .array(embeddingOrigin)
      .max(20)
      .default([])
      .transform((origins) => [...new Set(origins)])
      .openapi({ description: 'Origins allowed to embed the form in an iframe (frame-ancestors); empty: not embeddable' }),
    status: z.enum(FORM_STATUSES).default('active'),
  })
  .openapi('WebFormRequest');

const fieldView = z.object({
  key: z.string(),
  label: z.string(),
  type: z.enum(FIELD_TYPES),
  required: z.boolean(),
  maps_to: z.string().nullable(),
  options: z.array(z.string()).nullable(),
  max_length: z.number().int().nullable(),
  placeholder: z.string().nullable(),
  help: z.string().nullable(),
});

export const webFormSchema = z
  .object({
    id: z.number().int(),
    form_link: z.string().openapi({ description: 'The unguessable public link segment' }),
    public_url: z.string().openapi({ description: 'The hosted page (GET) and submission (POST) URL' }),
    name: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    fields: z.array(fieldView),
    submit_label: z.string().nullable(),
    thank_you_message: z.string().nullable(),
    redirect_url: z.string().nullable(),
    lead_source: z.number().int().nullable(),
    lead_tags: z.array(z.string()),
    assigned_to: z.number().int().nullable(),
    allowed_domains: z.array(z.string()),
    status: z.enum(FORM_STATUSES),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebForm');

export const webFormListQuery = listQuery(WEB_FORM_SORT_FIELDS).extend({
  search: z.string().trim().max(200).optional().openapi({ description: 'Name or title contains (case-insensitive)' }),
  status: z.enum(FORM_STATUSES).optional(),
});

export const submissionListQuery = listQuery(['id', 'created_at']).extend({
  status: z.enum(SUBMISSION_STATUSES).optional(),
  lead_id: recordIdParam.optional(),
});

export const submissionSchema = z
  .object({
    id: z.number().int(),
    form_id: z.number().int(),
    status: z.enum(SUBMISSION_STATUSES).openapi({ description: 'pending (being made into a lead), accepted (new lead), merged (into an existing lead), failed (retried unless permanent; see error), spam' }),
    lead_id: z.number().int().nullable(),
    answers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    attempts: z.number().int(),
    error: z.string().nullable(),
    user_agent: z.string().nullable(),
    referrer: z.string().nullable(),
    created_at: z.string(),
    processed_at: z.string().nullable(),
  })
  .openapi('WebFormSubmission');

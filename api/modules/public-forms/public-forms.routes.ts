// Hosted web forms' public side (§8.3): the page, its JSON definition, the
// submission and the thank-you page. No credentials: the unguessable
// form_link is the only key, and submissions only ever create leads.
import { z } from '@hono/zod-openapi';
import { FIELD_TYPES } from '../../../domain/webforms/form-fields.js';
import { errorEnvelopeSchema, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';

const tags = ['Hosted web forms (public)'];

// any text up to a bound: an unknown or malformed link answers the HTML 404 page, not a validation error
const formLinkParam = z.object({
  form_link: z.string().max(200).openapi({ param: { name: 'form_link', in: 'path' }, example: '7Qx2mLk9PzR4vT1aBc3DeF' }),
});

const htmlPage = z.string().openapi({ description: 'A server-rendered HTML page' });

/** A status answered as an HTML page to a browser and as the error envelope to a JSON client. */
const pageOrError = (description: string) => ({
  description,
  content: { 'text/html': { schema: htmlPage }, 'application/json': { schema: errorEnvelopeSchema } },
});

const definitionSchema = z
  .object({
    form_link: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    submit_label: z.string(),
    submit_url: z.string().openapi({ description: 'POST the answers here (application/json or application/x-www-form-urlencoded)' }),
    fields: z.array(
      z.object({
        key: z.string(),
        label: z.string(),
        type: z.enum(FIELD_TYPES),
        required: z.boolean(),
        options: z.array(z.string()).nullable(),
        max_length: z.number().int(),
        placeholder: z.string().nullable(),
        help: z.string().nullable(),
        autocomplete: z.string(),
      }),
    ),
    honeypot_field: z.string().openapi({ description: 'Render it hidden and empty; a submission with it filled is treated as spam' }),
    stamp_field: z.string().openapi({ description: 'Send `stamp` back under this name' }),
    stamp: z.string().openapi({ description: 'Signed render time: valid from min_fill_ms after this answer for 24 hours; fetch the definition again for each rendering' }),
    min_fill_ms: z.number().int(),
  })
  .openapi('WebFormDefinition');

export const showWebFormRoute = defineRoute('public', {
  method: 'get',
  path: '/api/web-form/{form_link}',
  tags,
  summary: 'The hosted lead-capture form (HTML), or its JSON definition',
  description:
    'An accessible, server-rendered page without script, embeddable in an iframe only on the form’s allowed_domains (CSP frame-ancestors), never cached. ' +
    'With ?format=json (or Accept: application/json): the definition, for sites that render their own form. An unknown or disabled form: 404.',
  request: {
    params: formLinkParam,
    query: z.object({ format: z.enum(['html', 'json']).optional().openapi({ description: 'json: the definition instead of the page' }) }),
  },
  responses: {
    200: {
      description: 'The page, or the definition',
      content: { 'text/html': { schema: htmlPage }, 'application/json': { schema: okEnvelope(definitionSchema) } },
    },
    404: pageOrError('No active form at this link'),
  },
});

const receivedSchema = z.object({
  status: z.literal('received'),
  thank_you_message: z.string().nullable(),
  redirect_url: z.string().nullable(),
});

export const submitWebFormRoute = defineRoute('public', {
  method: 'post',
  path: '/api/web-form/{form_link}',
  tags,
  summary: 'Submit a hosted form',
  description:
    'The form page posts here (application/x-www-form-urlencoded); sites rendering the JSON definition may post JSON. Valid answers become a lead through the same path as ' +
    'POST /api/v1/lead (a known email or LinkedIn URL merges into its lead) with the form’s source, tags and owner, and a form_submitted intent signal; ' +
    'a browser is sent (303) to the thank-you page or the form’s redirect_url, a JSON client gets 201. Invalid answers: 422, the form again with the ' +
    'answers and the errors (JSON: the error envelope with details by field key). Spam (honeypot filled, sent within WEB_FORM_MIN_FILL_MS of being served, ' +
    'no valid stamp) is answered like a success and creates nothing. A stamp older than 24 h: 422 with the form again. ' +
    'Rate limits per client address (WEB_FORM_IP_RATE_LIMIT) and per form (WEB_FORM_RATE_LIMIT) a minute: 429 with Retry-After. Body: at most WEB_FORM_MAX_BODY_BYTES (413).',
  request: {
    params: formLinkParam,
    body: {
      required: false,
      content: {
        'application/x-www-form-urlencoded': { schema: z.record(z.string(), z.union([z.string(), z.array(z.string())])) },
        'application/json': { schema: z.record(z.string(), z.unknown()) },
      },
    },
  },
  responses: {
    201: { description: 'Received (JSON clients)', content: { 'application/json': { schema: okEnvelope(receivedSchema) } } },
    303: {
      description: 'Received (browsers): to the thank-you page or the redirect_url',
      headers: { Location: { description: 'Where to go next', schema: { type: 'string' as const } } },
    },
    404: pageOrError('No active form at this link'),
    413: pageOrError('The body is larger than WEB_FORM_MAX_BODY_BYTES'),
    422: pageOrError('The answers are not valid (or the page was too old): the form again with the errors'),
    429: pageOrError('Too many submissions from this address or to this form; see Retry-After'),
  },
});

export const webFormThanksRoute = defineRoute('public', {
  method: 'get',
  path: '/api/web-form/{form_link}/thanks',
  tags,
  summary: 'The thank-you page after a submission',
  description: 'Shows the form’s thank-you message. A GET of its own, so that refreshing it sends nothing again.',
  request: { params: formLinkParam },
  responses: { 200: { description: 'The page', content: { 'text/html': { schema: htmlPage } } }, 404: pageOrError('No active form at this link') },
});

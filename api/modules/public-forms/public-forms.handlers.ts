import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { WebForm } from '../../../generated/prisma/client.js';
import { ApiError } from '../../../domain/platform/errors.js';
import { enforceRateLimit } from '../../../domain/platform/rate-limit.service.js';
import { autocompleteOf, checkAnswers, leadInputOf, maxLengthOf, type FormField } from '../../../domain/webforms/form-fields.js';
import { checkStamp, renderStamp } from '../../../domain/webforms/form-stamp.js';
import { clientHash, processStoredSubmission, recordSpam, storeSubmission, type SubmissionOrigin } from '../../../domain/webforms/submission.service.js';
import { findPublicForm } from '../../../domain/webforms/web-form.service.js';
import type { AppEnv } from '../../app-env.js';
import { clientIp } from '../../middleware/auth.js';
import { ok } from '../../openapi/envelopes.js';
import { messagePage, sendPublicPage, type PublicPageContent, type PublicPageStatus } from '../../pages/public-page.js';
import { createLeadBody } from '../leads/lead.schemas.js';
import { z } from '@hono/zod-openapi';
import { formPage } from './public-form.page.js';
import { HONEYPOT_FIELD, publicFormPath, STAMP_FIELD, thankYouPath } from './public-form-links.js';
import type { showWebFormRoute, submitWebFormRoute, webFormThanksRoute } from './public-forms.routes.js';

const DEFAULT_THANK_YOU = 'Thank you. We have received your details and will be in touch.';
const EXPIRED_NOTICE = 'This page was open for a long time, so your answers were not sent. Please check them and send the form again.';

const NOT_FOUND_PAGE = messagePage('Form not found', 'This form does not exist or is no longer available. Check the link you followed.');

/** A JSON client: a JSON body, ?format=json, or an Accept that asks for JSON and not for a page. */
const isJsonBody = (c: Context<AppEnv>) => /^application\/([\w.-]+\+)?json/i.test(c.req.header('content-type') ?? '');
const acceptsJsonOnly = (c: Context<AppEnv>) => {
  const accept = c.req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
};

/**
 * A public page of a form: embeddable where the form allows, nowhere for a
 * page without a form; its form may post here and be redirected to the
 * form's redirect_url (whose origin form-action must then allow).
 */
const page = <S extends PublicPageStatus>(c: Context<AppEnv>, status: S, content: PublicPageContent, form: WebForm | null, headers?: Record<string, string>) =>
  sendPublicPage(c, status, content, {
    frameAncestors: form?.allowed_domains ?? [],
    formTargets: form?.redirect_url ? [new URL(form.redirect_url).origin] : [],
    headers,
  });

function notFoundAnswer(c: Context<AppEnv>, json: boolean) {
  if (json) throw new ApiError('not_found', 'Web form not found');
  return page(c, 404, NOT_FOUND_PAGE, null);
}

const stampFor = (c: Context<AppEnv>, form: WebForm) => renderStamp(c.var.deps.services.tokens, form.form_link);

const fieldsOf = (form: WebForm) => form.fields as unknown as FormField[];

export const showWebFormHandler: RouteHandler<typeof showWebFormRoute, AppEnv> = async (c) => {
  const { format } = c.req.valid('query');
  const json = format === 'json' || (format === undefined && acceptsJsonOnly(c));
  const form = await findPublicForm(c.var.deps.database, c.req.valid('param').form_link);
  if (!form) return notFoundAnswer(c, json);
  const stamp = stampFor(c, form);
  if (!json) return page(c, 200, formPage(form, { stamp }), form);
  c.header('Cache-Control', 'no-store');
  return ok(c, {
    form_link: form.form_link,
    title: form.title || form.name,
    description: form.description,
    submit_label: form.submit_label || 'Send',
    submit_url: `${c.var.deps.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}${publicFormPath(form.form_link)}`,
    fields: fieldsOf(form).map((f) => ({
      key: f.key,
      label: f.label,
      type: f.type,
      required: f.required,
      options: f.options,
      max_length: maxLengthOf(f),
      placeholder: f.placeholder,
      help: f.help,
      autocomplete: autocompleteOf(f),
    })),
    honeypot_field: HONEYPOT_FIELD,
    stamp_field: STAMP_FIELD,
    stamp,
    min_fill_ms: c.var.deps.config.WEB_FORM_MIN_FILL_MS,
  });
};

export const webFormThanksHandler: RouteHandler<typeof webFormThanksRoute, AppEnv> = async (c) => {
  const form = await findPublicForm(c.var.deps.database, c.req.valid('param').form_link);
  if (!form) return page(c, 404, NOT_FOUND_PAGE, null);
  return page(c, 200, messagePage('Thank you', form.thank_you_message || DEFAULT_THANK_YOU), form);
};

/**
 * The lead checks of §8.1 on the lead the answers make (ingestion's rules for
 * the fields it lists, the lead schema's for the others: lengths, email,
 * LinkedIn URL, value range), reported on the form field that filled each
 * lead field: a form accepts nothing the API would refuse.
 */
const ingestionText = (max: number) => z.string().trim().max(max).nullish();
const formLeadSchema = createLeadBody.partial().extend({ first_name: ingestionText(100), last_name: ingestionText(100) });

function leadErrors(fields: FormField[], lead: Record<string, unknown>): Record<string, string> {
  const parsed = formLeadSchema.safeParse(lead);
  if (parsed.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const [top, sub] = issue.path.map(String);
    const field =
      top === 'custom_fields'
        ? fields.find((f) => f.maps_to === `custom:${sub}` || (!f.maps_to && f.key === sub))
        : fields.find((f) => f.maps_to === top);
    const target = field ?? fields[0]!;
    errors[target.key] ??= `“${target.label}” is not valid: ${issue.message}`;
  }
  return errors;
}

/** Answers a submission as received: the thank-you page or redirect for a browser, 201 for a JSON client. */
function received(c: Context<AppEnv>, form: WebForm, json: boolean) {
  if (json) {
    return ok(c, { status: 'received' as const, thank_you_message: form.thank_you_message || (form.redirect_url ? null : DEFAULT_THANK_YOU), redirect_url: form.redirect_url }, 'Thank you', 201);
  }
  return c.body(null, 303, { Location: form.redirect_url || thankYouPath(form.form_link), 'Cache-Control': 'no-store' });
}

function invalidAnswers(c: Context<AppEnv>, form: WebForm, json: boolean, errors: Record<string, string>, values: Record<string, string>, notice?: string) {
  if (json) {
    const details = Object.entries(errors).map(([path, message]) => ({ path, message }));
    throw new ApiError('validation_error', notice ?? details.map((d) => `${d.path}: ${d.message}`).join('; '), {
      code: notice ? 'form_expired' : 'invalid_answers',
      details,
    });
  }
  return page(c, 422, formPage(form, { values, errors, notice, stamp: stampFor(c, form) }), form);
}

/** Both limits at once (two independent counters: one round trip of waiting, not two); the first refusal is thrown. */
const limitSubmissions = async (c: Context<AppEnv>, form: WebForm, origin: SubmissionOrigin) => {
  const { database, config } = c.var.deps;
  await Promise.all([
    enforceRateLimit(database, { bucket: `webform:ip:${origin.clientHash ?? 'unknown'}`, limit: config.WEB_FORM_IP_RATE_LIMIT, windowSeconds: 60 }),
    enforceRateLimit(database, { bucket: `webform:form:${form.id}`, limit: config.WEB_FORM_RATE_LIMIT, windowSeconds: 60 }),
  ]);
};

export const submitWebFormHandler: RouteHandler<typeof submitWebFormRoute, AppEnv> = async (c) => {
  const { database, config, services } = c.var.deps;
  const json = isJsonBody(c);
  const form = await findPublicForm(database, c.req.valid('param').form_link);
  if (!form) return notFoundAnswer(c, json);

  const origin: SubmissionOrigin = {
    clientHash: clientHash(config.CREDENTIALS_KEY, clientIp(c)),
    userAgent: c.req.header('user-agent') ?? null,
    referrer: c.req.header('referer') ?? null,
  };
  try {
    await limitSubmissions(c, form, origin);
  } catch (err) {
    if (json || !(err instanceof ApiError) || err.kind !== 'rate_limited') throw err;
    const retryAfter = String(err.options.retryAfterSeconds ?? 60);
    return page(c, 429, messagePage('Too many attempts', `Please wait a minute and try again.`), form, { 'Retry-After': retryAfter });
  }

  const body: Record<string, unknown> = (json ? c.req.valid('json') : c.req.valid('form')) ?? {};
  const honeypot = body[HONEYPOT_FIELD];
  const stamp = checkStamp(services.tokens, form.form_link, body[STAMP_FIELD], config.WEB_FORM_MIN_FILL_MS);
  // a bot is answered as a person would be: nothing tells it which defence caught it
  if ((typeof honeypot === 'string' && honeypot.trim() !== '') || (honeypot !== undefined && typeof honeypot !== 'string')) {
    await recordSpam(database, form, 'honeypot', origin);
    return received(c, form, json);
  }
  if (stamp === 'too_fast' || stamp === 'missing') {
    await recordSpam(database, form, stamp === 'too_fast' ? 'sent too fast' : 'no valid stamp', origin);
    return received(c, form, json);
  }

  const fields = fieldsOf(form);
  const checked = checkAnswers(fields, body);
  if (stamp === 'expired') return invalidAnswers(c, form, json, {}, checked.given, EXPIRED_NOTICE);
  const errors = Object.keys(checked.errors).length > 0 ? checked.errors : leadErrors(fields, leadInputOf(fields, checked.answers, form));
  if (Object.keys(errors).length > 0) return invalidAnswers(c, form, json, errors, checked.given);

  const stored = await storeSubmission(database, form, checked.answers, origin);
  const outcome = await processStoredSubmission(database, form, checked.answers, stored);
  if (outcome.status === 'retrying' || outcome.status === 'failed') {
    c.var.logger.warn({ submissionId: stored.submissionId, formId: form.id, outcome: outcome.status }, 'web form submission kept; its lead was not made yet');
  }
  return received(c, form, json);
};

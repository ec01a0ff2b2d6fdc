// Target account (ABM, §6.8) request and response schemas, and the ABM reports'.
import { z } from '@hono/zod-openapi';
import { ENGAGEMENT_STAGES, HEALTH_BANDS, HEALTH_FACTORS } from '../../../domain/engagement/account-health.js';
import { BULK_EMAIL_MODES, MAX_BULK_RECIPIENTS } from '../../../domain/engagement/abm-bulk-email.js';
import {
  STAKEHOLDER_ROLES,
  TARGET_ACCOUNT_SORT_FIELDS,
  TARGET_ACCOUNT_STATUSES,
  type TargetAccountSortField,
} from '../../../domain/engagement/target-account.service.js';
import { boundedInt, boundedIntParam, limitParam, listQuery, recordId, recordIdParam } from '../../openapi/params.js';

const nullableString = z.string().nullable();
const dateTime = z.string().openapi({ format: 'date-time' });

const tier = boundedInt(1, 3).openapi({ description: '1 (most strategic) to 3' });
const icpFitScore = boundedInt(0, 100).openapi({ description: 'How well the company fits the ideal customer profile, 0-100' });
const decisionMakers = boundedInt(0, 10_000).openapi({ description: 'How many people decide the purchase (the breadth of the health counts engaged stakeholders against it)' });

export const healthReasonSchema = z
  .object({
    factor: z.enum(HEALTH_FACTORS),
    points: z.number().int().openapi({ description: 'What this factor added to the score (recency may subtract)' }),
    reason: z.string(),
  })
  .openapi('HealthReason');

export const targetAccountSchema = z
  .object({
    id: z.number().int(),
    company_id: z.number().int(),
    company: z.object({ id: z.number().int(), company_name: z.string(), industry_type: nullableString, website: nullableString }),
    owner_id: z.number().int().nullable(),
    owner: z.object({ id: z.number().int(), name: z.string(), email: z.string() }).nullable(),
    tier: z.number().int(),
    estimated_decision_makers: z.number().int().nullable(),
    icp_fit_score: z.number().int().nullable(),
    status: z.enum(TARGET_ACCOUNT_STATUSES),
    health_score: z.number().int().openapi({ description: '0-100 from engagement (docs/engagement.md "Account health")' }),
    health: z.enum(HEALTH_BANDS).openapi({ description: 'healthy ≥ 70, warming ≥ 40, at_risk ≥ 20 or engaged before but silent for over 30 days, cold otherwise' }),
    health_reasons: z.array(healthReasonSchema).openapi({ description: 'Each factor of the score with its points and why' }),
    engagement_stage: z.enum(ENGAGEMENT_STAGES).openapi({ description: 'identified → engaged (a signal, open or click) → meeting → opportunity (an open deal) → won' }),
    health_computed_at: dateTime.nullable(),
    contact_count: z.number().int().openapi({ description: "How many of the company's contacts are stakeholders of the account" }),
    created_by: z.number().int().nullable(),
    created_at: dateTime,
    updated_at: dateTime,
  })
  .openapi('TargetAccount');

export const accountContactSchema = z
  .object({
    id: z.number().int().openapi({ description: 'The contact id' }),
    name: z.string(),
    email: nullableString,
    phone_number: nullableString,
    designation: nullableString,
    seniority: nullableString,
    decision_maker: nullableString,
    linkedin_url: nullableString,
    company_id: z.number().int().nullable(),
    lead_id: z.number().int().nullable(),
    stakeholder_role: z.enum(STAKEHOLDER_ROLES).nullable(),
    added_at: dateTime,
  })
  .openapi('TargetAccountContact');

const signalWindow = z.object({
  total: z.number().int(),
  by_type: z.record(z.string(), z.number().int()).openapi({ description: 'signal_type → count' }),
});

export const targetAccountDetailSchema = targetAccountSchema
  .extend({
    contacts: z.array(accountContactSchema),
    engagement: z.object({
      signals: z.object({ last_30_days: signalWindow, last_90_days: signalWindow }).openapi({
        description: "Intent signals of the account's leads: the leads of its company and the leads linked to its contacts",
      }),
      last_touch_at: dateTime.nullable().openapi({ description: 'The latest signal or meeting that took place' }),
      tracked_emails: z.object({ sent: z.number().int(), opened: z.number().int(), clicked: z.number().int() }),
      meetings: z.object({
        total: z.number().int(),
        held: z.number().int().openapi({ description: 'Past meetings not cancelled or missed' }),
        upcoming: z.number().int(),
      }),
      open_deals: z.array(
        z.object({
          id: z.number().int(),
          title: z.string(),
          value: z.number(),
          lead_id: z.number().int(),
          stage: z.object({ id: z.number().int(), name: z.string(), probability: z.number() }),
        }),
      ),
      won_deals: z.number().int(),
    }),
    outreach: z.object({
      total: z.number().int(),
      by_status: z.record(z.string(), z.number().int()).openapi({ description: 'Outreach steps of the account per status (scheduled, running, done, skipped, cancelled, failed)' }),
    }),
  })
  .openapi('TargetAccountDetail');

/** `sort`: a field, descending with a leading "-". */
const SORT_VALUES = TARGET_ACCOUNT_SORT_FIELDS.flatMap((field) => [field, `-${field}`]) as [string, ...string[]];

export const targetAccountListQuery = listQuery(TARGET_ACCOUNT_SORT_FIELDS).extend({
  search: z.string().trim().max(200).optional().openapi({ description: 'The company name contains this, case-insensitively (% and _ match themselves); search_value is the same' }),
  sort: z
    .enum(SORT_VALUES)
    .optional()
    .transform((value) =>
      value === undefined
        ? undefined
        : { order_by: value.replace(/^-/, '') as TargetAccountSortField, order_in: value.startsWith('-') ? ('DESC' as const) : ('ASC' as const) },
    )
    .openapi({
      type: 'string',
      enum: SORT_VALUES,
      description: `One of ${TARGET_ACCOUNT_SORT_FIELDS.join(', ')}; a leading "-" sorts descending (e.g. -health_score). Takes precedence over order_by/order_in.`,
    }),
  health: z.enum(HEALTH_BANDS).optional(),
  tier: boundedIntParam(1, 3).optional(),
  owner_id: recordIdParam.optional(),
});

export const createTargetAccountBody = z
  .object({
    company_id: recordId.openapi({ description: "A company of the organization that is not a target account yet" }),
    owner_id: recordId.nullable().optional().openapi({ description: 'A user of the organization' }),
    tier: tier.optional().openapi({ description: '1-3, default 2' }),
    estimated_decision_makers: decisionMakers.nullable().optional(),
    icp_fit_score: icpFitScore.nullable().optional(),
  })
  .openapi('CreateTargetAccountRequest');

export const updateTargetAccountBody = z
  .object({
    owner_id: recordId.nullable().optional(),
    tier: tier.optional(),
    icp_fit_score: icpFitScore.nullable().optional(),
    estimated_decision_makers: decisionMakers.nullable().optional(),
    status: z.enum(TARGET_ACCOUNT_STATUSES).optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'give at least one field to update')
  .openapi('UpdateTargetAccountRequest');

export const addAccountContactBody = z
  .object({
    contact_id: recordId.openapi({ description: "A contact of the account's company" }),
    stakeholder_role: z.enum(STAKEHOLDER_ROLES).nullable().optional(),
  })
  .openapi('AddTargetAccountContactRequest');

export const deletedTargetAccountSchema = z.object({
  id: z.number().int(),
  cancelled_steps: z.number().int().openapi({ description: 'Outreach steps of the account that were still scheduled, now cancelled' }),
});

const MAX_BODY_BYTES = 100 * 1024;

export const bulkEmailBody = z
  .object({
    subject: z.string().trim().min(1).max(998).openapi({ description: 'Merge fields {{first_name}}, {{name}}, {{company_name}} are replaced' }),
    body: z
      .string()
      .min(1)
      .refine((html) => Buffer.byteLength(html, 'utf8') <= MAX_BODY_BYTES, `at most ${MAX_BODY_BYTES} bytes`)
      .openapi({ description: 'HTML (sanitised, at most 100 KB); merge fields {{first_name}}, {{name}}, {{company_name}} are replaced by HTML-escaped values' }),
    contact_ids: z
      .array(recordId)
      .min(1)
      .max(MAX_BULK_RECIPIENTS)
      .optional()
      .openapi({ description: `A subset of the account's contacts; default: all of them (at most ${MAX_BULK_RECIPIENTS})` }),
    mode: z.enum(BULK_EMAIL_MODES).default('individual').openapi({ description: 'individual: one tracked email per contact; preview: the first one rendered, nothing sent' }),
    config_id: recordId.optional().openapi({ description: 'The mail configuration to send from; default: your first active one' }),
  })
  .openapi('TargetAccountBulkEmailRequest');

export const bulkEmailHeaders = z.object({
  'idempotency-key': z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'A retried request with the same key sends nothing twice: each contact is emailed at most once per key' }),
});

const recipient = { contact_id: z.number().int(), name: z.string() };
const skippedSchema = z.object({ ...recipient, email: nullableString, reason: z.enum(['no_email', 'unsubscribed']) });

export const bulkEmailQueuedSchema = z
  .object({
    mode: z.literal('individual'),
    batch_id: z.string().openapi({ description: 'The Idempotency-Key, or the id generated for this batch' }),
    queued: z.array(z.object({ ...recipient, email: z.string(), tracked_email_id: z.number().int(), message_id: z.number().int() })),
    skipped: z.array(skippedSchema),
  })
  .openapi('TargetAccountBulkEmailQueued');

export const bulkEmailPreviewSchema = z
  .object({
    mode: z.literal('preview'),
    preview: z
      .object({ contact_id: z.number().int(), to: z.string(), from: z.string(), subject: z.string(), body: z.string() })
      .nullable()
      .openapi({ description: 'The first email as it would be written (before tracking is added); null when no contact can be emailed' }),
    recipients: z.array(z.object({ ...recipient, email: z.string() })),
    skipped: z.array(skippedSchema),
  })
  .openapi('TargetAccountBulkEmailPreview');

export const abmReportQuery = z.object({
  tier: boundedIntParam(1, 3).optional(),
  owner_id: recordIdParam.optional(),
});

export const abmFunnelSchema = z
  .object({
    total: z.number().int().openapi({ description: 'Target accounts counted (archived ones are not)' }),
    stages: z.array(
      z.object({
        stage: z.enum(ENGAGEMENT_STAGES),
        count: z.number().int().openapi({ description: 'Accounts at this stage now' }),
        reached: z.number().int().openapi({ description: 'Accounts at this stage or beyond' }),
        conversion: z.number().nullable().openapi({ description: "reached / the previous stage's reached (3 decimals); null for the first stage or when none reached the previous one" }),
      }),
    ),
  })
  .openapi('AbmFunnel');

export const topEngagedQuery = abmReportQuery.extend({ limit: limitParam(100, 10).openapi({ description: '1-100, default 10' }) });

export const topEngagedSchema = targetAccountSchema
  .extend({ signals_last_30_days: z.number().int().openapi({ description: "Intent signals of the account's leads in the last 30 days (the tie-breaker)" }) })
  .openapi('TopEngagedAccount');

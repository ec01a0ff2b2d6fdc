// Outreach plans (§6.8) as the API takes and shows them: one step of a target
// account's plan for one of its contacts, run by the contact's sequence job.
import { z } from '@hono/zod-openapi';
import { MAX_PLAN_AHEAD_DAYS, OUTREACH_CHANNELS, OUTREACH_SORTABLE_FIELDS, OUTREACH_STEP_STATUSES } from '../../../domain/engagement/outreach.service.js';
import { csvOf, limitParam, pageParam, recordId, recordIdParam } from '../../openapi/params.js';

export const MAX_NOTES_LENGTH = 5000;
export const MAX_SUBJECT_LENGTH = 998;
export const MAX_EMAIL_BODY_LENGTH = 100_000;

export const createOutreachStepBody = z
  .object({
    contact_id: recordId.openapi({ description: 'A contact linked to the account (its contacts); another is a 422 contact_not_in_account' }),
    channel: z.enum(OUTREACH_CHANNELS).openapi({
      description:
        'email: sent through the mail connector from the assigned user\'s (else the account owner\'s) mail configuration, with tracking; ' +
        'call: an AI agent call where voice is set up, else a call task for the assigned user; linkedin_task, task: a task (notification) for the assigned user',
    }),
    scheduled_at: z.iso
      .datetime({ offset: true })
      .transform((v) => new Date(v))
      .openapi({
        type: 'string',
        format: 'date-time',
        description: `When the step is due: in the future, at most ${MAX_PLAN_AHEAD_DAYS} days ahead. It goes out then, or at the end of the recipient's quiet hours (their time zone, else the organization's) when it falls in them`,
        example: '2026-12-14T15:00:00Z',
      }),
    assigned_to: recordId.nullable().optional().openapi({ description: 'A user of the organization; default the account owner, else the caller' }),
    notes: z.string().max(MAX_NOTES_LENGTH).nullable().optional().openapi({ description: 'What to do; for an email step without body, the email\'s text' }),
    subject: z.string().trim().min(1).max(MAX_SUBJECT_LENGTH).nullable().optional().openapi({ description: 'Email steps: the subject (default: the first line of notes)' }),
    body: z.string().max(MAX_EMAIL_BODY_LENGTH).nullable().optional().openapi({ description: 'Email steps: the HTML body (sanitised; links tracked, an unsubscribe link added)' }),
  })
  .openapi('CreateOutreachStepRequest');

export const outreachStepSchema = z
  .object({
    id: z.number().int(),
    target_account_id: z.number().int(),
    contact_id: z.number().int(),
    channel: z.enum(OUTREACH_CHANNELS),
    scheduled_at: z.string(),
    assigned_to: z.number().int().nullable(),
    notes: z.string().nullable(),
    subject: z.string().nullable(),
    body: z.string().nullable(),
    status: z.enum(OUTREACH_STEP_STATUSES).openapi({
      description: 'scheduled → running → done, or skipped (the contact replied, booked a meeting or unsubscribed; outcome.reason), cancelled (the job was), failed (outcome.error)',
    }),
    job_id: z.number().int().nullable().openapi({ description: 'The contact\'s sequence job: GET /api/jobs/{id}; pause, resume or cancel it there' }),
    executed_at: z.string().nullable(),
    outcome: z.record(z.string(), z.unknown()).openapi({ description: 'What the step did (message_id, call_id, notification_id) or why it did not (reason, error)' }),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('OutreachStep');

export const outreachListQuery = z.object({
  page: pageParam,
  limit: limitParam(),
  order_by: z.enum(OUTREACH_SORTABLE_FIELDS).default('scheduled_at').openapi({ description: `One of: ${OUTREACH_SORTABLE_FIELDS.join(', ')}` }),
  order_in: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['ASC', 'DESC']))
    .default('ASC')
    .openapi({ type: 'string', pattern: '^([aA][sS][cC]|[dD][eE][sS][cC])$', description: 'ASC (default) or DESC, in any case' }),
  contact_id: recordIdParam.optional(),
  status: csvOf(OUTREACH_STEP_STATUSES).optional(),
});

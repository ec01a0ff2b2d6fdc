// Request and response shapes of AI email (§6.9: generate, bulk-generate, drafts, approve, send).
import { z } from '@hono/zod-openapi';
import { DRAFT_STATUSES, MAX_BULK_LEADS, MAX_PERSONA_CHARS } from '../../../domain/engagement/ai-email.service.js';
import { limitParam, pageParam, recordId, recordIdParam } from '../../openapi/params.js';
import { jobSchema } from '../jobs/job.schemas.js';
import { outboundMessageSchema } from '../mail/mail.schemas.js';

const persona = z
  .string()
  .trim()
  .min(1)
  .max(MAX_PERSONA_CHARS)
  .nullable()
  .optional()
  .openapi({ description: `Who the email is written as (role, tone, offer); at most ${MAX_PERSONA_CHARS} characters`, example: 'Friendly AE at a data-platform startup' });

export const leadIdParam = z.object({ lead_id: recordIdParam.openapi({ param: { name: 'lead_id', in: 'path' }, example: 42 }) });
export const draftIdParam = z.object({ draft_id: recordIdParam.openapi({ param: { name: 'draft_id', in: 'path' }, example: 7 }) });

export const generateDraftBody = z.object({ persona }).openapi('GenerateAiEmailRequest');

export const bulkGenerateBody = z
  .object({
    lead_ids: z
      .array(recordId)
      .min(1)
      .max(MAX_BULK_LEADS)
      .refine((ids) => new Set(ids).size === ids.length, 'lead_ids must not repeat a lead')
      .openapi({ description: `1 to ${MAX_BULK_LEADS} distinct leads of the organization (422 unknown_leads naming any other)` }),
    persona,
  })
  .openapi('BulkGenerateAiEmailRequest');

export const draftListQuery = z.object({ page: pageParam, limit: limitParam() });

export const sendDraftBody = z
  .object({ config_id: recordId.openapi({ description: 'One of your mail configurations (GET /api/mail-configurations/list) to send from' }) })
  .openapi('SendAiEmailRequest');

export const draftSchema = z
  .object({
    id: z.number().int(),
    lead_id: z.number().int(),
    persona: z.string().nullable(),
    subject: z.string(),
    body: z.string().openapi({ description: 'Sanitised HTML' }),
    status: z.enum(DRAFT_STATUSES).openapi({ description: 'draft → approved → sent' }),
    generator: z.enum(['llm', 'offline']),
    model: z.string().nullable(),
    prompt_version: z.string().openapi({ example: 'ai_email_draft@1' }),
    job_id: z.number().int().nullable().openapi({ description: 'The bulk-generate job that wrote it, if one did' }),
    credits_charged: z.number().int(),
    approved_by: z.number().int().nullable(),
    approved_at: z.string().nullable(),
    outbound_message_id: z.number().int().nullable(),
    config_id: z.number().int().nullable(),
    sent_by: z.number().int().nullable(),
    sent_at: z.string().nullable(),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('AiEmailDraft');

export const sentDraftSchema = z.object({ draft: draftSchema, message: outboundMessageSchema }).openapi('SentAiEmailDraft');

export const bulkJobSchema = jobSchema;

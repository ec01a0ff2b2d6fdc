// Request and response shapes of the AI tools (§6.9: magicpen, email-generator).
import { z } from '@hono/zod-openapi';
import { recordId } from '../../openapi/params.js';

/** Most characters of a note magic pen improves. */
export const MAX_NOTE_CHARS = 10_000;

export const leadContextInput = z
  .union([recordId, z.object({ lead_id: recordId })])
  .nullable()
  .optional()
  .openapi({
    description:
      'The lead the text is about: its id, or an object with lead_id (any other key is ignored). What the model sees of the lead is read by ' +
      "the server from that lead of your organization — name, job title, company, industry, city and country, status, recent notes — never " +
      'contact details and never text sent here (404 for a lead your organization does not have)',
    example: 42,
  });

export const magicpenBody = z
  .object({
    noteText: z.string().trim().min(1).max(MAX_NOTE_CHARS).openapi({ description: `The note to improve (at most ${MAX_NOTE_CHARS} characters)` }),
    leadContext: leadContextInput,
  })
  .openapi('MagicpenRequest');

export const emailGeneratorBody = z
  .object({
    prompt: z.string().trim().min(1).max(5_000).openapi({ description: 'What the email should do' }),
    emailSubject: z.string().max(500).optional().openapi({ description: 'The subject, when known' }),
    emailBody: z.string().max(20_000).optional().openapi({ description: 'A draft body to start from' }),
    leadContext: leadContextInput,
  })
  .openapi('EmailGeneratorRequest');

export const aiToolAnswerSchema = z
  .object({
    text: z.string().openapi({ description: 'The generated text' }),
    generator: z.enum(['llm', 'offline']).openapi({ description: 'llm: the configured model wrote it; offline: the deterministic offline generator (no model configured)' }),
    model: z.string(),
    prompt_version: z.string().openapi({ description: 'The prompt template that produced it', example: 'magicpen@1' }),
    lead_id: z.number().int().nullable(),
    credits_charged: z.number().int().openapi({ description: 'AI credits this use cost (GET /api/credits/ai-features)' }),
    credits_remaining: z.number().int().openapi({ description: "The organization's AI credits left" }),
  })
  .openapi('AiToolAnswer');

import { z } from '@hono/zod-openapi';
import { DASHBOARD_SCOPES } from '../../../domain/analytics/custom-dashboard.service.js';
import { errorEnvelopeSchema, errorResponse, jsonContent, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { dashboardSchema } from '../dashboards/dashboards.schemas.js';

export const generateDashboardBody = z.object({
  prompt: z.string().trim().min(1).max(2000).openapi({ example: 'Leads by source and pipeline by stage' }),
  name: z.string().trim().min(1).max(120).optional().openapi({ description: 'The saved dashboard\'s name ("AI: <prompt>" when absent)' }),
  scope: z.enum(DASHBOARD_SCOPES).optional().openapi({ description: 'Scope of the saved dashboard (personal when absent; workspace: Admins only)' }),
  save: z.boolean().optional().openapi({ description: 'Save the generated dashboard (in the same transaction as the credit debit)' }),
});

export const generatedDashboardSchema = z
  .object({
    name: z.string(),
    definition: z.record(z.string(), z.unknown()),
    generator: z.enum(['llm', 'offline']),
    model: z.string(),
    prompt_version: z.string(),
    repaired: z.boolean().openapi({ description: "The model's first answer was invalid; its repaired answer was used" }),
    /** the saved dashboard when save was true; a union, not .nullable(): the document renders a nullable $ref as allOf, which null fails */
    dashboard: z.union([dashboardSchema, z.null()]),
    credits_charged: z.number().int(),
    credits_remaining: z.number().int(),
  })
  .openapi('GeneratedDashboard');

export const generateDashboardRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/ai-dashboards/generate',
  tags: ['Dashboards'],
  summary: 'Generate a dashboard from a prompt',
  description:
    'The configured language model writes a dashboard definition, validated by the same schema and compiler as a hand-made one; an invalid answer gets one ' +
    'repair round, then 422 ai_dashboard_invalid (nothing charged). Without a model, a deterministic generator maps the prompt\'s keywords (leads by source/status/month, ' +
    'pipeline by stage, deals won, top reps, meetings, signals, calls, email engagement) and answers an overview otherwise (generator: offline). Costs the ai_dashboard ' +
    'credits for a valid result only: 422 insufficient_credits before any model call.',
  request: { body: { required: true, content: jsonContent(generateDashboardBody) } },
  responses: {
    200: { description: 'The generated definition (and the saved dashboard)', content: jsonContent(okEnvelope(generatedDashboardSchema)) },
    403: errorResponse('A workspace dashboard is saved by Admins only'),
    429: { description: 'Too many requests, or the model asked to slow down (error.code llm_rate_limited, Retry-After)', content: jsonContent(errorEnvelopeSchema) },
    502: { description: 'The model failed or could not be reached (error.code llm_unavailable)', content: jsonContent(errorEnvelopeSchema) },
  },
});

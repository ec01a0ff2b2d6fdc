// Response shapes of the credits module (§6.9).
import { z } from '@hono/zod-openapi';
import { listQuery } from '../../openapi/params.js';

export const creditBalanceSchema = z
  .object({
    balance: z.number().int().min(0).openapi({ description: 'AI credits the organization has left; never below zero', example: 992 }),
    currency: z.literal('credits').openapi({ description: 'The unit: whole AI credits (not money)' }),
    opening_grant: z.number().int().openapi({ description: 'Credits every organization starts with', example: 1000 }),
    spent: z.number().int().min(0).openapi({ description: 'Credits spent on AI features so far', example: 8 }),
    updated_at: z.string().openapi({ format: 'date-time', description: 'When the balance last moved' }),
  })
  .openapi('CreditBalance');

export const aiFeatureSchema = z
  .object({
    name: z.string().openapi({ example: 'meeting_summary_brief' }),
    description: z.string(),
    credits: z.number().int().positive().openapi({ description: 'What one use costs, in credits', example: 3 }),
  })
  .openapi('AiFeature');

export const aiFeaturesQuery = listQuery(['id']).pick({ page: true, limit: true });

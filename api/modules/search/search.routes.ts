import { z } from '@hono/zod-openapi';
import { okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { limitParam } from '../../openapi/params.js';

export const globalSearchQuery = z.object({
  search_value: z.string().trim().min(2).max(200),
  limit: limitParam(50).openapi({ description: 'Matches per resource type (most recent first)' }),
});

const nullableString = z.string().nullable();

export const globalSearchResults = z
  .object({
    leads: z.array(
      z.object({
        id: z.number().int(),
        first_name: nullableString,
        last_name: nullableString,
        email: nullableString,
        company: nullableString,
        phone_number: nullableString,
        status: z.number().int(),
      }),
    ),
    contacts: z.array(
      z.object({ id: z.number().int(), name: z.string(), email: nullableString, phone_number: nullableString, company_id: z.number().int().nullable() }),
    ),
    companies: z.array(z.object({ id: z.number().int(), company_name: z.string(), website: nullableString, industry_type: nullableString })),
    deals: z.array(
      z.object({
        id: z.number().int(),
        title: z.string(),
        value: z.number(),
        lead_id: z.number().int(),
        pipeline_id: z.number().int(),
        stage_id: z.number().int(),
      }),
    ),
  })
  .openapi('GlobalSearchResults');

export const globalSearchRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/user/global-search',
  tags: ['Users'],
  summary: 'Search leads (name, email, company, phone), contacts (name, email), companies (name, website) and deals (title)',
  request: { query: globalSearchQuery },
  responses: {
    200: { description: 'Matches per resource type', content: { 'application/json': { schema: okEnvelope(globalSearchResults) } } },
  },
});

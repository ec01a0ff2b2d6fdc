import { jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { aiFeatureSchema, aiFeaturesQuery, creditBalanceSchema } from './credits.schemas.js';

const tags = ['AI credits'];

export const creditBalanceRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/credits',
  tags,
  summary: 'Organization credit balance',
  description:
    "The organization's AI credits: what is left, the opening grant every organization starts with, and what was spent. AI features " +
    '(magicpen, email generation, AI email drafts, AI dashboards, meeting summaries) debit it; one the balance cannot pay for answers ' +
    '422 insufficient_credits before anything is generated. Any role.',
  responses: { 200: { description: 'The balance', content: jsonContent(okEnvelope(creditBalanceSchema)) } },
});

export const aiFeaturesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/credits/ai-features',
  tags,
  summary: 'AI feature pricing',
  description: 'What one use of each AI feature costs in credits, a page at a time (page, limit). Any role.',
  request: { query: aiFeaturesQuery },
  responses: { 200: { description: 'The price list', content: jsonContent(listEnvelope(aiFeatureSchema)) } },
});

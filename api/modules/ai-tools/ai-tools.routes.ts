import { errorEnvelopeSchema, jsonContent, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { aiToolAnswerSchema, emailGeneratorBody, magicpenBody } from './ai-tools.schemas.js';

const tags = ['AI tools'];

const paidDescription =
  'Costs AI credits (GET /api/credits/ai-features): 422 insufficient_credits before any model call when the balance is short; the debit is ' +
  'posted with the answer, and a model failure costs nothing. Written by the configured model, or the labelled offline generator when none ' +
  'is configured (generator says which).';

const modelFailures = {
  429: { description: 'Too many requests, or the model asked to slow down (error.code llm_rate_limited, Retry-After)', content: jsonContent(errorEnvelopeSchema) },
  502: { description: 'The model failed or could not be reached (error.code llm_unavailable)', content: jsonContent(errorEnvelopeSchema) },
};

export const magicpenRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/ai-tools/magicpen',
  tags,
  summary: 'Enhance note text',
  description: `Improves a note's wording (spelling, grammar, clarity) keeping its facts. ${paidDescription}`,
  request: { body: { required: true, content: jsonContent(magicpenBody) } },
  responses: { 200: { description: 'The improved note', content: jsonContent(okEnvelope(aiToolAnswerSchema)) }, ...modelFailures },
});

export const emailGeneratorRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/ai-tools/email-generator',
  tags,
  summary: 'Generate an email body',
  description: `Writes an email body from a prompt, an optional subject and draft, for a lead when leadContext names one. ${paidDescription}`,
  request: { body: { required: true, content: jsonContent(emailGeneratorBody) } },
  responses: { 200: { description: 'The email body', content: jsonContent(okEnvelope(aiToolAnswerSchema)) }, ...modelFailures },
});

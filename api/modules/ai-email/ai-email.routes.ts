import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import {
  bulkGenerateBody,
  bulkJobSchema,
  draftIdParam,
  draftListQuery,
  draftSchema,
  generateDraftBody,
  leadIdParam,
  sendDraftBody,
  sentDraftSchema,
} from './ai-email.schemas.js';

const tags = ['AI email'];
const error = (description: string) => ({ description, content: jsonContent(errorEnvelopeSchema) });

export const generateDraftRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/ai-email/generate/{lead_id}',
  tags,
  summary: 'Draft an AI email for a lead',
  description:
    "Drafts an email (subject and sanitised HTML body) from the lead's own record (name, job title, company, industry, location, status, " +
    'recent notes; never its contact details) and stores it as a draft. Costs ai_email_draft credits: 422 insufficient_credits before any model ' +
    'call when the balance is short; the draft and its debit are stored together.',
  request: { params: leadIdParam, body: { required: false, content: jsonContent(generateDraftBody) } },
  responses: {
    201: { description: 'The stored draft', content: jsonContent(okEnvelope(draftSchema)) },
    429: error('Too many requests, or the model asked to slow down (error.code llm_rate_limited, Retry-After)'),
    502: error('The model failed or could not be reached (error.code llm_unavailable)'),
  },
});

export const bulkGenerateRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/ai-email/bulk-generate',
  tags,
  summary: 'Draft emails for many leads',
  description:
    'Starts a job (type ai_email_bulk) drafting one email per lead and answers at once with it; follow it with GET /api/jobs/{id}, pause, resume ' +
    'or cancel it with POST /api/jobs/{id}/pause|resume|cancel (its workflow is in the Temporal UI under the workflow_id). The credits for every ' +
    'lead are reserved now, in one debit (422 insufficient_credits and no job when the balance cannot cover them); when the job ends, however it ' +
    'ends, what it did not use is credited back in one entry (result.settlement). Drafts appear under GET /api/ai-email/drafts/lead/{lead_id}.',
  request: { body: { required: true, content: jsonContent(bulkGenerateBody) } },
  responses: { 202: { description: 'The job, queued', content: jsonContent(okEnvelope(bulkJobSchema)) } },
});

export const listLeadDraftsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/ai-email/drafts/lead/{lead_id}',
  tags,
  summary: 'List drafts for a lead',
  description: "The lead's AI email drafts, newest first (404 for a lead of another organization).",
  request: { params: leadIdParam, query: draftListQuery },
  responses: { 200: { description: 'A page of drafts', content: jsonContent(listEnvelope(draftSchema)) } },
});

export const approveDraftRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/ai-email/draft/{draft_id}/approve',
  tags,
  summary: 'Approve a draft',
  description: 'Marks the draft approved, so it may be sent (approving it again changes nothing).',
  request: { params: draftIdParam },
  responses: {
    200: { description: 'The approved draft', content: jsonContent(okEnvelope(draftSchema)) },
    409: error('The draft was sent already (error.code already_sent)'),
  },
});

export const sendDraftRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/ai-email/draft/{draft_id}/send',
  tags,
  summary: 'Send an approved draft',
  description:
    "Queues the approved draft to the lead's email through the mail configuration, exactly once however often (or concurrently) it is asked, " +
    'as a tracked email (open pixel, click-tracking links, unsubscribe link); recorded as a note in the lead\'s activity. 422 lead_has_no_email, ' +
    '422 recipient_unsubscribed, 422 mail_reauth_required.',
  request: { params: draftIdParam, body: { required: true, content: jsonContent(sendDraftBody) } },
  responses: {
    200: { description: 'The sent draft and its queued message', content: jsonContent(okEnvelope(sentDraftSchema)) },
    409: error('The draft is not approved (error.code draft_not_approved) or was sent already (already_sent), or another request is sending it (draft_send_in_progress)'),
  },
});

import { z } from '@hono/zod-openapi';
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { createMeetingBody, generateSummaryBody, meetingListQuery, meetingSchema, summarySchema, transcriptSchema, updateMeetingBody } from './meeting.schemas.js';

const tags = ['Meetings'];

export const listMeetingsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/meeting/list',
  tags,
  summary: 'List meetings',
  description:
    "The organization's meetings, a page at a time. lead_id, contact_id, company_id and status filter; from/to bound start_time; " +
    'start_date/end_date bound created_at; search_value matches the title.',
  request: { query: meetingListQuery },
  responses: { 200: { description: 'A page of meetings', content: jsonContent(listEnvelope(meetingSchema)) } },
});

export const addMeetingRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/meeting/add',
  tags,
  summary: 'Create a meeting',
  description:
    'Creates a meeting owned by the caller (status 1, Scheduled). lead_id, contact_id and company_id must be records of the organization (422). ' +
    'With calendar_provider google or outlook the meeting is also booked in the caller\'s calendar by a durable workflow (calendar_booking ' +
    'pending, then booked with calendar_event_id); a provider outage delays the booking, it is never lost or made twice. 422 calendar_not_connected ' +
    'when the caller has no gmail (google) or outlook mail configuration.',
  request: { body: { required: true, content: jsonContent(createMeetingBody) } },
  responses: { 201: { description: 'The meeting', content: jsonContent(okEnvelope(meetingSchema)) } },
});

export const viewMeetingRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/meeting/view/{id}',
  tags,
  summary: 'Get a meeting',
  request: { params: idParam },
  responses: { 200: { description: 'The meeting', content: jsonContent(okEnvelope(meetingSchema)) } },
});

export const updateMeetingRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/meeting/update/{id}',
  tags,
  summary: 'Update a meeting',
  description:
    'Changes the fields given. A new start_time or end_time makes the meeting Rescheduled (2) unless status is given too. ' +
    'A meeting booked in a provider calendar has its event moved, updated, or removed when the status becomes Cancelled (4). ' +
    'transcript sets what was said, for generate-summary.',
  request: { params: idParam, body: { required: true, content: jsonContent(updateMeetingBody) } },
  responses: { 200: { description: 'The meeting', content: jsonContent(okEnvelope(meetingSchema)) } },
});

export const deleteMeetingRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/meeting/delete/{id}',
  tags,
  summary: 'Delete a meeting',
  description: 'Deletes the meeting; its event in a provider calendar is removed by the calendar workflow.',
  request: { params: idParam },
  responses: { 200: { description: 'Deleted', content: jsonContent(okEnvelope(z.object({ id: z.number().int() }))) } },
});

export const meetingTranscriptRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/meeting/{id}/transcript',
  tags,
  summary: 'Meeting transcript',
  description: 'The stored transcript. 404 with code transcript_not_found when the meeting has none.',
  request: { params: idParam },
  responses: { 200: { description: 'The transcript', content: jsonContent(okEnvelope(transcriptSchema)) } },
});

export const generateMeetingSummaryRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/meeting/{id}/generate-summary',
  tags,
  summary: 'Generate a meeting summary',
  description:
    'Summarises the transcript (or, without one, the description as notes; 422 nothing_to_summarise with neither) through the configured ' +
    'model, or the labelled offline generator when none is configured (generator tells which). Costs AI credits (GET /api/credits/ai-features: ' +
    'meeting_summary_brief, meeting_summary_detailed): 422 insufficient_credits before any model call when the balance is short. ' +
    'The summary is stored on the meeting; asking again for the same detail of the same text is not charged twice.',
  request: { params: idParam, body: { required: false, content: jsonContent(generateSummaryBody) } },
  responses: {
    200: { description: 'The summary', content: jsonContent(okEnvelope(summarySchema)) },
    502: { description: 'The model failed or could not be reached (error.code llm_unavailable)', content: jsonContent(errorEnvelopeSchema) },
  },
});

import { z } from '@hono/zod-openapi';
import { errorEnvelopeSchema, jsonContent, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import {
  availabilityQuery,
  availabilitySchema,
  calendarEventSchema,
  createEventBody,
  createEventHeaders,
  eventsQuery,
  providerParam,
  saveWorkingHoursBody,
  workingHoursQuery,
  workingHoursSchema,
} from './calendar.schemas.js';

const tags = ['Calendar'];

const providerErrors = {
  502: { description: 'The provider failed or could not be reached (error.code calendar_unavailable)', content: jsonContent(errorEnvelopeSchema) },
};

const PROVIDERS_NOTE =
  "google and outlook are the caller's calendar reached through their gmail or outlook mail configuration (422 calendar_not_connected without one; " +
  '422 calendar_reauth_required when the provider refused the stored authorisation, which also marks the configuration needs_reauth; ' +
  '429 calendar_rate_limited with Retry-After; 502 calendar_unavailable). sandbox keeps events in LIO only (the meetings booked in it) and exists ' +
  'only when the server runs with SANDBOX_CONNECTORS (422 sandbox_disabled otherwise).';

export const getWorkingHoursRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/calendar/working-hours',
  tags,
  summary: 'Working hours (beyond the spec)',
  description: "A user's working hours per weekday, their time zone and the buffer kept around meetings: what availability is computed from. 404 for a user of another organization.",
  request: { query: workingHoursQuery },
  responses: { 200: { description: 'The working hours', content: jsonContent(okEnvelope(workingHoursSchema)) } },
});

export const saveWorkingHoursRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/calendar/working-hours',
  tags,
  summary: 'Set working hours (beyond the spec)',
  description:
    "Replaces the caller's working hours: local HH:MM ranges per weekday in timezone (an IANA name; the hours keep their local times across " +
    'daylight-saving changes), ranges of a day must not overlap (422), and buffer_minutes kept free before and after every meeting.',
  request: { body: { required: true, content: jsonContent(saveWorkingHoursBody) } },
  responses: { 200: { description: 'The working hours', content: jsonContent(okEnvelope(workingHoursSchema)) } },
});

export const availabilityRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/calendar/availability',
  tags,
  summary: 'Availability slots',
  description:
    "Free slots of `duration` minutes of a user (default the caller) between from and to (or on date), within the user's working hours, " +
    'clear of their meetings that are not cancelled and of their Google or Outlook calendar\'s busy time when they connected one, with ' +
    'buffer_minutes kept free around each; slots shown in tz (RFC 3339 with the offset of that instant). Nothing in the past. The span is at most 62 days (422).',
  request: { query: availabilityQuery },
  responses: { 200: { description: 'The slots', content: jsonContent(okEnvelope(availabilitySchema)) }, ...providerErrors },
});

export const listCalendarEventsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/calendar/{provider}/events',
  tags,
  summary: 'List calendar events',
  description: `The caller's events overlapping [from, to] (every page, at most 2500). ${PROVIDERS_NOTE}`,
  request: { params: providerParam, query: eventsQuery },
  responses: { 200: { description: 'The events', content: jsonContent(okEnvelope(z.array(calendarEventSchema))) }, ...providerErrors },
});

export const createCalendarEventRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/calendar/{provider}/events',
  tags,
  summary: 'Create a calendar event',
  description: `Creates an event in the caller's calendar (attendees are invited by the provider). To book a meeting LIO keeps track of, use POST /api/meeting/add with calendar_provider. ${PROVIDERS_NOTE}`,
  request: { headers: createEventHeaders, params: providerParam, body: { required: true, content: jsonContent(createEventBody) } },
  responses: { 201: { description: 'The event', content: jsonContent(okEnvelope(calendarEventSchema)) }, ...providerErrors },
});

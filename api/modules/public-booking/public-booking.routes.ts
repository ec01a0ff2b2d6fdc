// Public booking (§10, §12 "Offer public booking"): the profile, its free
// slots and the confirmation, as JSON; the booking page and the manage page,
// as HTML. No credentials: a profile's slug is public, and a booking's manage
// link carries a signed token naming it (domain/platform/signed-token.ts).
import { z } from '@hono/zod-openapi';
import { MAX_TOKEN_LENGTH } from '../../../domain/platform/signed-token.js';
import { errorEnvelopeSchema, errorResponse, jsonContent, okEnvelope } from '../../openapi/envelopes.js';
import { boundedIntParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { dateOnly, dateOrInstant } from '../calendar/calendar.schemas.js';
import { instant, timeZoneName } from '../meetings/meeting.schemas.js';

const tags = ['Public booking'];

// any text up to a bound: an unknown slug answers 404, not a validation error
/**
 * A manage token is about 40 characters; this bound keeps a URL carrying one,
 * even percent-encoded (up to 12 bytes a character), under Node's 16 KiB
 * request-head limit, past which Node answers 431 before the app sees it.
 */
const MANAGE_TOKEN_MAX_LENGTH = 512;

const slugParam = z.object({ slug: z.string().max(100).openapi({ param: { name: 'slug', in: 'path' }, example: 'ada-intro' }) });
const tokenParam = z.object({
  token: z.string().max(MANAGE_TOKEN_MAX_LENGTH).openapi({ param: { name: 'token', in: 'path' }, description: 'The signed token of a manage link, as put in the email' }),
});

const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const pageOrError = (description: string) => ({
  description,
  content: { 'text/html': { schema: z.string() }, 'application/json': { schema: errorEnvelopeSchema } },
});

const questionSchema = z.object({ key: z.string(), label: z.string(), type: z.enum(['text', 'textarea', 'select']), required: z.boolean(), options: z.array(z.string()).optional() });

const publicProfileSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    durations: z.array(z.number().int()),
    timezone: z.string().openapi({ description: 'The zone of the working hours (the default zone of slots)' }),
    questions: z.array(questionSchema),
    host_name: z.string().openapi({ description: 'First name and last initial' }),
    organization_name: z.string(),
    minimum_notice_minutes: z.number().int(),
    horizon_days: z.number().int(),
  })
  .openapi('PublicBookingProfile');

export const bookingProfileRoute = defineRoute('public', {
  method: 'get',
  path: '/api/booking/{slug}',
  tags,
  summary: 'Booking profile for a rep',
  description: 'What the booking page shows: title, description, durations, time zone, questions, the host (first name, last initial) and organization. 404 for an unknown or disabled profile.',
  request: { params: slugParam },
  responses: { 200: { description: 'The profile', content: jsonContent(okEnvelope(publicProfileSchema)) }, 404: errorResponse('No active booking profile with this slug') },
});

const slotSchema = z.object({
  start: z.string().openapi({ description: 'RFC 3339 with the offset of tz at that instant', example: '2027-03-29T09:00:00+02:00' }),
  end: z.string(),
  date: z.string().openapi({ description: 'The local date of the start in tz (for grouping)', example: '2027-03-29' }),
});

export const bookingAvailabilityRoute = defineRoute('public', {
  method: 'get',
  path: '/api/booking/{slug}/availability',
  tags,
  summary: 'Available slots',
  description:
    'Free slots of one duration (default the first offered) in date, or from/to (dates are whole days in tz; at most 31 days; default the coming week), ' +
    "shown in tz (default the profile's zone): the profile's working hours minus the rep's meetings, bookings and connected calendar's busy times, " +
    'each widened by the buffers; none before now + minimum notice, none ending after now + horizon. partial: true when the connected calendar could ' +
    'not be read (the slots then come from LIO’s data only). Per-IP rate limit (BOOKING_RATE_LIMIT a minute).',
  request: {
    params: slugParam,
    query: z.object({
      date: dateOnly.optional().openapi({ description: 'One day (in tz); instead of from/to' }),
      from: dateOrInstant.optional(),
      to: dateOrInstant.optional(),
      duration: boundedIntParam(1, 1440).optional().openapi({ description: 'Minutes; one of the profile’s durations (422 duration_not_offered otherwise)' }),
      tz: timeZoneName.optional(),
    }),
  },
  responses: {
    200: {
      description: 'The slots',
      content: jsonContent(
        okEnvelope(
          z
            .object({
              slug: z.string(),
              timezone: z.string(),
              profile_timezone: z.string(),
              duration: z.number().int(),
              from: z.string(),
              to: z.string(),
              partial: z.boolean(),
              slots: z.array(slotSchema),
            })
            .openapi('BookingAvailability'),
        ),
      ),
    },
    404: errorResponse('No active booking profile with this slug'),
  },
});

export const confirmBookingBody = z
  .object({
    start: instant,
    end: instant,
    name: z.string().trim().min(1).max(120).optional().openapi({ description: 'Required unless reschedule_token is given' }),
    email: z.email().max(320).optional().openapi({ description: 'Required unless reschedule_token is given' }),
    company: z.string().trim().max(200).nullish(),
    phone: z.string().trim().max(50).nullish(),
    notes: z.string().trim().max(5000).nullish(),
    answers: z
      .record(z.string().max(40), z.string().max(5000))
      .refine((a) => Object.keys(a).length <= 20, 'at most 20 answers')
      .optional()
      .openapi({ description: "Answers to the profile's questions, by key" }),
    tz: timeZoneName.optional().openapi({ description: "The attendee's zone (their browser's): the times in the email are shown in it" }),
    reschedule_token: z.string().max(MAX_TOKEN_LENGTH).optional().openapi({ description: "A booking's manage token: this confirmation moves that booking here" }),
  })
  .superRefine((body, ctx) => {
    if (body.reschedule_token !== undefined) return;
    if (body.name === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'required' });
    if (body.email === undefined) ctx.addIssue({ code: 'custom', path: ['email'], message: 'required' });
  })
  .openapi('ConfirmBookingRequest');

const confirmedSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(['confirmed', 'cancelled', 'rescheduled']),
    start: z.string().openapi({ description: "In the attendee's zone" }),
    end: z.string(),
    timezone: z.string(),
    name: z.string(),
    email: z.string(),
    rescheduled_from: z.number().int().nullable(),
    meeting: z
      .object({
        id: z.number().int(),
        title: z.string(),
        start_time: z.string(),
        end_time: z.string(),
        timezone: z.string(),
        status: z.number().int(),
        calendar_booking: z.enum(['pending', 'booked', 'removed']).nullable(),
      })
      .nullable(),
    lead_matched: z.boolean().openapi({ description: 'The attendee was an existing lead (matched by email) rather than a new one' }),
    manage_url: z.string().openapi({ description: 'The manage page (cancel), as in the email' }),
    reschedule_url: z.string().openapi({ description: 'The booking page, moving this booking' }),
    confirmation_email: z.object({
      status: z.enum(['queued', 'not_sent']),
      message_id: z.number().int().optional(),
      reason: z.string().optional(),
    }),
  })
  .openapi('ConfirmedBooking');

export const confirmBookingRoute = defineRoute('public', {
  method: 'post',
  path: '/api/booking/{slug}/confirm',
  tags,
  summary: 'Confirm a booking',
  description:
    'Books the slot start–end if the availability offers it right now (an offered duration, on the slot grid, within working hours, notice and horizon, free); ' +
    'exactly one of any number of concurrent confirmations of overlapping slots of the same rep wins, the others answer 409 slot_unavailable. ' +
    'The attendee is matched to the lead with that email, or becomes one (lead source Website); the meeting is created and put in the rep’s calendar; ' +
    'a demo_requested intent signal is recorded; a confirmation email with a calendar invitation (invite.ics) and manage links is queued from the rep’s mailbox ' +
    '(confirmation_email.status not_sent when the rep has none: the booking stands). With reschedule_token the booking it names moves here. ' +
    '422 for a duration not offered or invalid answers; per-IP rate limit (BOOKING_CONFIRM_RATE_LIMIT a minute).',
  request: { params: slugParam, body: { required: true, content: jsonContent(confirmBookingBody) } },
  responses: {
    201: { description: 'Booked', content: jsonContent(okEnvelope(confirmedSchema)) },
    404: errorResponse('No active booking profile with this slug, or the booking to reschedule is not one of its'),
    409: errorResponse('The slot is not available (slot_unavailable), or the booking to reschedule was already cancelled or moved (booking_not_active)'),
  },
});

export const bookingPageRoute = defineRoute('public', {
  method: 'get',
  path: '/api/booking/{slug}/page',
  tags,
  summary: 'The booking page (HTML)',
  description:
    'A server-rendered page: a week of free times from date (default today) in tz (default the profile’s; reached without tz, one nonce\'d line of script asks again in the browser\'s zone; a select changes it), ' +
    'prev/next week links, a duration select; with start and end (a slot’s link) the form for the attendee’s details. reschedule carries a manage token.',
  request: {
    params: slugParam,
    query: z.object({
      date: z.string().max(40).optional().openapi({ format: 'date', description: 'The first day of the week shown (YYYY-MM-DD); anything else shows the coming week' }),
      tz: z.string().max(64).optional(),
      duration: z.string().max(10).optional(),
      start: z.string().max(40).optional(),
      end: z.string().max(40).optional(),
      reschedule: z.string().max(MANAGE_TOKEN_MAX_LENGTH).optional(),
    }),
  },
  responses: { 200: htmlPage('The page'), 404: pageOrError('No active booking profile with this slug'), 429: pageOrError('Too many requests from this address') },
});

export const bookingPageSubmitRoute = defineRoute('public', {
  method: 'post',
  path: '/api/booking/{slug}/page',
  tags,
  summary: 'Book from the booking page (form post)',
  description:
    'The page’s form posts here (application/x-www-form-urlencoded; answers as answers.<key>). Booked: 303 to the manage page. Invalid details: 422 with the form again ' +
    'and the errors tied to their fields. The slot was just taken: 409 with the week’s free times again and a notice.',
  request: {
    params: slugParam,
    body: { required: false, content: { 'application/x-www-form-urlencoded': { schema: z.record(z.string(), z.union([z.string(), z.array(z.string())])) } } },
  },
  responses: {
    303: { description: 'Booked: to the manage page', headers: { Location: { description: 'The manage page', schema: { type: 'string' as const } } } },
    404: pageOrError('No active booking profile with this slug'),
    409: htmlPage('The slot was just taken: the free times again'),
    422: pageOrError('The details are not valid: the form again with the errors (a body that is not a form at all: the error envelope)'),
    429: pageOrError('Too many requests from this address'),
  },
});

export const manageBookingRoute = defineRoute('public', {
  method: 'get',
  path: '/api/booking/manage/{token}',
  tags,
  summary: 'A booking’s manage page (HTML)',
  description: 'Shows the booking the signed token names, with a Cancel button (a form: following the link changes nothing) and a Reschedule link. A token that is not ours: 404 page.',
  request: { params: tokenParam, query: z.object({ done: z.enum(['booked', 'cancelled']).optional() }) },
  responses: { 200: htmlPage('The booking'), 404: pageOrError('Not a manage link of ours'), 429: pageOrError('Too many requests from this address') },
});

export const cancelBookingRoute = defineRoute('public', {
  method: 'post',
  path: '/api/booking/manage/{token}/cancel',
  tags,
  summary: 'Cancel a booking',
  description:
    'Cancels the booking the token names: its meeting becomes Cancelled (removed from the rep’s calendar), the attendee gets a cancellation (METHOD:CANCEL). ' +
    'Again: changes nothing. Answers the manage page (303 to it).',
  request: { params: tokenParam },
  responses: {
    303: { description: 'To the manage page', headers: { Location: { description: 'The manage page', schema: { type: 'string' as const } } } },
    404: pageOrError('Not a manage link of ours'),
    429: pageOrError('Too many requests from this address'),
  },
});

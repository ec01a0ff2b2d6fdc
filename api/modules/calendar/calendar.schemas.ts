// Request and response shapes of the calendar endpoints (§6.11): working
// hours (beyond the spec: what availability is computed from), availability,
// and a provider calendar's events.
import { z } from '@hono/zod-openapi';
import { MAX_BUFFER_MINUTES, MAX_SLOT_MINUTES, MIN_SLOT_MINUTES, WEEKDAYS } from '../../../domain/communications/availability.js';
import { CALENDAR_PROVIDERS } from '../../../domain/communications/meeting.service.js';
import { boundedInt, boundedIntParam, dateBound, recordIdParam } from '../../openapi/params.js';
import { attendeeSchema, timeZoneName } from '../meetings/meeting.schemas.js';

const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM').openapi({ example: '09:00' });
const workingRange = z.tuple([hhmm, hhmm]).openapi({ description: '[start, end] local times; an end of 24:00 is midnight', example: ['09:00', '17:00'] });
const dayRanges = z.array(workingRange).max(12);

export const workingHoursShape = z.object(Object.fromEntries(WEEKDAYS.map((day) => [day, dayRanges])) as Record<(typeof WEEKDAYS)[number], typeof dayRanges>);

export const workingHoursSchema = z
  .object({
    user_id: z.number().int(),
    timezone: z.string(),
    working_hours: workingHoursShape,
    buffer_minutes: z.number().int(),
    is_default: z.boolean().openapi({ description: "true until the user saved their own: Mon–Fri 09:00–17:00 in their profile's time zone (or UTC)" }),
    updated_at: z.string().nullable(),
  })
  .openapi('WorkingHours');

export const workingHoursQuery = z.object({
  user_id: recordIdParam.optional().openapi({ description: "A user of the caller's organization (default the caller)" }),
});

export const saveWorkingHoursBody = z
  .object({
    timezone: timeZoneName,
    working_hours: workingHoursShape.partial().openapi({ description: 'Ranges per weekday (sun … sat); a day left out or empty is not a working day' }),
    buffer_minutes: boundedInt(0, MAX_BUFFER_MINUTES).default(0).openapi({ description: 'Kept free before and after every meeting' }),
  })
  .openapi('SaveWorkingHoursRequest');

export const dateOnly = z.iso.date().openapi({ example: '2026-06-16' });
export const dateOrInstant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be an ISO date (YYYY-MM-DD) or date-time' })
  .openapi({ type: 'string', description: 'A date (a whole day in tz) or an RFC 3339 date-time' });

export const availabilityQuery = z.object({
  date: dateOnly.optional().openapi({ description: 'One day (in tz); instead of from/to' }),
  from: dateOrInstant.optional().openapi({ description: 'Start of the span (default now); a date is its midnight in tz' }),
  to: dateOrInstant.optional().openapi({ description: 'End of the span (default a week after from; at most 62 days after it); a date runs through its end in tz' }),
  duration: boundedIntParam(MIN_SLOT_MINUTES, MAX_SLOT_MINUTES).default(30).openapi({ description: 'Slot length in minutes' }),
  step: boundedIntParam(5, 240).default(15).openapi({ description: 'Minutes between slot starts, counted from the start of each working range' }),
  tz: timeZoneName.optional().openapi({ description: "The zone slots are shown in (default the user's working-hours zone)" }),
  user_id: recordIdParam.optional().openapi({ description: "A user of the caller's organization (default the caller)" }),
});

export const availabilitySchema = z
  .object({
    user_id: z.number().int(),
    timezone: z.string().openapi({ description: 'The zone the slots are shown in' }),
    user_timezone: z.string().openapi({ description: "The zone of the user's working hours" }),
    duration: z.number().int(),
    buffer_minutes: z.number().int(),
    from: z.string(),
    to: z.string(),
    busy_sources: z.array(z.string()).openapi({ description: 'What was counted as busy: lio (meetings not cancelled), google, outlook' }),
    slots: z.array(z.object({ start: z.string(), end: z.string() })),
  })
  .openapi('Availability');

export const providerParam = z.object({
  provider: z.enum(CALENDAR_PROVIDERS).openapi({ param: { name: 'provider', in: 'path' }, example: 'google' }),
});

export const eventsQuery = z.object({
  from: dateBound.optional().openapi({ description: 'Events ending after (default now; a date is its UTC midnight)' }),
  to: dateBound.optional().openapi({ description: 'Events starting before (default a week after from, at most 62 days after it; a date runs through its UTC end)' }),
});

const instant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v))
  .openapi({ type: 'string', format: 'date-time', example: '2026-06-16T14:00:00+02:00' });

export const createEventBody = z
  .object({
    summary: z.string().trim().min(1).max(255).optional().openapi({ description: 'The title (or give title)' }),
    title: z.string().trim().min(1).max(255).optional(),
    description: z.string().max(10_000).nullish(),
    location: z.string().trim().max(500).nullish(),
    start: instant,
    end: instant,
    time_zone: timeZoneName.default('UTC'),
    attendees: z.array(attendeeSchema).max(100).default([]),
  })
  .refine((e) => e.summary !== undefined || e.title !== undefined, { path: ['summary'], message: 'summary or title is required' })
  .refine((e) => e.end > e.start, { path: ['end'], message: 'must be after start' })
  .openapi('CreateCalendarEventRequest');

export const createEventHeaders = z.object({
  'idempotency-key': z
    .string()
    .trim()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: 'google and outlook: a repeated request with the same key answers the event the first one made instead of making another' }),
});

export const calendarEventSchema = z
  .object({
    id: z.string(),
    summary: z.string(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    start: z.string(),
    end: z.string(),
    all_day: z.boolean(),
    attendees: z.array(z.object({ email: z.string(), name: z.string().nullable() })),
    web_link: z.string().nullable(),
  })
  .openapi('CalendarEvent');

// Request and response shapes of the booking-profile management endpoints
// and the reps' booking list (beyond the spec: §10's public booking needs
// profiles behind it, issue 13).
import { z } from '@hono/zod-openapi';
import { MAX_BUFFER_MINUTES, MAX_SLOT_MINUTES, MIN_SLOT_MINUTES, WEEKDAYS } from '../../../domain/communications/availability.js';
import { BOOKING_STATUSES } from '../../../domain/booking/booking.service.js';
import { MAX_QUESTIONS, PROFILE_SORTABLE_FIELDS, PROFILE_STATUSES, QUESTION_TYPES, SLUG_PATTERN } from '../../../domain/booking/booking-profile.service.js';
import { boundedInt, limitParam, listQuery, pageParam, recordId, recordIdParam } from '../../openapi/params.js';
import { workingHoursShape } from '../calendar/calendar.schemas.js';
import { timeZoneName } from '../meetings/meeting.schemas.js';

const MAX_NOTICE_MINUTES = 43_200;
const MAX_HORIZON_DAYS = 365;

const questionSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _, starting with a letter (at most 40)'),
    label: z.string().trim().min(1).max(200),
    type: z.enum(QUESTION_TYPES),
    required: z.boolean().default(false),
    options: z.array(z.string().trim().min(1).max(200)).max(50).optional().openapi({ description: 'The choices of a select question' }),
  })
  .openapi('BookingQuestion');

const profileFields = {
  user_id: recordId.optional().openapi({ description: 'The rep whose calendar is booked (default the caller; an admin may name any user of the organization)' }),
  slug: z
    .string()
    .regex(SLUG_PATTERN, 'lower-case letters, digits and hyphens, 3–64 characters, not starting or ending with a hyphen')
    .openapi({ description: 'The public link: /api/v1/booking/{slug}; unique across every organization (409 slug_taken), reserved words refused', example: 'ada-intro' }),
  title: z.string().trim().min(1).max(120),
  description: z.string().trim().max(2000).nullish(),
  durations: z
    .array(boundedInt(MIN_SLOT_MINUTES, MAX_SLOT_MINUTES))
    .min(1)
    .max(6)
    .refine((d) => new Set(d).size === d.length, 'durations must be distinct')
    .openapi({ description: `Meeting lengths offered, in minutes (${MIN_SLOT_MINUTES}–${MAX_SLOT_MINUTES}); the first is the page's default`, example: [30, 60] }),
  working_hours: workingHoursShape.partial().openapi({ description: 'Ranges per weekday (sun … sat) in the profile time zone; a day left out is not bookable' }),
  timezone: timeZoneName.openapi({ description: 'The IANA zone the working hours are in' }),
  buffer_before_minutes: boundedInt(0, MAX_BUFFER_MINUTES).default(0).openapi({ description: 'Kept free before every booking' }),
  buffer_after_minutes: boundedInt(0, MAX_BUFFER_MINUTES).default(0).openapi({ description: 'Kept free after every booking' }),
  minimum_notice_minutes: boundedInt(0, MAX_NOTICE_MINUTES).default(240).openapi({ description: 'No slot starts sooner than this after now' }),
  horizon_days: boundedInt(1, MAX_HORIZON_DAYS).default(60).openapi({ description: 'No slot ends later than this many days after now' }),
  questions: z.array(questionSchema).max(MAX_QUESTIONS).default([]),
  status: z.enum(PROFILE_STATUSES).default('active').openapi({ description: 'A disabled profile answers 404 publicly' }),
};

export const createBookingProfileBody = z.object(profileFields).openapi('CreateBookingProfileRequest');

// every field optional and without defaults: an update changes only what it names
export const updateBookingProfileBody = z
  .object({
    ...profileFields,
    buffer_before_minutes: boundedInt(0, MAX_BUFFER_MINUTES),
    buffer_after_minutes: boundedInt(0, MAX_BUFFER_MINUTES),
    minimum_notice_minutes: boundedInt(0, MAX_NOTICE_MINUTES),
    horizon_days: boundedInt(1, MAX_HORIZON_DAYS),
    questions: z.array(questionSchema).max(MAX_QUESTIONS),
    status: z.enum(PROFILE_STATUSES),
  })
  .partial()
  .openapi('UpdateBookingProfileRequest');

const hhmmPair = z.tuple([z.string(), z.string()]);

export const bookingProfileSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    slug: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    durations: z.array(z.number().int()),
    working_hours: z.object(Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(hhmmPair)])) as Record<(typeof WEEKDAYS)[number], z.ZodArray<typeof hhmmPair>>),
    timezone: z.string(),
    buffer_before_minutes: z.number().int(),
    buffer_after_minutes: z.number().int(),
    minimum_notice_minutes: z.number().int(),
    horizon_days: z.number().int(),
    questions: z.array(z.object({ key: z.string(), label: z.string(), type: z.enum(QUESTION_TYPES), required: z.boolean(), options: z.array(z.string()).optional() })),
    status: z.enum(PROFILE_STATUSES),
    page_url: z.string().openapi({ description: 'The booking page to share' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('BookingProfile');

export const bookingProfileListQuery = listQuery(PROFILE_SORTABLE_FIELDS).extend({
  user_id: recordIdParam.optional().openapi({ description: "One rep's profiles (an admin; a rep sees only their own anyway)" }),
});

export const bookingListQuery = z.object({
  page: pageParam,
  limit: limitParam(),
  status: z.enum(BOOKING_STATUSES).optional(),
  profile_id: recordIdParam.optional(),
});

export const bookingSchema = z
  .object({
    id: z.number().int(),
    profile_id: z.number().int(),
    user_id: z.number().int(),
    meeting_id: z.number().int().nullable(),
    lead_id: z.number().int().nullable(),
    start_time: z.string(),
    end_time: z.string(),
    attendee_timezone: z.string().nullable(),
    name: z.string(),
    email: z.string(),
    company: z.string().nullable(),
    phone: z.string().nullable(),
    notes: z.string().nullable(),
    answers: z.record(z.string(), z.string()),
    status: z.enum(BOOKING_STATUSES),
    rescheduled_from: z.number().int().nullable(),
    cancelled_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Booking');

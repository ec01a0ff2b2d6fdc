// Request and response shapes of the meetings endpoints (§6.11, §11 Meeting).
import { z } from '@hono/zod-openapi';
import { isTimeZone } from '../../../domain/communications/availability.js';
import { CALENDAR_PROVIDERS, MEETING_SORTABLE_FIELDS, MEETING_STATUSES, MEETING_TOOLS } from '../../../domain/communications/meeting.service.js';
import { boundedIntParam, dateBound, listQuery, recordId, recordIdParam } from '../../openapi/params.js';

export const MAX_TRANSCRIPT_CHARS = 200_000;
const MAX_ATTENDEES = 100;

export const timeZoneName = z
  .string()
  .trim()
  .refine(isTimeZone, 'must be an IANA time zone name, e.g. Europe/Berlin or UTC')
  .openapi({ example: 'Europe/Berlin', description: 'An IANA time zone name' });

export const instant = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v))
  .openapi({ type: 'string', format: 'date-time', example: '2026-06-16T14:00:00+02:00' });

const meetingStatus = z
  .number()
  .int()
  .min(1)
  .max(5)
  // the literal type the domain takes; an integer with bounds in the document (as every integer field)
  .transform((status) => status as 1 | 2 | 3 | 4 | 5)
  .openapi({ description: '1=Scheduled, 2=Rescheduled, 3=Held, 4=Cancelled, 5=No Show' });

export const attendeeSchema = z.object({
  email: z.email().max(320),
  name: z.string().trim().max(200).nullish(),
});

const meetingFields = {
  title: z.string().trim().min(1).max(255),
  start_time: instant,
  end_time: instant,
  timezone: timeZoneName.optional().openapi({ description: 'The zone the meeting is shown in (default UTC)' }),
  description: z.string().max(10_000).nullish().openapi({ description: 'Notes; summarised by generate-summary when there is no transcript' }),
  location: z.string().trim().max(500).nullish(),
  attendees: z.array(attendeeSchema).max(MAX_ATTENDEES).optional(),
  meeting_tool: z.enum(MEETING_TOOLS).optional(),
  meeting_url: z.url({ protocol: /^https?$/ }).max(2000).nullish(),
  lead_id: recordId.nullish(),
  contact_id: recordId.nullish(),
  company_id: recordId.nullish(),
};

export const createMeetingBody = z
  .object({
    ...meetingFields,
    calendar_provider: z.enum(CALENDAR_PROVIDERS).optional().openapi({
      description:
        "Also book the meeting in this calendar: google or outlook (the caller's connected Gmail or Outlook mail configuration; " +
        'booked by a durable workflow, so calendar_booking is pending until the event exists), or sandbox (LIO only; when the server runs with SANDBOX_CONNECTORS)',
    }),
  })
  .refine((m) => m.end_time > m.start_time, { path: ['end_time'], message: 'must be after start_time' })
  .openapi('CreateMeetingRequest');

export const updateMeetingBody = z
  .object({
    ...meetingFields,
    status: meetingStatus,
    transcript: z.string().max(MAX_TRANSCRIPT_CHARS).nullable().openapi({ description: `What was said (at most ${MAX_TRANSCRIPT_CHARS} characters); null removes it` }),
  })
  .partial()
  .refine((m) => !(m.start_time && m.end_time) || m.end_time > m.start_time, { path: ['end_time'], message: 'must be after start_time' })
  .openapi('UpdateMeetingRequest');

export const meetingListQuery = listQuery(MEETING_SORTABLE_FIELDS).extend({
  lead_id: recordIdParam.optional(),
  contact_id: recordIdParam.optional(),
  company_id: recordIdParam.optional(),
  status: boundedIntParam(1, 5).optional().openapi({ description: '1=Scheduled, 2=Rescheduled, 3=Held, 4=Cancelled, 5=No Show' }),
  from: dateBound.optional().openapi({ description: 'Meetings starting at or after (a date: from its start, UTC)' }),
  to: dateBound.optional().openapi({ description: 'Meetings starting at or before (a date: through its end, UTC)' }),
});

const summarySchema = z
  .object({
    detail: z.enum(['brief', 'detailed']),
    text: z.string(),
    generator: z.enum(['llm', 'offline']).openapi({ description: 'llm: the configured model wrote it; offline: the built-in generator did (no model configured)' }),
    model: z.string(),
    generated_at: z.string(),
  })
  .openapi('MeetingSummary');

export const meetingSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    lead_id: z.number().int().nullable(),
    contact_id: z.number().int().nullable(),
    company_id: z.number().int().nullable(),
    title: z.string(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    start_time: z.string(),
    end_time: z.string(),
    timezone: z.string(),
    attendees: z.array(z.object({ email: z.string(), name: z.string().nullish() })),
    meeting_url: z.string().nullable(),
    meeting_tool: z.enum(MEETING_TOOLS),
    status: z.number().int(),
    status_text: z.enum(Object.values(MEETING_STATUSES) as [string, ...string[]]),
    calendar_provider: z.enum(CALENDAR_PROVIDERS).nullable(),
    calendar_event_id: z.string().nullable(),
    calendar_booking: z
      .enum(['pending', 'booked', 'removed'])
      .nullable()
      .openapi({ description: 'booked: the provider event exists; pending: the calendar workflow has not booked it yet; removed: cancelled and its event removed; null: in no calendar' }),
    has_transcript: z.boolean(),
    summary: summarySchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Meeting');

export const transcriptSchema = z
  .object({ meeting_id: z.number().int(), transcript: z.string(), updated_at: z.string() })
  .openapi('MeetingTranscript');

export const generateSummaryBody = z.object({ detail: z.enum(['brief', 'detailed']).default('brief') }).openapi('GenerateMeetingSummaryRequest');

export { summarySchema };

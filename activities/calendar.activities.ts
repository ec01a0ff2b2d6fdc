// The calendar workflow's I/O: bring a meeting's provider event in line with
// the meeting, or remove a deleted meeting's event
// (domain/communications/calendar.service.ts). What a provider failure means
// for Temporal's retries is decided here: a 429 (or an account still paused
// by one, in the shared provider throttle) waits for its Retry-After; an
// outage or a timeout is retried with backoff (the create is idempotent, so a
// timed-out attempt that did book is found again, never booked twice);
// refused credentials, a refused request or a refused destination end the
// workflow (the mail configuration shows needs_reauth).
import { ApplicationFailure } from '@temporalio/activity';
import { removeMeetingEvent, syncMeetingCalendar, type MeetingCalendarOutcome } from '../domain/communications/calendar.service.js';
import { connectorFailureOf } from '../domain/platform/connector-failure.js';
import type { ActivityDeps } from './activity-deps.js';
import { retryAfter } from './provider-throttle.js';

export interface MeetingCalendarInput {
  orgId: number;
  meetingId: number;
}

export interface MeetingEventRemovalInput extends MeetingCalendarInput {
  userId: number;
  provider: string;
  calendarEventId: string | null;
}

/** The Temporal failure a calendar call's error stands for. */
function temporalFailureOf(err: unknown): unknown {
  const failure = connectorFailureOf(err);
  if (!failure) return err;
  switch (failure.failure) {
    case 'rate_limited':
      return retryAfter(failure.message, Math.max(1000, failure.details.retryAfterMs ?? 5000));
    case 'unavailable':
    case 'timeout':
      return ApplicationFailure.retryable(failure.message, failure.failure);
    default:
      return ApplicationFailure.nonRetryable(failure.message, failure.failure);
  }
}

export function createCalendarActivities({ database, services }: ActivityDeps) {
  const deps = { secrets: services.secrets, calendars: services.calendar };
  return {
    async syncMeetingCalendar(input: MeetingCalendarInput): Promise<MeetingCalendarOutcome> {
      try {
        return await syncMeetingCalendar(database, deps, input);
      } catch (err) {
        throw temporalFailureOf(err);
      }
    },
    async removeMeetingEvent(input: MeetingEventRemovalInput): Promise<MeetingCalendarOutcome> {
      try {
        return await removeMeetingEvent(database, deps, input);
      } catch (err) {
        throw temporalFailureOf(err);
      }
    },
  };
}

export type CalendarActivities = ReturnType<typeof createCalendarActivities>;

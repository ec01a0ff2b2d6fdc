// Keeps one meeting's provider calendar event in line with the meeting
// (started through the outbox when a meeting booked in Google or Outlook is
// created or changed): books, updates, or removes the event. Every change
// asks again by signal-with-start: a running workflow syncs once more after
// its current pass (it may have read the meeting before the change), a
// finished one is started anew. One workflow id per meeting, so two changes
// never write the event concurrently. A deleted meeting's event is removed
// by its own workflow, given the event's id (the meeting row is gone).
import { defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CalendarActivities, MeetingCalendarInput, MeetingEventRemovalInput } from '../activities/calendar.activities.js';
import type { MeetingCalendarOutcome } from '../domain/communications/calendar.service.js';

export const meetingChangedSignal = defineSignal('meetingChanged');

/** One sync workflow per meeting, named by the organization's public id (org_…). */
export const meetingCalendarWorkflowId = ({ orgPublicId, meetingId }: { orgPublicId: string; meetingId: number }) => `meeting-calendar:${orgPublicId}:${meetingId}`;

/** One removal per deleted meeting, ever. */
export const meetingEventRemovalWorkflowId = ({ orgPublicId, meetingId }: { orgPublicId: string; meetingId: number }) => `meeting-calendar-removal:${orgPublicId}:${meetingId}`;

// A provider outage may last hours: the booking waits for it (backoff capped
// at 10 minutes, for a day) rather than being lost. Each attempt is a few
// short provider calls bounded by the egress timeout.
const { syncMeetingCalendar, removeMeetingEvent } = proxyActivities<CalendarActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  scheduleToCloseTimeout: '1 day',
});

export async function meetingCalendarWorkflow(input: MeetingCalendarInput): Promise<MeetingCalendarOutcome> {
  let changedSinceRead = false;
  setHandler(meetingChangedSignal, () => {
    changedSinceRead = true;
  });
  let result: MeetingCalendarOutcome;
  do {
    changedSinceRead = false;
    result = await syncMeetingCalendar(input);
  } while (changedSinceRead);
  return result;
}

export async function meetingEventRemovalWorkflow(input: MeetingEventRemovalInput): Promise<MeetingCalendarOutcome> {
  return removeMeetingEvent(input);
}

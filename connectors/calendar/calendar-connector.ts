// One interface for a user's provider calendar (§6.11): Google Calendar
// (@googleapis/calendar) and Outlook (Microsoft Graph), reached with the
// OAuth tokens of the user's gmail or outlook mail configuration. The sandbox
// calendar is not here: it keeps its events in LIO (the meetings table), so
// the domain serves it without a connector.
//
// Every method throws ConnectorError and nothing else; no implementation
// retries on its own (the Temporal activity that books a meeting does).
// createEvent is idempotent by the caller's `idempotencyId`: a retried create
// answers the event the first attempt made instead of making a second one.

export type CalendarProviderKind = 'google' | 'outlook';

export interface CalendarTokens {
  access_token: string;
  refresh_token?: string;
  /** epoch milliseconds */
  expiry_date?: number;
}

export interface CalendarAttendee {
  email: string;
  name?: string | null;
}

export interface CalendarEventInput {
  summary: string;
  description?: string | null;
  location?: string | null;
  start: Date;
  end: Date;
  /** IANA zone the event is shown in */
  timeZone: string;
  attendees?: CalendarAttendee[];
}

export interface NewCalendarEvent extends CalendarEventInput {
  /**
   * The caller's id for this event, the same on every attempt: 5–64
   * characters of a–v and 0–9 (Google's base32hex event ids; Outlook takes
   * it as the transactionId).
   */
  idempotencyId: string;
}

export interface CalendarEvent {
  id: string;
  summary: string;
  description: string | null;
  location: string | null;
  /** RFC 3339 instants; an all-day event starts and ends at midnight UTC of its dates */
  start: string;
  end: string;
  all_day: boolean;
  attendees: { email: string; name: string | null }[];
  /** a link to the event in the provider's web calendar, when it gives one */
  web_link: string | null;
}

export interface BusyInterval {
  start: Date;
  end: Date;
}

export interface CalendarConnector {
  readonly provider: CalendarProviderKind;
  /** when the user is busy between from and to (the provider's free/busy, tentative included) */
  freeBusy(from: Date, to: Date): Promise<BusyInterval[]>;
  /** the events overlapping [from, to], every page, at most MAX_LISTED_EVENTS */
  listEvents(from: Date, to: Date): Promise<CalendarEvent[]>;
  createEvent(event: NewCalendarEvent): Promise<CalendarEvent>;
  updateEvent(eventId: string, event: CalendarEventInput): Promise<CalendarEvent>;
  /** removes the event; one that is already gone counts as removed */
  deleteEvent(eventId: string): Promise<void>;
}

/** What the caller learns from a connector besides answers: a refreshed token set to store. */
export interface CalendarConnectorHooks {
  onTokens?: (tokens: CalendarTokens) => void;
}

/** Events one list answers at most: bounds the pages followed for one request. */
export const MAX_LISTED_EVENTS = 2500;

export const IDEMPOTENCY_ID_PATTERN = /^[a-v0-9]{5,64}$/;

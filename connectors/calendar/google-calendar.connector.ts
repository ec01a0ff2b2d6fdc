// Google Calendar through @googleapis/calendar 16 (the generated client of
// the googleapis project), authorised by the user's Gmail tokens
// (connectors/google/google-auth.ts: refresh on 401, refreshed tokens handed
// to onTokens, every request through the egress).
//
// - `rootUrl` is the operator's GOOGLE_API_BASE_URL (tests: a local fake).
// - The client's own retries are off (`retry: false`): googleapis-common
//   turns gaxios retries on for every call otherwise, GET/PUT/DELETE 3x with
//   fixed waits that ignore Retry-After; the Temporal activity retries,
//   honouring Retry-After through the shared provider throttle.
// - createEvent inserts with the caller's event id: Google refuses a second
//   insert of the same id with 409, which means the first attempt created it;
//   the event is then written again with events.update (idempotent), which
//   also restores an event that was cancelled meanwhile.
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import type { Egress } from '../egress.js';
import { ConnectorError } from '../connector-error.js';
import { createGoogleAuth, googleConnectorError } from '../google/google-auth.js';
import {
  IDEMPOTENCY_ID_PATTERN,
  MAX_LISTED_EVENTS,
  type CalendarConnector,
  type CalendarConnectorHooks,
  type CalendarEvent,
  type CalendarEventInput,
  type CalendarTokens,
} from './calendar-connector.js';

export interface GoogleCalendarSettings {
  clientId?: string;
  clientSecret?: string;
  /** GOOGLE_API_BASE_URL; absent: Google's own */
  rootUrl?: string;
  tokenUrl: string;
  egress: Egress;
}

const PROVIDER = 'google_calendar';
const PAGE_SIZE = 250;

function requestBody(event: CalendarEventInput): calendar_v3.Schema$Event {
  return {
    summary: event.summary,
    description: event.description ?? null,
    location: event.location ?? null,
    start: { dateTime: event.start.toISOString(), timeZone: event.timeZone },
    end: { dateTime: event.end.toISOString(), timeZone: event.timeZone },
    attendees: (event.attendees ?? []).map((a) => ({ email: a.email, ...(a.name ? { displayName: a.name } : {}) })),
    // a cancelled event written again (a meeting un-cancelled) is shown again
    status: 'confirmed',
  };
}

/** An instant from Google's start/end: a dateTime, or an all-day date (midnight UTC of that date). */
const instantOf = (time: calendar_v3.Schema$EventDateTime | undefined) =>
  time?.dateTime ? new Date(time.dateTime).toISOString() : time?.date ? `${time.date}T00:00:00.000Z` : '';

function present(event: calendar_v3.Schema$Event): CalendarEvent {
  return {
    id: event.id ?? '',
    summary: event.summary ?? '',
    description: event.description ?? null,
    location: event.location ?? null,
    start: instantOf(event.start),
    end: instantOf(event.end),
    all_day: Boolean(event.start?.date && !event.start.dateTime),
    attendees: (event.attendees ?? []).filter((a) => a.email).map((a) => ({ email: a.email!, name: a.displayName ?? null })),
    web_link: event.htmlLink ?? null,
  };
}

export function createGoogleCalendarConnector(settings: GoogleCalendarSettings, tokens: CalendarTokens, hooks: CalendarConnectorHooks = {}): CalendarConnector {
  const auth = createGoogleAuth({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    tokenUrl: settings.tokenUrl,
    egress: settings.egress,
    tokens,
    onTokens: hooks.onTokens,
  });
  const api = calendar({ version: 'v3', auth, retry: false, ...(settings.rootUrl ? { rootUrl: settings.rootUrl } : {}) });
  const failure = (err: unknown) => googleConnectorError(err, { provider: PROVIDER, tokenUrl: settings.tokenUrl, egress: settings.egress });
  const call = async <T>(request: () => Promise<{ data: T }>): Promise<T> => {
    try {
      return (await request()).data;
    } catch (err) {
      throw failure(err);
    }
  };

  return {
    provider: 'google',

    async freeBusy(from, to) {
      const answer = await call(() =>
        api.freebusy.query({ requestBody: { timeMin: from.toISOString(), timeMax: to.toISOString(), items: [{ id: 'primary' }] } }),
      );
      const primary = answer.calendars?.primary;
      if (primary?.errors?.length) throw new ConnectorError('unavailable', `Google could not read the calendar's free/busy (${primary.errors[0]?.reason ?? 'error'})`, { provider: PROVIDER });
      return (primary?.busy ?? []).filter((b) => b.start && b.end).map((b) => ({ start: new Date(b.start!), end: new Date(b.end!) }));
    },

    async listEvents(from, to) {
      const events: CalendarEvent[] = [];
      let pageToken: string | undefined;
      do {
        const page = await call(() =>
          api.events.list({
            calendarId: 'primary',
            timeMin: from.toISOString(),
            timeMax: to.toISOString(),
            singleEvents: true,
            orderBy: 'startTime',
            maxResults: PAGE_SIZE,
            ...(pageToken ? { pageToken } : {}),
          }),
        );
        for (const event of page.items ?? []) if (event.status !== 'cancelled') events.push(present(event));
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken && events.length < MAX_LISTED_EVENTS);
      return events.slice(0, MAX_LISTED_EVENTS);
    },

    async createEvent(event) {
      if (!IDEMPOTENCY_ID_PATTERN.test(event.idempotencyId)) throw new ConnectorError('rejected', 'the event id must be 5–64 characters of a–v and 0–9', { provider: PROVIDER });
      try {
        const { data } = await api.events.insert({ calendarId: 'primary', sendUpdates: 'all', requestBody: { ...requestBody(event), id: event.idempotencyId } });
        return present(data);
      } catch (err) {
        const mapped = failure(err);
        if (mapped.details.status !== 409) throw mapped;
      }
      // 409: an earlier attempt created it; write it as it should be now
      return present(await call(() => api.events.update({ calendarId: 'primary', eventId: event.idempotencyId, sendUpdates: 'all', requestBody: requestBody(event) })));
    },

    async updateEvent(eventId, event) {
      return present(await call(() => api.events.update({ calendarId: 'primary', eventId, sendUpdates: 'all', requestBody: requestBody(event) })));
    },

    async deleteEvent(eventId) {
      try {
        await api.events.delete({ calendarId: 'primary', eventId, sendUpdates: 'all' });
      } catch (err) {
        const mapped = failure(err);
        // 404, or 410 Gone for an event already deleted: what was asked is done
        if (mapped.failure === 'not_found' || mapped.details.status === 410) return;
        throw mapped;
      }
    },
  };
}

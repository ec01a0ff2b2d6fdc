// A local Google Calendar API v3 (the primary calendar of one account) and
// Google's OAuth token endpoint, speaking what @googleapis/calendar sends:
// POST /calendar/v3/freeBusy, GET /calendar/v3/calendars/primary/events
// (timeMin/timeMax, maxResults + pageToken paging), POST …/events with a
// client-chosen id (409 "duplicate" when the id exists, even for a deleted
// event, as Google does), PUT …/events/{id} (also restores a cancelled
// event), DELETE …/events/{id} (410 when already deleted). Bearer tokens are
// checked on every call (401 UNAUTHENTICATED), refreshed at /token.
import { startFakeServer, type FakeControls } from './calendar-fake-support.js';

export interface GoogleFakeEvent {
  id: string;
  status: 'confirmed' | 'cancelled';
  summary?: string;
  description?: string | null;
  location?: string | null;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
  attendees?: { email: string; displayName?: string }[];
}

export interface GoogleCalendarFake extends FakeControls {
  /** GOOGLE_API_BASE_URL (ends with /) */
  rootUrl: string;
  tokenUrl: string;
  /** the calendar, by event id (deleted events stay, cancelled) */
  events: Map<string, GoogleFakeEvent>;
  /** how many inserts created an event (a refused duplicate does not count) */
  inserts: number;
  close(): Promise<void>;
}

const googleError = (code: number, message: string, reason: string) => ({ error: { code, message, errors: [{ domain: 'global', reason, message }] } });

const REASONS: Record<number, [string, string]> = {
  400: ['badRequest', 'Bad Request'],
  403: ['forbidden', 'Forbidden'],
  404: ['notFound', 'Not Found'],
  409: ['duplicate', 'The requested identifier already exists.'],
  410: ['deleted', 'Resource has been deleted'],
  429: ['rateLimitExceeded', 'Rate Limit Exceeded'],
  500: ['backendError', 'Backend Error'],
  503: ['backendError', 'Service Unavailable'],
};

const errorBody = (status: number) => {
  const [reason, message] = REASONS[status] ?? ['error', 'Error'];
  return googleError(status, message, reason);
};

const PREFIX = '/calendar/v3/calendars/primary/events';

export async function startGoogleCalendarFake(options: { accessToken: string; refreshToken: string }): Promise<GoogleCalendarFake> {
  const events = new Map<string, GoogleFakeEvent>();
  const state = { inserts: 0 };
  const overlapping = (from: string | null, to: string | null) =>
    [...events.values()]
      .filter((e) => e.status === 'confirmed')
      .filter((e) => (!to || Date.parse(e.start.dateTime) < Date.parse(to)) && (!from || Date.parse(e.end.dateTime) > Date.parse(from)))
      .sort((a, b) => Date.parse(a.start.dateTime) - Date.parse(b.start.dateTime));
  const answerOf = (e: GoogleFakeEvent) => ({ kind: 'calendar#event', ...e, htmlLink: `https://calendar.google.test/event?eid=${e.id}` });

  const server = await startFakeServer({
    ...options,
    unauthorised: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
    errorBody,
    route: ({ method, path, query, body }) => {
      if (method === 'POST' && path === '/calendar/v3/freeBusy') {
        const busy = overlapping(body.timeMin, body.timeMax).map((e) => ({ start: e.start.dateTime, end: e.end.dateTime }));
        return { status: 200, body: { kind: 'calendar#freeBusy', timeMin: body.timeMin, timeMax: body.timeMax, calendars: { primary: { busy } } } };
      }
      if (method === 'GET' && path === PREFIX) {
        const all = overlapping(query.get('timeMin'), query.get('timeMax'));
        const size = Number(query.get('maxResults') ?? 250);
        const offset = Number(query.get('pageToken') ?? 0);
        const next = offset + size < all.length ? String(offset + size) : undefined;
        return { status: 200, body: { kind: 'calendar#events', items: all.slice(offset, offset + size).map(answerOf), ...(next ? { nextPageToken: next } : {}) } };
      }
      if (method === 'POST' && path === PREFIX) {
        const id = typeof body.id === 'string' ? body.id : `gen${state.inserts + 1}x${Date.now().toString(32)}`;
        if (!/^[a-v0-9]{5,1024}$/.test(id)) return { status: 400, body: googleError(400, 'Invalid resource id value.', 'invalid') };
        if (events.has(id)) return { status: 409, body: errorBody(409) };
        const event: GoogleFakeEvent = { ...body, id, status: 'confirmed' };
        events.set(id, event);
        state.inserts += 1;
        return { status: 200, body: answerOf(event) };
      }
      const one = path.startsWith(`${PREFIX}/`) ? decodeURIComponent(path.slice(PREFIX.length + 1)) : null;
      if (one !== null && method === 'PUT') {
        if (!events.has(one)) return { status: 404, body: errorBody(404) };
        const event: GoogleFakeEvent = { ...body, id: one, status: body.status === 'cancelled' ? 'cancelled' : 'confirmed' };
        events.set(one, event);
        return { status: 200, body: answerOf(event) };
      }
      if (one !== null && method === 'DELETE') {
        const event = events.get(one);
        if (!event) return { status: 404, body: errorBody(404) };
        if (event.status === 'cancelled') return { status: 410, body: errorBody(410) };
        event.status = 'cancelled';
        return { status: 204 };
      }
      return null;
    },
  });
  return Object.defineProperties(server as unknown as GoogleCalendarFake, {
    rootUrl: { value: `${server.origin}/` },
    events: { value: events },
    inserts: { get: () => state.inserts },
  });
}

// A local Microsoft Graph v1.0 calendar (the signed-in user's) and the
// Microsoft identity token endpoint, speaking what the Graph client sends:
// GET /v1.0/me/calendarView (startDateTime/endDateTime, $top with
// @odata.nextLink paging by $skip, times in UTC as Prefer:
// outlook.timezone asks), POST /v1.0/me/events (a repeated transactionId
// answers the event already made, as Graph does), PATCH and DELETE
// /v1.0/me/events/{id} (404 ErrorItemNotFound). Bearer tokens are checked on
// every call (401 InvalidAuthenticationToken), refreshed at /token.
import { startFakeServer, type FakeControls } from './calendar-fake-support.js';

export interface GraphFakeEvent {
  id: string;
  subject: string;
  body?: { contentType: string; content: string };
  location?: { displayName: string };
  /** UTC wall times, as Graph answers with Prefer: outlook.timezone="UTC" */
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  showAs: string;
  isCancelled: boolean;
  attendees?: { emailAddress: { address: string; name?: string }; type: string }[];
  transactionId?: string;
}

export interface GraphCalendarFake extends FakeControls {
  /** MICROSOFT_GRAPH_BASE_URL (…/v1.0) */
  graphBaseUrl: string;
  tokenUrl: string;
  events: Map<string, GraphFakeEvent>;
  /** how many POSTs made a new event */
  creations: number;
  close(): Promise<void>;
}

const graphError = (code: string, message: string) => ({ error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': 'fake' } } });

const CODES: Record<number, string> = { 400: 'BadRequest', 403: 'ErrorAccessDenied', 404: 'ErrorItemNotFound', 429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServiceNotAvailable' };
const errorBody = (status: number) => graphError(CODES[status] ?? 'UnknownError', `Fake Graph answered ${status}`);

/** an instant as Graph's UTC wall time with seven fraction digits */
const wall = (at: string) => `${new Date(`${at.replace(/Z$/, '').slice(0, 23)}Z`).toISOString().slice(0, 23)}0000`;
const instant = (time: { dateTime: string }) => Date.parse(`${time.dateTime.slice(0, 23)}Z`);

export async function startGraphCalendarFake(options: { accessToken: string; refreshToken: string }): Promise<GraphCalendarFake> {
  const events = new Map<string, GraphFakeEvent>();
  const state = { creations: 0 };
  let base = '';
  const server = await startFakeServer({
    ...options,
    unauthorised: graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'),
    errorBody,
    route: ({ method, path, query, body }) => {
      if (method === 'GET' && path === '/v1.0/me/calendarView') {
        const from = Date.parse(query.get('startDateTime') ?? '');
        const to = Date.parse(query.get('endDateTime') ?? '');
        if (Number.isNaN(from) || Number.isNaN(to)) return { status: 400, body: graphError('ErrorInvalidParameter', 'startDateTime and endDateTime are required') };
        const all = [...events.values()].filter((e) => instant(e.start) < to && instant(e.end) > from).sort((a, b) => instant(a.start) - instant(b.start));
        const top = Number(query.get('$top') ?? 10);
        const skip = Number(query.get('$skip') ?? 0);
        const nextQuery = new URLSearchParams(query);
        nextQuery.set('$skip', String(skip + top));
        const next = skip + top < all.length ? `${base}/me/calendarView?${nextQuery.toString()}` : undefined;
        return { status: 200, body: { value: all.slice(skip, skip + top), ...(next ? { '@odata.nextLink': next } : {}) } };
      }
      if (method === 'POST' && path === '/v1.0/me/events') {
        const existing = body.transactionId ? [...events.values()].find((e) => e.transactionId === body.transactionId) : undefined;
        if (existing) return { status: 201, body: existing };
        const id = `AAMkAD${String(++state.creations).padStart(4, '0')}`;
        const event: GraphFakeEvent = {
          ...body,
          id,
          start: { dateTime: wall(body.start.dateTime), timeZone: 'UTC' },
          end: { dateTime: wall(body.end.dateTime), timeZone: 'UTC' },
          showAs: body.showAs ?? 'busy',
          isCancelled: false,
        };
        events.set(id, event);
        return { status: 201, body: event };
      }
      const id = path.startsWith('/v1.0/me/events/') ? decodeURIComponent(path.slice('/v1.0/me/events/'.length)) : null;
      if (id !== null && method === 'PATCH') {
        const event = events.get(id);
        if (!event) return { status: 404, body: errorBody(404) };
        Object.assign(event, body, {
          start: body.start ? { dateTime: wall(body.start.dateTime), timeZone: 'UTC' } : event.start,
          end: body.end ? { dateTime: wall(body.end.dateTime), timeZone: 'UTC' } : event.end,
        });
        return { status: 200, body: event };
      }
      if (id !== null && method === 'DELETE') {
        if (!events.delete(id)) return { status: 404, body: errorBody(404) };
        return { status: 204 };
      }
      return null;
    },
  });
  base = `${server.origin}/v1.0`;
  return Object.defineProperties(server as unknown as GraphCalendarFake, {
    graphBaseUrl: { value: base },
    events: { value: events },
    creations: { get: () => state.creations },
  });
}

// Outlook calendar through Microsoft Graph (connectors/microsoft/graph.ts:
// the official client with our bearer middleware, which refreshes once on a
// 401, no RetryHandler, every request through the egress), authorised by the
// user's Outlook mail configuration tokens.
//
// - Busy time and events both come from /me/calendarView (expanded
//   occurrences of recurring events included), read in UTC (Prefer:
//   outlook.timezone="UTC"); free/busy is every event not shown as free and
//   not cancelled.
// - Times are sent in UTC: Graph's dateTime is a wall time in `timeZone`,
//   and UTC is the one zone name every Graph tenant reads the same way.
// - createEvent carries the caller's id as Graph's `transactionId`, which
//   Graph uses to avoid making the event twice when a POST is repeated.
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Egress } from '../egress.js';
import { ConnectorError } from '../connector-error.js';
import { createGraphClient, graphConnectorError, refreshMicrosoftToken } from '../microsoft/graph.js';
import {
  IDEMPOTENCY_ID_PATTERN,
  MAX_LISTED_EVENTS,
  type CalendarConnector,
  type CalendarConnectorHooks,
  type CalendarEvent,
  type CalendarEventInput,
  type CalendarTokens,
} from './calendar-connector.js';

export interface OutlookCalendarSettings {
  /** MICROSOFT_GRAPH_BASE_URL, version included */
  graphBaseUrl: string;
  tokenUrl: string;
  clientId?: string;
  clientSecret?: string;
  egress: Egress;
}

const PROVIDER = 'microsoft';
const PAGE_SIZE = 100;
/** a token this close to its expiry is refreshed before use rather than sent to be refused */
const EXPIRY_MARGIN_MS = 60_000;

interface GraphDateTime {
  dateTime?: string;
  timeZone?: string;
}

interface GraphEvent {
  id?: string;
  subject?: string | null;
  body?: { content?: string | null } | null;
  bodyPreview?: string | null;
  location?: { displayName?: string | null } | null;
  start?: GraphDateTime;
  end?: GraphDateTime;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: string;
  attendees?: { emailAddress?: { address?: string; name?: string | null } }[];
  webLink?: string | null;
}

interface GraphPage {
  value?: GraphEvent[];
  '@odata.nextLink'?: string;
}

/** Graph's UTC wall time ("2026-06-15T10:00:00.0000000", zone UTC) as an instant. */
const utcInstant = (time: GraphDateTime | undefined) => (time?.dateTime ? new Date(`${time.dateTime.replace(/Z$/, '').slice(0, 23)}Z`) : null);

function present(event: GraphEvent): CalendarEvent {
  return {
    id: event.id ?? '',
    summary: event.subject ?? '',
    description: event.body?.content ?? event.bodyPreview ?? null,
    location: event.location?.displayName || null,
    start: utcInstant(event.start)?.toISOString() ?? '',
    end: utcInstant(event.end)?.toISOString() ?? '',
    all_day: event.isAllDay ?? false,
    attendees: (event.attendees ?? []).filter((a) => a.emailAddress?.address).map((a) => ({ email: a.emailAddress!.address!, name: a.emailAddress!.name ?? null })),
    web_link: event.webLink ?? null,
  };
}

function requestBody(event: CalendarEventInput) {
  const utc = (at: Date) => ({ dateTime: at.toISOString().slice(0, 23), timeZone: 'UTC' });
  return {
    subject: event.summary,
    body: { contentType: 'text', content: event.description ?? '' },
    location: { displayName: event.location ?? '' },
    start: utc(event.start),
    end: utc(event.end),
    attendees: (event.attendees ?? []).map((a) => ({ emailAddress: { address: a.email, ...(a.name ? { name: a.name } : {}) }, type: 'required' })),
    isCancelled: false,
  };
}

export function createOutlookCalendarConnector(settings: OutlookCalendarSettings, tokens: CalendarTokens, hooks: CalendarConnectorHooks = {}): CalendarConnector {
  let current = { ...tokens };
  // the Graph client turns an error thrown by its middleware into a GraphError without a status:
  // a refused refresh is kept here so the call reports it as the auth failure it is
  let refreshFailure: ConnectorError | null = null;
  const accessToken = async (options?: { forceRefresh?: boolean }) => {
    const expiring = current.expiry_date !== undefined && current.expiry_date - EXPIRY_MARGIN_MS < Date.now();
    if (options?.forceRefresh || expiring) {
      try {
        current = await refreshMicrosoftToken(
          { tokenUrl: settings.tokenUrl, clientId: settings.clientId, clientSecret: settings.clientSecret, egress: settings.egress },
          current.refresh_token,
        );
      } catch (err) {
        refreshFailure = graphConnectorError(err, settings.egress);
        throw refreshFailure;
      }
      hooks.onTokens?.(current);
    }
    return current.access_token;
  };
  const client: Client = createGraphClient({ baseUrl: settings.graphBaseUrl, egress: settings.egress, accessToken });
  const base = new URL(settings.graphBaseUrl.replace(/\/+$/, ''));
  const failureOf = (err: unknown) => {
    const refused = refreshFailure;
    refreshFailure = null;
    return refused ?? graphConnectorError(err, settings.egress);
  };
  const call = async <T>(request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (err) {
      throw failureOf(err);
    }
  };

  /** Every occurrence overlapping [from, to], following nextLink on the configured Graph host only (the token goes nowhere else). */
  async function calendarView(from: Date, to: Date, select: string): Promise<GraphEvent[]> {
    const events: GraphEvent[] = [];
    let page = await call<GraphPage>(() =>
      client
        .api('/me/calendarView')
        .header('Prefer', 'outlook.timezone="UTC"')
        .query({ startDateTime: from.toISOString(), endDateTime: to.toISOString() })
        .select(select)
        .orderby('start/dateTime')
        .top(PAGE_SIZE)
        .get(),
    );
    for (;;) {
      events.push(...(page.value ?? []));
      const next = page['@odata.nextLink'];
      if (!next || events.length >= MAX_LISTED_EVENTS) return events.slice(0, MAX_LISTED_EVENTS);
      const link = new URL(next);
      if (link.origin !== base.origin || !link.pathname.startsWith(base.pathname)) {
        throw new ConnectorError('refused', "Microsoft Graph's next page points off the configured Graph host", { provider: PROVIDER });
      }
      const relative = `${link.pathname.slice(base.pathname.length)}${link.search}`;
      page = await call<GraphPage>(() => client.api(relative).header('Prefer', 'outlook.timezone="UTC"').get());
    }
  }

  return {
    provider: 'outlook',

    async freeBusy(from, to) {
      const events = await calendarView(from, to, 'start,end,showAs,isCancelled');
      return events
        .filter((e) => !e.isCancelled && e.showAs !== 'free')
        .map((e) => ({ start: utcInstant(e.start), end: utcInstant(e.end) }))
        .filter((b): b is { start: Date; end: Date } => b.start !== null && b.end !== null);
    },

    async listEvents(from, to) {
      const events = await calendarView(from, to, 'id,subject,bodyPreview,location,start,end,isAllDay,isCancelled,attendees,webLink');
      return events.filter((e) => !e.isCancelled).map(present);
    },

    async createEvent(event) {
      if (!IDEMPOTENCY_ID_PATTERN.test(event.idempotencyId)) throw new ConnectorError('rejected', 'the event id must be 5–64 characters of a–v and 0–9', { provider: PROVIDER });
      const created = await call<GraphEvent>(() => client.api('/me/events').post({ ...requestBody(event), transactionId: event.idempotencyId }));
      return present(created);
    },

    async updateEvent(eventId, event) {
      return present(await call<GraphEvent>(() => client.api(`/me/events/${encodeURIComponent(eventId)}`).patch(requestBody(event))));
    },

    async deleteEvent(eventId) {
      try {
        await client.api(`/me/events/${encodeURIComponent(eventId)}`).delete();
      } catch (err) {
        const mapped = failureOf(err);
        if (mapped.failure === 'not_found') return;
        throw mapped;
      }
    },
  };
}

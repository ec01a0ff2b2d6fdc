// Calendar endpoints (§6.11) against local fakes of Google Calendar and
// Microsoft Graph: working hours, availability with the provider's free/busy,
// and the provider's events; token refresh, refused refresh (the mail
// configuration needs re-authorisation), 429 with Retry-After (shared
// throttle), 5xx, timeouts; and the sandbox calendar.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sealingContext } from '../../domain/platform/sealed-credentials.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connectMailbox as connectMailboxOf } from '../helpers/mailboxes.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';
import { startGoogleCalendarFake, type GoogleCalendarFake } from '../fakes/google-calendar-fake.js';
import { startGraphCalendarFake, type GraphCalendarFake } from '../fakes/graph-calendar-fake.js';

const EGRESS_TIMEOUT_MS = 1500;

let t: TestApp;
let google: GoogleCalendarFake;
let graph: GraphCalendarFake;

beforeAll(async () => {
  google = await startGoogleCalendarFake({ accessToken: 'unused-google', refreshToken: 'unused-google-refresh' });
  graph = await startGraphCalendarFake({ accessToken: 'unused-graph', refreshToken: 'unused-graph-refresh' });
  t = createTestApp({
    // the fakes listen on loopback: an explicit opt-in to private destinations (off by default)
    EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
    EGRESS_TIMEOUT_MS: String(EGRESS_TIMEOUT_MS),
    GOOGLE_API_BASE_URL: google.rootUrl,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    GOOGLE_CLIENT_ID: 'lio-test-client',
    GOOGLE_CLIENT_SECRET: 'lio-test-secret',
    MICROSOFT_GRAPH_BASE_URL: graph.graphBaseUrl,
    MICROSOFT_TOKEN_URL: graph.tokenUrl,
    MICROSOFT_CLIENT_ID: 'lio-test-app',
    MICROSOFT_CLIENT_SECRET: 'lio-test-app-secret',
    SANDBOX_CONNECTORS: 'true',
  });
});

afterAll(async () => {
  await t?.close();
  await google?.close();
  await graph?.close();
});

beforeEach(() => {
  google.events.clear();
  graph.events.clear();
  google.requests.length = 0;
  graph.requests.length = 0;
});

/** A gmail or outlook mail configuration of the tenant's admin (or another user), with tokens the fake accepts. */
const connectMailbox = (tenant: Tenant, mailer: 'gmail' | 'outlook', userId = tenant.adminId) =>
  connectMailboxOf(t, mailer === 'gmail' ? google : graph, { orgId: tenant.orgId, userId }, mailer);

async function storedTokens(tenant: Tenant, configId: number) {
  const row = await t.database.prisma.mailConfiguration.findUniqueOrThrow({ where: { id: configId } });
  return { tokens: JSON.parse(t.deps.services.secrets.open(row.secret_sealed, sealingContext.mailConfiguration(tenant.orgId))), needsReauth: row.needs_reauth };
}

/** The date (YYYY-MM-DD) of the Monday at least a week ahead. */
function upcomingMonday(): string {
  const day = new Date(Date.now() + 7 * 86_400_000);
  day.setUTCDate(day.getUTCDate() + ((8 - day.getUTCDay()) % 7));
  return day.toISOString().slice(0, 10);
}

const googleEvent = (id: string, start: string, end: string, summary = 'Busy') => ({ id, status: 'confirmed' as const, summary, start: { dateTime: start }, end: { dateTime: end } });

describe('working hours', () => {
  it('answers the default (Mon–Fri 09:00–17:00 UTC) until saved, then what was saved', async () => {
    const tenant = await seedTenant(t);
    const before = await t.call('GET', '/api/calendar/working-hours', { token: tenant.token });
    expect(before.status).toBe(200);
    expect(before.body.data).toMatchObject({ user_id: tenant.adminId, timezone: 'UTC', buffer_minutes: 0, is_default: true });
    expect(before.body.data.working_hours.mon).toEqual([['09:00', '17:00']]);
    expect(before.body.data.working_hours.sat).toEqual([]);

    const body = { timezone: 'Europe/Berlin', working_hours: { mon: [['13:00', '17:00'], ['08:00', '12:00']], sat: [['10:00', '24:00']] }, buffer_minutes: 15 };
    const saved = await t.call('PUT', '/api/calendar/working-hours', { token: tenant.token, body });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({ timezone: 'Europe/Berlin', buffer_minutes: 15, is_default: false });
    expect(saved.body.data.working_hours).toMatchObject({ mon: [['13:00', '17:00'], ['08:00', '12:00']], tue: [], sat: [['10:00', '24:00']] });
    const after = await t.call('GET', '/api/calendar/working-hours', { token: tenant.token });
    expect(after.body.data).toEqual(saved.body.data);
  });

  it('refuses an unknown time zone, overlapping or reversed ranges, and a buffer out of bounds (422)', async () => {
    const tenant = await seedTenant(t);
    const put = (body: unknown) => t.call('PUT', '/api/calendar/working-hours', { token: tenant.token, body });
    expect((await put({ timezone: 'Mars/Olympus', working_hours: {} })).status).toBe(422);
    expect((await put({ timezone: '+02:00', working_hours: {} })).status).toBe(422);
    const overlap = await put({ timezone: 'UTC', working_hours: { tue: [['09:00', '12:00'], ['11:00', '13:00']] } });
    expect(overlap.status).toBe(422);
    expect(overlap.body.error.message).toContain('working_hours.tue');
    expect((await put({ timezone: 'UTC', working_hours: { wed: [['12:00', '09:00']] } })).status).toBe(422);
    expect((await put({ timezone: 'UTC', working_hours: { wed: [['9:00', '10:00']] } })).status).toBe(422);
    expect((await put({ timezone: 'UTC', working_hours: {}, buffer_minutes: 241 })).status).toBe(422);
  });

  it("reads a colleague's working hours, never another organization's user (404)", async () => {
    const [a, b] = await seedTwoTenants(t);
    const rep = await a.addUser();
    expect((await t.call('GET', '/api/calendar/working-hours', { token: a.token, query: { user_id: rep.id } })).status).toBe(200);
    expect((await t.call('GET', '/api/calendar/working-hours', { token: b.token, query: { user_id: rep.id } })).status).toBe(404);
  });
});

describe('GET /api/calendar/availability', () => {
  it("leaves out the user's LIO meetings and their Google busy time, and shows the slots in the caller's zone", async () => {
    const tenant = await seedTenant(t);
    const monday = upcomingMonday();
    await t.call('PUT', '/api/calendar/working-hours', { token: tenant.token, body: { timezone: 'Europe/Berlin', working_hours: { mon: [['09:00', '12:00']] } } });
    await connectMailbox(tenant, 'gmail');
    // Berlin is UTC+01:00 in winter and +02:00 in summer: compute the instants from the zone's offset that day
    const offset = new Date(`${monday}T12:00:00Z`).toLocaleString('en-US', { timeZone: 'Europe/Berlin', timeZoneName: 'longOffset' }).endsWith('+02:00') ? '+02:00' : '+01:00';
    const meeting = await t.call('POST', '/api/meeting/add', {
      token: tenant.token,
      body: { title: 'Demo', start_time: `${monday}T09:00:00${offset}`, end_time: `${monday}T10:00:00${offset}` },
    });
    expect(meeting.status).toBe(201);
    // a cancelled meeting keeps nobody busy
    const cancelled = await t.call('POST', '/api/meeting/add', {
      token: tenant.token,
      body: { title: 'Dropped', start_time: `${monday}T10:00:00${offset}`, end_time: `${monday}T11:00:00${offset}` },
    });
    await t.call('POST', `/api/meeting/update/${cancelled.body.data.id}`, { token: tenant.token, body: { status: 4 } });
    google.events.set('busy00001', googleEvent('busy00001', new Date(`${monday}T11:00:00${offset}`).toISOString(), new Date(`${monday}T11:30:00${offset}`).toISOString()));

    const res = await t.call('GET', '/api/calendar/availability', { token: tenant.token, query: { date: monday, duration: 60, step: 60, tz: 'Europe/Berlin' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ user_id: tenant.adminId, timezone: 'Europe/Berlin', user_timezone: 'Europe/Berlin', duration: 60, busy_sources: ['lio', 'google'] });
    expect(res.body.data.slots).toEqual([{ start: `${monday}T10:00:00${offset}`, end: `${monday}T11:00:00${offset}` }]);
    expect(google.requests.filter((r) => r.url === '/calendar/v3/freeBusy')).toHaveLength(1);

    const elsewhere = await t.call('GET', '/api/calendar/availability', { token: tenant.token, query: { date: monday, duration: 60, step: 60, tz: 'America/New_York' } });
    const newYorkStart = new Date(`${monday}T10:00:00${offset}`).toLocaleString('sv-SE', { timeZone: 'America/New_York' }).replace(' ', 'T');
    expect(elsewhere.body.data.slots).toHaveLength(1);
    expect(elsewhere.body.data.slots[0].start.startsWith(newYorkStart)).toBe(true);
  });

  it('computes a colleague of the same organization, refuses one of another (404) and a span over 62 days (422)', async () => {
    const [a, b] = await seedTwoTenants(t);
    const rep = await a.addUser();
    const colleague = await t.call('GET', '/api/calendar/availability', { token: a.token, query: { user_id: rep.id, date: upcomingMonday() } });
    expect(colleague.status).toBe(200);
    // the default: 09:00–17:00 UTC, 30-minute slots every 15 minutes: 09:00 … 16:30
    expect(colleague.body.data.slots).toHaveLength(31);
    expect(colleague.body.data.slots.at(-1).end).toMatch(/T17:00:00\+00:00$/);
    expect((await t.call('GET', '/api/calendar/availability', { token: b.token, query: { user_id: rep.id } })).status).toBe(404);
    const tooLong = await t.call('GET', '/api/calendar/availability', { token: a.token, query: { from: '2027-01-01', to: '2027-03-05' } });
    expect(tooLong.status).toBe(422);
    expect((await t.call('GET', '/api/calendar/availability', { token: a.token, query: { tz: 'Nowhere/City' } })).status).toBe(422);
  });

  it('answers 502 when the connected provider fails rather than calling the day free', async () => {
    const tenant = await seedTenant(t);
    await connectMailbox(tenant, 'gmail');
    google.failNext(1, 'POST', '/calendar/v3/freeBusy', 503);
    const res = await t.call('GET', '/api/calendar/availability', { token: tenant.token, query: { date: upcomingMonday() } });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('calendar_unavailable');
  });
});

describe('Google calendar events', () => {
  const range = () => {
    const monday = upcomingMonday();
    return { from: `${monday}T00:00:00Z`, to: `${monday}T23:59:59Z`, monday };
  };

  it('lists every page of events in the range', async () => {
    const tenant = await seedTenant(t);
    await connectMailbox(tenant, 'gmail');
    const { from, to, monday } = range();
    for (let i = 0; i < 260; i += 1) {
      const start = new Date(Date.parse(`${monday}T00:00:00Z`) + i * 5 * 60_000).toISOString();
      google.events.set(`ev${String(i).padStart(4, '0')}`, googleEvent(`ev${String(i).padStart(4, '0')}`, start, new Date(Date.parse(start) + 60_000).toISOString(), `Event ${i}`));
    }
    const res = await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: { from, to } });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(260);
    expect(res.body.data[0]).toMatchObject({ id: 'ev0000', summary: 'Event 0', all_day: false, web_link: expect.stringContaining('ev0000') });
    const pages = google.requests.filter((r) => r.url.startsWith('/calendar/v3/calendars/primary/events'));
    expect(pages).toHaveLength(2);
    expect(pages[1]!.url).toContain('pageToken=250');
  });

  it('refreshes a refused access token once, answers, and stores the new token sealed', async () => {
    const tenant = await seedTenant(t);
    const connection = await connectMailbox(tenant, 'gmail');
    google.validTokens.delete(connection.accessToken);
    const res = await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: range() });
    expect(res.status).toBe(200);
    const stored = await storedTokens(tenant, connection.configId);
    expect(stored.tokens.access_token).toMatch(/^fresh-token-/);
    expect(stored.tokens.refresh_token).toBe(connection.refreshToken);
    expect(stored.needsReauth).toBe(false);
    expect(google.requests.filter((r) => r.url === '/token')).toHaveLength(1);
  });

  it('marks the mail configuration needs_reauth when the refresh is refused (422 calendar_reauth_required)', async () => {
    const tenant = await seedTenant(t);
    const connection = await connectMailbox(tenant, 'gmail');
    google.validTokens.delete(connection.accessToken);
    google.refreshTokens.delete(connection.refreshToken);
    const res = await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: range() });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('calendar_reauth_required');
    expect(JSON.stringify(res.body)).not.toContain('invalid_grant');
    expect((await storedTokens(tenant, connection.configId)).needsReauth).toBe(true);
  });

  it("honours a 429's Retry-After for the account on every later call until it passes (shared throttle)", async () => {
    const tenant = await seedTenant(t);
    await connectMailbox(tenant, 'gmail');
    google.failNext(1, 'GET', '/calendar/v3/calendars/primary/events', 429, 30);
    const limited = await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: range() });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('calendar_rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    const calls = google.requests.length;
    const again = await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: range() });
    expect(again.status).toBe(429);
    // the provider was not called again while the pause lasts
    expect(google.requests.length).toBe(calls);
  });

  it('answers 502 on a 5xx and on a provider that does not answer in time, then works again', async () => {
    const tenant = await seedTenant(t);
    await connectMailbox(tenant, 'gmail');
    google.failNext(1, 'GET', '/calendar/v3/calendars/primary/events', 500);
    expect((await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: range() })).status).toBe(502);
    google.answerNextAfter(EGRESS_TIMEOUT_MS + 1000, 'GET', '/calendar/v3/calendars/primary/events');
    const late = await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: range() });
    expect(late.status).toBe(502);
    expect(late.body.error.code).toBe('calendar_unavailable');
    expect((await t.call('GET', '/api/calendar/google/events', { token: tenant.token, query: range() })).status).toBe(200);
  });

  it('creates an event with its attendees in the primary calendar', async () => {
    const tenant = await seedTenant(t);
    await connectMailbox(tenant, 'gmail');
    const { monday } = range();
    const res = await t.call('POST', '/api/calendar/google/events', {
      token: tenant.token,
      body: { title: 'Intro call', start: `${monday}T15:00:00Z`, end: `${monday}T15:30:00Z`, time_zone: 'Europe/Berlin', attendees: [{ email: 'lead@example.test', name: 'Lee' }], location: 'Room 1' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ summary: 'Intro call', location: 'Room 1', start: `${monday}T15:00:00.000Z`, attendees: [{ email: 'lead@example.test', name: 'Lee' }] });
    const stored = google.events.get(res.body.data.id)!;
    expect(stored.start).toEqual({ dateTime: `${monday}T15:00:00.000Z`, timeZone: 'Europe/Berlin' });
    expect(google.requests.find((r) => r.method === 'POST' && r.url.startsWith('/calendar/v3/calendars/primary/events'))!.url).toContain('sendUpdates=all');
  });

  it('answers the same event to a request repeated with the same Idempotency-Key, on Google and on Outlook', async () => {
    const tenant = await seedTenant(t);
    await connectMailbox(tenant, 'gmail');
    await connectMailbox(tenant, 'outlook');
    const body = { summary: 'Once', start: '2027-02-01T10:00:00Z', end: '2027-02-01T11:00:00Z' };
    const create = (provider: string, key: string) => t.call('POST', `/api/calendar/${provider}/events`, { token: tenant.token, body, headers: { 'idempotency-key': key } });
    const [googleInserts, graphCreations] = [google.inserts, graph.creations];
    const first = await create('google', 'booking-1');
    const again = await create('google', 'booking-1');
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(google.inserts - googleInserts).toBe(1);
    expect((await create('google', 'booking-2')).body.data.id).not.toBe(first.body.data.id);
    const outlook = await create('outlook', 'booking-1');
    expect((await create('outlook', 'booking-1')).body.data.id).toBe(outlook.body.data.id);
    expect(graph.creations - graphCreations).toBe(1);
  });

  it('answers 422 calendar_not_connected without a gmail configuration, and refuses end before start', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('GET', '/api/calendar/google/events', { token: tenant.token });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('calendar_not_connected');
    const reversed = await t.call('POST', '/api/calendar/sandbox/events', { token: tenant.token, body: { summary: 'x', start: '2027-01-01T10:00:00Z', end: '2027-01-01T09:00:00Z' } });
    expect(reversed.status).toBe(422);
  });
});

describe('Outlook calendar events', () => {
  it('lists events across nextLink pages in UTC and refreshes a refused token through the token endpoint', async () => {
    const tenant = await seedTenant(t);
    const connection = await connectMailbox(tenant, 'outlook');
    const monday = upcomingMonday();
    for (let i = 0; i < 130; i += 1) {
      const start = new Date(Date.parse(`${monday}T00:00:00Z`) + i * 10 * 60_000).toISOString().slice(0, 19);
      graph.events.set(`ev${i}`, {
        id: `ev${i}`,
        subject: `Event ${i}`,
        start: { dateTime: `${start}.0000000`, timeZone: 'UTC' },
        end: { dateTime: `${start.slice(0, 14)}${String(Number(start.slice(14, 16)) + 5).padStart(2, '0')}${start.slice(16)}.0000000`, timeZone: 'UTC' },
        showAs: i === 0 ? 'free' : 'busy',
        isCancelled: false,
      });
    }
    graph.validTokens.delete(connection.accessToken);
    const res = await t.call('GET', '/api/calendar/outlook/events', { token: tenant.token, query: { from: `${monday}T00:00:00Z`, to: `${monday}T23:59:59Z` } });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(130);
    expect(res.body.data[1]).toMatchObject({ id: 'ev1', summary: 'Event 1', start: `${monday}T00:10:00.000Z`, end: `${monday}T00:15:00.000Z` });
    const views = graph.requests.filter((r) => r.url.startsWith('/v1.0/me/calendarView'));
    // the first page refused (401), again with the refreshed token, then the second page
    expect(views.map((r) => r.status)).toEqual([401, 200, 200]);
    expect(views[2]!.url).toContain('%24skip=100');
    expect((await storedTokens(tenant, connection.configId)).tokens.access_token).toMatch(/^fresh-token-/);

    const availability = await t.call('GET', '/api/calendar/availability', { token: tenant.token, query: { date: monday, tz: 'UTC' } });
    expect(availability.body.data.busy_sources).toEqual(['lio', 'outlook']);
    // events every 10 minutes all day, 5 minutes long: no 30-minute slot is free (the one shown as free does not count)
    expect(availability.body.data.slots).toEqual([]);
  });

  it('marks the outlook configuration needs_reauth when its refresh is refused', async () => {
    const tenant = await seedTenant(t);
    const connection = await connectMailbox(tenant, 'outlook');
    graph.validTokens.delete(connection.accessToken);
    graph.refreshTokens.delete(connection.refreshToken);
    const res = await t.call('POST', '/api/calendar/outlook/events', { token: tenant.token, body: { summary: 'x', start: '2027-01-01T10:00:00Z', end: '2027-01-01T11:00:00Z' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('calendar_reauth_required');
    expect((await storedTokens(tenant, connection.configId)).needsReauth).toBe(true);
    expect(graph.events.size).toBe(0);
  });
});

describe('the sandbox calendar', () => {
  it('keeps created events in LIO only and lists them', async () => {
    const tenant = await seedTenant(t);
    const created = await t.call('POST', '/api/calendar/sandbox/events', {
      token: tenant.token,
      body: { summary: 'Sandbox demo', start: '2027-02-01T10:00:00Z', end: '2027-02-01T11:00:00Z', attendees: [{ email: 'x@example.test' }] },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ summary: 'Sandbox demo', start: '2027-02-01T10:00:00.000Z', attendees: [{ email: 'x@example.test', name: null }] });
    const listed = await t.call('GET', '/api/calendar/sandbox/events', { token: tenant.token, query: { from: '2027-02-01', to: '2027-02-01' } });
    expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([created.body.data.id]);
    expect(google.requests.length + graph.requests.length).toBe(0);
  });

  it('is refused where SANDBOX_CONNECTORS is off', async () => {
    const production = createTestApp({ SANDBOX_CONNECTORS: 'false' });
    try {
      const tenant = await seedTenant(production);
      const res = await production.call('GET', '/api/calendar/sandbox/events', { token: tenant.token });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('sandbox_disabled');
    } finally {
      await production.close();
    }
  });
});

// Meetings (§6.11, §11 Meeting): CRUD scoped by organization, the
// transcript, the summary paid in AI credits (through a fake
// OpenAI-compatible model), and booking in a provider calendar by the
// meeting's workflow (real worker, real Temporal, fake Google Calendar and
// Graph): booked once however often an attempt is retried, moved, removed.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditBalance } from '../../domain/billing/credits.service.js';
import { OPENING_AI_CREDITS, postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { createCompany } from '../../domain/crm/company.service.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';
import { startGoogleCalendarFake, type GoogleCalendarFake } from '../fakes/google-calendar-fake.js';
import { startGraphCalendarFake, type GraphCalendarFake } from '../fakes/graph-calendar-fake.js';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai-fake.js';
import { addMailConfiguration } from '../../domain/communications/mail-configuration.service.js';
import { connectMailbox } from '../helpers/mailboxes.js';

const meetingBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'Discovery call',
  start_time: '2027-03-01T15:00:00Z',
  end_time: '2027-03-01T15:45:00Z',
  timezone: 'Europe/Berlin',
  attendees: [{ email: 'lee@example.test', name: 'Lee' }],
  meeting_tool: 'meet',
  ...overrides,
});

describe('meetings CRUD, transcript and summary', () => {
  let t: TestApp;
  let llm: OpenAiFake;

  beforeAll(async () => {
    llm = await startOpenAiFake({ apiKey: 'sk-test', reply: () => 'They agreed on a pilot in April.' });
    t = createTestApp({ EGRESS_ALLOW_PRIVATE_NETWORKS: 'true', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: 'sk-test', LLM_MODEL: 'summary-model' });
  });
  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  const add = (tenant: Tenant, body: Record<string, unknown>) => t.call('POST', '/api/meeting/add', { token: tenant.token, body });

  it('creates a meeting with its lead and company, shows it, lists it by filter, and deletes it', async () => {
    const tenant = await seedTenant(t);
    const scope = { orgId: tenant.orgId, userId: tenant.adminId };
    const { lead } = await createLead(t.database, scope, { first_name: 'Lee', last_name: 'Lead' });
    const company = await createCompany(t.database, t.deps.services.storage, scope, { company_name: `Acme ${randomBytes(3).toString('hex')}` }, undefined);
    const created = await add(tenant, meetingBody({ lead_id: lead.id, company_id: company.id, location: 'Berlin' }));
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      user_id: tenant.adminId,
      lead_id: lead.id,
      company_id: company.id,
      contact_id: null,
      title: 'Discovery call',
      start_time: '2027-03-01T15:00:00.000Z',
      end_time: '2027-03-01T15:45:00.000Z',
      timezone: 'Europe/Berlin',
      attendees: [{ email: 'lee@example.test', name: 'Lee' }],
      meeting_tool: 'meet',
      status: 1,
      status_text: 'Scheduled',
      calendar_provider: null,
      calendar_booking: null,
      has_transcript: false,
      summary: null,
    });
    const id = created.body.data.id;
    await add(tenant, meetingBody({ title: 'Other', start_time: '2027-04-01T10:00:00Z', end_time: '2027-04-01T11:00:00Z' }));

    expect((await t.call('GET', `/api/meeting/view/${id}`, { token: tenant.token })).body.data).toEqual(created.body.data);
    const byLead = await t.call('GET', '/api/meeting/list', { token: tenant.token, query: { lead_id: lead.id } });
    expect(byLead.body).toMatchObject({ total: 1, page: 1, data: [{ id }] });
    const march = await t.call('GET', '/api/meeting/list', { token: tenant.token, query: { from: '2027-03-01', to: '2027-03-31', status: 1 } });
    expect(march.body.data.map((m: { id: number }) => m.id)).toEqual([id]);

    expect((await t.call('DELETE', `/api/meeting/delete/${id}`, { token: tenant.token })).status).toBe(200);
    expect((await t.call('GET', `/api/meeting/view/${id}`, { token: tenant.token })).status).toBe(404);
    expect((await t.call('DELETE', `/api/meeting/delete/${id}`, { token: tenant.token })).status).toBe(404);
  });

  it("refuses a lead, contact or company of another organization, an end before the start, and a bad zone or tool (422)", async () => {
    const [a, b] = await seedTwoTenants(t);
    const { lead: foreignLead } = await createLead(t.database, { orgId: b.orgId, userId: b.adminId }, { first_name: 'Not', last_name: 'Yours' });
    const foreign = await add(a, meetingBody({ lead_id: foreignLead.id }));
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.message).toContain('lead_id');
    expect((await add(a, meetingBody({ end_time: '2027-03-01T14:00:00Z' }))).status).toBe(422);
    expect((await add(a, meetingBody({ timezone: 'Berlin' }))).status).toBe(422);
    expect((await add(a, meetingBody({ meeting_tool: 'skype' }))).status).toBe(422);
    expect((await add(a, meetingBody({ title: 'x'.repeat(256) }))).status).toBe(422);
    expect((await add(a, meetingBody({ attendees: [{ email: 'not-an-email' }] }))).status).toBe(422);
    const unconnected = await add(a, meetingBody({ calendar_provider: 'google' }));
    expect(unconnected.status).toBe(422);
    expect(unconnected.body.error.code).toBe('calendar_not_connected');
  });

  it('makes a meeting Rescheduled when its time changes, unless the update sets a status; keeps another organization out', async () => {
    const [a, b] = await seedTwoTenants(t);
    const { id } = (await add(a, meetingBody())).body.data;
    const moved = await t.call('POST', `/api/meeting/update/${id}`, { token: a.token, body: { start_time: '2027-03-02T15:00:00Z', end_time: '2027-03-02T16:00:00Z' } });
    expect(moved.body.data).toMatchObject({ status: 2, status_text: 'Rescheduled', start_time: '2027-03-02T15:00:00.000Z' });
    const held = await t.call('POST', `/api/meeting/update/${id}`, { token: a.token, body: { status: 3, title: 'Discovery (held)' } });
    expect(held.body.data).toMatchObject({ status: 3, status_text: 'Held', title: 'Discovery (held)' });
    expect((await t.call('POST', `/api/meeting/update/${id}`, { token: a.token, body: { end_time: '2027-03-02T14:00:00Z' } })).status).toBe(422);
    expect((await t.call('POST', `/api/meeting/update/${id}`, { token: a.token, body: { status: 6 } })).status).toBe(422);
    expect((await t.call('POST', `/api/meeting/update/${id}`, { token: b.token, body: { title: 'Hijacked' } })).status).toBe(404);
    expect((await t.call('DELETE', `/api/meeting/delete/${id}`, { token: b.token })).status).toBe(404);
    expect((await t.call('GET', '/api/meeting/list', { token: b.token })).body.total).toBe(0);
    expect((await t.call('GET', `/api/meeting/view/${id}`, { token: a.token })).body.data.title).toBe('Discovery (held)');
  });

  it('answers the stored transcript, 404 transcript_not_found before one is set', async () => {
    const tenant = await seedTenant(t);
    const { id } = (await add(tenant, meetingBody())).body.data;
    const none = await t.call('GET', `/api/meeting/${id}/transcript`, { token: tenant.token });
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('transcript_not_found');
    await t.call('POST', `/api/meeting/update/${id}`, { token: tenant.token, body: { transcript: 'Lee: we want a pilot.\nAda: April works.' } });
    const res = await t.call('GET', `/api/meeting/${id}/transcript`, { token: tenant.token });
    expect(res.body.data).toMatchObject({ meeting_id: id, transcript: 'Lee: we want a pilot.\nAda: April works.' });
    expect((await t.call('POST', `/api/meeting/update/${id}`, { token: tenant.token, body: { transcript: 'x'.repeat(200_001) } })).status).toBe(422);
  });

  it('summarises the transcript through the model, stores it, and debits the credits once for the same text', async () => {
    const tenant = await seedTenant(t);
    const { id } = (await add(tenant, meetingBody())).body.data;
    await t.call('POST', `/api/meeting/update/${id}`, { token: tenant.token, body: { transcript: 'Lee: we want a pilot.\nAda: April works.' } });
    const before = await creditBalance(t.database, tenant.orgId);
    const asked = llm.requests.length;
    const res = await t.call('POST', `/api/meeting/${id}/generate-summary`, { token: tenant.token, body: { detail: 'detailed' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ detail: 'detailed', text: 'They agreed on a pilot in April.', generator: 'llm', model: 'summary-model' });
    const sent = llm.requests.at(-1)!.body!.messages!.map((m) => m.content).join('\n');
    expect(sent).toContain('Ada: April works.');
    expect(await creditBalance(t.database, tenant.orgId)).toBe(before - 8);
    expect((await t.call('GET', `/api/meeting/view/${id}`, { token: tenant.token })).body.data.summary).toMatchObject({ detail: 'detailed', generator: 'llm' });

    // asked again for the same summary of the same text: the model answers again, nothing is charged twice
    expect((await t.call('POST', `/api/meeting/${id}/generate-summary`, { token: tenant.token, body: { detail: 'detailed' } })).status).toBe(200);
    expect(await creditBalance(t.database, tenant.orgId)).toBe(before - 8);
    expect(llm.requests.length).toBe(asked + 2);
    // a brief summary is another feature at its own price
    await t.call('POST', `/api/meeting/${id}/generate-summary`, { token: tenant.token });
    expect(await creditBalance(t.database, tenant.orgId)).toBe(before - 8 - 3);
  });

  it('answers 422 insufficient_credits before calling the model when the balance is short, and 422 with nothing to summarise', async () => {
    const tenant = await seedTenant(t);
    const { id } = (await add(tenant, meetingBody({ description: null }))).body.data;
    const empty = await t.call('POST', `/api/meeting/${id}/generate-summary`, { token: tenant.token });
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('nothing_to_summarise');

    await t.call('POST', `/api/meeting/update/${id}`, { token: tenant.token, body: { transcript: 'Short call.' } });
    await creditBalance(t.database, tenant.orgId);
    await postLedgerEntry(t.database.pool, { orgId: tenant.orgId, account: 'ai_credits', amount: -(OPENING_AI_CREDITS - 2), reason: 'test_spending', idempotencyKey: 'meetings-test-spending' });
    const asked = llm.requests.length;
    const res = await t.call('POST', `/api/meeting/${id}/generate-summary`, { token: tenant.token, body: { detail: 'brief' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('insufficient_credits');
    expect(llm.requests.length).toBe(asked);
    expect(await creditBalance(t.database, tenant.orgId)).toBe(2);
    expect((await t.call('GET', `/api/meeting/view/${id}`, { token: tenant.token })).body.data.summary).toBeNull();
  });

  it('answers 502 llm_unavailable when the model fails, and charges nothing', async () => {
    const tenant = await seedTenant(t);
    const { id } = (await add(tenant, meetingBody({ description: 'Notes: follow up next week.' }))).body.data;
    const before = await creditBalance(t.database, tenant.orgId);
    llm.script({ kind: 'status', status: 503 });
    const res = await t.call('POST', `/api/meeting/${id}/generate-summary`, { token: tenant.token });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('llm_unavailable');
    expect(JSON.stringify(res.body)).not.toContain('overloaded');
    expect(await creditBalance(t.database, tenant.orgId)).toBe(before);
  });

  it('summarises with the labelled offline generator when no model is configured', async () => {
    const offline = createTestApp();
    try {
      const tenant = await seedTenant(offline);
      const created = await offline.call('POST', '/api/meeting/add', { token: tenant.token, body: meetingBody({ description: 'Agreed on a pilot in April; Lee sends the contract.' }) });
      const res = await offline.call('POST', `/api/meeting/${created.body.data.id}/generate-summary`, { token: tenant.token });
      expect(res.status).toBe(200);
      expect(res.body.data.generator).toBe('offline');
      expect(res.body.data.text.length).toBeGreaterThan(0);
    } finally {
      await offline.close();
    }
  });
});

describe('booking meetings in a provider calendar (real worker, fake Google Calendar and Graph)', () => {
  let system: TestSystem;
  let t: TestApp;
  let google: GoogleCalendarFake;
  let graph: GraphCalendarFake;

  beforeAll(async () => {
    google = await startGoogleCalendarFake({ accessToken: 'unused', refreshToken: 'unused-refresh' });
    graph = await startGraphCalendarFake({ accessToken: 'unused', refreshToken: 'unused-refresh' });
    system = await createTestSystem('meetingcalendar', {
      worker: true,
      config: {
        EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
        EGRESS_TIMEOUT_MS: '1500',
        GOOGLE_API_BASE_URL: google.rootUrl,
        GOOGLE_TOKEN_URL: google.tokenUrl,
        GOOGLE_CLIENT_ID: 'lio-test-client',
        GOOGLE_CLIENT_SECRET: 'lio-test-secret',
        MICROSOFT_GRAPH_BASE_URL: graph.graphBaseUrl,
        MICROSOFT_TOKEN_URL: graph.tokenUrl,
        MICROSOFT_CLIENT_ID: 'lio-test-app',
        MICROSOFT_CLIENT_SECRET: 'lio-test-app-secret',
      },
    });
    t = system.t;
  });
  afterAll(async () => {
    await system?.close();
    await google?.close();
    await graph?.close();
  });

  const connect = (tenant: Tenant, mailer: 'gmail' | 'outlook') =>
    connectMailbox(t, mailer === 'gmail' ? google : graph, { orgId: tenant.orgId, userId: tenant.adminId }, mailer);

  /** The meeting once `done` holds (polled through the API), failing after `timeoutMs`. */
  async function meetingWhen(tenant: Tenant, id: number, done: (meeting: any) => boolean, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meeting = (await t.call('GET', `/api/meeting/view/${id}`, { token: tenant.token })).body.data;
      if (done(meeting)) return meeting;
      if (Date.now() > deadline) throw new Error(`meeting ${id} did not reach the expected state: ${JSON.stringify(meeting)}`);
      await sleep(200);
    }
  }

  async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  it('books in Google through 5xx, 429 with Retry-After and a timed-out insert, making one event; then moves it and removes it when cancelled', { timeout: 90_000 }, async () => {
    const tenant = await seedTenant(t);
    const connection = await connect(tenant, 'gmail');
    const eventsPath = '/calendar/v3/calendars/primary/events';
    google.failNext(1, 'POST', eventsPath, 503);
    google.failNext(1, 'POST', eventsPath, 429, 2);
    // the third attempt creates the event, but its answer comes after the egress timeout: the activity fails in doubt
    google.answerNextAfter(3000, 'POST', eventsPath);
    const insertsBefore = google.inserts;

    const created = await t.call('POST', '/api/meeting/add', { token: tenant.token, body: meetingBody({ calendar_provider: 'google' }) });
    expect(created.status).toBe(201);
    expect(created.body.data.calendar_booking).toBe('pending');
    const id = created.body.data.id;
    const booked = await meetingWhen(tenant, id, (m) => m.calendar_booking === 'booked', 60_000);

    expect(google.inserts - insertsBefore).toBe(1);
    const event = google.events.get(booked.calendar_event_id)!;
    expect(event).toMatchObject({ status: 'confirmed', summary: 'Discovery call', start: { dateTime: '2027-03-01T15:00:00.000Z', timeZone: 'Europe/Berlin' } });
    const posts = google.requests.filter((r) => r.method === 'POST' && r.url.startsWith(eventsPath) && r.authorization?.includes(connection.accessToken)).map((r) => r.status);
    // 503, 429, the late 200, then the retry's 409 (already created) and an update
    expect(posts).toEqual([503, 429, 200, 409]);

    await t.call('POST', `/api/meeting/update/${id}`, { token: tenant.token, body: { start_time: '2027-03-03T09:00:00Z', end_time: '2027-03-03T10:00:00Z' } });
    await until(() => google.events.get(booked.calendar_event_id)?.start.dateTime === '2027-03-03T09:00:00.000Z', 'the event to move');

    await t.call('POST', `/api/meeting/update/${id}`, { token: tenant.token, body: { status: 4 } });
    const cancelled = await meetingWhen(tenant, id, (m) => m.calendar_event_id === null);
    expect(cancelled).toMatchObject({ status: 4, calendar_booking: 'removed' });
    expect(google.events.get(booked.calendar_event_id)!.status).toBe('cancelled');
    expect(google.inserts - insertsBefore).toBe(1);
  });

  it('books once after a worker restart in the middle of a provider outage', { timeout: 90_000 }, async () => {
    const tenant = await seedTenant(t);
    const connection = await connect(tenant, 'gmail');
    const eventsPath = '/calendar/v3/calendars/primary/events';
    google.failNext(3, 'POST', eventsPath, 500);
    const insertsBefore = google.inserts;
    const attempts = () => google.requests.filter((r) => r.method === 'POST' && r.authorization?.includes(connection.accessToken)).length;
    const { id } = (await t.call('POST', '/api/meeting/add', { token: tenant.token, body: meetingBody({ calendar_provider: 'google' }) })).body.data;
    await until(() => attempts() >= 1, 'the first attempt');
    await system.restartWorker();
    const booked = await meetingWhen(tenant, id, (m) => m.calendar_booking === 'booked', 60_000);
    expect(google.inserts - insertsBefore).toBe(1);
    expect(google.events.get(booked.calendar_event_id)?.status).toBe('confirmed');
    expect(attempts()).toBe(4);
  });

  it('removes the Google event of a deleted meeting', { timeout: 60_000 }, async () => {
    const tenant = await seedTenant(t);
    await connect(tenant, 'gmail');
    const { id } = (await t.call('POST', '/api/meeting/add', { token: tenant.token, body: meetingBody({ calendar_provider: 'google' }) })).body.data;
    const booked = await meetingWhen(tenant, id, (m) => m.calendar_booking === 'booked');
    await t.call('DELETE', `/api/meeting/delete/${id}`, { token: tenant.token });
    await until(() => google.events.get(booked.calendar_event_id)?.status === 'cancelled', 'the event to be removed');
  });

  it('books in Outlook once when the create is retried (transactionId), refreshing a refused token on the way', { timeout: 60_000 }, async () => {
    const tenant = await seedTenant(t);
    const connection = await connect(tenant, 'outlook');
    graph.validTokens.delete(connection.accessToken);
    // created, but answered too late: the retry carries the same transactionId
    graph.answerNextAfter(3000, 'POST', '/v1.0/me/events');
    const creationsBefore = graph.creations;
    const { id } = (await t.call('POST', '/api/meeting/add', { token: tenant.token, body: meetingBody({ calendar_provider: 'outlook' }) })).body.data;
    const booked = await meetingWhen(tenant, id, (m) => m.calendar_booking === 'booked');
    expect(graph.creations - creationsBefore).toBe(1);
    expect(graph.events.get(booked.calendar_event_id)).toMatchObject({ subject: 'Discovery call', start: { dateTime: '2027-03-01T15:00:00.0000000', timeZone: 'UTC' } });
    expect(graph.requests.filter((r) => r.url === '/token')).toHaveLength(1);
  });

  it("books in Outlook through a 503 and a 429, recording the 429's Retry-After for the account in the shared throttle", { timeout: 60_000 }, async () => {
    const tenant = await seedTenant(t);
    const connection = await connect(tenant, 'outlook');
    graph.failNext(1, 'POST', '/v1.0/me/events', 503);
    graph.failNext(1, 'POST', '/v1.0/me/events', 429, 3);
    const creationsBefore = graph.creations;
    const { id } = (await t.call('POST', '/api/meeting/add', { token: tenant.token, body: meetingBody({ calendar_provider: 'outlook' }) })).body.data;
    await until(() => graph.requests.some((r) => r.status === 429 && r.authorization?.includes(connection.accessToken)), 'the 429');
    await until(async () => {
      const { rows } = await t.database.pool.query(`SELECT 1 FROM provider_throttles WHERE provider = 'outlook_calendar' AND account = $1 AND not_before > now()`, [
        `mail_configuration:${connection.configId}`,
      ]);
      return rows.length === 1;
    }, 'the throttle row');
    const booked = await meetingWhen(tenant, id, (m) => m.calendar_booking === 'booked');
    expect(graph.creations - creationsBefore).toBe(1);
    const posts = graph.requests.filter((r) => r.method === 'POST' && r.authorization?.includes(connection.accessToken));
    expect(posts.map((r) => r.status)).toEqual([503, 429, 201]);
    expect(graph.events.has(booked.calendar_event_id)).toBe(true);
  });

  it('stops and marks the mail configuration needs_reauth when the refresh is refused; connecting again books the meeting', { timeout: 90_000 }, async () => {
    const tenant = await seedTenant(t);
    const connection = await connect(tenant, 'gmail');
    google.validTokens.delete(connection.accessToken);
    google.refreshTokens.delete(connection.refreshToken);
    const refusedRefreshes = () => google.requests.filter((r) => r.url === '/token' && r.status === 400).length;
    const refusedBefore = refusedRefreshes();
    const { id } = (await t.call('POST', '/api/meeting/add', { token: tenant.token, body: meetingBody({ calendar_provider: 'google' }) })).body.data;
    await until(
      async () => (await t.database.prisma.mailConfiguration.findUniqueOrThrow({ where: { id: connection.configId } })).needs_reauth,
      'the configuration to need re-authorisation',
    );
    const meeting = (await t.call('GET', `/api/meeting/view/${id}`, { token: tenant.token })).body.data;
    expect(meeting.calendar_booking).toBe('pending');
    // refused credentials are not retried: one refused refresh, and none after a while
    await sleep(3000);
    expect(refusedRefreshes() - refusedBefore).toBe(1);

    // the user connects the mailbox again: the waiting booking goes through, once
    const accessToken = `access-${randomBytes(6).toString('hex')}`;
    google.validTokens.add(accessToken);
    const eventsBefore = google.events.size;
    await addMailConfiguration(
      t.database,
      t.deps.services.secrets,
      { orgId: tenant.orgId, userId: tenant.adminId },
      { mailer: 'gmail', from_address: 'gmail@example.test', password: JSON.stringify({ access_token: accessToken, expiry_date: Date.now() + 3_600_000 }) },
      async () => {}, // the provider's verify call is the mail tests' business
    );
    const booked = await meetingWhen(tenant, id, (m) => m.calendar_booking === 'booked');
    expect(google.events.size - eventsBefore).toBe(1);
    expect(booked.calendar_event_id).toBeTruthy();
  });
});

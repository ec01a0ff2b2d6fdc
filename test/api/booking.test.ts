// Public booking (issue 13, spec §10): booking profiles managed by reps and
// admins; availability across a DST change, in another zone, with buffers,
// notice and horizon, busy times from LIO meetings, bookings and a connected
// Google calendar (fake), partial when that calendar fails; one winner among
// 50 concurrent confirmations of one slot and among two profiles of one rep;
// the lead matched or created, the demo_requested signal, the confirmation
// mail with its .ics and manage links, cancel and reschedule; and, with the
// real worker, the booked meeting in the rep's Google calendar.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead } from '../../domain/leads/lead.service.js';
import { lockUserTime } from '../../domain/communications/meeting.service.js';
import { buildInvitation, readInvitation } from '../../domain/booking/ics.js';
import { composeMime } from '../../connectors/mail/mime.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connectMailbox, connectSandboxMailbox } from '../helpers/mailboxes.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';
import { startGoogleCalendarFake, type GoogleCalendarFake } from '../fakes/google-calendar-fake.js';
import { startGraphFake } from '../fakes/graph-fake.js';

const EVERY_DAY_MORNING = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [['09:00', '12:00']]]));

/** The app's Google settings pointed at the local fake (a private address: allowed for the test). */
const googleCalendarConfig = (google: GoogleCalendarFake) => ({
  EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
  GOOGLE_API_BASE_URL: google.rootUrl,
  GOOGLE_TOKEN_URL: google.tokenUrl,
  GOOGLE_CLIENT_ID: 'lio-test-client',
  GOOGLE_CLIENT_SECRET: 'lio-test-secret',
});

const uniqueSlug = (label = 'rep') => `${label}-${randomBytes(4).toString('hex')}`;

const profileBody = (overrides: Record<string, unknown> = {}) => ({
  slug: uniqueSlug(),
  title: 'Intro call',
  description: 'A first conversation',
  durations: [30, 60],
  working_hours: EVERY_DAY_MORNING,
  timezone: 'Europe/Berlin',
  minimum_notice_minutes: 0,
  horizon_days: 365,
  ...overrides,
});

/** The mails queued for a booking (its send-once records), oldest first. */
async function bookingMails(t: TestApp, orgId: number, bookingId: number) {
  const { rows } = await t.database.pool.query<{ idempotency_key: string; payload: any; connector: string }>(
    `SELECT idempotency_key, payload, connector FROM outbound_messages WHERE org_id = $1 AND idempotency_key LIKE $2 ORDER BY id`,
    [orgId, `booking:${bookingId}:%`],
  );
  return rows;
}

const tokenOf = (manageUrl: string) => manageUrl.split('/').pop()!;

describe('the invitation in the mail itself', () => {
  it('goes out over Gmail and SMTP as a text/calendar alternative with its METHOD and as invite.ics; long lines folded, UTF-8 kept whole', async () => {
    const ics = buildInvitation({
      method: 'REQUEST',
      uid: 'booking-1-2@book.example.test',
      sequence: 0,
      start: new Date('2027-03-28T07:00:00Z'),
      end: new Date('2027-03-28T07:30:00Z'),
      stamp: new Date('2026-12-06T12:00:00Z'),
      summary: `Intro call with Zoë ${'Ä'.repeat(60)}`,
      organizer: { email: 'rep@sales.example.test', name: 'Ada Admin' },
      attendee: { email: 'zoe@visitor.example.test', name: 'Zoë' },
    });
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(readInvitation(ics).SUMMARY).toBe(`Intro call with Zoë ${'Ä'.repeat(60)}`);
    const mime = (
      await composeMime(
        { from: { address: 'rep@sales.example.test' }, to: ['zoe@visitor.example.test'], subject: 'Confirmed', html: '<p>Hi</p>', text: 'Hi', messageId: '<m1@sales.example.test>', invitation: { method: 'REQUEST', content: ics } },
        { keepBcc: false },
      )
    ).toString();
    expect(mime).toContain('Content-Type: text/calendar; charset=utf-8; method=REQUEST');
    expect(mime).toMatch(/Content-Disposition: attachment; filename=invite\.ics/);
  });

  it('goes out over Outlook (Graph sendMail) as an invite.ics fileAttachment of type text/calendar with its METHOD', async () => {
    const graph = await startGraphFake({ accessToken: 'graph-access', refreshToken: 'graph-refresh' });
    const app = createTestApp({ EGRESS_ALLOW_PRIVATE_NETWORKS: 'true', MICROSOFT_GRAPH_BASE_URL: graph.graphUrl, MICROSOFT_TOKEN_URL: graph.tokenUrl, MICROSOFT_CLIENT_ID: 'lio-test-app', MICROSOFT_CLIENT_SECRET: 'lio-test-app-secret' });
    try {
      const ics = 'BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n';
      const outlook = app.deps.services.mail.forAccount({ mailer: 'outlook', address: 'owner@contoso.com', credentials: { access_token: 'graph-access', refresh_token: 'graph-refresh', expiry_date: Date.now() + 3_600_000 }, settings: {} });
      await outlook.send({ from: { address: 'owner@contoso.com' }, to: ['zoe@visitor.example.test'], subject: 'Cancelled', html: '<p>Cancelled</p>', text: 'Cancelled', messageId: '<m2@contoso.com>', invitation: { method: 'CANCEL', content: ics } });
      const request = graph.sent.at(-1)!.request as { message: { attachments: { '@odata.type': string; name: string; contentType: string; contentBytes: string }[] } };
      expect(request.message.attachments).toEqual([
        { '@odata.type': '#microsoft.graph.fileAttachment', name: 'invite.ics', contentType: 'text/calendar; charset=utf-8; method=CANCEL', contentBytes: Buffer.from(ics).toString('base64') },
      ]);
    } finally {
      await app.close();
      await graph.close();
    }
  });
});

describe('booking profiles (management API)', () => {
  let t: TestApp;
  beforeAll(() => {
    t = createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates, shows, lists, updates and deletes a profile; a rep sees only their own, an admin all', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const created = await t.call('POST', '/api/booking-profiles', { token: rep.token, body: profileBody({ questions: [{ key: 'team_size', label: 'Team size', type: 'select', required: true, options: ['1-10', '11-50'] }] }) });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      user_id: rep.id,
      durations: [30, 60],
      timezone: 'Europe/Berlin',
      buffer_before_minutes: 0,
      buffer_after_minutes: 0,
      status: 'active',
      working_hours: { mon: [['09:00', '12:00']] },
    });
    expect(created.body.data.page_url).toMatch(new RegExp(`/api/v1/booking/${created.body.data.slug}/page$`));
    const id = created.body.data.id;
    const adminOwn = await t.call('POST', '/api/booking-profiles', { token: tenant.token, body: profileBody() });
    expect(adminOwn.status).toBe(201);

    expect((await t.call('GET', '/api/booking-profiles', { token: rep.token })).body).toMatchObject({ total: 1, data: [{ id }] });
    expect((await t.call('GET', '/api/booking-profiles', { token: tenant.token })).body.total).toBe(2);
    expect((await t.call('GET', `/api/booking-profiles/${adminOwn.body.data.id}`, { token: rep.token })).status).toBe(404);

    const updated = await t.call('PUT', `/api/booking-profiles/${id}`, { token: rep.token, body: { title: 'Demo', buffer_after_minutes: 15, durations: [45] } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ title: 'Demo', buffer_after_minutes: 15, durations: [45], timezone: 'Europe/Berlin' });
    expect((await t.call('DELETE', `/api/booking-profiles/${id}`, { token: rep.token })).status).toBe(200);
    expect((await t.call('GET', `/api/booking-profiles/${id}`, { token: rep.token })).status).toBe(404);
  });

  it('refuses a taken slug (409 in any organization), reserved words, bad durations, hours, zones and questions (422)', async () => {
    const [a, b] = await seedTwoTenants(t);
    const slug = uniqueSlug('taken');
    expect((await t.call('POST', '/api/booking-profiles', { token: a.token, body: profileBody({ slug }) })).status).toBe(201);
    const taken = await t.call('POST', '/api/booking-profiles', { token: b.token, body: profileBody({ slug }) });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('slug_taken');
    const reserved = await t.call('POST', '/api/booking-profiles', { token: a.token, body: profileBody({ slug: 'manage' }) });
    expect(reserved.status).toBe(422);
    expect(reserved.body.error.code).toBe('slug_reserved');
    for (const bad of [
      { slug: 'Has-Caps' },
      { slug: '-edge' },
      { durations: [30, 30] },
      { durations: [] },
      { durations: [1, 2, 3, 4, 5, 6, 7] },
      { durations: [600] },
      { working_hours: { mon: [['09:00', '12:00'], ['11:00', '13:00']] } },
      { working_hours: { mon: [['12:00', '09:00']] } },
      { timezone: 'Mars/Olympus' },
      { buffer_before_minutes: 241 },
      { minimum_notice_minutes: 43_201 },
      { horizon_days: 0 },
      { title: 'x'.repeat(121) },
      { questions: [{ key: 'size', label: 'Size', type: 'select', required: true }] },
      { questions: [{ key: 'a', label: 'A', type: 'text' }, { key: 'a', label: 'B', type: 'text' }] },
    ]) {
      const answer = await t.call('POST', '/api/booking-profiles', { token: a.token, body: profileBody(bad) });
      expect(answer.status, JSON.stringify(bad)).toBe(422);
    }
  });

  it('lets an admin make a profile for a user of the organization, not a rep for someone else nor anyone for another organization', async () => {
    const [a, b] = await seedTwoTenants(t);
    const rep = await a.addUser();
    const forRep = await t.call('POST', '/api/booking-profiles', { token: a.token, body: profileBody({ user_id: rep.id }) });
    expect(forRep.status).toBe(201);
    expect(forRep.body.data.user_id).toBe(rep.id);
    expect((await t.call('POST', '/api/booking-profiles', { token: rep.token, body: profileBody({ user_id: a.adminId }) })).status).toBe(403);
    expect((await t.call('POST', '/api/booking-profiles', { token: a.token, body: profileBody({ user_id: b.adminId }) })).status).toBe(422);
    const id = forRep.body.data.id;
    expect((await t.call('GET', `/api/booking-profiles/${id}`, { token: b.token })).status).toBe(404);
    expect((await t.call('PUT', `/api/booking-profiles/${id}`, { token: b.token, body: { title: 'Hijacked' } })).status).toBe(404);
    expect((await t.call('DELETE', `/api/booking-profiles/${id}`, { token: b.token })).status).toBe(404);
  });
});

describe('public booking: profile and availability', () => {
  let t: TestApp;
  let google: GoogleCalendarFake;
  beforeAll(async () => {
    google = await startGoogleCalendarFake({ accessToken: 'unused', refreshToken: 'unused-refresh' });
    t = createTestApp({ ...googleCalendarConfig(google), BOOKING_RATE_LIMIT: '100000', BOOKING_CONFIRM_RATE_LIMIT: '100000' });
  });
  afterAll(async () => {
    await t?.close();
    await google?.close();
  });

  async function profileOf(tenant: Tenant, overrides: Record<string, unknown> = {}) {
    const answer = await t.call('POST', '/api/booking-profiles', { token: tenant.token, body: profileBody(overrides) });
    expect(answer.status).toBe(201);
    return answer.body.data as { id: number; slug: string };
  }
  const availability = async (slug: string, query: Record<string, string | number>) => {
    const answer = await t.call('GET', `/api/v1/booking/${slug}/availability`, { query });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.data;
  };
  const starts = (data: { slots: { start: string }[] }) => data.slots.map((s) => s.start);

  it('shows the public profile without the rep’s address, and 404 for an unknown or disabled one', async () => {
    const tenant = await seedTenant(t);
    const profile = await profileOf(tenant, { questions: [{ key: 'goal', label: 'Your goal', type: 'text', required: false }] });
    const shown = await t.call('GET', `/api/v1/booking/${profile.slug}`);
    expect(shown.status).toBe(200);
    expect(shown.body.data).toMatchObject({ slug: profile.slug, title: 'Intro call', durations: [30, 60], timezone: 'Europe/Berlin', host_name: 'Ada A.' });
    expect(shown.body.data.organization_name).toMatch(/^Acme /);
    expect(JSON.stringify(shown.body)).not.toContain(tenant.adminEmail);
    expect((await t.call('GET', '/api/v1/booking/no-such-page-here')).status).toBe(404);
    await t.call('PUT', `/api/booking-profiles/${profile.id}`, { token: tenant.token, body: { status: 'disabled' } });
    expect((await t.call('GET', `/api/v1/booking/${profile.slug}`)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/booking/${profile.slug}/availability`)).status).toBe(404);
    // a rep who left takes no bookings through a profile still marked active
    const rep = await tenant.addUser();
    const repProfile = await profileOf(tenant, { user_id: rep.id });
    expect((await t.call('GET', `/api/v1/booking/${repProfile.slug}/availability`)).status).toBe(200);
    await t.database.prisma.user.updateMany({ where: { id: rep.id, org_id: tenant.orgId }, data: { deleted_at: new Date() } });
    for (const path of ['', '/availability']) expect((await t.call('GET', `/api/v1/booking/${repProfile.slug}${path}`)).status).toBe(404);
    const confirm = await t.call('POST', `/api/v1/booking/${repProfile.slug}/confirm`, { body: { start: '2027-03-29T09:00:00+02:00', end: '2027-03-29T09:30:00+02:00', name: 'Late', email: 'late@visitor.example.test' } });
    expect(confirm.status).toBe(404);
  });

  it('keeps 09:00 local across the DST change (Europe/Berlin, 2027-03-28) and shows slots in another zone with its offset', async () => {
    const tenant = await seedTenant(t);
    const { slug } = await profileOf(tenant);
    const berlin = await availability(slug, { from: '2027-03-27', to: '2027-03-28', duration: 60, tz: 'Europe/Berlin' });
    expect(starts(berlin)).toEqual([
      '2027-03-27T09:00:00+01:00', '2027-03-27T10:00:00+01:00', '2027-03-27T11:00:00+01:00',
      '2027-03-28T09:00:00+02:00', '2027-03-28T10:00:00+02:00', '2027-03-28T11:00:00+02:00',
    ]);
    // the same local time is a different UTC instant on each side of the change
    expect(new Date(berlin.slots[0].start).toISOString()).toBe('2027-03-27T08:00:00.000Z');
    expect(new Date(berlin.slots[3].start).toISOString()).toBe('2027-03-28T07:00:00.000Z');
    expect(berlin.slots[3].date).toBe('2027-03-28');

    const newYork = await availability(slug, { date: '2027-03-29', duration: 60, tz: 'America/New_York' });
    expect(newYork).toMatchObject({ timezone: 'America/New_York', profile_timezone: 'Europe/Berlin', partial: false });
    // 09:00 in Berlin (UTC+2) is 03:00 in New York (UTC-4)
    expect(newYork.slots[0]).toEqual({ start: '2027-03-29T03:00:00-04:00', end: '2027-03-29T04:00:00-04:00', date: '2027-03-29' });
    // default duration: the first offered
    expect((await availability(slug, { date: '2027-03-29' })).duration).toBe(30);
    const notOffered = await t.call('GET', `/api/v1/booking/${slug}/availability`, { query: { date: '2027-03-29', duration: 45 } });
    expect(notOffered.status).toBe(422);
    expect((await t.call('GET', `/api/v1/booking/${slug}/availability`, { query: { from: '2027-03-01', to: '2027-04-10' } })).status).toBe(422);
  });

  it('keeps the buffers around a meeting, and respects minimum notice and the horizon', async () => {
    const tenant = await seedTenant(t);
    const { slug } = await profileOf(tenant, { durations: [30], buffer_before_minutes: 15, buffer_after_minutes: 15 });
    const meeting = await t.call('POST', '/api/meeting/add', {
      token: tenant.token,
      body: { title: 'Existing', start_time: '2027-03-30T10:00:00+02:00', end_time: '2027-03-30T10:30:00+02:00' },
    });
    expect(meeting.status).toBe(201);
    const day = await availability(slug, { date: '2027-03-30', tz: 'Europe/Berlin' });
    // 09:30 would end 15 minutes before it (buffer after), 10:30 would begin right after it (buffer before)
    expect(starts(day)).toEqual(['2027-03-30T09:00:00+02:00', '2027-03-30T11:00:00+02:00', '2027-03-30T11:30:00+02:00']);

    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const noticed = await profileOf(tenant, { minimum_notice_minutes: 30 * 24 * 60 });
    expect((await availability(noticed.slug, { date: soon, tz: 'UTC' })).slots).toEqual([]);
    expect((await availability(noticed.slug, { date: later, tz: 'UTC' })).slots.length).toBeGreaterThan(0);
    const short = await profileOf(tenant, { horizon_days: 10 });
    expect((await availability(short.slug, { date: soon, tz: 'UTC' })).slots.length).toBeGreaterThan(0);
    expect((await availability(short.slug, { date: later, tz: 'UTC' })).slots).toEqual([]);
  });

  it("leaves out the rep's Google busy time, and answers from LIO's data only (partial) when Google fails", async () => {
    const tenant = await seedTenant(t);
    const { slug } = await profileOf(tenant, { durations: [60] });
    await connectMailbox(t, google, { orgId: tenant.orgId, userId: tenant.adminId }, 'gmail');
    const busyId = `busy${randomBytes(4).toString('hex')}`;
    google.events.set(busyId, {
      id: busyId,
      status: 'confirmed',
      summary: 'Private',
      start: { dateTime: '2027-03-31T09:00:00+02:00' },
      end: { dateTime: '2027-03-31T10:00:00+02:00' },
    });
    const day = await availability(slug, { date: '2027-03-31', tz: 'Europe/Berlin' });
    expect(day.partial).toBe(false);
    expect(starts(day)).toEqual(['2027-03-31T10:00:00+02:00', '2027-03-31T11:00:00+02:00']);
    google.failNext(1, 'POST', '/calendar/v3/freeBusy', 503);
    const degraded = await availability(slug, { date: '2027-03-31', tz: 'Europe/Berlin' });
    expect(degraded.partial).toBe(true);
    expect(starts(degraded)).toEqual(['2027-03-31T09:00:00+02:00', '2027-03-31T10:00:00+02:00', '2027-03-31T11:00:00+02:00']);
  });
});

describe('public booking: confirm, one winner, emails, cancel and reschedule', () => {
  let t: TestApp;
  beforeAll(() => {
    t = createTestApp({
      SANDBOX_CONNECTORS: 'true',
      BOOKING_RATE_LIMIT: '100000',
      BOOKING_CONFIRM_RATE_LIMIT: '100000',
      PUBLIC_BASE_URL: 'https://book.example.test',
      // 50 confirmations at once through the test app's 5 pooled connections on a shared 2-core machine: what is measured is who wins, not how fast
      REQUEST_TIMEOUT_MS: '60000',
      DATABASE_ACQUIRE_TIMEOUT_MS: '60000',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function setUp(overrides: Record<string, unknown> = {}) {
    const tenant = await seedTenant(t);
    await connectSandboxMailbox(t, { orgId: tenant.orgId, userId: tenant.adminId });
    const answer = await t.call('POST', '/api/booking-profiles', { token: tenant.token, body: profileBody(overrides) });
    expect(answer.status).toBe(201);
    return { tenant, profile: answer.body.data as { id: number; slug: string; title: string } };
  }
  const confirm = (slug: string, body: Record<string, unknown>) => t.call('POST', `/api/v1/booking/${slug}/confirm`, { body });
  const attendee = (n: number | string) => ({ name: `Sam Visitor${n}`, email: `sam${n}-${randomBytes(3).toString('hex')}@visitor.example.test`, company: 'Visitor GmbH' });

  it('lets exactly one of 50 concurrent confirmations of one slot win', async () => {
    const { tenant, profile } = await setUp();
    const slot = { start: '2027-04-05T10:00:00+02:00', end: '2027-04-05T10:30:00+02:00' };
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => confirm(profile.slug, { ...slot, ...attendee(i) })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('slot_unavailable');
    const { rows } = await t.database.pool.query(`SELECT count(*)::int AS n FROM bookings WHERE org_id = $1 AND status = 'confirmed'`, [tenant.orgId]);
    expect(rows[0].n).toBe(1);
    const meetings = await t.database.pool.query(`SELECT count(*)::int AS n FROM meetings WHERE org_id = $1`, [tenant.orgId]);
    expect(meetings.rows[0].n).toBe(1);
    // the slot is gone from the availability
    const day = await t.call('GET', `/api/v1/booking/${profile.slug}/availability`, { query: { date: '2027-04-05', tz: 'Europe/Berlin' } });
    expect(day.body.data.slots.map((s: { start: string }) => s.start)).not.toContain(slot.start);
  });

  it('lets only one of two overlapping slots of two profiles of the same rep win', async () => {
    const { tenant, profile } = await setUp({ durations: [30] });
    const other = await t.call('POST', '/api/booking-profiles', { token: tenant.token, body: profileBody({ durations: [60] }) });
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => confirm(profile.slug, { start: '2027-04-06T10:30:00+02:00', end: '2027-04-06T11:00:00+02:00', ...attendee(`a${i}`) })),
      ...Array.from({ length: 10 }, (_, i) => confirm(other.body.data.slug, { start: '2027-04-06T10:00:00+02:00', end: '2027-04-06T11:00:00+02:00', ...attendee(`b${i}`) })),
    ]);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
  });

  it('makes a meeting created or moved by hand wait while a confirmation holds the rep\'s time, so the confirmation\'s free-check cannot miss it', async () => {
    const { tenant } = await setUp();
    const holder = await t.database.pool.connect();
    try {
      // a confirmation for this rep between its check and its commit
      await holder.query('BEGIN');
      await lockUserTime(holder, tenant.adminId);
      let settled = false;
      const created = t
        .call('POST', '/api/meeting/add', { token: tenant.token, body: { title: 'By hand', start_time: '2027-04-07T08:00:00Z', end_time: '2027-04-07T08:30:00Z' } })
        .finally(() => (settled = true));
      await sleep(700);
      expect(settled).toBe(false);
      await holder.query('ROLLBACK');
      const meeting = await created;
      expect(meeting.status, JSON.stringify(meeting.body)).toBe(201);

      await holder.query('BEGIN');
      await lockUserTime(holder, tenant.adminId);
      settled = false;
      const moved = t
        .call('POST', `/api/meeting/update/${meeting.body.data.id}`, { token: tenant.token, body: { start_time: '2027-04-07T09:00:00Z', end_time: '2027-04-07T09:30:00Z' } })
        .finally(() => (settled = true));
      await sleep(700);
      expect(settled).toBe(false);
      await holder.query('ROLLBACK');
      expect((await moved).status).toBe(200);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  it('refuses a duration not offered and bad answers (422), and a slot off the grid, outside the hours or in the past (409)', async () => {
    const { profile } = await setUp({ durations: [30], questions: [{ key: 'size', label: 'Team size', type: 'select', required: true, options: ['1-10', '11-50'] }] });
    const who = attendee('x');
    const answersOk = { answers: { size: '1-10' } };
    const wrongLength = await confirm(profile.slug, { start: '2027-04-07T10:00:00+02:00', end: '2027-04-07T10:45:00+02:00', ...who, ...answersOk });
    expect(wrongLength.status).toBe(422);
    expect(wrongLength.body.error.code).toBe('duration_not_offered');
    const slot = { start: '2027-04-07T10:00:00+02:00', end: '2027-04-07T10:30:00+02:00' };
    expect((await confirm(profile.slug, { ...slot, ...who })).status).toBe(422);
    expect((await confirm(profile.slug, { ...slot, ...who, answers: { size: '500+' } })).status).toBe(422);
    expect((await confirm(profile.slug, { ...slot, ...who, answers: { size: '1-10', extra: 'x' } })).status).toBe(422);
    expect((await confirm(profile.slug, { ...slot, email: who.email, ...answersOk })).status).toBe(400);
    for (const [start, end] of [
      ['2027-04-07T10:10:00+02:00', '2027-04-07T10:40:00+02:00'],
      ['2027-04-07T13:00:00+02:00', '2027-04-07T13:30:00+02:00'],
      ['2025-04-07T10:00:00+02:00', '2025-04-07T10:30:00+02:00'],
    ]) {
      const answer = await confirm(profile.slug, { start, end, ...who, ...answersOk });
      expect(answer.status, start).toBe(409);
      expect(answer.body.error.code).toBe('slot_unavailable');
    }
    expect((await confirm('no-such-page-here', { ...slot, ...who })).status).toBe(404);
  });

  it('matches the attendee to the lead with that email, or creates one (Website, assigned to the rep), with a demo_requested signal', async () => {
    const { tenant, profile } = await setUp();
    const { lead: existing } = await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Kim', last_name: 'Known', email: 'Kim.Known@Visitor.example.test' });
    const matched = await confirm(profile.slug, { start: '2027-04-08T09:00:00+02:00', end: '2027-04-08T09:30:00+02:00', name: 'Kim Known', email: 'kim.known@visitor.example.test' });
    expect(matched.status).toBe(201);
    expect(matched.body.data.lead_matched).toBe(true);
    const created = await confirm(profile.slug, { start: '2027-04-08T10:00:00+02:00', end: '2027-04-08T10:30:00+02:00', name: 'Nia New Person', email: 'nia@visitor.example.test', company: 'Nia Co', phone: '+49 30 1234567' });
    expect(created.status).toBe(201);
    expect(created.body.data.lead_matched).toBe(false);

    const bookings = await t.database.prisma.booking.findMany({ where: { org_id: tenant.orgId }, orderBy: { id: 'asc' } });
    expect(bookings[0]!.lead_id).toBe(existing.id);
    const lead = await t.database.prisma.lead.findFirstOrThrow({ where: { id: bookings[1]!.lead_id!, org_id: tenant.orgId } });
    expect(lead).toMatchObject({ first_name: 'Nia', last_name: 'New Person', email: 'nia@visitor.example.test', company: 'Nia Co', phone_number: '+49 30 1234567', lead_source: 1, assigned_to: tenant.adminId });
    const signals = await t.database.prisma.intentSignal.findMany({ where: { org_id: tenant.orgId }, orderBy: { id: 'asc' } });
    expect(signals.map((s) => [s.lead_id, s.signal_type, s.source])).toEqual([
      [existing.id, 'demo_requested', 'booking'],
      [lead.id, 'demo_requested', 'booking'],
    ]);
    const meeting = await t.database.prisma.meeting.findFirstOrThrow({ where: { id: bookings[1]!.meeting_id!, org_id: tenant.orgId } });
    expect(meeting).toMatchObject({ user_id: tenant.adminId, lead_id: lead.id, title: 'Intro call with Nia New Person', timezone: 'Europe/Berlin', status: 1, calendar_provider: 'sandbox' });
    expect(meeting.attendees).toEqual([{ email: 'nia@visitor.example.test', name: 'Nia New Person' }]);
    // the rep's list
    const list = await t.call('GET', '/api/bookings', { token: tenant.token });
    expect(list.body).toMatchObject({ total: 2, data: [{ id: bookings[1]!.id, lead_id: lead.id }, { id: bookings[0]!.id }] });
  });

  it('sends the confirmation with a valid invitation and manage links; cancel sends METHOD:CANCEL and cancels the meeting; again changes nothing', async () => {
    const { tenant, profile } = await setUp();
    const booked = await confirm(profile.slug, { start: '2027-03-29T09:00:00+02:00', end: '2027-03-29T09:30:00+02:00', tz: 'America/New_York', name: 'Lee, "The" Buyer; Jr', email: 'lee@visitor.example.test' });
    expect(booked.status).toBe(201);
    const data = booked.body.data;
    expect(data).toMatchObject({ status: 'confirmed', start: '2027-03-29T03:00:00-04:00', timezone: 'America/New_York', confirmation_email: { status: 'queued' }, meeting: { status: 1 } });
    const [mail] = await bookingMails(t, tenant.orgId, data.id);
    expect(mail!.connector).toBe('sandbox');
    expect(mail!.payload.to).toEqual(['lee@visitor.example.test']);
    expect(mail!.payload.from.address).toBe(`rep-${tenant.adminId}@sales.example.test`);
    expect(mail!.payload.html).toContain(data.manage_url);
    expect(mail!.payload.html).toContain(data.reschedule_url.replace(/&/g, '&amp;'));
    expect(data.manage_url).toMatch(/^https:\/\/book\.example\.test\/api\/v1\/booking\/manage\//);
    expect(mail!.payload.subject).toContain('03:00 (America/New_York)');
    const ics: string = mail!.payload.invitation.ics;
    expect(mail!.payload.invitation.method).toBe('REQUEST');
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const request = readInvitation(ics);
    expect(request).toMatchObject({ METHOD: 'REQUEST', SEQUENCE: '0', DTSTART: '20270329T070000Z', DTEND: '20270329T073000Z', STATUS: 'CONFIRMED', ORGANIZER: `mailto:rep-${tenant.adminId}@sales.example.test`, ATTENDEE: 'mailto:lee@visitor.example.test' });
    expect(request.SUMMARY).toBe('Intro call with Lee, "The" Buyer; Jr');
    expect(ics).toContain('SUMMARY:Intro call with Lee\\, "The" Buyer\\; Jr');
    expect(request.UID).toMatch(new RegExp(`^booking-${tenant.orgId}-${data.meeting.id}@book\\.example\\.test$`));

    const token = tokenOf(data.manage_url);
    const page = await t.call('GET', `/api/v1/booking/manage/${token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Cancel booking');
    const cancelled = await t.call('POST', `/api/v1/booking/manage/${token}/cancel`);
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get('location')).toBe(`/api/v1/booking/manage/${token}?done=cancelled`);
    const booking = await t.database.prisma.booking.findFirstOrThrow({ where: { id: data.id, org_id: tenant.orgId } });
    expect(booking.status).toBe('cancelled');
    expect(booking.cancelled_at).not.toBeNull();
    expect((await t.database.prisma.meeting.findFirstOrThrow({ where: { id: data.meeting.id, org_id: tenant.orgId } })).status).toBe(4);
    const mails = await bookingMails(t, tenant.orgId, data.id);
    expect(mails.map((m) => m.idempotency_key)).toEqual([`booking:${data.id}:confirmation`, `booking:${data.id}:cancellation`]);
    const cancel = readInvitation(mails[1]!.payload.invitation.ics);
    expect(cancel).toMatchObject({ METHOD: 'CANCEL', UID: request.UID, SEQUENCE: '1', STATUS: 'CANCELLED' });
    expect((await t.call('POST', `/api/v1/booking/manage/${token}/cancel`)).status).toBe(303);
    expect(await bookingMails(t, tenant.orgId, data.id)).toHaveLength(2);
    // the slot is free again
    expect((await confirm(profile.slug, { start: '2027-03-29T09:00:00+02:00', end: '2027-03-29T09:30:00+02:00', ...attendee('again') })).status).toBe(201);
  });

  it('reschedules: the old booking rescheduled, a new one confirmed, the meeting moved (Rescheduled), the invitation updated (SEQUENCE 1, same UID)', async () => {
    const { tenant, profile } = await setUp();
    const first = (await confirm(profile.slug, { start: '2027-04-12T09:00:00+02:00', end: '2027-04-12T09:30:00+02:00', name: 'Ria Mover', email: 'ria@visitor.example.test', tz: 'Asia/Tokyo' })).body.data;
    const token = tokenOf(first.manage_url);
    const moved = await confirm(profile.slug, { start: '2027-04-13T11:00:00+02:00', end: '2027-04-13T11:30:00+02:00', reschedule_token: token });
    expect(moved.status).toBe(201);
    expect(moved.body.data).toMatchObject({ rescheduled_from: first.id, name: 'Ria Mover', email: 'ria@visitor.example.test', timezone: 'Asia/Tokyo', meeting: { id: first.meeting.id, status: 2 } });
    const old = await t.database.prisma.booking.findFirstOrThrow({ where: { id: first.id, org_id: tenant.orgId } });
    expect(old.status).toBe('rescheduled');
    const meeting = await t.database.prisma.meeting.findFirstOrThrow({ where: { id: first.meeting.id, org_id: tenant.orgId } });
    expect(meeting.start_time.toISOString()).toBe('2027-04-13T09:00:00.000Z');
    const [mail] = await bookingMails(t, tenant.orgId, moved.body.data.id);
    const [firstMail] = await bookingMails(t, tenant.orgId, first.id);
    const update = readInvitation(mail!.payload.invitation.ics);
    expect(update).toMatchObject({ METHOD: 'REQUEST', SEQUENCE: '1', UID: readInvitation(firstMail!.payload.invitation.ics).UID, DTSTART: '20270413T090000Z' });
    // the old link cannot move or cancel it again; the old slot is free, the new one taken
    const again = await confirm(profile.slug, { start: '2027-04-14T11:00:00+02:00', end: '2027-04-14T11:30:00+02:00', reschedule_token: token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('booking_not_active');
    expect((await confirm(profile.slug, { start: '2027-04-12T09:00:00+02:00', end: '2027-04-12T09:30:00+02:00', ...attendee('old') })).status).toBe(201);
    expect((await confirm(profile.slug, { start: '2027-04-13T11:00:00+02:00', end: '2027-04-13T11:30:00+02:00', ...attendee('new') })).status).toBe(409);
  });

  it('answers 404 pages for forged or altered manage tokens, and tokens of another purpose', async () => {
    const { profile } = await setUp();
    const booked = (await confirm(profile.slug, { start: '2027-04-15T09:00:00+02:00', end: '2027-04-15T09:30:00+02:00', ...attendee('f') })).body.data;
    const token = tokenOf(booked.manage_url);
    const [body, tag] = token.split('.') as [string, string];
    const otherId = Buffer.from(JSON.stringify({ b: booked.id + 1 })).toString('base64url');
    const trackingToken = t.deps.services.tokens.sign('track-open', { b: booked.id });
    for (const forged of [`${otherId}.${tag}`, `${body}.${tag.slice(0, -2)}AA`, 'nonsense', trackingToken]) {
      const page = await t.call('GET', `/api/v1/booking/manage/${forged}`);
      expect(page.status, forged).toBe(404);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect((await t.call('POST', `/api/v1/booking/manage/${forged}/cancel`)).status).toBe(404);
    }
    expect((await confirm(profile.slug, { start: '2027-04-16T09:00:00+02:00', end: '2027-04-16T09:30:00+02:00', reschedule_token: `${otherId}.${tag}` })).status).toBe(404);
  });

  it('still books when the rep has no mailbox and the sandbox is off: the answer says the confirmation was not sent', async () => {
    const plain = createTestApp({ BOOKING_RATE_LIMIT: '100000', BOOKING_CONFIRM_RATE_LIMIT: '100000' });
    try {
      const tenant = await seedTenant(plain);
      const profile = (await plain.call('POST', '/api/booking-profiles', { token: tenant.token, body: profileBody() })).body.data;
      const booked = await plain.call('POST', `/api/v1/booking/${profile.slug}/confirm`, { body: { start: '2027-04-19T09:00:00+02:00', end: '2027-04-19T09:30:00+02:00', ...attendee('n') } });
      expect(booked.status).toBe(201);
      expect(booked.body.data.confirmation_email.status).toBe('not_sent');
      expect(booked.body.data.meeting.calendar_booking).toBeNull();
    } finally {
      await plain.close();
    }
  });

  it('limits confirmations per client address (429 with Retry-After)', async () => {
    // an address of its own: the counters are shared by every test of the run (they live in the database)
    const limited = createTestApp({ BOOKING_CONFIRM_RATE_LIMIT: '2', TRUST_PROXY: 'true' });
    const headers = { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}, 10.0.0.${randomBytes(1)[0]}` };
    try {
      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(await limited.call('POST', '/api/v1/booking/no-such-page-here/confirm', { headers, body: { start: '2027-04-19T09:00:00+02:00', end: '2027-04-19T09:30:00+02:00', ...attendee(i) } }));
      }
      expect(answers.map((a) => a.status)).toEqual([404, 404, 429]);
      expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('a booked meeting in the rep’s Google calendar (real worker, fake Google Calendar)', () => {
  let system: TestSystem;
  let google: GoogleCalendarFake;
  beforeAll(async () => {
    google = await startGoogleCalendarFake({ accessToken: 'unused', refreshToken: 'unused-refresh' });
    system = await createTestSystem('bookingcalendar', {
      worker: true,
      config: { ...googleCalendarConfig(google), BOOKING_RATE_LIMIT: '100000', BOOKING_CONFIRM_RATE_LIMIT: '100000' },
    });
  });
  afterAll(async () => {
    await system?.close();
    await google?.close();
  });

  async function meetingWhen(orgId: number, id: number, done: (m: { calendar_event_id: string | null; status: number }) => boolean) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const meeting = await system.t.database.prisma.meeting.findFirstOrThrow({ where: { id, org_id: orgId } });
      if (done(meeting)) return meeting;
      if (Date.now() > deadline) throw new Error(`meeting ${id} did not reach the expected state: ${JSON.stringify(meeting)}`);
      await sleep(200);
    }
  }

  it('books the meeting in Google once, moves it on reschedule and removes it on cancel', async () => {
    const t = system.t;
    const tenant = await seedTenant(t);
    await connectMailbox(t, google, { orgId: tenant.orgId, userId: tenant.adminId }, 'gmail');
    const profile = (await t.call('POST', '/api/booking-profiles', { token: tenant.token, body: profileBody() })).body.data;
    const booked = await t.call('POST', `/api/v1/booking/${profile.slug}/confirm`, { body: { start: '2027-04-20T09:00:00+02:00', end: '2027-04-20T09:30:00+02:00', ...{ name: 'Gia Google', email: 'gia@visitor.example.test' } } });
    expect(booked.status).toBe(201);
    expect(booked.body.data.meeting.calendar_booking).toBe('pending');
    expect(booked.body.data.confirmation_email.status).toBe('queued');
    const meetingId = booked.body.data.meeting.id;
    const inCalendar = await meetingWhen(tenant.orgId, meetingId, (m) => m.calendar_event_id !== null);
    const event = google.events.get(inCalendar.calendar_event_id!)!;
    expect(event).toMatchObject({ status: 'confirmed', summary: 'Intro call with Gia Google', attendees: [{ email: 'gia@visitor.example.test' }] });
    expect(Date.parse(event.start.dateTime)).toBe(Date.parse('2027-04-20T07:00:00Z'));

    const token = tokenOf(booked.body.data.manage_url);
    const moved = await t.call('POST', `/api/v1/booking/${profile.slug}/confirm`, { body: { start: '2027-04-21T10:00:00+02:00', end: '2027-04-21T10:30:00+02:00', reschedule_token: token } });
    expect(moved.status).toBe(201);
    const deadline = Date.now() + 30_000;
    while (Date.parse(google.events.get(inCalendar.calendar_event_id!)!.start.dateTime) !== Date.parse('2027-04-21T08:00:00Z')) {
      if (Date.now() > deadline) throw new Error('the event was not moved');
      await sleep(200);
    }
    expect((await t.call('POST', `/api/v1/booking/manage/${tokenOf(moved.body.data.manage_url)}/cancel`)).status).toBe(303);
    await meetingWhen(tenant.orgId, meetingId, (m) => m.status === 4 && m.calendar_event_id === null);
    expect(google.events.get(inCalendar.calendar_event_id!)!.status).toBe('cancelled');
    expect(google.inserts).toBe(1);
  }, 90_000);
});

// Scheduled ABM automation over the API (§6.8): GET/PUT /api/abm/automation
// store days, time, time zone and the paused flag, answer the next runs on
// the zone's wall clock, write the schedule's sync event in the same
// transaction, and refuse what Temporal could not run. The Temporal Schedule
// itself is tested against the dev server in test/workflow/abm-automation.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abmCron, nextAbmRuns, parseAbmCron } from '../../domain/engagement/abm-automation.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const put = (tenant: Pick<Tenant, 'token'>, body: unknown) => t.call('PUT', '/api/abm/automation', { token: tenant.token, body });
const syncEvents = async (orgId: number) =>
  (await t.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE org_id = $1 AND kind = 'abm_schedule.sync'`, [orgId])).rows[0]!.n;

/** The wall-clock weekday and HH:MM of an instant in a zone. */
const localOf = (iso: string, zone: string) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday!.toLowerCase()} ${parts.hour}:${parts.minute}`;
};

describe('next runs on the wall clock of the zone', () => {
  it('keeps 09:00 local across a daylight-saving change (Berlin, March 2027)', () => {
    // Friday 26 March 2027, 12:00 UTC; Berlin moves to summer time on Sunday 28 March
    const runs = nextAbmRuns(['mon', 'fri'], '09:00', 'Europe/Berlin', new Date('2027-03-26T12:00:00Z'), 3);
    expect(runs.map((d) => d.toISOString())).toEqual(['2027-03-29T07:00:00.000Z', '2027-04-02T07:00:00.000Z', '2027-04-05T07:00:00.000Z']);
    // before the change, 09:00 Berlin is 08:00 UTC; today's run counts only while still ahead
    expect(nextAbmRuns(['fri'], '09:00', 'Europe/Berlin', new Date('2027-03-26T07:59:00Z'), 1)[0]!.toISOString()).toBe('2027-03-26T08:00:00.000Z');
  });

  it('builds the cron Temporal runs from days and time, and reads it back', () => {
    expect(abmCron(['fri', 'mon', 'wed'], '07:05')).toBe('5 7 * * 1,3,5');
    expect(abmCron(['sun', 'sat'], '23:59')).toBe('59 23 * * 0,6');
    expect(parseAbmCron('5 7 * * 0,1,3')).toEqual({ days: ['mon', 'wed', 'sun'], time: '07:05' });
  });
});

describe('GET/PUT /api/abm/automation', () => {
  it('answers no schedule before one is set, named by the organization', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('GET', '/api/abm/automation', { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      enabled: false,
      days: [],
      time: null,
      timezone: 'UTC',
      paused: false,
      cron: null,
      next_runs: [],
      schedule_id: `abm-automation:${tenant.orgPublicId}`,
      updated_at: null,
    });
  });

  it('stores every weekday at 09:00 in Berlin, answers the next runs, and writes one sync event with it', async () => {
    const tenant = await seedTenant(t);
    const before = Date.now();
    const saved = await put(tenant, { enabled: true, days: ['fri', 'mon', 'tue', 'wed', 'thu'], time: '09:00', timezone: 'Europe/Berlin' });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const data = saved.body.data;
    expect(data).toMatchObject({ enabled: true, days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '09:00', timezone: 'Europe/Berlin', paused: false, cron: '0 9 * * 1,2,3,4,5' });
    expect(data.next_runs).toHaveLength(5);
    for (const run of data.next_runs) {
      expect(Date.parse(run)).toBeGreaterThan(before);
      expect(localOf(run, 'Europe/Berlin')).toMatch(/^(mon|tue|wed|thu|fri) 09:00$/);
    }
    expect([...data.next_runs].sort()).toEqual(data.next_runs);
    expect(new Set(data.next_runs).size).toBe(5);
    expect(await syncEvents(tenant.orgId)).toBe(1);

    const read = await t.call('GET', '/api/abm/automation', { token: tenant.token });
    expect({ ...read.body.data, next_runs: undefined }).toEqual({ ...data, next_runs: undefined });
  });

  it('pauses (no next runs), keeps the zone when it is not given, and disabling forgets days and time', async () => {
    const tenant = await seedTenant(t);
    await put(tenant, { enabled: true, days: ['sat'], time: '18:45', timezone: 'America/New_York' });
    const paused = await put(tenant, { enabled: true, days: ['sat'], time: '18:45', paused: true });
    expect(paused.body.data).toMatchObject({ paused: true, timezone: 'America/New_York', cron: '45 18 * * 6', next_runs: [] });
    const disabled = await put(tenant, { enabled: false });
    expect(disabled.body.data).toMatchObject({ enabled: false, days: [], time: null, cron: null, paused: false, timezone: 'America/New_York', next_runs: [] });
    expect(await syncEvents(tenant.orgId)).toBe(3);
  });

  it('refuses a bad time, an unknown zone, an unknown or repeated day (422) and days or time missing while enabled (400), storing nothing', async () => {
    const tenant = await seedTenant(t);
    const refusals: [unknown, number, string, string][] = [
      [{ enabled: true, days: ['mon'], time: '9:00', timezone: 'UTC' }, 422, 'validation_error', 'time'],
      [{ enabled: true, days: ['mon'], time: '24:00', timezone: 'UTC' }, 422, 'validation_error', 'time'],
      [{ enabled: true, days: ['mon'], time: '09:60', timezone: 'UTC' }, 422, 'validation_error', 'time'],
      [{ enabled: true, days: ['mon'], time: '09:00', timezone: 'Mars/Olympus' }, 422, 'validation_error', 'timezone'],
      [{ enabled: true, days: ['mon'], time: '09:00', timezone: '+02:00' }, 422, 'validation_error', 'timezone'],
      [{ enabled: true, days: ['funday'], time: '09:00', timezone: 'UTC' }, 422, 'validation_error', 'days.0'],
      [{ enabled: true, days: ['mon', 'mon'], time: '09:00', timezone: 'UTC' }, 422, 'validation_error', 'days'],
      [{ enabled: true, days: [], time: '09:00' }, 422, 'validation_error', 'days'],
      // a missing required parameter is a malformed request (ENGINEERING.md §7)
      [{ enabled: true, time: '09:00' }, 400, 'bad_request', 'days'],
      [{ enabled: true, days: ['mon'] }, 400, 'bad_request', 'time'],
      [{ days: ['mon'], time: '09:00' }, 400, 'bad_request', 'enabled'],
    ];
    for (const [body, status, type, path] of refusals) {
      const res = await put(tenant, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.type).toBe(type);
      expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(body)).toContain(path);
    }
    expect(await syncEvents(tenant.orgId)).toBe(0);
    expect((await t.call('GET', '/api/abm/automation', { token: tenant.token })).body.data.enabled).toBe(false);
  });

  it('lets every member read the schedule and only an admin change it (403, nothing stored)', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const refused = await put(rep, { enabled: true, days: ['mon'], time: '09:00', timezone: 'UTC' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.type).toBe('forbidden');
    expect(await syncEvents(tenant.orgId)).toBe(0);
    await put(tenant, { enabled: true, days: ['mon'], time: '09:00', timezone: 'UTC' });
    const read = await t.call('GET', '/api/abm/automation', { token: rep.token });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ enabled: true, days: ['mon'], time: '09:00' });
  });
});

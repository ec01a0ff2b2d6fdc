// Intent signals and hot-lead alerts (§9.1, §6.13): the decay rule, one alert per lead and hot episode
// (under concurrency too), the rep's notification and the routed announcement, the signal endpoints'
// validation, and the alert lists, hot leads and acknowledgement.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySignal, decayed, HEAT_HALF_LIFE_MS } from '../../domain/engagement/hot-leads.js';
import { recordSignal, type SignalType } from '../../domain/engagement/intent-signals.js';
import { announcementOfRecord, recordAnnouncement, replaceNotificationRoutes } from '../../domain/integrations/messaging.service.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { transaction } from '../../domain/platform/transaction.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

const DAY = 24 * 60 * 60 * 1000;

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t?.close());

async function newLead(tenant: Tenant, assignedTo: number | null = null) {
  const { lead } = await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, {
    first_name: 'Hot',
    last_name: randomBytes(3).toString('hex'),
    email: `hot-${randomBytes(4).toString('hex')}@example.test`,
    ...(assignedTo !== null && { assigned_to: assignedTo }),
  });
  return lead.id;
}

/** A signal recorded as the domain records it, with the clock at `now` (how the tests move time). */
const signalAt = (tenant: Tenant, leadId: number, signalType: SignalType, now: Date) =>
  transaction(t.database.pool, { actorId: null }, (tx) => recordSignal(tx, { orgId: tenant.orgId, leadId, signalType, source: 'test', occurredAt: now }, now));

async function alertsOf(orgId: number, leadId: number) {
  const { rows } = await t.database.pool.query<{ id: number; episode_started_at: Date; signal_types: string[]; reasons: { signal_type: string; weight: number; contribution: number }[] }>(
    'SELECT id, episode_started_at, signal_types, reasons FROM intent_alerts WHERE org_id = $1 AND lead_id = $2 ORDER BY id',
    [orgId, leadId],
  );
  return rows;
}

describe('the hot-lead rule', () => {
  it('halves a heat every half-life and never grows it backwards in time', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect(decayed(10, t0, new Date(t0.getTime() + HEAT_HALF_LIFE_MS))).toBeCloseTo(5, 10);
    expect(decayed(10, t0, new Date(t0.getTime() + 2 * HEAT_HALF_LIFE_MS))).toBeCloseTo(2.5, 10);
    expect(decayed(10, t0, new Date(t0.getTime() - DAY))).toBe(10);
  });

  it('adds a signal at its own age (out of order), opens an episode at the threshold and closes it only below half of it', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const cold = { heat: 0, heatAt: t0, hotSince: null };
    // a pricing visit of a week ago counts half
    const late = applySignal(cold, { type: 'pricing_page_visit', occurredAt: new Date(t0.getTime() - 7 * DAY) }, 10, t0);
    expect(late.next.heat).toBeCloseTo(2.5, 10);
    expect(late.becameHot).toBe(false);
    const crossing = applySignal(late.next, { type: 'reply_received', occurredAt: t0 }, 10, t0);
    expect(crossing).toEqual({ next: { heat: 10.5, heatAt: t0, hotSince: t0 }, becameHot: true });
    // five days on, 10.5 decayed to ~6.4 (above 5): the same episode goes on, no new alert
    const t5 = new Date(t0.getTime() + 5 * DAY);
    const still = applySignal(crossing.next, { type: 'email_opened', occurredAt: t5 }, 10, t5);
    expect(still.becameHot).toBe(false);
    expect(still.next.hotSince).toEqual(t0);
    // four weeks on it decayed below 5: the episode ended, and a demo request opens a new one
    const t33 = new Date(t0.getTime() + 33 * DAY);
    const again = applySignal(still.next, { type: 'demo_requested', occurredAt: t33 }, 10, t33);
    expect(again.becameHot).toBe(true);
    expect(again.next.hotSince).toEqual(t33);
    // a clock behind the last evaluation does not move heat_at back
    const behind = applySignal(again.next, { type: 'manual', occurredAt: t0 }, 10, t0);
    expect(behind.next.heatAt).toEqual(t33);
  });

  it('raises one alert when a lead crosses, with its reasons; a decayed lead crossing again is a second alert', async () => {
    const tenant = await seedTenant(t);
    const lead = await newLead(tenant);
    const t0 = new Date(Date.now() - 40 * DAY);
    expect((await signalAt(tenant, lead, 'pricing_page_visit', t0)).alert_id).toBeNull();
    const crossing = await signalAt(tenant, lead, 'demo_requested', t0);
    expect(crossing).toMatchObject({ heat: 15, hot: true, alert_id: expect.any(Number) });
    expect((await signalAt(tenant, lead, 'link_clicked', new Date(t0.getTime() + DAY))).alert_id).toBeNull();
    const [first] = await alertsOf(tenant.orgId, lead);
    expect(first!.signal_types.sort()).toEqual(['demo_requested', 'pricing_page_visit']);
    expect(first!.reasons.map((r) => [r.signal_type, r.weight, r.contribution]).sort()).toEqual([
      ['demo_requested', 10, 10],
      ['pricing_page_visit', 5, 5],
    ]);

    const later = await signalAt(tenant, lead, 'demo_requested', new Date(t0.getTime() + 35 * DAY));
    expect(later.alert_id).not.toBeNull();
    const alerts = await alertsOf(tenant.orgId, lead);
    expect(alerts.map((a) => a.id)).toEqual([crossing.alert_id, later.alert_id]);
    expect(alerts[1]!.episode_started_at.getTime()).toBe(t0.getTime() + 35 * DAY);
  });

  it('raises exactly one alert for concurrent signals that together make a lead hot', async () => {
    const tenant = await seedTenant(t);
    const lead = await newLead(tenant);
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => t.call('POST', '/api/intent-alert/signal', { token: tenant.token, body: { lead_id: lead, signal_type: 'pricing_page_visit' } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
    expect(answers.filter((a) => a.body.data.alert_id !== null)).toHaveLength(1);
    expect(await alertsOf(tenant.orgId, lead)).toHaveLength(1);
  });

  it("notifies the lead's assigned rep, and announces each alert once where the organization routes intent_alert", async () => {
    const [routed, silent] = await seedTwoTenants(t);
    await replaceNotificationRoutes(t.database, { orgId: routed.orgId, userId: routed.adminId, roleName: 'Admin' }, [
      { event_type: 'intent_alert', slack_channels: ['C0HOT'], teams: false },
    ]);
    const rep = await routed.addUser();
    const lead = await newLead(routed, rep.id);
    const t0 = new Date(Date.now() - 60 * DAY);
    const first = await signalAt(routed, lead, 'demo_requested', t0);
    await signalAt(routed, lead, 'reply_received', new Date(t0.getTime() + DAY));
    const second = await signalAt(routed, lead, 'demo_requested', new Date(t0.getTime() + 40 * DAY));
    const { rows: events } = await t.database.pool.query<{ payload: unknown }>(
      "SELECT payload FROM outbox_events WHERE org_id = $1 AND kind = 'notification.announce' ORDER BY id",
      [routed.orgId],
    );
    expect(events.map((e) => e.payload)).toEqual([
      { eventType: 'intent_alert', subjectId: first.alert_id },
      { eventType: 'intent_alert', subjectId: second.alert_id },
    ]);

    // what the worker posts for each: the lead, its heat and the signals, one message per alert and channel (the sandbox records them here)
    for (const alertId of [first.alert_id!, second.alert_id!]) {
      const announcement = await announcementOfRecord(t.database, routed.orgId, 'intent_alert', alertId);
      expect(announcement).toMatchObject({ title: 'Hot lead (intent signals)', text: expect.stringContaining('demo_requested (+10)') });
      const messages = await recordAnnouncement(t.database, routed.orgId, { eventType: 'intent_alert', subjectId: alertId, announcement: announcement! }, true);
      expect(messages.map((m) => m.idempotency_key)).toEqual([`announce:intent_alert:${alertId}:slack:C0HOT`]);
    }

    const notifications = await t.call('GET', '/api/notification/list', { token: rep.token });
    const hot = notifications.body.data.filter((n: { type: string }) => n.type === 'hot_lead');
    expect(hot.map((n: { data: { alert_id: number; model_id: number } }) => [n.data.alert_id, n.data.model_id]).sort()).toEqual(
      [[first.alert_id, lead], [second.alert_id, lead]].sort(),
    );

    const silentLead = await newLead(silent, null);
    expect((await signalAt(silent, silentLead, 'demo_requested', new Date())).alert_id).not.toBeNull();
    const { rowCount } = await t.database.pool.query("SELECT 1 FROM outbox_events WHERE org_id = $1 AND kind = 'notification.announce'", [silent.orgId]);
    expect(rowCount).toBe(0);
  });
});

describe('the signal endpoints', () => {
  it('accept an API key on /api/v1/intent-signal and a bearer token on both paths', async () => {
    const tenant = await seedTenant(t);
    const lead = await newLead(tenant);
    const byKey = await t.call('POST', '/api/v1/intent-signal', {
      apiKey: await tenant.apiKey(),
      body: { lead_id: lead, signal_type: 'case_study_download', signal_detail: { title: 'Scaling ops' }, source: 'website' },
    });
    expect(byKey.status, JSON.stringify(byKey.body)).toBe(201);
    expect(byKey.body.data).toMatchObject({
      signal: { lead_id: lead, signal_type: 'case_study_download', signal_detail: { title: 'Scaling ops' }, source: 'website', created_by: null },
      heat: 4,
      hot: false,
      alert_id: null,
    });
    const byToken = await t.call('POST', '/api/v1/intent-signal', { token: tenant.token, body: { lead_id: lead, signal_type: 'manual' } });
    expect(byToken.body.data.signal).toMatchObject({ source: 'app', created_by: tenant.adminId });
    const occurred = new Date(Date.now() - 14 * DAY).toISOString();
    const old = await t.call('POST', '/api/intent-alert/signal', { token: tenant.token, body: { lead_id: lead, signal_type: 'form_submitted', occurred_at: occurred } });
    expect(old.status).toBe(201);
    expect(old.body.data.signal.occurred_at).toBe(occurred);
    // 4 + 5 (fresh) + 5 two half-lives old (1.25), less the little decay of the first two since they were added
    expect(old.body.data.heat).toBeCloseTo(10.25, 1);
    expect(old.body.data.hot).toBe(true);
  });

  it('refuse bad input with the error envelope', async () => {
    const [tenant, other] = await seedTwoTenants(t);
    const lead = await newLead(tenant);
    const foreign = await newLead(other);
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    const wide = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    const cases: [unknown, number, string][] = [
      [{ lead_id: lead, signal_type: 'webinar_attended' }, 422, 'validation_error'],
      [{ lead_id: foreign, signal_type: 'manual' }, 404, 'not_found'],
      [{ lead_id: lead, signal_type: 'manual', signal_detail: { text: 'x'.repeat(9000) } }, 422, 'validation_error'],
      [{ lead_id: lead, signal_type: 'manual', signal_detail: deep }, 422, 'validation_error'],
      [{ lead_id: lead, signal_type: 'manual', signal_detail: wide }, 422, 'validation_error'],
      [{ lead_id: lead, signal_type: 'manual', signal_detail: ['not', 'an', 'object'] }, 422, 'validation_error'],
      [{ lead_id: lead, signal_type: 'manual', occurred_at: new Date(Date.now() + 3600_000).toISOString() }, 422, 'validation_error'],
      [{ lead_id: lead, signal_type: 'manual', occurred_at: 'yesterday' }, 422, 'validation_error'],
      [{ lead_id: lead, signal_type: 'manual', source: 's'.repeat(101) }, 422, 'validation_error'],
      [{ signal_type: 'manual' }, 400, 'bad_request'],
      [{ lead_id: 2 ** 31, signal_type: 'manual' }, 422, 'validation_error'],
    ];
    for (const [body, status, type] of cases) {
      const res = await t.call('POST', '/api/intent-alert/signal', { token: tenant.token, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body).toMatchObject({ success: false, error: { type } });
    }
    // a depth of four and 50 keys are accepted
    const edge = { a: { b: { c: 1 } }, ...Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`k${i}`, i])) };
    expect((await t.call('POST', '/api/intent-alert/signal', { token: tenant.token, body: { lead_id: lead, signal_type: 'manual', signal_detail: edge } })).status).toBe(201);
    const { rowCount } = await t.database.pool.query('SELECT 1 FROM intent_signals WHERE org_id = $1', [other.orgId]);
    expect(rowCount).toBe(0);
  });
});

describe('alerts, hot leads and acknowledgement', () => {
  it('lists and filters alerts, lists hot leads by heat now, pages a lead’s alerts, and lets the assigned rep or an admin acknowledge once', async () => {
    const tenant = await seedTenant(t);
    const [rep, otherRep] = [await tenant.addUser(), await tenant.addUser()];
    const repLead = await newLead(tenant, rep.id);
    const adminLead = await newLead(tenant, tenant.adminId);
    const coldLead = await newLead(tenant, rep.id);
    const now = Date.now();
    const repAlert = (await signalAt(tenant, repLead, 'demo_requested', new Date(now - 2 * DAY))).alert_id!;
    const adminAlert = (await signalAt(tenant, adminLead, 'reply_received', new Date(now - 60 * 1000))).alert_id;
    expect(adminAlert).toBeNull();
    const adminAlertId = (await signalAt(tenant, adminLead, 'pricing_page_visit', new Date(now - 30 * 1000))).alert_id!;
    await signalAt(tenant, coldLead, 'email_opened', new Date(now));
    // an alert of a lead that has since cooled: listed, but the lead is not hot now
    const cooled = await newLead(tenant, rep.id);
    const cooledAlert = (await signalAt(tenant, cooled, 'demo_requested', new Date(now - 30 * DAY))).alert_id!;

    const list = await t.call('GET', '/api/intent-alert/list', { token: rep.token });
    expect(list.body).toMatchObject({ success: true, total: 3, page: 1, limit: 10 });
    expect(list.body.data.map((a: { id: number }) => a.id)).toEqual([cooledAlert, adminAlertId, repAlert].sort((a, b) => b - a));
    const byRep = await t.call('GET', '/api/intent-alert/list', { token: rep.token, query: { assigned_to_id: rep.id, order_by: 'id', order_in: 'asc' } });
    expect(byRep.body.data.map((a: { id: number }) => a.id)).toEqual([repAlert, cooledAlert]);
    const byLead = await t.call('GET', '/api/intent-alert/list', { token: rep.token, query: { lead_id: adminLead } });
    expect(byLead.body.data.map((a: { id: number }) => a.id)).toEqual([adminAlertId]);
    const today = new Date().toISOString().slice(0, 10);
    // raised (created_at) is the time of the insert: all three today; nothing before
    expect((await t.call('GET', '/api/intent-alert/list', { token: rep.token, query: { from_date: today, to_date: today } })).body.total).toBe(3);
    expect((await t.call('GET', '/api/intent-alert/list', { token: rep.token, query: { to_date: '2020-01-01' } })).body.total).toBe(0);
    expect((await t.call('GET', '/api/intent-alert/list', { token: rep.token, query: { from_date: 'soon' } })).status).toBe(422);

    const hot = await t.call('GET', '/api/intent-alert/hot-leads', { token: rep.token });
    expect(hot.status).toBe(200);
    // the admin's lead (8 + 5, seconds old) is hotter than the rep's (10, two days old); the cooled and the cold lead are not hot
    expect(hot.body.data.map((h: { lead_id: number }) => h.lead_id)).toEqual([adminLead, repLead]);
    expect(hot.body.data[1]).toMatchObject({ lead_id: repLead, assigned_to_id: rep.id, recent_signal_types: ['demo_requested'], alert: { id: repAlert, status: 'open' } });
    expect(hot.body.data[1].heat).toBeCloseTo(10 * 2 ** (-2 / 7), 2);
    expect((await t.call('GET', '/api/intent-alert/hot-leads', { token: rep.token, query: { assigned_to_id: rep.id } })).body.data.map((h: { lead_id: number }) => h.lead_id)).toEqual([repLead]);
    expect((await t.call('GET', '/api/intent-alert/hot-leads', { token: rep.token, query: { signal_type: 'reply_received' } })).body.data.map((h: { lead_id: number }) => h.lead_id)).toEqual([adminLead]);
    expect((await t.call('GET', '/api/intent-alert/hot-leads', { token: rep.token, query: { limit: 1 } })).body.data).toHaveLength(1);
    expect((await t.call('GET', '/api/intent-alert/hot-leads', { token: rep.token, query: { limit: 101 } })).status).toBe(422);

    const perLead = await t.call('GET', `/api/intent-alert/lead/${repLead}`, { token: rep.token, query: { limit: 1 } });
    expect(perLead.body).toMatchObject({ total: 1, page: 1, limit: 1, data: [{ id: repAlert, lead_id: repLead }] });
    const stranger = await seedTenant(t);
    expect((await t.call('GET', `/api/intent-alert/lead/${repLead}`, { token: stranger.token })).status).toBe(404);

    expect((await t.call('POST', `/api/intent-alert/acknowledge/${repAlert}`, { token: otherRep.token })).body.error).toMatchObject({ type: 'forbidden', code: 'not_assigned' });
    const acknowledged = await t.call('POST', `/api/intent-alert/acknowledge/${repAlert}`, { token: rep.token });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.data).toMatchObject({ id: repAlert, status: 'acknowledged', acknowledged_by: rep.id });
    const again = await t.call('POST', `/api/intent-alert/acknowledge/${repAlert}`, { token: tenant.token });
    expect([again.status, again.body.error.code]).toEqual([409, 'already_acknowledged']);
    expect((await t.call('POST', `/api/intent-alert/acknowledge/${adminAlertId}`, { token: tenant.token })).status).toBe(200);
    expect((await t.call('POST', `/api/intent-alert/acknowledge/${cooledAlert}`, { token: stranger.token })).status).toBe(404);
    expect((await t.call('GET', '/api/intent-alert/list', { token: rep.token, query: { status: 'open' } })).body.data.map((a: { id: number }) => a.id)).toEqual([cooledAlert]);
  });

  it("judges leads by the organization's threshold, which only an admin may change", async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    expect((await t.call('GET', '/api/intent-alert/settings', { token: tenant.token })).body.data).toEqual({ hot_lead_threshold: 10 });
    expect((await t.call('PUT', '/api/intent-alert/settings', { token: rep.token, body: { hot_lead_threshold: 5 } })).status).toBe(403);
    expect((await t.call('PUT', '/api/intent-alert/settings', { token: tenant.token, body: { hot_lead_threshold: 0 } })).status).toBe(422);
    expect((await t.call('PUT', '/api/intent-alert/settings', { token: tenant.token, body: { hot_lead_threshold: 15 } })).status).toBe(200);
    const lead = await newLead(tenant);
    const demo = await t.call('POST', '/api/intent-alert/signal', { token: tenant.token, body: { lead_id: lead, signal_type: 'demo_requested' } });
    expect(demo.body.data).toMatchObject({ hot: false, alert_id: null });
    // 10 is hot under the default threshold, not under 15; 10 + 8 is
    const reply = await t.call('POST', '/api/intent-alert/signal', { token: tenant.token, body: { lead_id: lead, signal_type: 'reply_received' } });
    expect(reply.body.data).toMatchObject({ hot: true, alert_id: expect.any(Number) });
  });
});

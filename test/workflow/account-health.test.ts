// Account health (§6.8 ABM, docs/engagement.md): the computation's rules one
// factor at a time, then the path that keeps it current on a real worker and
// Temporal: a change of engagement (here a signal inserted by plain SQL, as
// any writer would) → the trigger's outbox event → the relay → the
// account-health workflow → the stored health with a reason naming it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  computeAccountHealth,
  healthBandOf,
  HEALTH_RULES,
  type AccountEngagement,
  type HealthFactor,
} from '../../domain/engagement/account-health.js';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import { accountHealthWorkflow, accountHealthWorkflowId } from '../../workflows/account-health.workflow.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

const quiet: AccountEngagement = {
  signals: [],
  meetings: [],
  hadMeeting: false,
  deals: [],
  everEngaged: false,
  lastTouchAt: null,
  estimatedDecisionMakers: null,
  status: 'active',
};

const health = (engagement: Partial<AccountEngagement>) => computeAccountHealth({ ...quiet, ...engagement }, NOW);
const pointsOf = (engagement: Partial<AccountEngagement>, factor: HealthFactor) => health(engagement).reasons.find((r) => r.factor === factor)!.points;
const reasonOf = (engagement: Partial<AccountEngagement>, factor: HealthFactor) => health(engagement).reasons.find((r) => r.factor === factor)!.reason;
const signal = (type: string, days: number, leadId = 1) => ({ leadId, type, occurredAt: daysAgo(days) });

describe('account health (domain/engagement/account-health.ts)', () => {
  it('scores an account without engagement 0, cold, identified, and still explains every factor', () => {
    const result = health({});
    expect(result).toMatchObject({ score: 0, health: 'cold', engagementStage: 'identified' });
    expect(result.reasons.map((r) => r.factor)).toEqual(['intent', 'replies', 'meetings', 'deal', 'breadth', 'recency']);
    for (const r of result.reasons) expect(r.reason.length).toBeGreaterThan(0);
  });

  it('weighs intent signals by type and decays them with time (half the weight after 14 days), capped at 35', () => {
    const today = pointsOf({ signals: [signal('demo_requested', 0)] }, 'intent');
    const twoWeeks = pointsOf({ signals: [signal('demo_requested', HEALTH_RULES.signalHalfLifeDays)] }, 'intent');
    expect(today).toBe(Math.round((35 * 10) / 15));
    expect(twoWeeks).toBe(Math.round((35 * 5) / 15));
    expect(pointsOf({ signals: [signal('email_opened', 0)] }, 'intent')).toBeLessThan(pointsOf({ signals: [signal('pricing_page_visit', 0)] }, 'intent'));
    expect(pointsOf({ signals: Array.from({ length: 10 }, () => signal('demo_requested', 0)) }, 'intent')).toBe(35);
    // older than the 90-day window: not counted at all
    expect(pointsOf({ signals: [signal('demo_requested', 91)] }, 'intent')).toBe(0);
    expect(reasonOf({ signals: [signal('demo_requested', 0), signal('email_opened', 1), signal('email_opened', 2)] }, 'intent')).toContain(
      'demo_requested ×1, email_opened ×2',
    );
  });

  it('counts replies on their own (10 for one, 15 for more), not as intent', () => {
    expect(pointsOf({ signals: [signal('reply_received', 3)] }, 'replies')).toBe(10);
    expect(pointsOf({ signals: [signal('reply_received', 3), signal('reply_received', 40)] }, 'replies')).toBe(15);
    expect(pointsOf({ signals: [signal('reply_received', 3)] }, 'intent')).toBe(0);
    expect(reasonOf({ signals: [signal('reply_received', 3)] }, 'replies')).toBe('1 reply in the last 90 days');
  });

  it('gives held meetings 12 and upcoming ones 8 (at most 20); cancelled and missed ones nothing', () => {
    const meeting = (status: number, days: number) => ({ status, startTime: daysAgo(days), person: 'lead:1' });
    expect(pointsOf({ meetings: [meeting(3, 10)] }, 'meetings')).toBe(12);
    expect(pointsOf({ meetings: [meeting(1, -3)] }, 'meetings')).toBe(8);
    expect(pointsOf({ meetings: [meeting(3, 10), meeting(1, -3)] }, 'meetings')).toBe(20);
    expect(pointsOf({ meetings: [meeting(4, 2), meeting(5, 2)] }, 'meetings')).toBe(0);
    expect(reasonOf({ meetings: [meeting(3, 10), meeting(1, -3)] }, 'meetings')).toBe('1 meeting held in the last 90 days, 1 upcoming');
  });

  it("scores the furthest open deal by its stage's probability, a won deal fully, and moves the funnel stage", () => {
    const deal = (probability: number, isWon = false, isLost = false) => ({ probability, isWon, isLost, stageName: isWon ? 'Won' : 'Proposal' });
    expect(pointsOf({ deals: [deal(0.2), deal(0.6)] }, 'deal')).toBe(5 + 6);
    expect(pointsOf({ deals: [deal(1, true)] }, 'deal')).toBe(15);
    expect(pointsOf({ deals: [deal(0, false, true)] }, 'deal')).toBe(0);
    expect(reasonOf({ deals: [deal(0.2), deal(0.6)] }, 'deal')).toBe('2 open deals, the furthest in stage Proposal (60% probability)');
    expect(health({ deals: [deal(0.6)] }).engagementStage).toBe('opportunity');
    expect(health({ deals: [deal(1, true)] }).engagementStage).toBe('won');
    expect(health({ status: 'won' }).engagementStage).toBe('won');
    expect(health({ hadMeeting: true }).engagementStage).toBe('meeting');
    expect(health({ everEngaged: true }).engagementStage).toBe('engaged');
  });

  it('measures breadth as distinct people engaged against the estimated decision makers (3 assumed without one)', () => {
    const signals = [signal('email_opened', 1, 1), signal('email_opened', 1, 1), signal('link_clicked', 2, 2)];
    expect(pointsOf({ signals, estimatedDecisionMakers: 4 }, 'breadth')).toBe(5);
    expect(pointsOf({ signals }, 'breadth')).toBe(7);
    expect(pointsOf({ signals, meetings: [{ status: 3, startTime: daysAgo(1), person: 'contact:9' }], estimatedDecisionMakers: 3 }, 'breadth')).toBe(10);
    expect(reasonOf({ signals, estimatedDecisionMakers: 4 }, 'breadth')).toBe('2 stakeholders engaged of 4 estimated decision makers');
  });

  it('rewards a recent touch and takes 15 points for silence of over 30 days', () => {
    expect(pointsOf({ lastTouchAt: daysAgo(2) }, 'recency')).toBe(5);
    expect(pointsOf({ lastTouchAt: daysAgo(10) }, 'recency')).toBe(3);
    expect(pointsOf({ lastTouchAt: daysAgo(25) }, 'recency')).toBe(0);
    expect(pointsOf({ lastTouchAt: daysAgo(45) }, 'recency')).toBe(-15);
    expect(reasonOf({ lastTouchAt: daysAgo(45) }, 'recency')).toBe('silent for 45 days (over 30)');
    // the score never goes below 0
    expect(health({ lastTouchAt: daysAgo(45) }).score).toBe(0);
  });

  it('bands the score: healthy ≥ 70, warming ≥ 40, at_risk ≥ 20 or silent after engagement, cold otherwise', () => {
    expect(healthBandOf(70, null, NOW)).toBe('healthy');
    expect(healthBandOf(69, null, NOW)).toBe('warming');
    expect(healthBandOf(40, null, NOW)).toBe('warming');
    expect(healthBandOf(39, null, NOW)).toBe('at_risk');
    expect(healthBandOf(20, null, NOW)).toBe('at_risk');
    expect(healthBandOf(19, null, NOW)).toBe('cold');
    expect(healthBandOf(19, daysAgo(10), NOW)).toBe('cold');
    expect(healthBandOf(5, daysAgo(31), NOW)).toBe('at_risk');
  });

  it('is the sum of its explained points, and a fully engaged account is healthy', () => {
    const engaged: Partial<AccountEngagement> = {
      signals: [signal('demo_requested', 1, 1), signal('pricing_page_visit', 2, 2), signal('reply_received', 1, 3), signal('reply_received', 4, 1)],
      meetings: [{ status: 3, startTime: daysAgo(3), person: 'lead:3' }, { status: 1, startTime: daysAgo(-2), person: 'lead:2' }],
      hadMeeting: true,
      deals: [{ probability: 0.5, isWon: false, isLost: false, stageName: 'Negotiation' }],
      everEngaged: true,
      lastTouchAt: daysAgo(1),
      estimatedDecisionMakers: 3,
    };
    const result = health(engaged);
    expect(result.score).toBe(result.reasons.reduce((sum, r) => sum + r.points, 0));
    expect(result.health).toBe('healthy');
    expect(result.engagementStage).toBe('opportunity');
  });
});

describe('account health kept current by trigger → outbox → workflow (real worker, real Temporal)', () => {
  let system: TestSystem;
  let t: TestApp;
  let temporal: TemporalClient;

  beforeAll(async () => {
    system = await createTestSystem('accounthealth', { worker: true });
    t = system.t;
    temporal = await connectTemporalClient(t.deps.config);
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await system?.close();
  });

  async function seedAccount(tenant: Tenant) {
    const { prisma } = t.database;
    const company = await prisma.company.create({ data: { org_id: tenant.orgId, company_name: 'Initech' } });
    const lead = await prisma.lead.create({ data: { org_id: tenant.orgId, first_name: 'Peter', company_id: company.id } });
    const res = await t.call('POST', '/api/target-accounts', { token: tenant.token, body: { company_id: company.id, estimated_decision_makers: 2 } });
    expect(res.status).toBe(201);
    return { company, lead, account: res.body.data as { id: number; health_score: number } };
  }

  const stored = (orgId: number, id: number) => t.database.prisma.targetAccount.findFirstOrThrow({ where: { org_id: orgId, id } });

  it("recomputes the account's health within seconds of a signal inserted by plain SQL for a lead of its company, naming it", async () => {
    const tenant = await seedTenant(t);
    const { lead, account } = await seedAccount(tenant);
    expect(account.health_score).toBe(0);
    await t.database.pool.query(`INSERT INTO intent_signals (org_id, lead_id, signal_type, source) VALUES ($1, $2, 'demo_requested', 'test')`, [tenant.orgId, lead.id]);

    const refreshed = await vi.waitFor(
      async () => {
        const row = await stored(tenant.orgId, account.id);
        expect(row.health_score).toBeGreaterThan(0);
        return row;
      },
      { timeout: 20_000, interval: 200 },
    );
    const reasons = refreshed.health_reasons as { factor: string; points: number; reason: string }[];
    expect(reasons.find((r) => r.factor === 'intent')).toMatchObject({ points: 23, reason: expect.stringContaining('demo_requested ×1') });
    expect(refreshed.engagement_stage).toBe('engaged');

    const handle = temporal.client.workflow.getHandle(accountHealthWorkflowId({ orgPublicId: tenant.orgPublicId, targetAccountId: account.id }));
    expect(await handle.result()).toMatchObject({ refreshed: true, healthScore: refreshed.health_score, engagementStage: 'engaged' });
  });

  it('follows meetings and deals the same way: a held meeting with the company, then an open deal of its lead', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const { company, lead, account } = await seedAccount(tenant);
    const meeting = await prisma.meeting.create({
      data: { org_id: tenant.orgId, user_id: tenant.adminId, company_id: company.id, title: 'Intro', start_time: new Date(Date.now() - 3600_000), end_time: new Date() },
    });
    await vi.waitFor(async () => expect((await stored(tenant.orgId, account.id)).engagement_stage).toBe('meeting'), { timeout: 20_000, interval: 200 });
    await prisma.meeting.update({ where: { id: meeting.id }, data: { status: 4 } });
    await vi.waitFor(async () => expect((await stored(tenant.orgId, account.id)).engagement_stage).toBe('identified'), { timeout: 20_000, interval: 200 });

    const pipeline = await prisma.pipeline.create({
      data: { org_id: tenant.orgId, name: 'Sales', stages: { create: [{ org_id: tenant.orgId, name: 'Proposal', position: 1, probability: 0.5 }] } },
      include: { stages: true },
    });
    await prisma.deal.create({
      data: { org_id: tenant.orgId, lead_id: lead.id, pipeline_id: pipeline.id, stage_id: pipeline.stages[0]!.id, title: 'Pilot', value: 100, expected_close_date: new Date('2027-01-31') },
    });
    const withDeal = await vi.waitFor(
      async () => {
        const row = await stored(tenant.orgId, account.id);
        expect(row.engagement_stage).toBe('opportunity');
        return row;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect((withDeal.health_reasons as { factor: string; reason: string }[]).find((r) => r.factor === 'deal')!.reason).toContain('Proposal (50% probability)');
  });

  it("takes in a new stakeholder's engagement: a contact whose lead replied, added to the account, brings the reply in", async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const { company, account } = await seedAccount(tenant);
    // the contact's lead has no company: only the stakeholder link makes its reply the account's
    const lead = await prisma.lead.create({ data: { org_id: tenant.orgId, first_name: 'Joanna' } });
    await prisma.intentSignal.create({ data: { org_id: tenant.orgId, lead_id: lead.id, signal_type: 'reply_received' } });
    const contact = await prisma.contact.create({ data: { org_id: tenant.orgId, name: 'Joanna', company_id: company.id, lead_id: lead.id } });
    const added = await t.call('POST', `/api/target-accounts/${account.id}/contacts`, { token: tenant.token, body: { contact_id: contact.id, stakeholder_role: 'champion' } });
    expect(added.status).toBe(201);
    const replies = async () => ((await stored(tenant.orgId, account.id)).health_reasons as { factor: string; points: number; reason: string }[]).find((r) => r.factor === 'replies')!;
    await vi.waitFor(async () => expect(await replies()).toEqual({ factor: 'replies', points: 10, reason: '1 reply in the last 90 days' }), { timeout: 20_000, interval: 200 });
    // and a contact deleted takes it out again
    expect((await t.call('DELETE', `/api/contact/delete/${contact.id}`, { token: tenant.token })).status).toBe(200);
    await vi.waitFor(async () => expect((await replies()).points).toBe(0), { timeout: 20_000, interval: 200 });
  });

  it('ends without storing anything for an account that no longer exists', async () => {
    const tenant = await seedTenant(t);
    const result = await temporal.client.workflow.execute(accountHealthWorkflow, {
      workflowId: accountHealthWorkflowId({ orgPublicId: tenant.orgPublicId, targetAccountId: 2_000_000_000 }),
      taskQueue: t.deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ orgId: tenant.orgId, targetAccountId: 2_000_000_000 }],
    });
    expect(result).toEqual({ refreshed: false, reason: 'account_not_found' });
  });

  it("never touches another organization's account given its id", async () => {
    const [a, b] = [await seedTenant(t), await seedTenant(t)];
    const { lead, account } = await seedAccount(a);
    await t.database.pool.query(`INSERT INTO intent_signals (org_id, lead_id, signal_type) VALUES ($1, $2, 'demo_requested')`, [a.orgId, lead.id]);
    const before = await vi.waitFor(
      async () => {
        const row = await stored(a.orgId, account.id);
        expect(row.health_score).toBeGreaterThan(0);
        return row;
      },
      { timeout: 20_000, interval: 200 },
    );
    const result = await temporal.client.workflow.execute(accountHealthWorkflow, {
      workflowId: accountHealthWorkflowId({ orgPublicId: b.orgPublicId, targetAccountId: account.id }),
      taskQueue: t.deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ orgId: b.orgId, targetAccountId: account.id }],
    });
    expect(result).toEqual({ refreshed: false, reason: 'account_not_found' });
    expect((await stored(a.orgId, account.id)).health_computed_at).toEqual(before.health_computed_at);
  });
});

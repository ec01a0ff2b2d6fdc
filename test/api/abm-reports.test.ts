// §6.8 ABM reports: the funnel (accounts per engagement stage, reached and
// conversion, by tier or owner) and the top engaged accounts (health score,
// then signals of the last 30 days). Accounts reach their stage through real
// engagement, computed when they are created (no worker runs here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(async () => {
  await t.close();
});

const DAY = 24 * 3600 * 1000;

/** A company with one lead, and what its lead did before the company became a target account. */
async function accountOn(tenant: Tenant, name: string, engagement: { signals?: number[]; meeting?: boolean; dealProbability?: number } = {}, body: Record<string, unknown> = {}) {
  const { prisma } = t.database;
  const org_id = tenant.orgId;
  const company = await prisma.company.create({ data: { org_id, company_name: name } });
  const lead = await prisma.lead.create({ data: { org_id, first_name: name, company_id: company.id } });
  for (const daysAgo of engagement.signals ?? []) {
    await prisma.intentSignal.create({ data: { org_id, lead_id: lead.id, signal_type: 'link_clicked', occurred_at: new Date(Date.now() - daysAgo * DAY) } });
  }
  if (engagement.meeting) {
    await prisma.meeting.create({ data: { org_id, user_id: tenant.adminId, company_id: company.id, title: name, start_time: new Date(Date.now() - DAY), end_time: new Date(Date.now() - DAY), status: 3 } });
  }
  if (engagement.dealProbability !== undefined) {
    const pipeline = await prisma.pipeline.create({
      data: { org_id, name, stages: { create: [{ org_id, name: 'Proposal', position: 1, probability: engagement.dealProbability }] } },
      include: { stages: true },
    });
    await prisma.deal.create({ data: { org_id, lead_id: lead.id, pipeline_id: pipeline.id, stage_id: pipeline.stages[0]!.id, title: name, value: 10, expected_close_date: new Date('2027-06-30') } });
  }
  const res = await t.call('POST', '/api/target-accounts', { token: tenant.token, body: { company_id: company.id, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: number; engagement_stage: string };
}

const patch = async (tenant: Tenant, id: number, body: Record<string, unknown>) =>
  expect((await t.call('PATCH', `/api/target-accounts/${id}`, { token: tenant.token, body })).status).toBe(200);

describe('GET /api/reports/abm/funnel', () => {
  it('counts accounts per stage in funnel order with how many reached each and the conversion from the previous stage; archived ones are left out', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const identified = await accountOn(tenant, 'Identified');
    const engaged = await accountOn(tenant, 'Engaged', { signals: [1] }, { owner_id: rep.id });
    const meeting = await accountOn(tenant, 'Meeting', { meeting: true });
    const opportunity = await accountOn(tenant, 'Opportunity', { dealProbability: 0.4 }, { owner_id: rep.id });
    const won = await accountOn(tenant, 'Won', {}, { tier: 1 });
    await patch(tenant, won.id, { status: 'won' });
    const archived = await accountOn(tenant, 'Archived', { signals: [2] });
    await patch(tenant, archived.id, { status: 'archived' });
    expect([identified, engaged, meeting, opportunity].map((a) => a.engagement_stage)).toEqual(['identified', 'engaged', 'meeting', 'opportunity']);

    const funnel = await t.call('GET', '/api/reports/abm/funnel', { token: tenant.token });
    expect(funnel.status).toBe(200);
    expect(funnel.body.data).toEqual({
      total: 5,
      stages: [
        { stage: 'identified', count: 1, reached: 5, conversion: null },
        { stage: 'engaged', count: 1, reached: 4, conversion: 0.8 },
        { stage: 'meeting', count: 1, reached: 3, conversion: 0.75 },
        { stage: 'opportunity', count: 1, reached: 2, conversion: 0.667 },
        { stage: 'won', count: 1, reached: 1, conversion: 0.5 },
      ],
    });

    const byOwner = await t.call('GET', '/api/reports/abm/funnel', { token: tenant.token, query: { owner_id: rep.id } });
    expect(byOwner.body.data.stages.map((s: { count: number; reached: number; conversion: number | null }) => [s.count, s.reached, s.conversion])).toEqual([
      [0, 2, null],
      [1, 2, 1],
      [0, 1, 0.5],
      [1, 1, 1],
      [0, 0, 0],
    ]);
    const byTier = await t.call('GET', '/api/reports/abm/funnel', { token: tenant.token, query: { tier: 1 } });
    expect(byTier.body.data).toMatchObject({ total: 1, stages: [{ reached: 1 }, { reached: 1 }, { reached: 1 }, { reached: 1 }, { stage: 'won', count: 1 }] });
  });

  it('answers an empty funnel with null conversions, and refuses a bad tier (422)', async () => {
    const tenant = await seedTenant(t);
    const empty = await t.call('GET', '/api/reports/abm/funnel', { token: tenant.token });
    expect(empty.body.data.total).toBe(0);
    expect(empty.body.data.stages.every((s: { count: number; conversion: number | null }) => s.count === 0 && s.conversion === null)).toBe(true);
    expect((await t.call('GET', '/api/reports/abm/funnel', { token: tenant.token, query: { tier: 4 } })).status).toBe(422);
  });
});

describe('GET /api/reports/abm/top-engaged', () => {
  it('ranks by health score, then by signals of the last 30 days, with the reasons; archived accounts and other organizations left out', async () => {
    const [tenant, other] = [await seedTenant(t), await seedTenant(t)];
    const quietTie = await accountOn(tenant, 'Quiet tie', { signals: [40] });
    const busyTie = await accountOn(tenant, 'Busy tie', { signals: [5, 6] });
    const best = await accountOn(tenant, 'Best');
    const low = await accountOn(tenant, 'Low');
    const archived = await accountOn(tenant, 'Archived');
    await patch(tenant, archived.id, { status: 'archived' });
    await accountOn(other, 'Elsewhere');
    // scores as a refresh would have stored them: the ranking is what is tested here
    for (const [id, score] of [
      [quietTie.id, 60],
      [busyTie.id, 60],
      [best.id, 80],
      [low.id, 10],
      [archived.id, 99],
    ]) {
      await t.database.pool.query('UPDATE target_accounts SET health_score = $2 WHERE id = $1', [id, score]);
    }

    const top = await t.call('GET', '/api/reports/abm/top-engaged', { token: tenant.token, query: { limit: 3 } });
    expect(top.status).toBe(200);
    expect(top.body.data.map((a: { id: number; health_score: number; signals_last_30_days: number }) => [a.id, a.health_score, a.signals_last_30_days])).toEqual([
      [best.id, 80, 0],
      [busyTie.id, 60, 2],
      [quietTie.id, 60, 0],
    ]);
    expect(top.body.data[1].health_reasons.find((r: { factor: string }) => r.factor === 'intent').reason).toContain('link_clicked ×2');
    const all = await t.call('GET', '/api/reports/abm/top-engaged', { token: tenant.token });
    expect(all.body.data.map((a: { id: number }) => a.id)).toEqual([best.id, busyTie.id, quietTie.id, low.id]);
  });

  it('takes a limit of 1 to 100 (422 otherwise)', async () => {
    const tenant = await seedTenant(t);
    for (const limit of [0, 101, 'ten']) {
      const res = await t.call('GET', '/api/reports/abm/top-engaged', { token: tenant.token, query: { limit } });
      expect(res.status, String(limit)).toBe(422);
    }
    expect((await t.call('GET', '/api/reports/abm/top-engaged', { token: tenant.token, query: { limit: 100 } })).body.data).toEqual([]);
  });
});

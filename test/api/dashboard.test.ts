import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const at = (iso: string) => new Date(iso);
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A small CRM with known figures: 7 leads, 5 deals on the default pipeline,
 * 5 companies and 3 contacts, dated around March 2025 so date ranges have
 * edges to test (a lead at 23:59:59 on the 15th, one at 23:30 on the 31st).
 */
async function seedSales(tenant: Tenant) {
  const { prisma } = t.database;
  const org_id = tenant.orgId;
  const rep = await tenant.addUser();
  const companies = await prisma.company.createManyAndReturn({
    data: [
      { org_id, company_name: 'Acme', industry_type: 'Manufacturing', created_at: at('2025-03-10T08:00:00Z') },
      { org_id, company_name: 'Globex', created_at: at('2024-12-01T08:00:00Z') },
      { org_id, company_name: 'Initech', created_at: at('2025-03-31T20:00:00Z') },
      { org_id, company_name: 'Hooli', created_at: at('2025-04-15T08:00:00Z') },
      { org_id, company_name: 'Umbrella', created_at: at('2025-04-20T08:00:00Z') },
    ],
  });
  const company = (name: string) => companies.find((c) => c.company_name === name)!;
  const [acme, globex, hooli, umbrella] = ['Acme', 'Globex', 'Hooli', 'Umbrella'].map(company);
  const lead = (n: number, created: string, status: number, lead_source: number | null, score: number, assigned_to: number | null,
    company_id: number | null, last_activity: string | null) => ({
    org_id, first_name: `Lead${n}`, last_name: 'Test', status, lead_source, score, assigned_to, company_id,
    created_at: at(created), last_activity_at: last_activity ? at(last_activity) : null,
  });
  const leads = await prisma.lead.createManyAndReturn({
    data: [
      lead(1, '2025-03-01T10:00:00Z', 1, 1, 10, tenant.adminId, acme!.id, '2025-03-05T09:00:00Z'),
      lead(2, '2025-03-15T23:59:59Z', 2, 1, 20, rep.id, acme!.id, null),
      lead(3, '2025-03-31T23:30:00Z', 3, 2, 30, rep.id, globex!.id, '2025-04-02T09:00:00Z'),
      lead(4, '2025-04-01T00:00:00Z', 1, null, 40, null, null, null),
      lead(5, '2025-02-28T12:00:00Z', 6, 3, 50, tenant.adminId, globex!.id, null),
      lead(6, '2025-05-01T09:00:00Z', 2, 4, 60, rep.id, hooli!.id, '2025-05-01T10:00:00Z'),
      lead(7, '2025-05-02T09:00:00Z', 1, 5, 70, null, umbrella!.id, null),
    ],
  });
  const pipeline = await prisma.pipeline.findFirstOrThrow({ where: { org_id }, include: { stages: true } });
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!.id;
  const deal = (leadIndex: number, stageName: string, value: number, created: string) => ({
    org_id, lead_id: leads[leadIndex]!.id, pipeline_id: pipeline.id, stage_id: stage(stageName), title: `Deal ${leadIndex}`, value,
    expected_close_date: at('2025-12-31'), created_at: at(created),
  });
  await prisma.deal.createMany({
    data: [
      deal(0, 'Proposal', 1000, '2025-03-02T10:00:00Z'),
      deal(1, 'Won', 500, '2025-03-20T10:00:00Z'),
      deal(2, 'Lost', 300, '2025-03-31T12:00:00Z'),
      deal(2, 'Negotiation', 2000, '2025-04-10T10:00:00Z'),
      deal(4, 'Won', 700, '2025-02-28T13:00:00Z'),
    ],
  });
  await prisma.contact.createMany({
    data: [
      { org_id, name: 'C1', company_id: acme!.id, created_at: at('2025-03-05T08:00:00Z') },
      { org_id, name: 'C2', company_id: acme!.id, created_at: at('2025-03-31T23:00:00Z') },
      { org_id, name: 'C3', company_id: globex!.id, created_at: at('2025-04-01T08:00:00Z') },
    ],
  });
  return { tenant, rep, pipeline, stage, companies: { acme: acme!, globex: globex!, hooli: hooli!, umbrella: umbrella! } };
}

type Sales = Awaited<ReturnType<typeof seedSales>>;

/** Two organizations with the same CRM: any row of one counted for the other would double a figure. */
async function seedTwoSales(): Promise<[Sales, Sales]> {
  const [a, b] = await seedTwoTenants(t);
  return [await seedSales(a), await seedSales(b)];
}

const get = (tenant: Tenant, path: string, query?: Record<string, string | number>) => t.call('GET', path, { token: tenant.token, query });

const MARCH = { start_date: '2025-03-01', end_date: '2025-03-31' };

const statusRow = (status: number, status_text: string, count: number) => ({ status, status_text, count });

describe('GET /api/dashboard/overview', () => {
  it('counts all time without a range, from SQL aggregates of this organization only', async () => {
    const [a] = await seedTwoSales();
    const res = await get(a.tenant, '/api/dashboard/overview');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      message: 'Success',
      data: {
        period: { start_date: null, end_date: null },
        leads: {
          total: 7,
          new_in_period: 7,
          average_score: 40,
          by_status: [
            statusRow(1, 'New', 3), statusRow(2, 'Contacted', 2), statusRow(3, 'Qualified', 1), statusRow(4, 'Proposal Sent', 0),
            statusRow(5, 'Negotiation', 0), statusRow(6, 'Won', 1), statusRow(7, 'Lost', 0),
          ],
          by_lead_source: [
            { lead_source: 1, lead_source_text: 'Website', count: 2 },
            { lead_source: 2, lead_source_text: 'Referral', count: 1 },
            { lead_source: 3, lead_source_text: 'LinkedIn', count: 1 },
            { lead_source: 4, lead_source_text: 'Email', count: 1 },
            { lead_source: 5, lead_source_text: 'Direct', count: 1 },
            { lead_source: null, lead_source_text: null, count: 1 },
          ],
        },
        deals: { count: 5, open_count: 2, open_value: 3000, won_count: 2, won_value: 1200, lost_count: 1 },
        contacts: { total: 3, new_in_period: 3 },
        companies: { total: 5, new_in_period: 5 },
        conversion_rate: 28.57,
      },
    });
  });

  it('takes date-only end_date as the whole day and keeps all-time totals beside the period', async () => {
    const [a] = await seedTwoSales();
    const res = await get(a.tenant, '/api/dashboard/overview', MARCH);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      period: MARCH,
      leads: {
        total: 7,
        new_in_period: 3,
        average_score: 20,
        by_status: [
          statusRow(1, 'New', 1), statusRow(2, 'Contacted', 1), statusRow(3, 'Qualified', 1), statusRow(4, 'Proposal Sent', 0),
          statusRow(5, 'Negotiation', 0), statusRow(6, 'Won', 0), statusRow(7, 'Lost', 0),
        ],
      },
      deals: { count: 3, open_count: 1, open_value: 1000, won_count: 1, won_value: 500, lost_count: 1 },
      contacts: { total: 3, new_in_period: 2 },
      companies: { total: 5, new_in_period: 2 },
      conversion_rate: 33.33,
    });
    // every source lookup is listed; there is no "no source" row when every lead in the period has one
    expect(res.body.data.leads.by_lead_source.map((r: { count: number }) => r.count)).toEqual([2, 1, 0, 0, 0]);
  });

  it('takes a date-time end_date as an inclusive instant', async () => {
    const [a] = await seedTwoSales();
    const res = await get(a.tenant, '/api/dashboard/overview', { start_date: '2025-03-01', end_date: '2025-03-31T12:00:00Z' });
    expect(res.body.data).toMatchObject({
      period: { start_date: '2025-03-01', end_date: '2025-03-31T12:00:00.000Z' },
      leads: { new_in_period: 2, average_score: 15 },
      // the lost deal created at exactly 12:00 is in
      deals: { count: 3, lost_count: 1 },
      contacts: { new_in_period: 1 },
      companies: { new_in_period: 1 },
      conversion_rate: 50,
    });
  });

  it('answers zeros and null averages for an organization without data, whatever the other has', async () => {
    await seedSales(await seedTenant(t));
    const empty = await seedTenant(t);
    const res = await get(empty, '/api/dashboard/overview');
    expect(res.body.data).toMatchObject({
      leads: { total: 0, new_in_period: 0, average_score: null, by_lead_source: expect.any(Array) },
      deals: { count: 0, open_count: 0, open_value: 0, won_count: 0, won_value: 0, lost_count: 0 },
      contacts: { total: 0, new_in_period: 0 },
      companies: { total: 0, new_in_period: 0 },
      conversion_rate: null,
    });
    expect(res.body.data.leads.by_status.every((r: { count: number }) => r.count === 0)).toBe(true);
  });

  it('lists a status code without a lookup after the lookups, with a null label', async () => {
    const tenant = await seedTenant(t);
    await t.database.prisma.lead.create({ data: { org_id: tenant.orgId, first_name: 'Odd', status: 42 } });
    const res = await get(tenant, '/api/dashboard/overview');
    expect(res.body.data.leads.by_status.at(-1)).toEqual({ status: 42, status_text: null, count: 1 });
  });

  it('answers 422 for an invalid date and for a range that ends before it starts', async () => {
    const tenant = await seedTenant(t);
    const queries: Record<string, string>[] = [{ start_date: 'yesterday' }, { end_date: '2025-02-30x' }, { start_date: '2025-03-02', end_date: '2025-03-01' }];
    for (const query of queries) {
      const res = await get(tenant, '/api/dashboard/overview', query);
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { type: 'validation_error' } });
    }
    // one day, given as date-only bounds on both ends, is a valid range
    expect((await get(tenant, '/api/dashboard/overview', { start_date: '2025-03-01', end_date: '2025-03-01' })).status).toBe(200);
  });
});

describe('GET /api/dashboard/stats', () => {
  it('counts leads and deals per day, the pipeline per stage and the top assignees for the range', async () => {
    const [a] = await seedTwoSales();
    const res = await get(a.tenant, '/api/dashboard/stats', MARCH);
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data.period).toEqual(MARCH);
    expect(data.series).toEqual({ ...MARCH, granularity: 'day' });
    expect(data.leads_created).toHaveLength(31);
    expect(data.leads_created[0]).toEqual({ date: '2025-03-01', count: 1 });
    expect(data.leads_created.filter((p: { count: number }) => p.count > 0)).toEqual([
      { date: '2025-03-01', count: 1 }, { date: '2025-03-15', count: 1 }, { date: '2025-03-31', count: 1 },
    ]);
    expect(data.deals_created.filter((p: { count: number }) => p.count > 0)).toEqual([
      { date: '2025-03-02', count: 1 }, { date: '2025-03-20', count: 1 }, { date: '2025-03-31', count: 1 },
    ]);
    expect(data.pipelines).toHaveLength(1);
    const pipeline = data.pipelines[0];
    expect(pipeline).toMatchObject({ pipeline_id: a.pipeline.id, pipeline_name: 'Sales Pipeline', deal_count: 3, value: 1800, weighted_value: 1000 });
    expect(pipeline.stages.map((s: Record<string, unknown>) => [s.stage_name, s.deal_count, s.value, s.weighted_value])).toEqual([
      ['Qualification', 0, 0, 0], ['Discovery', 0, 0, 0], ['Proposal', 1, 1000, 500], ['Negotiation', 0, 0, 0], ['Won', 1, 500, 500], ['Lost', 1, 300, 0],
    ]);
    expect(pipeline.stages[4]).toMatchObject({ stage_id: a.stage('Won'), position: 5, is_won: true, is_lost: false, probability: 1 });
    expect(data.top_assignees).toEqual([
      { user_id: a.rep.id, name: 'Rep User', leads_assigned: 2, deals_won: 1, won_value: 500 },
      { user_id: a.tenant.adminId, name: 'Ada Admin', leads_assigned: 1, deals_won: 0, won_value: 0 },
    ]);
  });

  it('summarises every deal and assignee of all time without a range', async () => {
    const [a] = await seedTwoSales();
    const data = (await get(a.tenant, '/api/dashboard/stats')).body.data;
    expect(data.period).toEqual({ start_date: null, end_date: null });
    expect(data.pipelines[0]).toMatchObject({ deal_count: 5, value: 4500, weighted_value: 3200 });
    expect(data.top_assignees).toEqual([
      { user_id: a.rep.id, name: 'Rep User', leads_assigned: 3, deals_won: 1, won_value: 500 },
      { user_id: a.tenant.adminId, name: 'Ada Admin', leads_assigned: 2, deals_won: 1, won_value: 700 },
    ]);
  });

  it('covers the last 30 days up to today when no range is given', async () => {
    const tenant = await seedTenant(t);
    const twoDaysAgo = new Date(Date.now() - 2 * DAY_MS);
    await t.database.prisma.lead.create({ data: { org_id: tenant.orgId, first_name: 'Recent', created_at: twoDaysAgo } });
    const data = (await get(tenant, '/api/dashboard/stats')).body.data;
    const today = new Date().toISOString().slice(0, 10);
    expect(data.series).toEqual({ start_date: new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10), end_date: today, granularity: 'day' });
    expect(data.leads_created).toHaveLength(30);
    expect(data.leads_created.at(-1).date).toBe(today);
    expect(data.leads_created.find((p: { date: string }) => p.date === twoDaysAgo.toISOString().slice(0, 10))).toMatchObject({ count: 1 });
  });

  it('switches to weeks starting on Monday when the range spans more than 92 days', async () => {
    const [a] = await seedTwoSales();
    const data = (await get(a.tenant, '/api/dashboard/stats', { start_date: '2025-01-01', end_date: '2025-06-30' })).body.data;
    expect(data.series.granularity).toBe('week');
    // Monday 2024-12-30 (the week of Jan 1st) to Monday 2025-06-30
    expect(data.leads_created).toHaveLength(27);
    expect(data.leads_created[0]).toEqual({ date: '2024-12-30', count: 0 });
    expect(data.leads_created.filter((p: { count: number }) => p.count > 0)).toEqual([
      { date: '2025-02-24', count: 2 }, { date: '2025-03-10', count: 1 }, { date: '2025-03-31', count: 2 },
      { date: '2025-04-28', count: 2 },
    ]);
    // exactly 92 days stays daily
    const daily = (await get(a.tenant, '/api/dashboard/stats', { start_date: '2025-01-01', end_date: '2025-04-02' })).body.data;
    expect(daily.series.granularity).toBe('day');
    expect(daily.leads_created).toHaveLength(92);
  });

  it('answers 422 for invalid dates, a reversed range and a range longer than ten years', async () => {
    const tenant = await seedTenant(t);
    const queries: Record<string, string>[] = [
      { end_date: 'not-a-date' },
      { start_date: '2025-04-01', end_date: '2025-03-01' },
      { start_date: '2000-01-01', end_date: '2025-01-01' },
    ];
    for (const query of queries) {
      const res = await get(tenant, '/api/dashboard/stats', query);
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
  });
});

describe('GET /api/dashboard/lead-aging', () => {
  it('buckets leads by days since creation and since last activity, overall and per status', async () => {
    const [a, b] = await seedTwoTenants(t);
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY_MS);
    for (const tenant of [a, b]) {
      const aged = (status: number, ageDays: number, idleDays: number | null) => ({
        org_id: tenant.orgId, first_name: 'Aged', status, created_at: ago(ageDays), last_activity_at: idleDays === null ? null : ago(idleDays),
      });
      await t.database.prisma.lead.createMany({
        data: [
          aged(1, 0.05, null), aged(1, 10, 2), aged(1, 7.5, null),
          aged(2, 45, null), aged(2, 100, 40),
          aged(3, 400, 200),
        ],
      });
    }
    const res = await get(a, '/api/dashboard/lead-aging');
    expect(res.status).toBe(200);
    const data = res.body.data;
    const counts = (buckets: { bucket: string; count: number; percentage: number }[]) => buckets.map((x) => [x.bucket, x.count, x.percentage]);
    expect(Math.abs(Date.parse(data.as_of) - now)).toBeLessThan(60_000);
    expect(data.total).toBe(6);
    expect(data.by_age[4]).toEqual({ bucket: '180+', min_days: 181, max_days: null, count: 1, percentage: 16.67 });
    expect(counts(data.by_age)).toEqual([['0-7', 2, 33.33], ['8-30', 1, 16.67], ['31-90', 1, 16.67], ['91-180', 1, 16.67], ['180+', 1, 16.67]]);
    expect(counts(data.by_inactivity)).toEqual([['0-7', 3, 50], ['8-30', 0, 0], ['31-90', 2, 33.33], ['91-180', 0, 0], ['180+', 1, 16.67]]);
    expect(data.by_status.map((s: { status: number; status_text: string; total: number }) => [s.status, s.status_text, s.total])).toEqual([
      [1, 'New', 3], [2, 'Contacted', 2], [3, 'Qualified', 1], [4, 'Proposal Sent', 0], [5, 'Negotiation', 0], [6, 'Won', 0], [7, 'Lost', 0],
    ]);
    const [newLeads, contacted] = data.by_status;
    expect(counts(newLeads.by_age)).toEqual([['0-7', 2, 66.67], ['8-30', 1, 33.33], ['31-90', 0, 0], ['91-180', 0, 0], ['180+', 0, 0]]);
    expect(counts(newLeads.by_inactivity)).toEqual([['0-7', 3, 100], ['8-30', 0, 0], ['31-90', 0, 0], ['91-180', 0, 0], ['180+', 0, 0]]);
    expect(counts(contacted.by_age)).toEqual([['0-7', 0, 0], ['8-30', 0, 0], ['31-90', 1, 50], ['91-180', 1, 50], ['180+', 0, 0]]);
    expect(counts(contacted.by_inactivity)).toEqual([['0-7', 0, 0], ['8-30', 0, 0], ['31-90', 2, 100], ['91-180', 0, 0], ['180+', 0, 0]]);
    expect(counts(data.by_status[3].by_age).every(([, count, pct]) => count === 0 && pct === 0)).toBe(true);
  });

  it('puts a lead of exactly 180.5 days in 91-180 and of 181 days in 180+', async () => {
    const tenant = await seedTenant(t);
    const now = Date.now();
    await t.database.prisma.lead.createMany({
      data: [180.5, 181.2].map((days) => ({ org_id: tenant.orgId, first_name: 'Old', created_at: new Date(now - days * DAY_MS) })),
    });
    const data = (await get(tenant, '/api/dashboard/lead-aging')).body.data;
    expect(data.by_age.slice(3).map((x: { count: number }) => x.count)).toEqual([1, 1]);
  });
});

describe('GET /api/dashboard/top-accounts', () => {
  it('ranks companies by open deal value, then lead count, then latest activity', async () => {
    const [a] = await seedTwoSales();
    const res = await get(a.tenant, '/api/dashboard/top-accounts');
    expect(res.status).toBe(200);
    const { acme, globex, hooli, umbrella } = a.companies;
    expect(res.body.data).toEqual([
      {
        rank: 1, company_id: globex.id, company_name: 'Globex', industry_type: null, website: null,
        open_deal_value: 2000, open_deal_count: 1, lead_count: 2, last_activity_at: '2025-04-02T09:00:00.000Z',
      },
      {
        rank: 2, company_id: acme.id, company_name: 'Acme', industry_type: 'Manufacturing', website: null,
        open_deal_value: 1000, open_deal_count: 1, lead_count: 2, last_activity_at: '2025-03-05T09:00:00.000Z',
      },
      {
        rank: 3, company_id: hooli.id, company_name: 'Hooli', industry_type: null, website: null,
        open_deal_value: 0, open_deal_count: 0, lead_count: 1, last_activity_at: '2025-05-01T10:00:00.000Z',
      },
      {
        rank: 4, company_id: umbrella.id, company_name: 'Umbrella', industry_type: null, website: null,
        open_deal_value: 0, open_deal_count: 0, lead_count: 1, last_activity_at: null,
      },
    ]);
  });

  it('honours limit, breaking a tie at the last place by lead count, and answers 422 outside 1..50', async () => {
    const [a] = await seedTwoSales();
    const { prisma } = t.database;
    // as much open value as Acme (1000) but one lead fewer
    const tie = await prisma.company.create({ data: { org_id: a.tenant.orgId, company_name: 'Tie Co' } });
    const lead = await prisma.lead.create({ data: { org_id: a.tenant.orgId, first_name: 'Tie', company_id: tie.id, last_activity_at: at('2025-06-01T00:00:00Z') } });
    await prisma.deal.create({
      data: {
        org_id: a.tenant.orgId, lead_id: lead.id, pipeline_id: a.pipeline.id, stage_id: a.stage('Discovery'), title: 'Tie deal', value: 1000,
        expected_close_date: at('2025-12-31'),
      },
    });
    const names = async (limit: number) =>
      (await get(a.tenant, '/api/dashboard/top-accounts', { limit })).body.data.map((r: { company_name: string }) => r.company_name);
    expect(await names(1)).toEqual(['Globex']);
    expect(await names(2)).toEqual(['Globex', 'Acme']);
    expect(await names(3)).toEqual(['Globex', 'Acme', 'Tie Co']);
    // more places than companies with open deals: the rest rank by lead count, then activity
    expect(await names(5)).toEqual(['Globex', 'Acme', 'Tie Co', 'Hooli', 'Umbrella']);
    for (const limit of ['0', '51', 'ten']) {
      const res = await get(a.tenant, '/api/dashboard/top-accounts', { limit });
      expect(res.status, limit).toBe(422);
    }
  });
});

describe('dashboards and other organizations', () => {
  it("shows organization B nothing of organization A's rows", async () => {
    const sales = await seedSales(await seedTenant(t));
    const other = await seedTenant(t);
    const [overview, stats, aging, top] = await Promise.all(
      ['overview', 'stats', 'lead-aging', 'top-accounts'].map((name) => get(other, `/api/dashboard/${name}`, name === 'stats' ? MARCH : undefined)),
    );
    expect(overview!.body.data).toMatchObject({ leads: { total: 0 }, deals: { count: 0 }, contacts: { total: 0 }, companies: { total: 0 } });
    expect(stats!.body.data.leads_created.every((p: { count: number }) => p.count === 0)).toBe(true);
    expect(stats!.body.data.deals_created.every((p: { count: number }) => p.count === 0)).toBe(true);
    expect(stats!.body.data.pipelines.map((p: { pipeline_id: number; deal_count: number }) => p.pipeline_id)).not.toContain(sales.pipeline.id);
    expect(stats!.body.data.pipelines.every((p: { deal_count: number }) => p.deal_count === 0)).toBe(true);
    expect(stats!.body.data.top_assignees).toEqual([]);
    expect(aging!.body.data.total).toBe(0);
    expect(top!.body.data).toEqual([]);
  });

  it('answers 401 without a valid token', async () => {
    for (const name of ['overview', 'stats', 'lead-aging', 'top-accounts']) {
      const missing = await t.call('GET', `/api/dashboard/${name}`);
      expect(missing.status, name).toBe(401);
      expect(missing.body.error.type).toBe('unauthorized');
      expect((await t.call('GET', `/api/v1/dashboard/${name}`, { token: 'not-a-token' })).status, name).toBe(401);
    }
  });
});

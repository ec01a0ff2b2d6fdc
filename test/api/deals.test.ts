import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

/** A tenant with a lead and the default pipeline every organization starts with. */
async function seedSales(tenant: Tenant) {
  const { lead } = await createLead(t.database,
    { orgId: tenant.orgId, userId: tenant.adminId },
    { first_name: 'Jane', last_name: 'Doe' },
  );
  const pipeline = await t.database.prisma.pipeline.findFirstOrThrow({
    where: { org_id: tenant.orgId },
    include: { stages: { orderBy: { position: 'asc' } } },
  });
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!.id;
  return { tenant, lead, pipeline, stage };
}

type Sales = Awaited<ReturnType<typeof seedSales>>;

const dealBody = (sales: Sales, overrides: Record<string, unknown> = {}) => ({
  lead_id: sales.lead.id,
  pipeline_id: sales.pipeline.id,
  stage_id: sales.stage('Qualification'),
  title: 'Annual plan',
  value: 12000.5,
  expected_close_date: '2026-09-30',
  ...overrides,
});

const addDeal = (tenant: Tenant, body: Record<string, unknown>) => t.call('POST', '/api/lead/deal/add', { token: tenant.token, body });
const updateDeal = (tenant: Tenant, id: number, body: Record<string, unknown>) =>
  t.call('POST', `/api/lead/deal/update/${id}`, { token: tenant.token, body });

describe('POST /api/lead/deal/add', () => {
  it('creates a deal with its stage and pipeline names, numeric value and default priority', async () => {
    const sales = await seedSales(await seedTenant(t));
    const res = await addDeal(sales.tenant, dealBody(sales, { description: 'Renewal' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      data: {
        lead_id: sales.lead.id,
        pipeline_id: sales.pipeline.id,
        pipeline_name: 'Sales Pipeline',
        stage_id: sales.stage('Qualification'),
        stage_name: 'Qualification',
        title: 'Annual plan',
        value: 12000.5,
        expected_close_date: '2026-09-30',
        priority: 2,
        description: 'Renewal',
        created_by: sales.tenant.adminId,
      },
    });
    expect(typeof res.body.data.id).toBe('number');
    expect(res.body.data).not.toHaveProperty('org_id');
  });

  it('takes a date-time as its UTC calendar day', async () => {
    const sales = await seedSales(await seedTenant(t));
    const res = await addDeal(sales.tenant, dealBody(sales, { expected_close_date: '2026-10-01T23:30:00Z', priority: 4 }));
    expect(res.body.data).toMatchObject({ expected_close_date: '2026-10-01', priority: 4 });
  });

  it("answers 422 for another organization's lead or pipeline and for a stage of another pipeline", async () => {
    const [a, b] = await seedTwoTenants(t);
    const [salesA, salesB] = [await seedSales(a), await seedSales(b)];
    const foreignLead = await addDeal(a, dealBody(salesA, { lead_id: salesB.lead.id }));
    expect(foreignLead.status).toBe(422);
    expect(foreignLead.body.error.details).toEqual([{ path: 'lead_id', message: expect.stringContaining('does not exist') }]);
    const foreignPipeline = await addDeal(
      a,
      dealBody(salesA, { pipeline_id: salesB.pipeline.id, stage_id: salesB.stage('Qualification') }),
    );
    expect(foreignPipeline.status).toBe(422);
    expect(foreignPipeline.body.error.details[0].path).toBe('pipeline_id');
    const other = (await t.call('POST', '/api/pipelines/add', { token: a.token, body: { name: 'Other' } })).body.data;
    const strayStage = await addDeal(a, dealBody(salesA, { stage_id: other.stages[0].id }));
    expect(strayStage.status).toBe(422);
    expect(strayStage.body.error.details[0].path).toBe('stage_id');
    expect(await t.database.prisma.deal.count({ where: { org_id: { in: [a.orgId, b.orgId] } } })).toBe(0);
  });

  it("answers 422 for a value above the pipeline's max_deal_limit", async () => {
    const sales = await seedSales(await seedTenant(t));
    await t.call('PUT', `/api/pipelines/update/${sales.pipeline.id}`, { token: sales.tenant.token, body: { max_deal_limit: 5000 } });
    const above = await addDeal(sales.tenant, dealBody(sales, { value: 5000.01 }));
    expect(above.status).toBe(422);
    expect(above.body.error.details[0].path).toBe('value');
    expect((await addDeal(sales.tenant, dealBody(sales, { value: 5000 }))).status).toBe(201);
  });

  it('answers 400 for missing required parameters and 422 for invalid values', async () => {
    const sales = await seedSales(await seedTenant(t));
    for (const field of ['lead_id', 'pipeline_id', 'stage_id', 'title', 'value', 'expected_close_date']) {
      const body: Record<string, unknown> = dealBody(sales);
      delete body[field];
      const res = await addDeal(sales.tenant, body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(field);
    }
    for (const overrides of [
      { title: 'A' },
      { title: 'x'.repeat(51) },
      { value: 0.5 },
      { value: '100' },
      { priority: 5 },
      { priority: 0 },
      { description: 'x'.repeat(1001) },
      { expected_close_date: 'next week' },
      { stage_id: -1 },
    ]) {
      expect((await addDeal(sales.tenant, dealBody(sales, overrides))).status).toBe(422);
    }
  });

  it('answers 401 without a valid token', async () => {
    expect((await t.call('POST', '/api/lead/deal/add', { body: {} })).status).toBe(401);
    expect((await t.call('POST', '/api/lead/deal/add', { token: 'expired', body: {} })).status).toBe(401);
  });
});

describe('GET /api/lead/deal/list', () => {
  it("filters by lead, pipeline, stage, title and creation date, sorts, and shows only the organization's deals", async () => {
    const [a, b] = await seedTwoTenants(t);
    const sales = await seedSales(a);
    const { lead: otherLead } = await createLead(t.database,
      { orgId: a.orgId, userId: null },
      { first_name: 'Max', last_name: 'Mustermann' },
    );
    const big = (await addDeal(a, dealBody(sales, { title: 'Big expansion', value: 90000, stage_id: sales.stage('Proposal') }))).body.data;
    const small = (await addDeal(a, dealBody(sales, { title: 'Small addon', value: 500 }))).body.data;
    const other = (await addDeal(a, dealBody(sales, { title: 'Other lead', value: 7000, lead_id: otherLead.id }))).body.data;
    const old = await t.database.prisma.deal.create({
      data: {
        org_id: a.orgId,
        lead_id: sales.lead.id,
        pipeline_id: sales.pipeline.id,
        stage_id: sales.stage('Won'),
        title: 'Last year',
        value: 1,
        expected_close_date: new Date('2025-01-31'),
        created_at: new Date('2025-01-15T10:00:00Z'),
      },
    });
    const ids = async (query: Record<string, string | number>) =>
      (await t.call('GET', '/api/lead/deal/list', { token: a.token, query })).body.data.map((d: { id: number }) => d.id);

    const all = await t.call('GET', '/api/lead/deal/list', { token: a.token, query: { order_by: 'value', order_in: 'asc' } });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ success: true, total: 4, page: 1, limit: 10 });
    expect(all.body.data.map((d: { id: number }) => d.id)).toEqual([old.id, small.id, other.id, big.id]);
    expect(all.body.data[3]).toMatchObject({ stage_name: 'Proposal', pipeline_name: 'Sales Pipeline', value: 90000 });

    expect(await ids({ lead_id: otherLead.id })).toEqual([other.id]);
    expect(await ids({ status: sales.stage('Proposal') })).toEqual([big.id]);
    expect(await ids({ pipeline_id: sales.pipeline.id, order_by: 'id', order_in: 'asc' })).toEqual([big.id, small.id, other.id, old.id]);
    expect(await ids({ search_value: 'EXPANSION' })).toEqual([big.id]);
    expect(await ids({ start_date: '2025-01-01', end_date: '2025-01-15' })).toEqual([old.id]);
    expect(await ids({ order_by: 'title', order_in: 'asc', limit: 2, page: 2 })).toEqual([other.id, small.id]);

    const otherOrg = await t.call('GET', '/api/lead/deal/list', { token: b.token, query: { limit: 100 } });
    expect(otherOrg.body.total).toBe(0);
  });

  it('answers 422 for invalid parameters and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/lead/deal/list', { token: tenant.token, query: { order_by: 'org_id' } })).status).toBe(422);
    expect((await t.call('GET', '/api/lead/deal/list', { token: tenant.token, query: { status: 'open' } })).status).toBe(422);
    expect((await t.call('GET', '/api/lead/deal/list', { token: tenant.token, query: { start_date: 'yesterday' } })).status).toBe(422);
    expect((await t.call('GET', '/api/lead/deal/list')).status).toBe(401);
  });
});

describe('POST /api/lead/deal/update/:id', () => {
  it('updates any field, and moves the deal to another pipeline together with one of its stages', async () => {
    const sales = await seedSales(await seedTenant(t));
    const deal = (await addDeal(sales.tenant, dealBody(sales))).body.data;
    const moved = await updateDeal(sales.tenant, deal.id, {
      stage_id: sales.stage('Negotiation'),
      value: 15000,
      title: 'Annual plan v2',
      priority: 3,
      description: null,
    });
    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({
      id: deal.id,
      stage_name: 'Negotiation',
      value: 15000,
      title: 'Annual plan v2',
      priority: 3,
      description: null,
    });

    const enterprise = (await t.call('POST', '/api/pipelines/add', { token: sales.tenant.token, body: { name: 'Enterprise' } })).body.data;
    const { lead: otherLead } = await createLead(t.database, { orgId: sales.tenant.orgId, userId: sales.tenant.adminId }, { first_name: 'John', last_name: 'Roe' });
    const switched = await updateDeal(sales.tenant, deal.id, {
      lead_id: otherLead.id,
      pipeline_id: enterprise.id,
      stage_id: enterprise.stages[1].id,
      expected_close_date: '2027-01-15',
    });
    expect(switched.status).toBe(200);
    expect(switched.body.data).toMatchObject({
      lead_id: otherLead.id,
      pipeline_id: enterprise.id,
      pipeline_name: 'Enterprise',
      stage_name: 'Discovery',
      expected_close_date: '2027-01-15',
    });
  });

  it("answers 422 when the stage is not the (new) pipeline's, the value exceeds its limit, or the lead is not the organization's", async () => {
    const [a, b] = await seedTwoTenants(t);
    const sales = await seedSales(a);
    const deal = (await addDeal(a, dealBody(sales))).body.data;
    const capped = (await t.call('POST', '/api/pipelines/add', { token: a.token, body: { name: 'Capped', max_deal_limit: 100 } })).body
      .data;
    const { lead: foreignLead } = await createLead(t.database,
      { orgId: b.orgId, userId: null },
      { first_name: 'Eve', last_name: 'Other' },
    );
    const keepsOldStage = await updateDeal(a, deal.id, { pipeline_id: capped.id });
    expect(keepsOldStage.status).toBe(422);
    expect(keepsOldStage.body.error.details[0].path).toBe('stage_id');
    expect((await updateDeal(a, deal.id, { stage_id: capped.stages[0].id })).status).toBe(422);
    const overLimit = await updateDeal(a, deal.id, { pipeline_id: capped.id, stage_id: capped.stages[0].id });
    expect(overLimit.status).toBe(422);
    expect(overLimit.body.error.details[0].path).toBe('value');
    expect((await updateDeal(a, deal.id, { lead_id: foreignLead.id })).status).toBe(422);
    expect((await updateDeal(a, deal.id, { title: 'x' })).status).toBe(422);
    expect((await updateDeal(a, deal.id, { value: 0 })).status).toBe(422);
    const stored = await t.database.prisma.deal.findUniqueOrThrow({ where: { id: deal.id } });
    expect(stored).toMatchObject({ pipeline_id: sales.pipeline.id, lead_id: sales.lead.id, title: 'Annual plan' });
  });

  it("answers 404 for another organization's deal and leaves it unchanged", async () => {
    const [a, b] = await seedTwoTenants(t);
    const sales = await seedSales(a);
    const deal = (await addDeal(a, dealBody(sales))).body.data;
    expect((await updateDeal(b, deal.id, { title: 'Hijacked' })).status).toBe(404);
    expect((await updateDeal(b, deal.id, { value: 2 })).status).toBe(404);
    expect((await t.database.prisma.deal.findUniqueOrThrow({ where: { id: deal.id } })).title).toBe('Annual plan');
  });

  it('answers 400 for malformed JSON and 401 without a token', async () => {
    const sales = await seedSales(await seedTenant(t));
    const deal = (await addDeal(sales.tenant, dealBody(sales))).body.data;
    expect((await t.call('POST', `/api/lead/deal/update/${deal.id}`, { token: sales.tenant.token, body: '{"title"' })).status).toBe(400);
    expect((await t.call('POST', `/api/lead/deal/update/${deal.id}`, { body: { title: 'No auth' } })).status).toBe(401);
  });
});

describe('DELETE /api/lead/deal/delete', () => {
  it("deletes the organization's deals among the ids and answers the count", async () => {
    const [a, b] = await seedTwoTenants(t);
    const [salesA, salesB] = [await seedSales(a), await seedSales(b)];
    const mine = [(await addDeal(a, dealBody(salesA))).body.data.id, (await addDeal(a, dealBody(salesA))).body.data.id];
    const theirs = (await addDeal(b, dealBody(salesB))).body.data.id;
    const res = await t.call('DELETE', '/api/lead/deal/delete', { token: a.token, body: { ids: [...mine, theirs] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, data: { deleted: 2 } });
    expect(await t.database.prisma.deal.count({ where: { id: theirs } })).toBe(1);
  });

  it('answers 404 when no id belongs to the organization', async () => {
    const [a, b] = await seedTwoTenants(t);
    const sales = await seedSales(a);
    const deal = (await addDeal(a, dealBody(sales))).body.data;
    expect((await t.call('DELETE', '/api/lead/deal/delete', { token: b.token, body: { ids: [deal.id] } })).status).toBe(404);
    expect(await t.database.prisma.deal.count({ where: { id: deal.id } })).toBe(1);
  });

  it('answers 400 without ids, 422 for invalid ids and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('DELETE', '/api/lead/deal/delete', { token: tenant.token, body: {} })).status).toBe(400);
    expect((await t.call('DELETE', '/api/lead/deal/delete', { token: tenant.token, body: { ids: [0] } })).status).toBe(422);
    expect((await t.call('DELETE', '/api/lead/deal/delete', { body: { ids: [1] } })).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

interface StageBody {
  id: number;
  name: string;
  position: number;
  color: string | null;
  is_won: boolean;
  is_lost: boolean;
  probability: number;
  max_days_in_stage: number | null;
  is_protected: boolean;
}

const addPipeline = (tenant: Tenant, body: Record<string, unknown>) => t.call('POST', '/api/pipelines/add', { token: tenant.token, body });
const updatePipeline = (tenant: Tenant, id: number, body: Record<string, unknown>) =>
  t.call('PUT', `/api/pipelines/update/${id}`, { token: tenant.token, body });

const stageNames = (stages: StageBody[]) => stages.map((s) => s.name);
const byName = (stages: StageBody[], name: string) => stages.find((s) => s.name === name)!;

/** A deal stored directly, so these tests depend on pipelines alone. */
async function seedDeal(tenant: Tenant, pipelineId: number, stageId: number, value: number) {
  const { lead } = await createLead(t.database,
    { orgId: tenant.orgId, userId: tenant.adminId },
    { first_name: 'Jane', last_name: 'Doe' },
  );
  return t.database.prisma.deal.create({
    data: {
      org_id: tenant.orgId,
      lead_id: lead.id,
      pipeline_id: pipelineId,
      stage_id: stageId,
      title: 'Deal',
      value,
      expected_close_date: new Date('2026-09-30'),
    },
  });
}

describe('POST /api/pipelines/add', () => {
  it('creates the default stages, with protected Won and Lost, when stages are omitted', async () => {
    const tenant = await seedTenant(t);
    const res = await addPipeline(tenant, { name: 'Enterprise', max_deal_limit: 250000.5, region: 'EMEA', description: 'Big ones' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      name: 'Enterprise',
      max_deal_limit: 250000.5,
      region: 'EMEA',
      description: 'Big ones',
      state_id: 1,
      deal_count: 0,
      open_value: 0,
    });
    const stages: StageBody[] = res.body.data.stages;
    expect(stageNames(stages)).toEqual(['Qualification', 'Discovery', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    expect(stages.map((s) => s.position)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(byName(stages, 'Won')).toMatchObject({ is_won: true, is_protected: true, probability: 1 });
    expect(byName(stages, 'Lost')).toMatchObject({ is_lost: true, is_protected: true });
    expect(byName(stages, 'Proposal')).toMatchObject({ is_protected: false, probability: 0.5 });
  });

  it('creates the given stages ordered by position; won or lost stages are protected', async () => {
    const tenant = await seedTenant(t);
    const res = await addPipeline(tenant, {
      name: 'Partners',
      stages: [
        { name: 'Signed', position: 3, is_won: true, color: '#00ff00' },
        { name: 'Intro', position: 1, probability: 0.2, max_days_in_stage: 14 },
        { name: 'Dropped', position: 4, is_lost: true },
        { name: 'Pilot', position: 2 },
      ],
    });
    expect(res.status).toBe(201);
    const stages: StageBody[] = res.body.data.stages;
    expect(stageNames(stages)).toEqual(['Intro', 'Pilot', 'Signed', 'Dropped']);
    expect(byName(stages, 'Intro')).toMatchObject({ probability: 0.2, max_days_in_stage: 14, is_protected: false });
    expect(byName(stages, 'Signed')).toMatchObject({ color: '#00ff00', is_won: true, is_protected: true });
    expect(byName(stages, 'Dropped').is_protected).toBe(true);
    expect(res.body.data.max_deal_limit).toBeNull();
  });

  it('answers 422 for a stage both won and lost, repeated positions and invalid values', async () => {
    const tenant = await seedTenant(t);
    const both = await addPipeline(tenant, { name: 'Odd', stages: [{ name: 'Limbo', is_won: true, is_lost: true }] });
    expect(both.status).toBe(422);
    const repeated = await addPipeline(tenant, {
      name: 'Odd',
      stages: [
        { name: 'A', position: 1 },
        { name: 'B', position: 1 },
      ],
    });
    expect(repeated.status).toBe(422);
    expect(repeated.body.error.message).toContain('unique');
    for (const body of [
      { name: 'X' },
      { name: 'Ok', max_deal_limit: -1 },
      { name: 'Ok', stages: [] },
      { name: 'Ok', stages: [{ name: 'A', probability: 1.5 }] },
      { name: 'Ok', stages: [{ name: 'A', color: 'green' }] },
      { name: 'Ok', stages: [{ name: 'A', position: 0 }] },
    ]) {
      expect((await addPipeline(tenant, body)).status).toBe(422);
    }
    expect(await t.database.prisma.pipeline.count({ where: { org_id: tenant.orgId } })).toBe(1);
  });

  it('answers 400 for missing required parameters and 401 without a valid token', async () => {
    const tenant = await seedTenant(t);
    expect((await addPipeline(tenant, { region: 'EMEA' })).status).toBe(400);
    expect((await addPipeline(tenant, { name: 'Ok', stages: [{ position: 1 }] })).status).toBe(400);
    expect((await t.call('POST', '/api/pipelines/add', { body: { name: 'Ok' } })).status).toBe(401);
    expect((await t.call('POST', '/api/pipelines/add', { token: 'x', body: { name: 'Ok' } })).status).toBe(401);
  });
});

describe('GET /api/pipelines/list', () => {
  it('lists pipelines with ordered stages, deal count and open value, filtered by state_id', async () => {
    const [a, b] = await seedTwoTenants(t);
    const created = (await addPipeline(a, { name: 'Second' })).body.data;
    const stages: StageBody[] = created.stages;
    await seedDeal(a, created.id, byName(stages, 'Proposal').id, 1000);
    await seedDeal(a, created.id, byName(stages, 'Discovery').id, 250.25);
    await seedDeal(a, created.id, byName(stages, 'Won').id, 5000);
    await updatePipeline(a, created.id, { state_id: 0 });

    const all = await t.call('GET', '/api/pipelines/list', { token: a.token, query: { order_by: 'name', order_in: 'desc' } });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ success: true, total: 2, page: 1, limit: 10 });
    expect(all.body.data.map((p: { name: string }) => p.name)).toEqual(['Second', 'Sales Pipeline']);
    const second = all.body.data[0];
    expect(second).toMatchObject({ deal_count: 3, open_value: 1250.25, state_id: 0 });
    expect(second.stages.map((s: StageBody) => s.position)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.body.data[1]).toMatchObject({ deal_count: 0, open_value: 0 });

    const active = await t.call('GET', '/api/pipelines/list', { token: a.token, query: { state_id: 1 } });
    expect(active.body.data.map((p: { name: string }) => p.name)).toEqual(['Sales Pipeline']);
    const searched = await t.call('GET', '/api/pipelines/list', { token: a.token, query: { search_value: 'seco' } });
    expect(searched.body.data.map((p: { id: number }) => p.id)).toEqual([created.id]);

    const other = await t.call('GET', '/api/pipelines/list', { token: b.token, query: { limit: 100 } });
    expect(other.body.data.map((p: { id: number }) => p.id)).not.toContain(created.id);
    expect(other.body.total).toBe(1);
  });

  it('answers 422 for invalid parameters and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/pipelines/list', { token: tenant.token, query: { state_id: 2 } })).status).toBe(422);
    expect((await t.call('GET', '/api/pipelines/list', { token: tenant.token, query: { order_by: 'region' } })).status).toBe(422);
    expect((await t.call('GET', '/api/pipelines/list')).status).toBe(401);
  });
});

describe('PUT /api/pipelines/update/:id', () => {
  it('updates pipeline fields', async () => {
    const tenant = await seedTenant(t);
    const created = (await addPipeline(tenant, { name: 'Draft', max_deal_limit: 10 })).body.data;
    const res = await updatePipeline(tenant, created.id, {
      name: 'Final',
      description: 'd',
      region: 'APAC',
      state_id: 0,
      max_deal_limit: null,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: created.id,
      name: 'Final',
      description: 'd',
      region: 'APAC',
      state_id: 0,
      max_deal_limit: null,
    });
    expect(stageNames(res.body.data.stages)).toEqual(stageNames(created.stages));
  });

  it('updates listed stages, adds stages without id, removes unlisted ones and may move protected stages', async () => {
    const tenant = await seedTenant(t);
    const created = (await addPipeline(tenant, { name: 'Flow' })).body.data;
    const stages: StageBody[] = created.stages;
    const [qualification, discovery, , negotiation, won, lost] = stages;
    const res = await updatePipeline(tenant, created.id, {
      stages: [
        { id: qualification!.id, name: 'Qualify', probability: 0.15 },
        { id: discovery!.id },
        { name: 'Demo', position: 3, color: '#123456' },
        { id: negotiation!.id, position: 4 },
        { name: 'Legal', position: 5, max_days_in_stage: 10 },
        { id: won!.id, position: 6 },
        { id: lost!.id, position: 7, name: 'Lost' },
      ],
    });
    expect(res.status).toBe(200);
    const after: StageBody[] = res.body.data.stages;
    expect(stageNames(after)).toEqual(['Qualify', 'Discovery', 'Demo', 'Negotiation', 'Legal', 'Won', 'Lost']);
    expect(after.map((s) => s.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(byName(after, 'Qualify')).toMatchObject({ id: qualification!.id, probability: 0.15 });
    expect(byName(after, 'Won')).toMatchObject({ id: won!.id, is_won: true, is_protected: true });
    expect(byName(after, 'Demo')).toMatchObject({ color: '#123456', is_protected: false });
    expect(await t.database.prisma.stage.count({ where: { pipeline_id: created.id } })).toBe(7);
  });

  it("answers 422 'protected_stage' when a protected stage is changed or left out, and changes nothing", async () => {
    const tenant = await seedTenant(t);
    const created = (await addPipeline(tenant, { name: 'Guarded' })).body.data;
    const stages: StageBody[] = created.stages;
    const keepAll = stages.map((s) => ({ id: s.id }));
    const won = byName(stages, 'Won');

    for (const change of [{ name: 'Closed' }, { is_won: false }, { probability: 0.9 }, { color: '#000000' }]) {
      const res = await updatePipeline(tenant, created.id, {
        name: 'Renamed',
        stages: keepAll.map((s) => (s.id === won.id ? { ...s, ...change } : s)),
      });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', code: 'protected_stage' });
      expect(res.body.error.message).toContain('"Won" is protected');
    }
    const removed = await updatePipeline(tenant, created.id, { stages: keepAll.filter((s) => s.id !== byName(stages, 'Lost').id) });
    expect(removed.status).toBe(422);
    expect(removed.body.error.code).toBe('protected_stage');
    expect(removed.body.error.message).toContain('"Lost"');

    const stored = await t.call('GET', `/api/pipelines/stages/${created.id}`, { token: tenant.token });
    expect(stored.body.data).toEqual(stages);
    expect((await t.database.prisma.pipeline.findUniqueOrThrow({ where: { id: created.id } })).name).toBe('Guarded');
  });

  it('answers 409 when a stage to remove still has deals, and removes nothing', async () => {
    const tenant = await seedTenant(t);
    const created = (await addPipeline(tenant, { name: 'Busy' })).body.data;
    const stages: StageBody[] = created.stages;
    const busy = byName(stages, 'Discovery');
    await seedDeal(tenant, created.id, busy.id, 10);
    const res = await updatePipeline(tenant, created.id, {
      stages: stages.filter((s) => s.name !== 'Discovery' && s.name !== 'Proposal').map((s) => ({ id: s.id })),
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ type: 'conflict', code: 'stage_has_deals', stage_ids: [busy.id] });
    expect(await t.database.prisma.stage.count({ where: { pipeline_id: created.id } })).toBe(6);
  });

  it('answers 422 for stages of another pipeline, repeated ids or positions, and a stage both won and lost', async () => {
    const tenant = await seedTenant(t);
    const created = (await addPipeline(tenant, { name: 'Strict' })).body.data;
    const other = (await addPipeline(tenant, { name: 'Other' })).body.data;
    const ids = created.stages.map((s: StageBody) => ({ id: s.id }));
    const first = created.stages[0] as StageBody;
    const cases = [
      [...ids, { id: other.stages[0].id }],
      [...ids, { id: first.id }],
      ids.map((s: { id: number }, i: number) => ({ ...s, position: i === 0 ? 2 : i + 1 })),
      ids.map((s: { id: number }) => (s.id === first.id ? { ...s, is_won: true, is_lost: true } : s)),
      [...ids, { name: 'Late', is_lost: true, is_won: true }],
    ];
    for (const stages of cases) expect((await updatePipeline(tenant, created.id, { stages })).status).toBe(422);
    expect((await updatePipeline(tenant, created.id, { name: 'X' })).status).toBe(422);
    expect((await updatePipeline(tenant, created.id, { state_id: 3 })).status).toBe(422);
    expect((await updatePipeline(tenant, created.id, { stages: [...ids, { color: '#ffffff' }] })).status).toBe(400);
  });

  it("answers 404 for another organization's pipeline and leaves it unchanged", async () => {
    const [a, b] = await seedTwoTenants(t);
    const created = (await addPipeline(a, { name: 'Mine' })).body.data;
    expect((await updatePipeline(b, created.id, { name: 'Theirs' })).status).toBe(404);
    expect((await updatePipeline(b, created.id, { stages: [{ name: 'Injected' }] })).status).toBe(404);
    expect((await t.database.prisma.pipeline.findUniqueOrThrow({ where: { id: created.id } })).name).toBe('Mine');
    expect(await t.database.prisma.stage.count({ where: { pipeline_id: created.id } })).toBe(6);
  });

  it('answers 401 without a token', async () => {
    expect((await t.call('PUT', '/api/pipelines/update/1', { body: { name: 'Nope' } })).status).toBe(401);
  });
});

describe('DELETE /api/pipelines/delete', () => {
  it('deletes the pipelines and their stages', async () => {
    const tenant = await seedTenant(t);
    const [one, two] = [(await addPipeline(tenant, { name: 'One' })).body.data, (await addPipeline(tenant, { name: 'Two' })).body.data];
    const res = await t.call('DELETE', '/api/pipelines/delete', { token: tenant.token, body: { ids: [one.id, two.id] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, data: { deleted: 2 } });
    expect(await t.database.prisma.pipeline.count({ where: { id: { in: [one.id, two.id] } } })).toBe(0);
    expect(await t.database.prisma.stage.count({ where: { pipeline_id: { in: [one.id, two.id] } } })).toBe(0);
  });

  it('answers 409 naming the pipelines that still have deals, and deletes none', async () => {
    const tenant = await seedTenant(t);
    const [empty, busy] = [
      (await addPipeline(tenant, { name: 'Empty' })).body.data,
      (await addPipeline(tenant, { name: 'Busy' })).body.data,
    ];
    await seedDeal(tenant, busy.id, busy.stages[0].id, 10);
    const res = await t.call('DELETE', '/api/pipelines/delete', { token: tenant.token, body: { ids: [empty.id, busy.id] } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'pipeline_has_deals', pipeline_ids: [busy.id] });
    expect(res.body.error.message).toContain('"Busy"');
    expect(await t.database.prisma.pipeline.count({ where: { id: { in: [empty.id, busy.id] } } })).toBe(2);
  });

  it("answers 404 when no id belongs to the organization, and never deletes another organization's pipeline", async () => {
    const [a, b] = await seedTwoTenants(t);
    const mine = (await addPipeline(a, { name: 'Mine' })).body.data;
    const theirs = (await addPipeline(b, { name: 'Theirs' })).body.data;
    expect((await t.call('DELETE', '/api/pipelines/delete', { token: b.token, body: { ids: [mine.id] } })).status).toBe(404);
    const mixed = await t.call('DELETE', '/api/pipelines/delete', { token: b.token, body: { ids: [mine.id, theirs.id] } });
    expect(mixed.body.data).toEqual({ deleted: 1 });
    expect(await t.database.prisma.pipeline.count({ where: { id: mine.id } })).toBe(1);
  });

  it('answers 400 without ids, 422 for invalid ids and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('DELETE', '/api/pipelines/delete', { token: tenant.token, body: {} })).status).toBe(400);
    expect((await t.call('DELETE', '/api/pipelines/delete', { token: tenant.token, body: { ids: [] } })).status).toBe(422);
    expect((await t.call('DELETE', '/api/pipelines/delete', { token: tenant.token, body: { ids: ['a'] } })).status).toBe(422);
    expect((await t.call('DELETE', '/api/pipelines/delete', { body: { ids: [1] } })).status).toBe(401);
  });
});

describe('GET /api/pipelines/stages/:id', () => {
  it("returns the pipeline's stages ordered by position; 404 for another organization's pipeline", async () => {
    const [a, b] = await seedTwoTenants(t);
    const created = (
      await addPipeline(a, {
        name: 'Ordered',
        stages: [
          { name: 'Z', position: 9 },
          { name: 'A', position: 2 },
        ],
      })
    ).body.data;
    const res = await t.call('GET', `/api/pipelines/stages/${created.id}`, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body.data.map((s: StageBody) => [s.name, s.position])).toEqual([
      ['A', 2],
      ['Z', 9],
    ]);
    expect(res.body.data[0]).toMatchObject({ pipeline_id: created.id, is_won: false, is_lost: false, is_protected: false });
    expect((await t.call('GET', `/api/pipelines/stages/${created.id}`, { token: b.token })).status).toBe(404);
  });

  it('answers 422 for a malformed id and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/pipelines/stages/abc', { token: tenant.token })).status).toBe(422);
    expect((await t.call('GET', '/api/pipelines/stages/1')).status).toBe(401);
  });
});

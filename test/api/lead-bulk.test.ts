// §7.1 bulk actions: status change, assignment and tagging, by ids or by
// select_all + filters, each changing exactly the caller's matching leads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead, type LeadInput } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const seedLead = async (tenant: Tenant, input: LeadInput = {}) =>
  (await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Lead', last_name: 'Person', ...input })).lead;

const leadRow = async (id: number) =>
  (await t.database.pool.query<{ status: number; assigned_to: number | null; tags: number[]; updated_at: Date }>('SELECT * FROM leads WHERE id = $1', [id])).rows[0]!;

const tagIds = async (tenant: Tenant, names: string[]) => {
  const { rows } = await t.database.pool.query<{ id: number; name: string }>(
    `SELECT id, name FROM custom_lookups WHERE org_id = $1 AND type = 'tag' AND name = ANY($2::text[])`,
    [tenant.orgId, names],
  );
  return names.map((n) => rows.find((r) => r.name === n)!.id);
};

/** Two organizations with the same kinds of leads: A's urgent ones, A's other one, and B's urgent one. */
async function seedBulkFixture() {
  const [a, b] = await seedTwoTenants(t);
  const urgent1 = await seedLead(a, { priority: 4, city: 'Berlin' });
  const urgent2 = await seedLead(a, { priority: 4, city: 'Munich' });
  const low = await seedLead(a, { priority: 1, city: 'Berlin' });
  const theirs = await seedLead(b, { priority: 4, city: 'Berlin' });
  return { a, b, urgent1, urgent2, low, theirs };
}

const post = (tenant: Tenant, path: string, body: unknown) => t.call('POST', path, { token: tenant.token, body });

describe('POST /api/lead/status-change', () => {
  it("changes the organization's leads among the ids, never another organization's", async () => {
    const { a, urgent1, low, theirs } = await seedBulkFixture();
    const res = await post(a, '/api/lead/status-change', { status: 3, ids: [urgent1.id, low.id, theirs.id] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, data: { updated: 2 } });
    expect((await leadRow(urgent1.id)).status).toBe(3);
    expect((await leadRow(low.id)).status).toBe(3);
    expect((await leadRow(theirs.id)).status).toBe(1);
  });

  it('changes every lead matching select_all + filters, in the caller organization only', async () => {
    const { a, urgent1, urgent2, low, theirs } = await seedBulkFixture();
    const res = await post(a, '/api/lead/status-change', { status: 5, select_all: true, filters: { priority: '4' } });
    expect(res.body.data).toEqual({ updated: 2 });
    expect([(await leadRow(urgent1.id)).status, (await leadRow(urgent2.id)).status]).toEqual([5, 5]);
    expect((await leadRow(low.id)).status).toBe(1);
    expect((await leadRow(theirs.id)).status).toBe(1);
  });

  it('takes the list filters as query-string text or as native JSON values, combined', async () => {
    const { a, urgent1, urgent2, low } = await seedBulkFixture();
    const res = await post(a, '/api/lead/status-change', { status: 2, select_all: true, filters: { priority: [4, 1], city: 'berl', unassigned: true } });
    expect(res.body.data).toEqual({ updated: 2 });
    expect([(await leadRow(urgent1.id)).status, (await leadRow(urgent2.id)).status, (await leadRow(low.id)).status]).toEqual([2, 1, 2]);
    const none = await post(a, '/api/lead/status-change', { status: 2, select_all: true, filters: { search_value: 'nobody-matches-this' } });
    expect(none.status).toBe(200);
    expect(none.body.data).toEqual({ updated: 0 });
  });

  it('changes every lead of the organization for select_all without filters', async () => {
    const { a, urgent1, urgent2, low, theirs } = await seedBulkFixture();
    const res = await post(a, '/api/lead/status-change', { status: 7, select_all: true });
    expect(res.body.data).toEqual({ updated: 3 });
    for (const lead of [urgent1, urgent2, low]) expect((await leadRow(lead.id)).status).toBe(7);
    expect((await leadRow(theirs.id)).status).toBe(1);
  });

  it("answers 404 when none of the ids is the organization's", async () => {
    const { a, theirs } = await seedBulkFixture();
    const res = await post(a, '/api/lead/status-change', { status: 3, ids: [theirs.id] });
    expect(res.status).toBe(404);
    expect((await leadRow(theirs.id)).status).toBe(1);
  });

  it('answers 400 without status and 422 for an unknown status or a wrong selection form', async () => {
    const { a, urgent1 } = await seedBulkFixture();
    expect((await post(a, '/api/lead/status-change', { ids: [urgent1.id] })).status).toBe(400);
    const invalid: unknown[] = [
      { status: 99, ids: [urgent1.id] },
      { status: 'won', ids: [urgent1.id] },
      { status: 2 },
      { status: 2, ids: [urgent1.id], select_all: true },
      { status: 2, select_all: false },
      { status: 2, ids: [urgent1.id], filters: { priority: '4' } },
      { status: 2, ids: [] },
      { status: 2, select_all: true, filters: { priorty: '4' } },
      { status: 2, select_all: true, filters: { score_min: 'high' } },
      { status: 2, select_all: true, filters: 'priority=4' },
    ];
    for (const body of invalid) {
      const res = await post(a, '/api/lead/status-change', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
    expect((await leadRow(urgent1.id)).status).toBe(1);
  });
});

describe('POST /api/lead/assign-user', () => {
  it('assigns by ids and unassigns with null', async () => {
    const { a, urgent1, urgent2, theirs } = await seedBulkFixture();
    const rep = await a.addUser();
    const res = await post(a, '/api/lead/assign-user', { assigned_to: rep.id, ids: [urgent1.id, urgent2.id, theirs.id] });
    expect(res.body.data).toEqual({ updated: 2 });
    expect((await leadRow(urgent1.id)).assigned_to).toBe(rep.id);
    expect((await leadRow(theirs.id)).assigned_to).toBeNull();
    const unassign = await post(a, '/api/lead/assign-user', { assigned_to: null, ids: [urgent1.id] });
    expect(unassign.status).toBe(200);
    expect((await leadRow(urgent1.id)).assigned_to).toBeNull();
    expect((await leadRow(urgent2.id)).assigned_to).toBe(rep.id);
  });

  it('assigns every lead matching the filters, and assigned_to=true in filters means the caller', async () => {
    const { a, b, urgent1, urgent2, low, theirs } = await seedBulkFixture();
    const rep = await a.addUser();
    const res = await post(a, '/api/lead/assign-user', { assigned_to: a.adminId, select_all: true, filters: { city: 'Berlin' } });
    expect(res.body.data).toEqual({ updated: 2 });
    expect((await leadRow(theirs.id)).assigned_to).toBeNull();
    const handOver = await post(a, '/api/lead/assign-user', { assigned_to: rep.id, select_all: true, filters: { assigned_to: true } });
    expect(handOver.body.data).toEqual({ updated: 2 });
    expect([(await leadRow(urgent1.id)).assigned_to, (await leadRow(urgent2.id)).assigned_to, (await leadRow(low.id)).assigned_to]).toEqual([
      rep.id,
      null,
      rep.id,
    ]);
    // B's own select_all cannot reach A's leads
    const other = await post(b, '/api/lead/assign-user', { assigned_to: null, select_all: true, filters: {} });
    expect(other.body.data).toEqual({ updated: 1 });
    expect((await leadRow(urgent1.id)).assigned_to).toBe(rep.id);
  });

  it("answers 400 without assigned_to, 422 for another organization's user, 404 for another organization's leads", async () => {
    const { a, b, urgent1, theirs } = await seedBulkFixture();
    const foreignRep = await b.addUser();
    expect((await post(a, '/api/lead/assign-user', { ids: [urgent1.id] })).status).toBe(400);
    expect((await post(a, '/api/lead/assign-user', { assigned_to: foreignRep.id, ids: [urgent1.id] })).status).toBe(422);
    expect((await post(a, '/api/lead/assign-user', { assigned_to: 'bob', ids: [urgent1.id] })).status).toBe(422);
    expect((await post(a, '/api/lead/assign-user', { assigned_to: a.adminId, ids: [theirs.id] })).status).toBe(404);
    expect((await leadRow(urgent1.id)).assigned_to).toBeNull();
    expect((await leadRow(theirs.id)).assigned_to).toBeNull();
  });
});

describe('POST /api/lead/assign-tags and /api/lead/set-assign-tags', () => {
  it('adds tags by name or id, each once, creating unknown names', async () => {
    const { a, urgent1, urgent2, low, theirs } = await seedBulkFixture();
    const res = await post(a, '/api/lead/assign-tags', { tags: ['VIP', 'Q3'], ids: [urgent1.id, theirs.id] });
    expect(res.body.data).toEqual({ updated: 1 });
    const [vip, q3] = await tagIds(a, ['VIP', 'Q3']);
    expect((await leadRow(urgent1.id)).tags).toEqual([vip, q3].sort((x, y) => x! - y!));
    expect((await leadRow(theirs.id)).tags).toEqual([]);
    const again = await post(a, '/api/lead/assign-tags', { tags: [vip, 'vip', 'New Tag'], select_all: true, filters: { priority: 4 } });
    expect(again.body.data).toEqual({ updated: 2 });
    const [fresh] = await tagIds(a, ['New Tag']);
    expect((await leadRow(urgent1.id)).tags).toEqual([vip, q3, fresh].sort((x, y) => x! - y!));
    expect((await leadRow(urgent2.id)).tags).toEqual([vip, fresh].sort((x, y) => x! - y!));
    expect((await leadRow(low.id)).tags).toEqual([]);
  });

  it("replaces tags, and [] clears them, without touching another organization's leads", async () => {
    const { a, b, urgent1, urgent2, theirs } = await seedBulkFixture();
    await post(a, '/api/lead/assign-tags', { tags: ['old'], ids: [urgent1.id, urgent2.id] });
    await post(b, '/api/lead/assign-tags', { tags: ['old'], ids: [theirs.id] });
    const res = await post(a, '/api/lead/set-assign-tags', { tags: ['new'], select_all: true, filters: { city: 'berlin' } });
    expect(res.body.data).toEqual({ updated: 2 });
    const [fresh] = await tagIds(a, ['new']);
    const [old] = await tagIds(a, ['old']);
    expect((await leadRow(urgent1.id)).tags).toEqual([fresh]);
    expect((await leadRow(urgent2.id)).tags).toEqual([old]);
    expect((await leadRow(theirs.id)).tags).toEqual(await tagIds(b, ['old']));
    const cleared = await post(a, '/api/lead/set-assign-tags', { tags: [], ids: [urgent1.id, urgent2.id] });
    expect(cleared.body.data).toEqual({ updated: 2 });
    expect((await leadRow(urgent1.id)).tags).toEqual([]);
    expect((await leadRow(urgent2.id)).tags).toEqual([]);
  });

  it("answers 400 without tags, 422 for another organization's tag id or an empty add, 404 for another organization's leads", async () => {
    const { a, b, urgent1, theirs } = await seedBulkFixture();
    await post(b, '/api/lead/assign-tags', { tags: ['theirs'], ids: [theirs.id] });
    const [foreignTag] = await tagIds(b, ['theirs']);
    for (const path of ['/api/lead/assign-tags', '/api/lead/set-assign-tags']) {
      expect((await post(a, path, { ids: [urgent1.id] })).status, path).toBe(400);
      expect((await post(a, path, { tags: [foreignTag], ids: [urgent1.id] })).status, path).toBe(422);
      expect((await post(a, path, { tags: 'vip', ids: [urgent1.id] })).status, path).toBe(422);
      expect((await post(a, path, { tags: ['x'], select_all: true, ids: [urgent1.id] })).status, path).toBe(422);
      expect((await post(a, path, { tags: ['x'], ids: [theirs.id] })).status, path).toBe(404);
    }
    expect((await post(a, '/api/lead/assign-tags', { tags: [], ids: [urgent1.id] })).status).toBe(422);
    expect((await leadRow(urgent1.id)).tags).toEqual([]);
    expect((await leadRow(theirs.id)).tags).toEqual([foreignTag]);
  });
});

describe('authentication', () => {
  it('answers 401 on every bulk route without a valid bearer token', async () => {
    const { a, urgent1 } = await seedBulkFixture();
    const routes = ['/api/lead/status-change', '/api/lead/assign-user', '/api/lead/assign-tags', '/api/lead/set-assign-tags'];
    for (const route of routes) {
      for (const token of [undefined, 'not-a-token']) {
        const res = await t.call('POST', route, { token, body: { ids: [urgent1.id], status: 2, assigned_to: a.adminId, tags: ['x'] } });
        expect(res.status, route).toBe(401);
        expect(res.body.error.type).toBe('unauthorized');
      }
    }
    expect(await leadRow(urgent1.id)).toMatchObject({ status: 1, assigned_to: null, tags: [] });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, uniqueEmail } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const names = (body: { data: { name: string }[] }) => body.data.map((role) => role.name);

describe('GET /api/role/list', () => {
  it("lists the organization's roles, starting with the system roles, never another organization's", async () => {
    const [a, b] = await seedTwoTenants(t);
    await t.database.prisma.role.create({ data: { org_id: b.orgId, name: 'Only in B' } });
    const res = await t.call('GET', '/api/v1/role/list', { token: a.token, query: { order_by: 'id', order_in: 'ASC' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, total: 3, page: 1, limit: 10 });
    expect(res.body.data).toEqual(
      ['Admin', 'Manager', 'Sales Rep'].map((name) => ({
        id: expect.any(Number),
        name,
        description: null,
        state_id: 1,
        is_system: true,
        created_at: expect.any(String),
      })),
    );
    const fromB = await t.call('GET', '/api/role/list', { token: b.token });
    expect(names(fromB.body)).toContain('Only in B');
    expect(fromB.body.data.map((r: { id: number }) => r.id)).not.toContain(res.body.data[0].id);
  });

  it('filters by state_id, searches name and description case-insensitively, sorts and pages', async () => {
    const tenant = await seedTenant(t);
    await t.database.prisma.role.createMany({
      data: [
        { org_id: tenant.orgId, name: 'Auditor', description: 'Read-only FINANCE access', state_id: 0 },
        { org_id: tenant.orgId, name: 'Partner', description: 'External reseller' },
      ],
    });
    const inactive = await t.call('GET', '/api/role/list', { token: tenant.token, query: { state_id: '0' } });
    expect(names(inactive.body)).toEqual(['Auditor']);
    const both = await t.call('GET', '/api/role/list', { token: tenant.token, query: { state_id: '0,1' } });
    expect(both.body.total).toBe(5);
    const byDescription = await t.call('GET', '/api/role/list', { token: tenant.token, query: { search_value: 'finance' } });
    expect(names(byDescription.body)).toEqual(['Auditor']);
    const byName = await t.call('GET', '/api/role/list', { token: tenant.token, query: { search_value: 'PART' } });
    expect(names(byName.body)).toEqual(['Partner']);
    const sorted = await t.call('GET', '/api/role/list', { token: tenant.token, query: { order_by: 'name', order_in: 'desc', limit: 2 } });
    expect(sorted.body).toMatchObject({ total: 5, limit: 2 });
    expect(names(sorted.body)).toEqual(['Sales Rep', 'Partner']);
  });

  it('answers 422 for invalid parameters and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ order_by: 'org_id' }, { state_id: '' }, { order_in: 'sideways' }, { start_date: 'yesterday' }]) {
      const res = await t.call('GET', '/api/role/list', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
    }
    expect((await t.call('GET', '/api/role/list')).status).toBe(401);
  });
});

describe('POST /api/role/add', () => {
  it('creates a role that users can then be given', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/role/add', { token: tenant.token, body: { name: '  Team Lead ', description: 'Leads a pod' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      data: { name: 'Team Lead', description: 'Leads a pod', state_id: 1, is_system: false },
    });
    const user = await t.call('POST', '/api/user/add', {
      token: tenant.token,
      body: { first_name: 'Tom', email: uniqueEmail('teamlead'), phone_no: '5550100', password: 'long enough', role_id: res.body.data.id },
    });
    expect(user.status).toBe(201);
    expect(user.body.data.role_name).toBe('Team Lead');
  });

  it('answers 409 for a name the organization already has, in any letter case; other organizations may reuse it', async () => {
    const [a, b] = await seedTwoTenants(t);
    expect((await t.call('POST', '/api/role/add', { token: a.token, body: { name: 'Closer' } })).status).toBe(201);
    for (const name of ['Closer', 'CLOSER', 'admin']) {
      const res = await t.call('POST', '/api/role/add', { token: a.token, body: { name } });
      expect(res.status, name).toBe(409);
      expect(res.body.error.type).toBe('conflict');
    }
    expect((await t.call('POST', '/api/role/add', { token: b.token, body: { name: 'Closer' } })).status).toBe(201);
  });

  it('is for Admins only', async () => {
    const tenant = await seedTenant(t);
    const manager = await tenant.addUser('Manager');
    const res = await t.call('POST', '/api/role/add', { token: manager.token, body: { name: 'Shadow Admin' } });
    expect(res.status).toBe(403);
    const list = await t.call('GET', '/api/role/list', { token: tenant.token });
    expect(names(list.body)).not.toContain('Shadow Admin');
  });

  it('answers 400 without a name, 422 for an invalid one and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('POST', '/api/role/add', { token: tenant.token, body: { description: 'x' } })).status).toBe(400);
    for (const name of ['X', 'x'.repeat(51), 42]) {
      const res = await t.call('POST', '/api/role/add', { token: tenant.token, body: { name } });
      expect(res.status, String(name)).toBe(422);
    }
    expect((await t.call('POST', '/api/role/add', { body: { name: 'Nobody' } })).status).toBe(401);
  });
});

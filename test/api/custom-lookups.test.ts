import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const addLookup = (tenant: Tenant, body: Record<string, unknown>) =>
  t.call('POST', '/api/custom-lookups/add', { token: tenant.token, body });

describe('POST /api/custom-lookups/add', () => {
  it('gives coded lead types the next code after the seeded ones, and tags no code', async () => {
    const tenant = await seedTenant(t);
    const status = await addLookup(tenant, {
      module_name: 'lead',
      type: 'status',
      name: 'Nurturing',
      value: 'nurture',
      color_code: '#112233',
    });
    expect(status.status).toBe(201);
    expect(status.body).toMatchObject({
      success: true,
      data: {
        module_name: 'lead',
        type: 'status',
        code: 8,
        name: 'Nurturing',
        value: 'nurture',
        color_code: '#112233',
        parent_id: null,
        is_active: true,
      },
    });
    expect(typeof status.body.data.id).toBe('number');
    expect(status.body.data).not.toHaveProperty('org_id');
    expect((await addLookup(tenant, { module_name: 'lead', type: 'priority', name: 'Critical' })).body.data.code).toBe(5);
    expect((await addLookup(tenant, { module_name: 'lead', type: 'lead_source', name: 'Webinar' })).body.data.code).toBe(6);
    const tag = await addLookup(tenant, { module_name: 'lead', type: 'tag', name: 'VIP' });
    expect(tag.status).toBe(201);
    expect(tag.body.data.code).toBeNull();
    const industry = await addLookup(tenant, { module_name: 'company', type: 'industry', name: 'Fintech' });
    expect(industry.body.data.code).toBeNull();
  });

  it('hands out distinct codes to concurrent adds of one type', async () => {
    const tenant = await seedTenant(t);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => addLookup(tenant, { module_name: 'lead', type: 'status', name: `Parallel ${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(results.map((r) => r.body.data.code).sort((a, b) => a - b)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('answers 409 for a name already used in the module and type, compared case-insensitively', async () => {
    const tenant = await seedTenant(t);
    const res = await addLookup(tenant, { module_name: 'lead', type: 'status', name: 'qualified' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ type: 'conflict', code: 'duplicate_lookup' });
    // the same name in another type is a different lookup
    expect((await addLookup(tenant, { module_name: 'lead', type: 'tag', name: 'Qualified' })).status).toBe(201);
  });

  it('accepts a parent of the organization and answers 422 for a parent of another organization', async () => {
    const [a, b] = await seedTwoTenants(t);
    const parent = (await addLookup(a, { module_name: 'company', type: 'industry', name: 'Software' })).body.data;
    const child = await addLookup(a, { module_name: 'company', type: 'industry', name: 'SaaS', parent_id: parent.id });
    expect(child.status).toBe(201);
    expect(child.body.data.parent_id).toBe(parent.id);
    const foreign = await addLookup(b, { module_name: 'company', type: 'industry', name: 'SaaS', parent_id: parent.id });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.details).toEqual([{ path: 'parent_id', message: 'unknown lookup' }]);
  });

  it('answers 400 for missing required parameters and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    const missing = await addLookup(tenant, { module_name: 'lead', type: 'tag' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('name');
    expect((await addLookup(tenant, { module_name: 'lead', type: 'tag', name: 'X', color_code: 'red' })).status).toBe(422);
    expect((await addLookup(tenant, { module_name: 'Lead Module!', type: 'tag', name: 'X' })).status).toBe(422);
    expect((await addLookup(tenant, { module_name: 'lead', type: 'tag', name: '' })).status).toBe(422);
  });

  it('answers 401 without a valid token', async () => {
    expect((await t.call('POST', '/api/custom-lookups/add', { body: { module_name: 'lead', type: 'tag', name: 'X' } })).status).toBe(401);
    expect(
      (await t.call('POST', '/api/custom-lookups/add', { token: 'nope', body: { module_name: 'lead', type: 'tag', name: 'X' } })).status,
    ).toBe(401);
  });
});

describe('GET /api/custom-lookups/list', () => {
  it("filters by module, type, activity and parent, sorts and pages, and shows only the organization's lookups", async () => {
    const [a, b] = await seedTwoTenants(t);
    const parent = (await addLookup(a, { module_name: 'company', type: 'industry', name: 'Software' })).body.data;
    await addLookup(a, { module_name: 'company', type: 'industry', name: 'SaaS', parent_id: parent.id });
    const inactive = (await addLookup(a, { module_name: 'lead', type: 'tag', name: 'Old' })).body.data;
    await t.call('POST', `/api/custom-lookups/update/${inactive.id}`, { token: a.token, body: { is_active: false } });

    const statuses = await t.call('GET', '/api/custom-lookups/list', {
      token: a.token,
      query: { module_name: 'lead', type: 'status', order_by: 'code', order_in: 'asc', limit: 3, page: 2 },
    });
    expect(statuses.status).toBe(200);
    expect(statuses.body).toMatchObject({ success: true, total: 7, page: 2, limit: 3 });
    expect(statuses.body.data.map((l: { code: number }) => l.code)).toEqual([4, 5, 6]);

    const children = await t.call('GET', '/api/custom-lookups/list', { token: a.token, query: { parent_id: parent.id } });
    expect(children.body.data.map((l: { name: string }) => l.name)).toEqual(['SaaS']);

    const inactiveOnly = await t.call('GET', '/api/custom-lookups/list', { token: a.token, query: { is_active: 'false' } });
    expect(inactiveOnly.body.data.map((l: { id: number }) => l.id)).toEqual([inactive.id]);

    const searched = await t.call('GET', '/api/custom-lookups/list', { token: a.token, query: { search_value: 'soft' } });
    expect(searched.body.data.map((l: { name: string }) => l.name)).toEqual(['Software']);

    const otherOrg = await t.call('GET', '/api/custom-lookups/list', { token: b.token, query: { module_name: 'company', limit: 100 } });
    expect(otherOrg.body.total).toBe(0);
  });

  it('answers 422 for an unknown order_by or a malformed filter, and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/custom-lookups/list', { token: tenant.token, query: { order_by: 'org_id' } })).status).toBe(422);
    expect((await t.call('GET', '/api/custom-lookups/list', { token: tenant.token, query: { is_active: 'maybe' } })).status).toBe(422);
    expect((await t.call('GET', '/api/custom-lookups/list')).status).toBe(401);
  });
});

describe('POST /api/custom-lookups/update/:id', () => {
  it('updates name, value, colour and activity, keeping the code', async () => {
    const tenant = await seedTenant(t);
    const created = (await addLookup(tenant, { module_name: 'lead', type: 'status', name: 'Nurturing' })).body.data;
    const res = await t.call('POST', `/api/custom-lookups/update/${created.id}`, {
      token: tenant.token,
      body: { name: 'Nurture', value: 'n', color_code: '#abcdef', is_active: false },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: created.id, code: 8, name: 'Nurture', value: 'n', color_code: '#abcdef', is_active: false });
  });

  it('answers 409 when renaming onto an existing name', async () => {
    const tenant = await seedTenant(t);
    const created = (await addLookup(tenant, { module_name: 'lead', type: 'status', name: 'Nurturing' })).body.data;
    const res = await t.call('POST', `/api/custom-lookups/update/${created.id}`, { token: tenant.token, body: { name: 'NEW' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('duplicate_lookup');
  });

  it("answers 404 for another organization's lookup and leaves it unchanged", async () => {
    const [a, b] = await seedTwoTenants(t);
    const created = (await addLookup(a, { module_name: 'lead', type: 'tag', name: 'Mine' })).body.data;
    const res = await t.call('POST', `/api/custom-lookups/update/${created.id}`, { token: b.token, body: { name: 'Theirs' } });
    expect(res.status).toBe(404);
    const row = await t.database.prisma.customLookup.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.name).toBe('Mine');
  });

  it('answers 422 for invalid values, 400 for malformed JSON and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    const created = (await addLookup(tenant, { module_name: 'lead', type: 'tag', name: 'T' })).body.data;
    const path = `/api/custom-lookups/update/${created.id}`;
    expect((await t.call('POST', path, { token: tenant.token, body: { color_code: '#12345' } })).status).toBe(422);
    expect((await t.call('POST', path, { token: tenant.token, body: { is_active: 'yes' } })).status).toBe(422);
    expect((await t.call('POST', '/api/custom-lookups/update/abc', { token: tenant.token, body: {} })).status).toBe(422);
    expect((await t.call('POST', path, { token: tenant.token, body: '{"name":' })).status).toBe(400);
    expect((await t.call('POST', path, { body: { name: 'X' } })).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const addView = (token: string, body: Record<string, unknown>) => t.call('POST', '/api/custom-view/add', { token, body });

const viewNames = async (token: string, query: Record<string, string> = {}) =>
  (
    await t.call('GET', '/api/custom-view/list', { token, query: { limit: 100, order_by: 'view_name', order_in: 'asc', ...query } })
  ).body.data.map((v: { view_name: string }) => v.view_name);

/** An organization with an owner (Sales Rep), a teammate with the same role, a Manager, and the owner's three views. */
async function seedViews() {
  const tenant = await seedTenant(t);
  const [owner, teammate, manager] = [
    await tenant.addUser('Sales Rep'),
    await tenant.addUser('Sales Rep'),
    await tenant.addUser('Manager'),
  ];
  const views = {} as Record<'private' | 'team' | 'public', { id: number }>;
  for (const visibility of ['private', 'team', 'public'] as const) {
    views[visibility] = (await addView(owner.token, { module_name: 'lead', visibility, view_name: `${visibility} leads` })).body.data;
  }
  return { tenant, owner, teammate, manager, views };
}

describe('POST /api/custom-view/add', () => {
  it('creates a view owned by the caller', async () => {
    const tenant = await seedTenant(t);
    const res = await addView(tenant.token, {
      module_name: 'lead',
      visibility: 'team',
      view_name: 'Hot EMEA',
      filters: { country: 'DE', score_min: 70 },
      columns: ['first_name', 'score'],
      sorting: { order_by: 'score', order_in: 'DESC' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      data: {
        user_id: tenant.adminId,
        module_name: 'lead',
        visibility: 'team',
        view_name: 'Hot EMEA',
        filters: { country: 'DE', score_min: 70 },
        columns: ['first_name', 'score'],
        sorting: { order_by: 'score', order_in: 'DESC' },
      },
    });
    expect(res.body.data).not.toHaveProperty('org_id');
  });

  it('fills in a name and empty filters, columns and sorting when omitted', async () => {
    const tenant = await seedTenant(t);
    const res = await addView(tenant.token, { module_name: 'contact', visibility: 'private' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ view_name: 'Untitled view', filters: {}, columns: [], sorting: {} });
  });

  it('answers 400 for missing required parameters and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    expect((await addView(tenant.token, { module_name: 'lead' })).status).toBe(400);
    expect((await addView(tenant.token, { visibility: 'public' })).status).toBe(400);
    expect((await addView(tenant.token, { module_name: 'lead', visibility: 'everyone' })).status).toBe(422);
    expect((await addView(tenant.token, { module_name: 'lead', visibility: 'public', columns: 'name' })).status).toBe(422);
    expect((await addView(tenant.token, { module_name: 'lead', visibility: 'public', filters: ['x'] })).status).toBe(422);
    expect((await addView(tenant.token, { module_name: 'lead', visibility: 'public', view_name: '' })).status).toBe(422);
  });

  it('answers 401 without a valid token', async () => {
    expect((await t.call('POST', '/api/custom-view/add', { body: { module_name: 'lead', visibility: 'public' } })).status).toBe(401);
    expect((await addView('not-a-token', { module_name: 'lead', visibility: 'public' })).status).toBe(401);
  });
});

describe('GET /api/custom-view/list', () => {
  it("shows own views, team views of the same role and public views, never another organization's", async () => {
    const { owner, teammate, manager } = await seedViews();
    expect(await viewNames(owner.token)).toEqual(['private leads', 'public leads', 'team leads']);
    expect(await viewNames(teammate.token)).toEqual(['public leads', 'team leads']);
    expect(await viewNames(manager.token)).toEqual(['public leads']);
    const other = await seedTenant(t);
    expect(await viewNames(other.token)).toEqual([]);
  });

  it('filters by module_name and searches view names', async () => {
    const { owner } = await seedViews();
    await addView(owner.token, { module_name: 'company', visibility: 'private', view_name: 'Big companies' });
    expect(await viewNames(owner.token, { module_name: 'company' })).toEqual(['Big companies']);
    expect(await viewNames(owner.token, { search_value: 'LEADS' })).toEqual(['private leads', 'public leads', 'team leads']);
    expect(await viewNames(owner.token, { search_value: 'team' })).toEqual(['team leads']);
    const paged = await t.call('GET', '/api/custom-view/list', { token: owner.token, query: { limit: 2 } });
    expect(paged.body).toMatchObject({ total: 4, page: 1, limit: 2 });
    expect(paged.body.data).toHaveLength(2);
  });

  it('answers 422 for invalid parameters and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/custom-view/list', { token: tenant.token, query: { order_by: 'user_id' } })).status).toBe(422);
    expect((await t.call('GET', '/api/custom-view/list', { token: tenant.token, query: { module_name: 'no such' } })).status).toBe(422);
    expect((await t.call('GET', '/api/custom-view/list')).status).toBe(401);
  });
});

describe('POST /api/custom-view/update/:id', () => {
  it('lets the owner change any field', async () => {
    const { owner, teammate, views } = await seedViews();
    const res = await t.call('POST', `/api/custom-view/update/${views.private.id}`, {
      token: owner.token,
      body: { view_name: 'Shared now', visibility: 'team', columns: ['email'], filters: { status: '2' }, sorting: { order_by: 'email', order_in: 'ASC' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: views.private.id,
      view_name: 'Shared now',
      visibility: 'team',
      columns: ['email'],
      filters: { status: '2' },
      sorting: { order_by: 'email', order_in: 'ASC' },
    });
    expect(await viewNames(teammate.token)).toContain('Shared now');
    const moved = await t.call('POST', `/api/custom-view/update/${views.private.id}`, { token: owner.token, body: { module_name: 'contact' } });
    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({ module_name: 'contact', view_name: 'Shared now' });
  });

  it('answers 403 to those who can see the view but do not own it, and 404 to those who cannot see it', async () => {
    const { tenant, teammate, manager, views } = await seedViews();
    const update = (token: string, id: number) =>
      t.call('POST', `/api/custom-view/update/${id}`, { token, body: { view_name: 'Taken over' } });
    const teamView = await update(teammate.token, views.team.id);
    expect(teamView.status).toBe(403);
    expect(teamView.body.error.type).toBe('forbidden');
    expect((await update(teammate.token, views.public.id)).status).toBe(403);
    expect((await update(teammate.token, views.private.id)).status).toBe(404);
    expect((await update(manager.token, views.team.id)).status).toBe(404);
    // an Admin may change the views they can see
    expect((await update(tenant.token, views.public.id)).status).toBe(200);
    expect((await update(tenant.token, views.private.id)).status).toBe(404);
    const stored = await t.database.prisma.customView.findUniqueOrThrow({ where: { id: views.team.id } });
    expect(stored.view_name).toBe('team leads');
  });

  it("answers 404 for another organization's view", async () => {
    const [a, b] = await seedTwoTenants(t);
    const view = (await addView(a.token, { module_name: 'lead', visibility: 'public', view_name: 'Mine' })).body.data;
    const res = await t.call('POST', `/api/custom-view/update/${view.id}`, { token: b.token, body: { view_name: 'Theirs' } });
    expect(res.status).toBe(404);
  });

  it('answers 422 for invalid values and 401 without a token', async () => {
    const { owner, views } = await seedViews();
    const path = `/api/custom-view/update/${views.private.id}`;
    expect((await t.call('POST', path, { token: owner.token, body: { visibility: 'secret' } })).status).toBe(422);
    expect((await t.call('POST', path, { token: owner.token, body: { columns: [1, 2] } })).status).toBe(422);
    expect((await t.call('POST', path, { body: { view_name: 'x' } })).status).toBe(401);
  });
});

describe('DELETE /api/custom-view/delete/:id', () => {
  it('lets the owner and an Admin delete, answers 403 to other viewers and 404 to everyone else', async () => {
    const { tenant, owner, teammate, manager, views } = await seedViews();
    const remove = (token: string, id: number) => t.call('DELETE', `/api/custom-view/delete/${id}`, { token });
    expect((await remove(teammate.token, views.team.id)).status).toBe(403);
    expect((await remove(manager.token, views.team.id)).status).toBe(404);
    expect((await remove(manager.token, views.private.id)).status).toBe(404);
    const other = await seedTenant(t);
    expect((await remove(other.token, views.public.id)).status).toBe(404);

    const deleted = await remove(owner.token, views.team.id);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ success: true });
    expect((await remove(tenant.token, views.public.id)).status).toBe(200);
    expect(await viewNames(owner.token)).toEqual(['private leads']);
    expect((await remove(owner.token, views.team.id)).status).toBe(404);
  });

  it('answers 422 for a malformed id and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('DELETE', '/api/custom-view/delete/x', { token: tenant.token })).status).toBe(422);
    expect((await t.call('DELETE', '/api/custom-view/delete/1')).status).toBe(401);
  });
});

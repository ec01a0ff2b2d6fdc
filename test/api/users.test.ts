import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, TEST_PASSWORD, uniqueEmail, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const roleId = async (tenant: Tenant, name: string) =>
  (await t.database.prisma.role.findUniqueOrThrow({ where: { org_id_name: { org_id: tenant.orgId, name } } })).id;

const login = (email: string, password = TEST_PASSWORD) => t.call('POST', '/api/auth/login', { body: { email, password } });

const newUser = (overrides: Record<string, unknown> = {}) => ({
  first_name: 'Grace',
  last_name: 'Hopper',
  email: uniqueEmail('grace'),
  phone_no: '+1 (555) 010-0199',
  password: 'a-long-password',
  ...overrides,
});

describe('GET /api/user/my', () => {
  it("returns the caller's profile with the organization's public id", async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('GET', '/api/v1/user/my', { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      data: {
        id: tenant.adminId,
        first_name: 'Ada',
        last_name: 'Admin',
        email: tenant.adminEmail,
        phone_no: null,
        language: null,
        timezone: null,
        role_id: await roleId(tenant, 'Admin'),
        role_name: 'Admin',
        state_id: 1,
        organization_id: tenant.orgPublicId,
      },
    });
    expect(Date.parse(res.body.data.created_at)).not.toBeNaN();
    expect(res.body.data).not.toHaveProperty('password_hash');
    expect(res.body.data).not.toHaveProperty('org_id');
  });

  it('answers 401 without a token or with an invalid one', async () => {
    expect((await t.call('GET', '/api/user/my')).status).toBe(401);
    expect((await t.call('GET', '/api/user/my', { token: 'garbage' })).status).toBe(401);
  });
});

describe('GET /api/user/list', () => {
  it("lists the organization's live users, never another organization's or deleted ones", async () => {
    const [a, b] = await seedTwoTenants(t);
    const rep = await a.addUser('Sales Rep');
    const gone = await a.addUser('Sales Rep');
    await t.database.prisma.user.update({ where: { id: gone.id }, data: { deleted_at: new Date() } });
    await b.addUser('Manager');

    const res = await t.call('GET', '/api/user/list', { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, total: 2, page: 1, limit: 10 });
    expect(res.body.data.map((u: { id: number }) => u.id)).toEqual([rep.id, a.adminId]);
    expect(res.body.data[0]).toMatchObject({ email: rep.email, role_name: 'Sales Rep', organization_id: a.orgPublicId });

    const fromB = await t.call('GET', '/api/user/list', { token: b.token });
    expect(fromB.body.total).toBe(2);
    expect(fromB.body.data.map((u: { id: number }) => u.id)).not.toContain(rep.id);
    expect(fromB.body.data.map((u: { id: number }) => u.id)).not.toContain(a.adminId);
  });

  it('filters by role_id and state_id lists, searches names and email case-insensitively, sorts and pages', async () => {
    const tenant = await seedTenant(t);
    const manager = await tenant.addUser('Manager');
    const rep = await tenant.addUser('Sales Rep');
    await t.database.prisma.user.update({ where: { id: rep.id }, data: { state_id: 0, first_name: 'Zelda' } });

    const byRole = await t.call('GET', '/api/user/list', {
      token: tenant.token,
      query: { role_id: `${await roleId(tenant, 'Manager')},${await roleId(tenant, 'Admin')}` },
    });
    expect(byRole.body.data.map((u: { id: number }) => u.id).sort()).toEqual([tenant.adminId, manager.id].sort());

    const inactive = await t.call('GET', '/api/user/list', { token: tenant.token, query: { state_id: '0' } });
    expect(inactive.body.data.map((u: { id: number }) => u.id)).toEqual([rep.id]);

    const byName = await t.call('GET', '/api/user/list', { token: tenant.token, query: { search_value: 'zELD' } });
    expect(byName.body.data.map((u: { id: number }) => u.id)).toEqual([rep.id]);
    const byEmail = await t.call('GET', '/api/user/list', { token: tenant.token, query: { search_value: manager.email.toUpperCase() } });
    expect(byEmail.body.data.map((u: { id: number }) => u.id)).toEqual([manager.id]);
    // LIKE wildcards typed by the user match literally
    const wildcard = await t.call('GET', '/api/user/list', { token: tenant.token, query: { search_value: '%' } });
    expect(wildcard.body.total).toBe(0);

    const sorted = await t.call('GET', '/api/user/list', {
      token: tenant.token,
      query: { order_by: 'first_name', order_in: 'asc', limit: 2, page: 2 },
    });
    expect(sorted.body).toMatchObject({ total: 3, page: 2, limit: 2 });
    expect(sorted.body.data.map((u: { first_name: string }) => u.first_name)).toEqual(['Zelda']);
  });

  it('answers 422 for invalid filters or sort fields and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ state_id: '' }, { order_by: 'password_hash' }, { limit: 0 }]) {
      const res = await t.call('GET', '/api/user/list', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
    expect((await t.call('GET', '/api/user/list')).status).toBe(401);
  });

  it('answers 422, not 400, for a non-numeric element of a csv filter: the parameter is present, its value invalid', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ role_id: '1,x' }, { state_id: 'active' }]) {
      const res = await t.call('GET', '/api/user/list', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
  });
});

describe('POST /api/user/add', () => {
  it('creates a Sales Rep by default, with a lower-cased email, who can log in', async () => {
    const tenant = await seedTenant(t);
    const input = newUser({ email: uniqueEmail('Grace').toUpperCase() });
    const res = await t.call('POST', '/api/user/add', { token: tenant.token, body: input });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      data: {
        first_name: 'Grace',
        last_name: 'Hopper',
        email: input.email.toLowerCase(),
        phone_no: input.phone_no,
        role_id: await roleId(tenant, 'Sales Rep'),
        role_name: 'Sales Rep',
        state_id: 1,
        organization_id: tenant.orgPublicId,
      },
    });
    expect(res.body.data).not.toHaveProperty('password_hash');
    const session = await login(input.email.toLowerCase(), input.password);
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ id: res.body.data.id, organization_id: tenant.orgPublicId, role_name: 'Sales Rep' });
  });

  it('lets a Manager add users with the given role, but only an Admin may grant Admin', async () => {
    const tenant = await seedTenant(t);
    const manager = await tenant.addUser('Manager');
    const asManager = await t.call('POST', '/api/user/add', {
      token: manager.token,
      body: newUser({ role_id: await roleId(tenant, 'Manager') }),
    });
    expect(asManager.status).toBe(201);
    expect(asManager.body.data.role_name).toBe('Manager');

    const adminRole = await roleId(tenant, 'Admin');
    const escalation = await t.call('POST', '/api/user/add', { token: manager.token, body: newUser({ role_id: adminRole }) });
    expect(escalation.status).toBe(403);
    expect(escalation.body.error.type).toBe('forbidden');
    const byAdmin = await t.call('POST', '/api/user/add', { token: tenant.token, body: newUser({ role_id: adminRole }) });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body.data.role_name).toBe('Admin');
  });

  it('answers 403 for a Sales Rep', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser('Sales Rep');
    const res = await t.call('POST', '/api/user/add', { token: rep.token, body: newUser() });
    expect(res.status).toBe(403);
  });

  it("answers 422 for a role of another organization or an unknown role", async () => {
    const [a, b] = await seedTwoTenants(t);
    for (const role_id of [await roleId(b, 'Sales Rep'), 2_000_000_000]) {
      const res = await t.call('POST', '/api/user/add', { token: a.token, body: newUser({ role_id }) });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', details: [{ path: 'role_id' }] });
    }
  });

  it('answers 409 for an email taken in any organization, in any letter case', async () => {
    const [a, b] = await seedTwoTenants(t);
    const res = await t.call('POST', '/api/user/add', { token: a.token, body: newUser({ email: b.adminEmail.toUpperCase() }) });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ type: 'conflict', code: 'email_taken' });
  });

  it('answers 400 for missing required fields and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    const { password: _omitted, ...withoutPassword } = newUser();
    const missing = await t.call('POST', '/api/user/add', { token: tenant.token, body: withoutPassword });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('password');
    const invalidFields = [
      { first_name: 'G' },
      { first_name: 'x'.repeat(51) },
      { password: 'short' },
      { email: 'not-an-email' },
      { phone_no: 'call me' },
      { role_id: 'two' },
    ];
    for (const invalid of invalidFields) {
      const res = await t.call('POST', '/api/user/add', { token: tenant.token, body: newUser(invalid) });
      expect(res.status, JSON.stringify(invalid)).toBe(422);
    }
  });

  it('answers 401 without a token', async () => {
    expect((await t.call('POST', '/api/user/add', { body: newUser() })).status).toBe(401);
  });
});

describe('POST /api/user/update/:id', () => {
  const changes = (overrides: Record<string, unknown> = {}) => ({
    first_name: 'Katherine',
    last_name: 'Johnson',
    email: uniqueEmail('katherine'),
    phone_no: '+44 20 7946 0958',
    language: 'en-gb',
    timezone: 'Europe/London',
    ...overrides,
  });

  it('lets an Admin update any user of the organization', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser('Sales Rep');
    const body = changes({ email: uniqueEmail('Katherine').toUpperCase() });
    const res = await t.call('POST', `/api/user/update/${rep.id}`, { token: tenant.token, body });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: rep.id,
      first_name: 'Katherine',
      last_name: 'Johnson',
      email: body.email.toLowerCase(),
      language: 'en-GB',
      timezone: 'Europe/London',
      role_name: 'Sales Rep',
    });
    expect((await login(body.email)).status).toBe(200);
  });

  it('lets other users update only themselves', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser('Manager');
    const self = await t.call('POST', `/api/user/update/${rep.id}`, { token: rep.token, body: changes({ last_name: null }) });
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({ id: rep.id, last_name: null });
    const other = await t.call('POST', `/api/user/update/${tenant.adminId}`, { token: rep.token, body: changes() });
    expect(other.status).toBe(403);
    const admin = await t.call('GET', '/api/user/my', { token: tenant.token });
    expect(admin.body.data.first_name).toBe('Ada');
  });

  it("answers 404 for another organization's user or a deleted one, to admins and others alike", async () => {
    const [a, b] = await seedTwoTenants(t);
    const rep = await b.addUser('Sales Rep');
    for (const token of [a.token, (await a.addUser('Sales Rep')).token]) {
      const res = await t.call('POST', `/api/user/update/${b.adminId}`, { token, body: changes() });
      expect(res.status).toBe(404);
      expect(res.body.error.type).toBe('not_found');
    }
    await t.database.prisma.user.update({ where: { id: rep.id }, data: { deleted_at: new Date() } });
    expect((await t.call('POST', `/api/user/update/${rep.id}`, { token: b.token, body: changes() })).status).toBe(404);
    const untouched = await t.database.prisma.user.findUniqueOrThrow({ where: { id: b.adminId } });
    expect(untouched.first_name).toBe('Ada');
  });

  it('answers 409 when the email belongs to another user', async () => {
    const [a, b] = await seedTwoTenants(t);
    const res = await t.call('POST', `/api/user/update/${a.adminId}`, { token: a.token, body: changes({ email: b.adminEmail }) });
    expect(res.status).toBe(409);
  });

  it('answers 400 for missing required fields and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    const { phone_no: _omitted, ...withoutPhone } = changes();
    expect((await t.call('POST', `/api/user/update/${tenant.adminId}`, { token: tenant.token, body: withoutPhone })).status).toBe(400);
    for (const invalid of [{ timezone: 'Mars/Olympus_Mons' }, { language: 'not a language' }, { first_name: '' }, { email: 'nope' }]) {
      const res = await t.call('POST', `/api/user/update/${tenant.adminId}`, { token: tenant.token, body: changes(invalid) });
      expect(res.status, JSON.stringify(invalid)).toBe(422);
    }
    expect((await t.call('POST', '/api/user/update/abc', { token: tenant.token, body: changes() })).status).toBe(422);
  });

  it('answers 401 without a token', async () => {
    expect((await t.call('POST', '/api/user/update/1', { body: changes() })).status).toBe(401);
  });
});

describe('POST /api/user/change-password', () => {
  const NEW_PASSWORD = 'a brand new passphrase';

  it('changes the password and signs out every other session, keeping this one', async () => {
    const tenant = await seedTenant(t);
    const otherSession = (await login(tenant.adminEmail)).body.access_token;
    const res = await t.call('POST', '/api/user/change-password', {
      token: tenant.token,
      body: { current_password: TEST_PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect((await t.call('GET', '/api/user/my', { token: tenant.token })).status).toBe(200);
    expect((await t.call('GET', '/api/user/my', { token: otherSession })).status).toBe(401);
    expect((await login(tenant.adminEmail)).status).toBe(401);
    expect((await login(tenant.adminEmail, NEW_PASSWORD)).status).toBe(200);
  });

  it('answers 422 with a clear message for a wrong current password, and keeps the old one', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/user/change-password', {
      token: tenant.token,
      body: { current_password: 'not my password', new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ type: 'validation_error', message: 'The current password is incorrect' });
    expect((await login(tenant.adminEmail)).status).toBe(200);
  });

  it('answers 422 when the confirmation differs, the new password is short or unchanged; 400 when a field is missing', async () => {
    const tenant = await seedTenant(t);
    const bodies = [
      { current_password: TEST_PASSWORD, new_password: NEW_PASSWORD, confirm_password: `${NEW_PASSWORD}!` },
      { current_password: TEST_PASSWORD, new_password: 'short', confirm_password: 'short' },
      { current_password: TEST_PASSWORD, new_password: TEST_PASSWORD, confirm_password: TEST_PASSWORD },
    ];
    for (const body of bodies) {
      const res = await t.call('POST', '/api/user/change-password', { token: tenant.token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
    const mismatch = await t.call('POST', '/api/user/change-password', { token: tenant.token, body: bodies[0] });
    expect(mismatch.body.error.details).toEqual([{ path: 'confirm_password', message: 'must equal new_password' }]);
    const missing = await t.call('POST', '/api/user/change-password', {
      token: tenant.token,
      body: { current_password: TEST_PASSWORD, new_password: NEW_PASSWORD },
    });
    expect(missing.status).toBe(400);
    expect((await login(tenant.adminEmail)).status).toBe(200);
  });

  it('answers 401 without a token', async () => {
    const body = { current_password: TEST_PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD };
    expect((await t.call('POST', '/api/user/change-password', { body })).status).toBe(401);
  });
});

describe('POST /api/user/delete', () => {
  it('soft-deletes the user and revokes their sessions', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser('Sales Rep');
    const res = await t.call('POST', '/api/user/delete', { token: tenant.token, body: { user_id: rep.id } });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect((await t.call('GET', '/api/user/my', { token: rep.token })).status).toBe(401);
    expect((await login(rep.email)).status).toBe(404);
    const list = await t.call('GET', '/api/user/list', { token: tenant.token });
    expect(list.body.data.map((u: { id: number }) => u.id)).toEqual([tenant.adminId]);
    const row = await t.database.prisma.user.findUniqueOrThrow({ where: { id: rep.id } });
    expect(row.deleted_at).not.toBeNull();
    const liveSessions = await t.database.prisma.session.count({ where: { user_id: rep.id, revoked_at: null } });
    expect(liveSessions).toBe(0);
    // deleting again finds nobody
    expect((await t.call('POST', '/api/user/delete', { token: tenant.token, body: { user_id: rep.id } })).status).toBe(404);
  });

  it('is for Admins only and never for oneself', async () => {
    const tenant = await seedTenant(t);
    const manager = await tenant.addUser('Manager');
    const rep = await tenant.addUser('Sales Rep');
    const forbidden = await t.call('POST', '/api/user/delete', { token: manager.token, body: { user_id: rep.id } });
    expect(forbidden.status).toBe(403);
    const self = await t.call('POST', '/api/user/delete', { token: tenant.token, body: { user_id: tenant.adminId } });
    expect(self.status).toBe(422);
    expect(self.body.error.message).toBe('You cannot delete your own account');
    expect((await t.call('GET', '/api/user/my', { token: rep.token })).status).toBe(200);
    expect((await t.call('GET', '/api/user/my', { token: tenant.token })).status).toBe(200);
  });

  it("answers 404 for another organization's user and leaves it alone", async () => {
    const [a, b] = await seedTwoTenants(t);
    const rep = await b.addUser('Sales Rep');
    const res = await t.call('POST', '/api/user/delete', { token: a.token, body: { user_id: rep.id } });
    expect(res.status).toBe(404);
    expect((await t.call('GET', '/api/user/my', { token: rep.token })).status).toBe(200);
  });

  it('answers 400 without user_id, 422 for an invalid one and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('POST', '/api/user/delete', { token: tenant.token, body: {} })).status).toBe(400);
    expect((await t.call('POST', '/api/user/delete', { token: tenant.token, body: { user_id: 'x' } })).status).toBe(422);
    expect((await t.call('POST', '/api/user/delete', { body: { user_id: 1 } })).status).toBe(401);
  });
});

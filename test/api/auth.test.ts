import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, TEST_PASSWORD, uniqueEmail } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

describe('POST /api/auth/login (§2.1)', () => {
  it('returns a 30-day bearer token and the user', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/auth/login', { body: { email: tenant.adminEmail.toUpperCase(), password: TEST_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      token_type: 'Bearer',
      expires_in: 2592000,
      user: { email: tenant.adminEmail, organization_id: tenant.orgPublicId, role_name: 'Admin', name: 'Ada Admin' },
    });
    expect(typeof res.body.user.id).toBe('number');
    const expiresAt = Date.parse(res.body.expires_at);
    expect(Math.abs(expiresAt - (Date.now() + 2592000 * 1000))).toBeLessThan(60_000);
    const me = await t.call('POST', '/api/v1/auth/logout', { token: res.body.access_token });
    expect(me.status).toBe(200);
  });

  it('answers 400 when email and password are not both provided', async () => {
    const res = await t.call('POST', '/api/auth/login', { body: { email: 'a@b.co' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { type: 'bad_request', code: null } });
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await t.call('POST', '/api/auth/login', { body: '{"email":' });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
  });

  it('answers 401 for a wrong password and 404 for an unknown email', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('POST', '/api/auth/login', { body: { email: tenant.adminEmail, password: 'wrong' } })).status).toBe(401);
    expect((await t.call('POST', '/api/auth/login', { body: { email: uniqueEmail(), password: 'x' } })).status).toBe(404);
  });

  it('answers 403 for an inactive account', async () => {
    const tenant = await seedTenant(t);
    await t.database.prisma.user.update({ where: { id: tenant.adminId }, data: { state_id: 0 } });
    const res = await t.call('POST', '/api/auth/login', { body: { email: tenant.adminEmail, password: TEST_PASSWORD } });
    expect(res.status).toBe(403);
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the token it is called with', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('POST', '/api/auth/logout', { token: tenant.token })).status).toBe(200);
    const again = await t.call('POST', '/api/auth/logout', { token: tenant.token });
    expect(again.status).toBe(401);
  });

  it('answers 401 without a token or with a malformed one', async () => {
    expect((await t.call('POST', '/api/auth/logout')).status).toBe(401);
    expect((await t.call('POST', '/api/auth/logout', { token: 'not-a-jwt' })).status).toBe(401);
  });
});

// Every authenticated route, generated from the route table, rejects a
// missing, malformed, expired, forged, unsigned or revoked token with 401 before touching input.
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fillPath, routeTable } from '../helpers/routes.js';
import { seedTenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const dummyParams = new Proxy({}, { get: () => 1 }) as Record<string, number>;

describe('authentication on every route', () => {
  it('covers a route table that has authenticated routes', () => {
    expect(routeTable(t.app).filter((r) => r.authenticated).length).toBeGreaterThan(0);
  });

  it('answers 401 with the error envelope for a missing, malformed, expired, forged, unsigned (alg none) or revoked token', async () => {
    const tenant = await seedTenant(t);
    const revoked = (await tenant.addUser()).token;
    expect((await t.call('POST', '/api/auth/logout', { token: revoked })).status).toBe(200);
    const session = await t.database.prisma.session.findFirstOrThrow({ where: { user_id: tenant.adminId } });
    const expired = await sign(
      { sub: String(tenant.adminId), jti: session.id, exp: Math.floor(Date.now() / 1000) - 60 },
      t.deps.config.JWT_SECRET,
      'HS256',
    );
    const forged = await sign({ sub: String(tenant.adminId), jti: session.id, exp: Math.floor(Date.now() / 1000) + 60 }, 'another-secret-0123456789', 'HS256');
    const unsigned = [{ alg: 'none', typ: 'JWT' }, { sub: String(tenant.adminId), jti: session.id, exp: Math.floor(Date.now() / 1000) + 60 }]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.')
      .concat('.');
    const failures: string[] = [];
    for (const route of routeTable(t.app).filter((r) => r.authenticated)) {
      const path = fillPath(route.path, dummyParams);
      for (const [label, token] of [['missing', undefined], ['malformed', 'abc.def'], ['expired', expired], ['forged', forged], ['unsigned', unsigned], ['revoked', revoked]] as const) {
        const res = await t.call(route.method, path, { token, body: route.method === 'GET' ? undefined : {} });
        if (res.status !== 401 || res.body?.success !== false || res.body?.error?.type !== 'unauthorized') {
          failures.push(`${route.method} ${route.path} with a ${label} token answered ${res.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

// Issue 8 §1 (SSRF): no tenant can make the server fetch where it must not.
// Every case stands for one way in, and each would fail without the egress
// (connectors/egress.ts): a "secret" server on loopback stands for what an
// attacker is after, and must never be reached. The app here lets a tenant
// choose HubSpot's base path (HUBSPOT_ALLOW_TENANT_BASE_PATH) but does NOT
// allow private destinations: only the one fake named in EGRESS_ALLOWED_HOSTS.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgress, EgressError, type EgressSettings } from '../../connectors/egress.js';
import { connectHubspot } from '../../domain/integrations/connected-app.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startFakeHubspot, type FakeHubspot } from '../helpers/fake-hubspot.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

const TOKEN = 'pat-egress-test-0001';

interface Target {
  server: Server;
  port: number;
  hits: string[];
}

/** A loopback server that records every request reaching it; `answer` decides what it says. */
async function startTarget(answer: (url: string, res: import('node:http').ServerResponse) => void = (_, res) => res.end('{"results":[]}')): Promise<Target> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    answer(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

const stop = (target: Target) =>
  new Promise<void>((resolve) => {
    target.server.closeAllConnections();
    target.server.close(() => resolve());
  });

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = await startTarget();
  await stop(probe);
  return probe.port;
}

let t: TestApp;
let secret: Target;
let redirector: Target;
let hubspot: FakeHubspot;
let tenant: Tenant;

beforeAll(async () => {
  secret = await startTarget();
  hubspot = await startFakeHubspot({ token: TOKEN });
  // "public-looking" to the egress (it is on the allow-list), and it sends its callers on to the secret server
  redirector = await startTarget((_, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${secret.port}/latest/meta-data` });
    res.end();
  });
  const fakeHubspotHost = new URL(hubspot.url).host;
  t = createTestApp({
    HUBSPOT_ALLOW_TENANT_BASE_PATH: 'true',
    EGRESS_ALLOW_PRIVATE_NETWORKS: 'false',
    EGRESS_ALLOWED_HOSTS: `${fakeHubspotHost},127.0.0.1:${redirector.port}`,
  });
  tenant = await seedTenant(t);
});

afterAll(async () => {
  await t?.close();
  await hubspot?.close();
  for (const target of [secret, redirector]) if (target) await stop(target);
});

const connect = (basePath: string, app = t) =>
  app.call('POST', '/api/connected-apps/hubspot/connect', { token: tenant.token, body: { access_token: TOKEN, base_path: basePath } });

/** A connection stored as if it had passed the check earlier (a name that resolved elsewhere then): every request is checked again. */
async function storeConnection(basePath: string) {
  await connectHubspot(t.database, t.deps.services.secrets, { orgId: tenant.orgId, userId: tenant.adminId, roleName: 'Admin' }, { access_token: TOKEN, base_path: basePath });
}

const properties = () => t.call('GET', '/api/connected-apps/hubspot/properties', { token: tenant.token });

/** Refused at connect time (422 base_path_refused, nothing stored) and, stored anyway, refused at request time (502), never reached. */
async function expectRefusedEverywhere(basePath: string) {
  const hitsBefore = secret.hits.length;
  const connected = await connect(basePath);
  expect(connected.status, basePath).toBe(422);
  expect(connected.body.error).toMatchObject({ type: 'validation_error', code: 'base_path_refused' });
  expect(connected.body.error.message).toContain('not allowed');

  await storeConnection(basePath);
  const used = await properties();
  expect(used.status, basePath).toBe(502);
  expect(used.body.error).toMatchObject({ type: 'bad_gateway', code: 'hubspot_unavailable' });
  expect(used.body.error.message).toContain('not allowed');
  expect(secret.hits.length).toBe(hitsBefore);
}

describe('SSRF: destinations a tenant may not make the server reach', () => {
  it('refuses the cloud metadata address 169.254.169.254 (link-local)', async () => {
    await expectRefusedEverywhere('http://169.254.169.254/latest');
  });

  it('refuses 10.0.0.1 (RFC 1918)', async () => {
    await expectRefusedEverywhere('http://10.0.0.1');
  });

  it('refuses 192.168.0.1 (RFC 1918)', async () => {
    await expectRefusedEverywhere('http://192.168.0.1:8080');
  });

  it('refuses [::1] (IPv6 loopback)', async () => {
    await expectRefusedEverywhere(`http://[::1]:${secret.port}`);
  });

  it('refuses localhost (a name that resolves to loopback)', async () => {
    await expectRefusedEverywhere(`http://localhost:${secret.port}`);
  });

  it('refuses 0.0.0.0 (unspecified: Linux connects it to the local host)', async () => {
    await expectRefusedEverywhere(`http://0.0.0.0:${secret.port}`);
  });

  it('refuses 2130706433 (127.0.0.1 as a decimal number)', async () => {
    await expectRefusedEverywhere(`http://2130706433:${secret.port}`);
  });

  it('refuses 0177.0.0.1 and 0x7f.1 (127.0.0.1 in octal and hex, short form)', async () => {
    await expectRefusedEverywhere(`http://0177.0.0.1:${secret.port}`);
    await expectRefusedEverywhere(`http://0x7f.1:${secret.port}`);
  });

  it('refuses IPv4-mapped IPv6 forms of loopback ([::ffff:127.0.0.1], [::ffff:7f00:1])', async () => {
    await expectRefusedEverywhere(`http://[::ffff:127.0.0.1]:${secret.port}`);
    await expectRefusedEverywhere(`http://[::ffff:7f00:1]:${secret.port}`);
  });

  it('refuses a DNS name that resolves to loopback, and connects only to the address it checked', async () => {
    const settings: EgressSettings = { allowPrivateNetworks: false, allowedHosts: [], maxResponseBytes: 1 << 20, timeoutMs: 2000 };
    const lookups: string[] = [];
    const resolve = async (hostname: string) => {
      lookups.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const egress = createEgress({ ...settings, resolve });
    await expect(egress.fetch(`http://innocent.example:${secret.port}/`)).rejects.toMatchObject({ failure: 'refused' });
    await expect(egress.checkDestination(`http://innocent.example:${secret.port}`)).rejects.toBeInstanceOf(EgressError);
    // a name answering a public and a private address is refused too (every address must pass)
    const mixed = createEgress({ ...settings, resolve: async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.1.2.3', family: 4 }] });
    await expect(mixed.checkDestination('https://mixed.example')).rejects.toMatchObject({ failure: 'refused' });
    expect(secret.hits).toHaveLength(0);
    // allowed by name and port, the request goes to the address the check resolved (the system resolver knows no such name)
    const allowed = createEgress({ ...settings, resolve, allowedHosts: [`innocent.example:${secret.port}`] });
    const res = await allowed.fetch(`http://innocent.example:${secret.port}/via-checked-address`);
    expect(res.status).toBe(200);
    expect(secret.hits).toEqual(['/via-checked-address']);
    expect(lookups.length).toBeGreaterThanOrEqual(3);
    secret.hits.length = 0;
  });

  it('re-checks redirects: an allowed server that 302-redirects to a private address does not get the request through', async () => {
    await storeConnection(`http://127.0.0.1:${redirector.port}`);
    const res = await properties();
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ type: 'bad_gateway', code: 'hubspot_unavailable' });
    expect(res.body.error.message).toContain('not allowed');
    expect(redirector.hits.length).toBeGreaterThan(0);
    expect(secret.hits).toHaveLength(0);
    // fetch-style callers get the 3xx itself: the egress follows no redirect
    const egress = createEgress({ allowPrivateNetworks: false, allowedHosts: [`127.0.0.1:${redirector.port}`], maxResponseBytes: 1 << 20, timeoutMs: 2000 });
    expect((await egress.fetch(`http://127.0.0.1:${redirector.port}/`)).status).toBe(302);
    expect(secret.hits).toHaveLength(0);
  });

  it('bounds the size of an answer: a huge one is cut off and the request fails (502), it is never passed on', async () => {
    const huge = await startTarget((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // 8 MiB of JSON, far over this egress' 256 KiB
      res.end(JSON.stringify({ results: [], padding: 'x'.repeat(8 << 20) }));
    });
    try {
      const egress = createEgress({ allowPrivateNetworks: true, allowedHosts: [], maxResponseBytes: 256 << 10, timeoutMs: 10_000 });
      await expect(egress.fetch(`http://127.0.0.1:${huge.port}/`)).rejects.toMatchObject({ failure: 'too_large' });
      const small = createTestApp({ HUBSPOT_BASE_PATH: `http://127.0.0.1:${huge.port}`, EGRESS_ALLOWED_HOSTS: `127.0.0.1:${huge.port}`, EGRESS_MAX_RESPONSE_BYTES: String(256 << 10) });
      try {
        const owner = await seedTenant(small);
        await small.call('POST', '/api/connected-apps/hubspot/connect', { token: owner.token, body: { access_token: TOKEN } });
        const res = await small.call('GET', '/api/connected-apps/hubspot/properties', { token: owner.token });
        expect(res.status).toBe(502);
        expect(res.body.error.message).toContain('exceeded 262144 bytes');
        expect(JSON.stringify(res.body)).not.toContain('xxxx');
      } finally {
        await small.close();
      }
    } finally {
      await stop(huge);
    }
  });

  it('bounds the total time of a request: a server that never answers fails it after EGRESS_TIMEOUT_MS', async () => {
    const silent = await startTarget(() => undefined);
    try {
      const egress = createEgress({ allowPrivateNetworks: true, allowedHosts: [], maxResponseBytes: 1 << 20, timeoutMs: 300 });
      const started = performance.now();
      await expect(egress.fetch(`http://127.0.0.1:${silent.port}/`)).rejects.toMatchObject({ failure: 'timeout' });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(2000);
      // through the HubSpot connector: each of its three attempts is cut off, and the API answers 502
      const slow = createTestApp({ HUBSPOT_BASE_PATH: `http://127.0.0.1:${silent.port}`, EGRESS_ALLOWED_HOSTS: `127.0.0.1:${silent.port}`, EGRESS_TIMEOUT_MS: '300' });
      try {
        const owner = await seedTenant(slow);
        await slow.call('POST', '/api/connected-apps/hubspot/connect', { token: owner.token, body: { access_token: TOKEN } });
        const res = await slow.call('GET', '/api/connected-apps/hubspot/properties', { token: owner.token });
        expect(res.status).toBe(502);
        expect(res.body.error.message).toContain('no complete answer within 300 ms');
      } finally {
        await slow.close();
      }
    } finally {
      await stop(silent);
    }
  });

  it('refuses a base_path at connect time when the operator has not enabled tenant base paths (the default)', async () => {
    const locked = createTestApp();
    try {
      const owner = await seedTenant(locked);
      const res = await locked.call('POST', '/api/connected-apps/hubspot/connect', {
        token: owner.token,
        body: { access_token: TOKEN, base_path: 'https://api.hubapi.com' },
      });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', code: 'base_path_not_allowed' });
      expect(await locked.database.prisma.connectedApp.count({ where: { org_id: owner.orgId } })).toBe(0);
      // a base path stored before (or by hand) is ignored: requests go to the operator's HUBSPOT_BASE_PATH
      await connectHubspot(locked.database, locked.deps.services.secrets, { orgId: owner.orgId, userId: owner.adminId, roleName: 'Admin' }, {
        access_token: TOKEN,
        base_path: `http://127.0.0.1:${secret.port}`,
      });
      const used = await locked.call('GET', '/api/connected-apps/hubspot/properties', { token: owner.token });
      expect(used.status).toBe(502);
      expect(secret.hits).toHaveLength(0);
    } finally {
      await locked.close();
    }
  });

  it('with tenant base paths enabled, still refuses a private one at connect time, and accepts the allowed fake', async () => {
    const refused = await connect('http://192.168.1.10/hubspot');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('base_path_refused');
    const accepted = await connect(`${hubspot.url}/`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.data.base_path).toBe(hubspot.url);
  });

  it('refuses an operator-set provider URL on a private address too: enrichment answers 502, never 500, and sends nothing', async () => {
    const enriching = createTestApp({ ENRICHMENT_HTTP_BASE_URL: `http://127.0.0.1:${secret.port}`, ENRICHMENT_HTTP_API_KEY: 'key' });
    try {
      const owner = await seedTenant(enriching);
      const res = await enriching.call('POST', '/api/lead-enrichment/enrich', { token: owner.token, body: { email: 'jane@acme-egress.example' } });
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ type: 'bad_gateway', code: 'enrichment_provider_failed' });
      expect(res.body.error.message).toContain('not allowed');
      expect(secret.hits).toHaveLength(0);
    } finally {
      await enriching.close();
    }
  });

  it('answers a refusal at once and identically for an open and a closed port: no port scanner', async () => {
    const closed = await closedPort();
    const probe = async (port: number) => {
      const startedConnect = performance.now();
      const connectAnswer = await connect(`http://127.0.0.1:${port}`);
      const connectMs = performance.now() - startedConnect;
      await storeConnection(`http://127.0.0.1:${port}`);
      const startedUse = performance.now();
      const useAnswer = await properties();
      return { connectAnswer, connectMs, useAnswer, useMs: performance.now() - startedUse };
    };
    const open = await probe(secret.port);
    const shut = await probe(closed);
    for (const answer of [open, shut]) {
      expect(answer.connectAnswer.status).toBe(422);
      expect(answer.useAnswer.status).toBe(502);
      // no retries, no connection attempt: a refusal costs what a database round trip costs
      expect(answer.connectMs).toBeLessThan(500);
      expect(answer.useMs).toBeLessThan(500);
    }
    expect(open.connectAnswer.body).toEqual(shut.connectAnswer.body);
    expect(open.useAnswer.body).toEqual(shut.useAnswer.body);
    expect(secret.hits).toHaveLength(0);
  });
});

// Ingestion's per-process caches (API keys, lead lookups: domain/platform/
// change-feed.ts) are exact across processes: two spawned API processes (the
// production entry) share nothing but the database, and a change made
// anywhere reaches both through LISTEN/NOTIFY at COMMIT. To show that a
// process really answers from its cache, the test changes a row with
// session_replication_role = replica, which skips the notifying triggers (a
// change no process is told of): a process that reads the database would
// see it, a process that answers from its cache does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../domain/identity/auth.service.js';
import { CHANGE_FEED_APPLICATION_NAME } from '../../domain/platform/change-feed.js';
import { transaction } from '../../domain/platform/transaction.js';
import { apiEnvOf, startApiProcess, type ApiProcess } from '../helpers/api-process.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, uniqueEmail, type Tenant } from '../helpers/tenants.js';

/** How soon a change made elsewhere must be honoured by a process that cached what it changed. */
const PROPAGATION_BOUND_MS = 1_000;

let t: TestApp;
let a: ApiProcess;
let b: ApiProcess;
beforeAll(async () => {
  t = createTestApp();
  [a, b] = await Promise.all([startApiProcess(apiEnvOf(t)), startApiProcess(apiEnvOf(t))]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await t?.close();
});

async function ingest(instance: ApiProcess, apiKey: string, lead: Record<string, unknown> = {}) {
  const res = await fetch(`${instance.url}/api/v1/lead`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ email: uniqueEmail(), ...lead }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Runs `sql` without firing the notifying triggers: no process hears of this change. */
const silently = (sql: string, params: unknown[]) =>
  transaction(t.database.pool, { actorId: null }, async (client) => {
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(sql, params);
  });

const setRevokedSilently = (keyId: number, revoked: boolean) =>
  silently('UPDATE api_keys SET revoked_at = CASE WHEN $2 THEN now() END WHERE id = $1', [keyId, revoked]);

/** Polls `check` until it holds, for at most `boundMs`; answers how long it took (Infinity: never). */
async function within(boundMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started <= boundMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Infinity;
}

/**
 * Until the process answers for the key from its cache: a silently revoked key
 * is still accepted (the listener connects on first use, so the first requests
 * read the database; a revoked key is never cached). The key is left as it was.
 */
async function expectKeyCached(instance: ApiProcess, key: string, keyId: number) {
  const took = await within(10_000, async () => {
    expect((await ingest(instance, key)).status).toBe(201);
    await setRevokedSilently(keyId, true);
    try {
      return (await ingest(instance, key)).status === 201;
    } finally {
      await setRevokedSilently(keyId, false);
    }
  });
  expect(took).toBeLessThan(Infinity);
}

async function keyOf(tenant: Tenant) {
  const key = await tenant.apiKey();
  const { id } = await t.database.prisma.apiKey.findFirstOrThrow({ where: { org_id: tenant.orgId }, orderBy: { id: 'desc' }, select: { id: true } });
  return { key, id };
}

describe('API keys cached per process, invalidated everywhere at once', () => {
  it('refuses a key revoked elsewhere on the very next request in both processes', async () => {
    const tenant = await seedTenant(t);
    const { key, id } = await keyOf(tenant);
    await expectKeyCached(a, key, id);
    await expectKeyCached(b, key, id);

    expect(await revokeApiKey(t.database, tenant.orgId, id)).toBe(true);
    for (const instance of [b, a]) {
      expect(await within(PROPAGATION_BOUND_MS, async () => (await ingest(instance, key)).status === 403)).toBeLessThan(PROPAGATION_BOUND_MS);
    }
    expect(await ingest(b, key)).toMatchObject({ status: 403, body: { error: { code: 'invalid_api_key' } } });
  });

  it('refuses the keys of an organization deactivated elsewhere', async () => {
    const tenant = await seedTenant(t);
    const { key, id } = await keyOf(tenant);
    await expectKeyCached(b, key, id);
    await t.database.prisma.organization.update({ where: { id: tenant.orgId }, data: { is_active: false } });
    expect(await within(PROPAGATION_BOUND_MS, async () => (await ingest(b, key)).status === 403)).toBeLessThan(PROPAGATION_BOUND_MS);
  });

  it('reads keys from the database while its listener is down, and caches again once it is back', async () => {
    const tenant = await seedTenant(t);
    const { key, id } = await keyOf(tenant);
    await expectKeyCached(b, key, id);

    // every process's listener on this database (this file's processes among them) loses its connection
    const { rows: killed } = await t.database.pool.query<{ pid: number }>(
      `WITH listeners AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database())
       SELECT pid FROM listeners WHERE pg_terminate_backend(pid)`,
      [CHANGE_FEED_APPLICATION_NAME],
    );
    expect(killed.length).toBeGreaterThanOrEqual(2);
    const gone = async () =>
      (await t.database.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])', [killed.map((k) => k.pid)])).rowCount === 0;
    expect(await within(5_000, gone)).toBeLessThan(Infinity);

    // during the outage (the first reconnection waits 500 ms): a valid key authenticates, and a
    // revocation no process is told of is honoured, because nothing is answered from a cache
    expect((await ingest(b, key)).status).toBe(201);
    await setRevokedSilently(id, true);
    expect((await ingest(b, key)).status).toBe(403);
    await setRevokedSilently(id, false);

    // reconnected, it caches again, and hears of revocations again
    await expectKeyCached(b, key, id);
    await revokeApiKey(t.database, tenant.orgId, id);
    expect(await within(PROPAGATION_BOUND_MS, async () => (await ingest(b, key)).status === 403)).toBeLessThan(PROPAGATION_BOUND_MS);
  });
});

describe('lead lookups cached per process, invalidated everywhere at once', () => {
  it('accepts a status added through the other process at once', async () => {
    const tenant = await seedTenant(t);
    const { key, id } = await keyOf(tenant);
    // a key answered from the cache: B's listener is up, so the lookups this request reads are cached
    await expectKeyCached(b, key, id);
    expect((await ingest(b, key, { status: 1 })).status).toBe(201);
    // code 8 exists in the database but no process is told: a process answering from its cache refuses it
    await silently(
      `INSERT INTO custom_lookups (org_id, module_name, type, code, name, name_key, updated_at) VALUES ($1, 'lead', 'status', 8, 'Silent', 'silent', now())`,
      [tenant.orgId],
    );
    expect((await ingest(b, key, { status: 8 })).status).toBe(422);

    const added = await fetch(`${a.url}/api/custom-lookups/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.token}` },
      body: JSON.stringify({ module_name: 'lead', type: 'status', name: 'Nurturing' }),
    }).then((res) => res.json() as Promise<any>);
    expect(added.data.code).toBe(9);
    expect(await within(PROPAGATION_BOUND_MS, async () => (await ingest(b, key, { status: 9 })).status === 201)).toBeLessThan(PROPAGATION_BOUND_MS);
    expect(await ingest(b, key, { status: 8 })).toMatchObject({ status: 201, body: { data: { status: 8, status_text: 'Silent' } } });
  });
});

describe('the one-statement ingestion path', () => {
  let limited: TestApp;
  const LIMIT = 10;
  beforeAll(() => {
    limited = createTestApp({ INGEST_RATE_LIMIT: String(LIMIT) });
  });
  afterAll(() => limited?.close());

  /** Waits for a rate-limit window (60 s, by the database's clock) with room for a burst of requests. */
  async function freshWindow() {
    const { rows } = await t.database.pool.query<{ left: number }>(`SELECT 60 - extract(epoch FROM clock_timestamp())::numeric % 60 AS left`);
    if (Number(rows[0]!.left) < 15) await new Promise((resolve) => setTimeout(resolve, Number(rows[0]!.left) * 1000 + 200));
  }

  it('counts exactly at the limit under concurrency: 30 at once with a limit of 10 make 10 leads and 20 answers 429', async () => {
    const tenant = await seedTenant(limited);
    const { key, id } = await keyOf(tenant);
    await freshWindow();
    const answers = await Promise.all(
      Array.from({ length: 3 * LIMIT }, () => limited.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail(), company: 'Limited Co' } })),
    );
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([...Array(LIMIT).fill(201), ...Array(2 * LIMIT).fill(429)]);
    for (const res of answers.filter((r) => r.status === 429)) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.database.prisma.lead.count({ where: { org_id: tenant.orgId } })).toBe(LIMIT);
    expect(await limited.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'lead.score' } })).toBe(LIMIT);
    // every request counted once, in one window
    const windows = await limited.database.prisma.rateLimitWindow.findMany({ where: { bucket: `ingest:key:${id}` } });
    expect(windows.map((w) => w.hits)).toEqual([3 * LIMIT]);
  });

  it('creates a new company once when 20 concurrent requests name it, and links every lead to it', async () => {
    const tenant = await seedTenant(t);
    const key = await tenant.apiKey();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail(), company: i % 2 ? 'Brand New Ltd' : 'BRAND NEW LTD' } })),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(20).fill(201));
    const companies = await t.database.prisma.company.findMany({ where: { org_id: tenant.orgId } });
    expect(companies).toHaveLength(1);
    expect(new Set(answers.map((res) => res.body.data.company_id))).toEqual(new Set([companies[0]!.id]));
  });

  it('answers from the statement what a re-read would: labels, company link, defaults', async () => {
    const tenant = await seedTenant(t);
    const key = await tenant.apiKey();
    const first = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail(), company: 'Reread Inc' } });
    const res = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail(), company: ' reread inc ', lead_source: 2, custom_fields: { a: 1 } } });
    expect(res.status).toBe(201);
    const row = await t.database.prisma.lead.findUniqueOrThrow({ where: { id: res.body.data.id } });
    expect(res.body.data).toMatchObject({
      company_id: first.body.data.company_id,
      company: 'reread inc',
      lead_source: 2,
      lead_source_text: expect.any(String),
      status: row.status,
      priority: row.priority,
      custom_fields: { a: 1 },
      created_at: row.created_at.toISOString(),
    });
  });
});

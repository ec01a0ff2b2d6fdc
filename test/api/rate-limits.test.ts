// Login and ingestion limits hold across API instances: two spawned API
// processes (the production entry, api/server.ts) share nothing but the
// database, so a limit that one process kept in memory would let each of them
// allow its own budget. The limiter's window comes from the database's clock;
// each test first waits, if need be, for a window with room to finish in, so
// no window can end mid-test, and checks at the end that every counted
// request landed in that one window.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { apiEnvOf, startApiProcess, type ApiProcess } from '../helpers/api-process.js';
import { seedTenant, uniqueEmail } from '../helpers/tenants.js';

const LIMIT = 3;
// the limiter's window (api/modules/auth and ingestion handlers)
const WINDOW_SECONDS = 60;
// far more than a test takes: it needs about a dozen requests
const ROOM_SECONDS = 20;

let t: TestApp;
let instances: ApiProcess[] = [];
beforeAll(async () => {
  t = createTestApp();
  const env = { ...apiEnvOf(t), LOGIN_RATE_LIMIT: String(LIMIT), INGEST_RATE_LIMIT: String(LIMIT), TRUST_PROXY: 'true' };
  instances = await Promise.all([startApiProcess(env), startApiProcess(env)]);
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await t?.close();
});

/** Seconds left in the current window and its start, by the database's clock (the one the limiter reads). */
async function windowClock(): Promise<{ windowStart: Date; secondsLeft: number }> {
  const { rows } = await t.database.pool.query<{ window_start: Date; seconds_left: number }>(
    `SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $1) * $1) AS window_start,
            ($1 - extract(epoch FROM clock_timestamp()) % $1)::float8 AS seconds_left`,
    [WINDOW_SECONDS],
  );
  return { windowStart: rows[0]!.window_start, secondsLeft: rows[0]!.seconds_left };
}

/** The start of a window with at least ROOM_SECONDS left, waiting for the next one when the current is nearly over. */
async function windowWithRoom(): Promise<Date> {
  const { secondsLeft } = await windowClock();
  if (secondsLeft < ROOM_SECONDS) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 200));
  return (await windowClock()).windowStart;
}

async function countersOf(buckets: string[]) {
  const { rows } = await t.database.pool.query<{ bucket: string; window_start: Date; hits: number }>(
    'SELECT bucket, window_start, hits FROM rate_limit_windows WHERE bucket = ANY($1) ORDER BY bucket, window_start',
    [buckets],
  );
  return rows;
}

async function post(instance: ApiProcess, path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${instance.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

/** The 429 of the limiter: the envelope, and a Retry-After that is the time left in the window. */
async function expectLimited(res: Awaited<ReturnType<typeof post>>) {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ success: false, error: { type: 'rate_limited' } });
  const { secondsLeft } = await windowClock();
  expect(Math.abs(Number(res.retryAfter) - secondsLeft)).toBeLessThanOrEqual(1.5);
}

describe('rate limits shared by two API processes through PostgreSQL', () => {
  it('counts login attempts per client IP and per account across both processes', async () => {
    const [one, two] = instances as [ApiProcess, ApiProcess];
    const ip = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.7`;
    const headers = { 'x-forwarded-for': ip };
    const email = uniqueEmail('limited');
    const other = uniqueEmail('other');
    const windowStart = await windowWithRoom();

    const statuses = [];
    for (const instance of [one, two, one]) statuses.push((await post(instance, '/api/auth/login', { email, password: 'x' }, headers)).status);
    expect(statuses).toEqual([404, 404, 404]);
    // the fourth attempt overall, the second on this process
    await expectLimited(await post(two, '/api/auth/login', { email, password: 'x' }, headers));
    // another account from the same IP is limited too (the IP's budget is spent)
    await expectLimited(await post(one, '/api/auth/login', { email: other, password: 'x' }, headers));

    // the IP counted all five attempts, the account the three that got past the IP check, in one window
    expect(await countersOf([`login:ip:${ip}`, `login:email:${email}`, `login:email:${other}`])).toEqual([
      { bucket: `login:email:${email}`, window_start: windowStart, hits: LIMIT },
      { bucket: `login:ip:${ip}`, window_start: windowStart, hits: LIMIT + 2 },
    ]);
  });

  it('counts ingestion requests per API key across both processes, each key with its own budget', async () => {
    const [one, two] = instances as [ApiProcess, ApiProcess];
    const tenant = await seedTenant(t);
    const key = await tenant.apiKey();
    const { id: keyId } = await t.database.prisma.apiKey.findFirstOrThrow({ where: { org_id: tenant.orgId }, select: { id: true } });
    const otherKey = await tenant.apiKey();
    const ingest = (instance: ApiProcess, apiKey: string) => post(instance, '/api/v1/lead', { email: uniqueEmail() }, { 'x-api-key': apiKey });
    const windowStart = await windowWithRoom();

    const statuses = [];
    for (const instance of [one, two, one]) statuses.push((await ingest(instance, key)).status);
    expect(statuses).toEqual([201, 201, 201]);
    await expectLimited(await ingest(two, key));
    expect((await ingest(two, otherKey)).status).toBe(201);

    expect(await countersOf([`ingest:key:${keyId}`])).toEqual([{ bucket: `ingest:key:${keyId}`, window_start: windowStart, hits: LIMIT + 1 }]);
    expect(await t.database.prisma.lead.count({ where: { org_id: tenant.orgId } })).toBe(LIMIT + 1);
  });
});

// `npm run bench:engagement`: the public tracking endpoints under load, and
// how soon the hot-lead rule surfaces a lead.
//
// 1. 100,000 tracking hits (3 opens : 1 click) over 10,000 tracked emails of
//    10,000 leads, through GET /api/v1/track/open|click/:token over a real
//    HTTP port: every hit verifies its token, passes the per-IP rate limit
//    (a row in PostgreSQL), counts the open or click and records its signal
//    with the lead's heat under a row lock. Beside it, in the same run, a
//    bare handler answering the same GIF and redirect with no database:
//    what any tracking endpoint costs at the least on this machine.
// 2. The time from the deciding signal (POST /api/v1/intent-signal, the one
//    that crosses the threshold) to the lead being listed by GET
//    /api/intent-alert/hot-leads, measured for LATENCY_LEADS leads while
//    the organization holds the 10,000 tracked leads' heat.
//
// Each server runs in its own child process (this file with --serve), as in bench/ingest.bench.ts.
//   DATABASE_URL       superuser URL of a running PostgreSQL; else the private test cluster
//   BENCH_HITS         tracking hits per target (default 100000)
//   BENCH_EMAILS       tracked emails (default 10000)
//   BENCH_CONNECTIONS  concurrent connections (default 32)
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { createApp } from '../api/app.js';
import { TRACKING_PIXEL } from '../api/modules/tracking/tracking.handlers.js';
import { TRACKING_PURPOSE } from '../domain/engagement/email-tracking.js';
import { createApiKey, login } from '../domain/identity/auth.service.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { loadConfig, type Config } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { createServices, tokenSignerOf } from '../services/services.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';
import { startServerProcess } from './server-process.js';

type Target = 'lio' | 'bare';

const HITS = Number(process.env.BENCH_HITS ?? 100_000);
const EMAILS = Number(process.env.BENCH_EMAILS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_HITS = 2000;
const POOL_SIZE = 10;
const LATENCY_LEADS = 50;
/** Recipients' mail clients come from many addresses: the per-IP limit is spread over this many (X-Forwarded-For behind TRUST_PROXY). */
const CLIENT_ADDRESSES = 1000;
const PERSON = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/** The servers' configuration: the same keys in every process (tokens signed by the load generator verify in the server). */
function benchConfig(databaseUrl: string): Config {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: process.env.BENCH_JWT_SECRET!,
    CREDENTIALS_KEY: process.env.BENCH_CREDENTIALS_KEY!,
    LOG_LEVEL: 'silent',
    TRUST_PROXY: 'true',
    TRACKING_RATE_LIMIT: String(1e9),
    INGEST_RATE_LIMIT: String(1e9),
  });
}

/** A Hono route answering the same GIF and redirect as the tracking endpoints, with no token check and no database. */
function bareApp() {
  const app = new Hono();
  app.get('/api/v1/track/open/:token', (c) =>
    c.body(new Uint8Array(TRACKING_PIXEL), 200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store, no-cache, must-revalidate, private', Pragma: 'no-cache' }),
  );
  app.get('/api/v1/track/click/:token', (c) => c.body(null, 302, { Location: 'https://example.com/pricing', 'Referrer-Policy': 'no-referrer' }));
  return app;
}

async function serveTarget(target: Target, databaseUrl: string) {
  const config = benchConfig(databaseUrl);
  const database = createDatabase(databaseUrl, { max: POOL_SIZE });
  const fetch = target === 'lio' ? createApp({ config, database, logger: createLogger(config.LOG_LEVEL), services: createServices(config) }).fetch : bareApp().fetch;
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${JSON.stringify({ port: info.port })}\n`));
  process.once('SIGTERM', () => server.close(() => void database.close().then(() => process.exit(0))));
}

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
}

/** `amount` hits, three opens to one click, each of a random tracked email from a random client address. */
async function load(port: number, links: { open: string[]; click: string[] }, amount: number): Promise<Figures> {
  let counter = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    amount,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const i = Math.floor(Math.random() * links.open.length);
          const path = ++counter % 4 === 0 ? links.click[i]! : links.open[i]!;
          return { ...request, path, headers: { 'user-agent': PERSON, 'x-forwarded-for': `10.${counter % CLIENT_ADDRESSES >> 8}.${counter % 256}.7` } };
        },
      },
    ],
  });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, (stat as { count: number }).count]));
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, statuses, errors: result.errors + result.timeouts };
}

async function measure(target: Target, databaseUrl: string, links: { open: string[]; click: string[] }): Promise<Figures> {
  const server = await startServerProcess(fileURLToPath(import.meta.url), [target, databaseUrl]);
  try {
    await load(server.port, links, WARMUP_HITS);
    return await load(server.port, links, HITS);
  } finally {
    await server.stop();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * For each of LATENCY_LEADS fresh leads (assigned to one rep, so the list can be asked for exactly them):
 * a pricing-page visit (5, not hot), then the deciding demo request (10 more), then GET hot-leads until the lead is listed.
 * Answers the milliseconds from sending the deciding signal to the answer that lists the lead.
 */
async function hotLeadLatency(port: number, orgId: number, apiKey: string, bearer: string, repId: number, database: ReturnType<typeof createDatabase>) {
  const base = `http://127.0.0.1:${port}`;
  const { rows } = await database.pool.query<{ id: number }>(
    `INSERT INTO leads (org_id, first_name, email, assigned_to) SELECT $1, 'Latency', 'latency-' || g || '@bench.example', $2 FROM generate_series(1, $3) g RETURNING id`,
    [orgId, repId, LATENCY_LEADS],
  );
  const signal = (leadId: number, type: string) =>
    fetch(`${base}/api/v1/intent-signal`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify({ lead_id: leadId, signal_type: type }) });
  const samples: number[] = [];
  for (const { id } of rows) {
    if ((await signal(id, 'pricing_page_visit')).status !== 201) throw new Error('signal refused');
    const started = performance.now();
    const deciding = await signal(id, 'demo_requested');
    if (deciding.status !== 201) throw new Error('signal refused');
    for (;;) {
      const res = await fetch(`${base}/api/v1/intent-alert/hot-leads?assigned_to_id=${repId}&limit=100`, { headers: { authorization: `Bearer ${bearer}` } });
      const body = (await res.json()) as { data: { lead_id: number }[] };
      if (body.data.some((lead) => lead.lead_id === id)) break;
      if (performance.now() - started > 10_000) throw new Error(`lead ${id} not listed as hot within 10 s`);
    }
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

async function main() {
  process.env.BENCH_JWT_SECRET = randomBytes(32).toString('hex');
  process.env.BENCH_CREDENTIALS_KEY = randomBytes(32).toString('base64');
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const scratch = await createScratchDatabase(adminUrl, 'bench');
  try {
    const config = benchConfig(scratch.url);
    const tokens = tokenSignerOf(config);
    const database = createDatabase(scratch.url, { max: 2 });
    const password = randomBytes(12).toString('hex');
    const adminEmail = `bench-${randomBytes(4).toString('hex')}@bench.example`;
    const { org, admin } = await createOrganization(database, { name: 'Bench', admin: { email: adminEmail, password, first_name: 'Bench' } });
    const { key } = await createApiKey(database, { orgId: org.id, name: 'bench' });
    const bearer = (await login(database, config.JWT_SECRET, adminEmail, password)).access_token;
    // the leads and their tracked emails, as engagement sends leave them (no outbound message: every hit is judged a person's)
    const { rows } = await database.pool.query<{ id: number }>(
      `WITH leads AS (
         INSERT INTO leads (org_id, first_name, email) SELECT $1, 'Bench', 'lead-' || g || '@bench.example' FROM generate_series(1, $2) g RETURNING id, email)
       INSERT INTO tracked_emails (org_id, lead_id, source, recipient, idempotency_key)
       SELECT $1, id, 'sequence', email, 'bench-' || id FROM leads RETURNING id`,
      [org.id, EMAILS],
    );
    const links = {
      open: rows.map((r) => `/api/v1/track/open/${tokens.sign(TRACKING_PURPOSE.open, { e: r.id })}`),
      click: rows.map((r) => `/api/v1/track/click/${tokens.sign(TRACKING_PURPOSE.click, { e: r.id, u: `https://example.com/pricing?e=${r.id}` })}`),
    };

    console.log(`${HITS} tracking hits (3 opens : 1 click) over ${EMAILS} tracked emails, ${CONNECTIONS} connections (after ${WARMUP_HITS} warm-up hits), pool ${POOL_SIZE}`);
    const lio = await measure('lio', scratch.url, links);
    const bare = await measure('bare', scratch.url, links);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(30)} ${f.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   statuses ${JSON.stringify(f.statuses)} errors ${f.errors}`;
    console.log(row('LIO tracking endpoints', lio));
    console.log(row('bare handler (no database)', bare));
    console.log(`ratio LIO / bare: ${(lio.requestsPerSecond / bare.requestsPerSecond).toFixed(3)}`);
    const { rows: recorded } = await database.pool.query<{ opens: number; clicks: number; signals: number; hot: number; alerts: number }>(
      `SELECT (SELECT sum(open_count)::int FROM tracked_emails WHERE org_id = $1) AS opens, (SELECT sum(click_count)::int FROM tracked_emails WHERE org_id = $1) AS clicks,
              (SELECT count(*)::int FROM intent_signals WHERE org_id = $1) AS signals, (SELECT count(*)::int FROM lead_heat WHERE org_id = $1 AND hot_since IS NOT NULL) AS hot,
              (SELECT count(*)::int FROM intent_alerts WHERE org_id = $1) AS alerts`,
      [org.id],
    );
    console.log(`recorded: ${JSON.stringify(recorded[0])}`);

    const rep = await database.pool.query<{ id: number }>(
      `INSERT INTO users (org_id, role_id, email, first_name, password_hash, updated_at) SELECT $1, role_id, 'rep-' || $2 || '@bench.example', 'Rep', 'unused', now() FROM users WHERE id = $3 RETURNING id`,
      [org.id, randomBytes(3).toString('hex'), admin.id],
    );
    const server = await startServerProcess(fileURLToPath(import.meta.url), ['lio', scratch.url]);
    try {
      const samples = await hotLeadLatency(server.port, org.id, key, bearer, rep.rows[0]!.id, database);
      console.log(
        `deciding signal → listed in hot-leads (${samples.length} leads, with ${recorded[0]!.hot} hot leads in the organization): ` +
          `p50 ${percentile(samples, 50).toFixed(1)} ms   p99 ${percentile(samples, 99).toFixed(1)} ms   max ${samples.at(-1)!.toFixed(1)} ms`,
      );
    } finally {
      await server.stop();
    }
    await database.close();
  } finally {
    await scratch.drop();
  }
}

if (process.argv[2] === '--serve') {
  await serveTarget(process.argv[3] as Target, process.argv[4]!);
} else {
  await main();
}

// `npm run bench:ingest`: throughput and latency of POST /api/v1/lead over a
// real HTTP port, against a baseline that does the least any ingestion
// endpoint must do (parse JSON, one INSERT of the same columns, answer).
// The ratio says how much the API's work (API-key auth, rate limit, lookup
// validation, dedupe, the outbox row, presenting) costs on top.
//
// Each server runs in its own child process (this file with --serve), so the
// load generator does not share an event loop with the server it measures.
//   DATABASE_URL    superuser URL of a running PostgreSQL; else the private test cluster
//   BENCH_SECONDS   measured seconds per target (default 10)
//   BENCH_CONNECTIONS  concurrent connections (default 32)
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import pg from 'pg';
import { createApp } from '../api/app.js';
import { createServices } from '../services/services.js';
import { createApiKey } from '../domain/identity/auth.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { apiDatabaseOptions, createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';
import { startServerProcess } from './server-process.js';

type Target = 'lio' | 'baseline';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_SECONDS = 2;
const POOL_SIZE = 10;

const BASELINE_TABLE = `CREATE TABLE IF NOT EXISTS bench_baseline_leads (
  id serial PRIMARY KEY, org_id int NOT NULL, email text, first_name text, company text,
  status int NOT NULL, priority int NOT NULL, lead_source int, created_at timestamptz NOT NULL DEFAULT now())`;

/** The same pool size and JSON envelope as the API, and nothing else. */
function baselineApp(pool: pg.Pool, orgId: number) {
  const app = new Hono();
  app.post('/api/v1/lead', async (c) => {
    const body = await c.req.json<{ email?: string; first_name?: string; company?: string; lead_source?: number }>();
    const { rows } = await pool.query(
      `INSERT INTO bench_baseline_leads (org_id, email, first_name, company, status, priority, lead_source)
       VALUES ($1, $2, $3, $4, 1, 2, $5) RETURNING *`,
      [orgId, body.email ?? null, body.first_name ?? null, body.company ?? null, body.lead_source ?? null],
    );
    return c.json({ success: true, message: 'Lead created successfully', data: rows[0] }, 201);
  });
  return app;
}

async function serveTarget(target: Target, databaseUrl: string, orgId: number) {
  const config = loadConfig({
    DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: String(POOL_SIZE), JWT_SECRET: randomBytes(32).toString('hex'),
    CREDENTIALS_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', INGEST_RATE_LIMIT: String(1e9),
  });
  // the API's own pool settings (api/server.ts): without its statement_timeout, the request deadline's
  // bound on statements would cost a SET round trip per query that production does not pay
  const database = createDatabase(databaseUrl, apiDatabaseOptions(config));
  const fetch =
    target === 'lio' ? createApp({ config, database, logger: createLogger(config.LOG_LEVEL), services: createServices(config) }).fetch : baselineApp(database.pool, orgId).fetch;
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${JSON.stringify({ port: info.port })}\n`));
  process.once('SIGTERM', () => server.close(() => void database.close().then(() => process.exit(0))));
}

/** Starts this file as a server child process; resolves with its port and a stop function. */
interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(port: number, apiKey: string, seconds: number): Promise<Figures> {
  const run = randomBytes(3).toString('hex');
  let counter = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/lead',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        // a fresh email per request: every request creates a lead, none is a duplicate
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ email: `lead-${run}-${++counter}@bench.example`, first_name: 'Jane', company: 'Acme Corp', lead_source: 1 }),
        }),
      },
    ],
  });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + result.errors };
}

async function measure(target: Target, databaseUrl: string, orgId: number, apiKey: string): Promise<Figures> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const server = await startServerProcess(fileURLToPath(import.meta.url), [target, databaseUrl, String(orgId)], profile);
  try {
    await load(server.port, apiKey, WARMUP_SECONDS);
    return await load(server.port, apiKey, SECONDS);
  } finally {
    await server.stop();
  }
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const scratch = await createScratchDatabase(adminUrl, 'bench');
  try {
    const database = createDatabase(scratch.url, { max: 2 });
    const { org } = await createOrganization(database, {
      name: 'Bench',
      admin: { email: `bench-${randomBytes(4).toString('hex')}@bench.example`, password: randomBytes(12).toString('hex'), first_name: 'Bench' },
    });
    const { key } = await createApiKey(database, { orgId: org.id, name: 'bench' });
    await database.pool.query(BASELINE_TABLE);
    await database.close();

    console.log(`POST /api/v1/lead, ${CONNECTIONS} connections, ${SECONDS} s each (after ${WARMUP_SECONDS} s warm-up), pool ${POOL_SIZE}`);
    const lio = await measure('lio', scratch.url, org.id, key);
    const baseline = await measure('baseline', scratch.url, org.id, key);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(22)} ${f.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   non-2xx ${f.non2xx}`;
    console.log(row('LIO ingestion', lio));
    console.log(row('baseline (one INSERT)', baseline));
    console.log(`ratio LIO / baseline: ${(lio.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}`);
  } finally {
    await scratch.drop();
  }
}

if (process.argv[2] === '--serve') {
  await serveTarget(process.argv[3] as Target, process.argv[4]!, Number(process.argv[5]));
} else {
  await main();
}

// `npm run bench:forms`: hosted web form submissions per second through the
// public page path (POST /api/v1/web-form/:form_link, urlencoded as a
// browser sends it, each a new email) beside §8.1 ingestion (POST
// /api/v1/lead with an API key, JSON) on the same server process in the same
// run. A form submission does more than an ingestion: the rate-limit rows
// (per address, per form), the signed stamp, the per-field and lead checks,
// the submission row and its retry event, the lead through the same
// createLead, the form_submitted signal and the submission's settlement.
// The ratio (forms / ingestion) is printed last.
//
// The server runs in a child process (this file with --serve), as bench:ingest's.
//   DATABASE_URL       superuser URL of a running PostgreSQL; else the private test cluster
//   BENCH_SECONDS      measured seconds per path (default 10)
//   BENCH_CONNECTIONS  concurrent connections (default 32)
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { createApp } from '../api/app.js';
import { createApiKey } from '../domain/identity/auth.service.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { renderStamp } from '../domain/webforms/form-stamp.js';
import { createWebForm } from '../domain/webforms/web-form.service.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { createServices, tokenSignerOf } from '../services/services.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';
import { startServerProcess } from './server-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_SECONDS = 2;
const POOL_SIZE = 10;

/** One configuration for the server and the load generator (which signs stamps with the same key). */
const benchConfig = (databaseUrl: string, credentialsKey: string) =>
  loadConfig({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    CREDENTIALS_KEY: credentialsKey,
    LOG_LEVEL: 'silent',
    // the limits are not what is measured: every request must reach the work
    INGEST_RATE_LIMIT: String(1e9),
    WEB_FORM_IP_RATE_LIMIT: String(1e9),
    WEB_FORM_RATE_LIMIT: String(1e9),
  });

function serveApi(databaseUrl: string, credentialsKey: string) {
  const config = benchConfig(databaseUrl, credentialsKey);
  const database = createDatabase(databaseUrl, { max: POOL_SIZE });
  const app = createApp({ config, database, logger: createLogger(config.LOG_LEVEL), services: createServices(config) });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${JSON.stringify({ port: info.port })}\n`));
  process.once('SIGTERM', () => server.close(() => void database.close().then(() => process.exit(0))));
}

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** answers other than the path's success status */
  unexpected: number;
}

type Path = { kind: 'form'; formLink: string; stamp: () => string } | { kind: 'ingest'; apiKey: string };

async function load(port: number, path: Path, seconds: number): Promise<Figures> {
  const run = randomBytes(3).toString('hex');
  let counter = 0;
  // a fresh email per request: every request creates a lead, none merges
  const email = () => `lead-${run}-${++counter}@bench.example`;
  const request: autocannon.Request =
    path.kind === 'form'
      ? {
          method: 'POST',
          path: `/api/v1/web-form/${path.formLink}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'bench' },
          setupRequest: (r) => ({
            ...r,
            body: new URLSearchParams({ first_name: 'Jane', email: email(), company: 'Acme Corp', Website: '', _lio_ts: path.stamp() }).toString(),
          }),
        }
      : {
          method: 'POST',
          path: '/api/v1/lead',
          headers: { 'content-type': 'application/json', 'x-api-key': path.apiKey },
          setupRequest: (r) => ({ ...r, body: JSON.stringify({ email: email(), first_name: 'Jane', company: 'Acme Corp', lead_source: 1 }) }),
        };
  const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: seconds, requests: [request] });
  // a browser's submission is answered 303 (to the thank-you page), an ingestion 201
  const expected = path.kind === 'form' ? result['3xx'] : result['2xx'];
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, unexpected: result.requests.total - expected + result.errors };
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const scratch = await createScratchDatabase(adminUrl, 'benchforms');
  const credentialsKey = randomBytes(32).toString('base64');
  try {
    const database = createDatabase(scratch.url, { max: 2 });
    const { org, admin } = await createOrganization(database, {
      name: 'Bench',
      admin: { email: `bench-${randomBytes(4).toString('hex')}@bench.example`, password: randomBytes(12).toString('hex'), first_name: 'Bench' },
    });
    const { key } = await createApiKey(database, { orgId: org.id, name: 'bench' });
    const form = await createWebForm(database, { orgId: org.id, userId: admin.id }, {
      name: 'Bench form',
      fields: [
        { key: 'first_name', label: 'First name', type: 'text', required: true, maps_to: 'first_name', options: null, max_length: null, placeholder: null, help: null },
        { key: 'email', label: 'Email', type: 'email', required: true, maps_to: 'email', options: null, max_length: null, placeholder: null, help: null },
        { key: 'company', label: 'Company', type: 'text', required: false, maps_to: 'company', options: null, max_length: null, placeholder: null, help: null },
      ],
      // the same lead as the ingestion requests carry (email, first name, company, source): the difference is the path's own work
      lead_source: 1,
    });
    await database.close();

    // stamps as the page would have issued them a few seconds before (past the minimum fill time)
    const tokens = tokenSignerOf(benchConfig(scratch.url, credentialsKey));
    const formPath: Path = { kind: 'form', formLink: form.form_link, stamp: () => renderStamp(tokens, form.form_link, Date.now() - 10_000) };
    const ingestPath: Path = { kind: 'ingest', apiKey: key };

    console.log(`${CONNECTIONS} connections, ${SECONDS} s per path (after ${WARMUP_SECONDS} s warm-up), one API process, pool ${POOL_SIZE}`);
    const server = await startServerProcess(fileURLToPath(import.meta.url), [scratch.url, credentialsKey]);
    let forms: Figures;
    let ingest: Figures;
    try {
      await load(server.port, formPath, WARMUP_SECONDS);
      forms = await load(server.port, formPath, SECONDS);
      await load(server.port, ingestPath, WARMUP_SECONDS);
      ingest = await load(server.port, ingestPath, SECONDS);
    } finally {
      await server.stop();
    }
    const row = (name: string, f: Figures) =>
      `${name.padEnd(34)} ${f.requestsPerSecond.toFixed(0).padStart(6)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   unexpected ${f.unexpected}`;
    console.log(row('web form POST (urlencoded, 303)', forms));
    console.log(row('§8.1 POST /api/v1/lead (JSON, 201)', ingest));
    console.log(`ratio web form / ingestion: ${(forms.requestsPerSecond / ingest.requestsPerSecond).toFixed(2)}`);
  } finally {
    await scratch.drop();
  }
}

if (process.argv[2] === '--serve') {
  serveApi(process.argv[3]!, process.argv[4]!);
} else {
  await main();
}

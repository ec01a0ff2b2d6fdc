// `npm run bench:soak`: the API under a few minutes of mixed, open-loop
// traffic, as in issue 8 §5 (a client sending ~3 requests/s without waiting
// for answers made one organization's searches take 30–60 s and the server
// stop answering). Requests go out on a fixed schedule whatever the answers
// do, so a stalled server shows as a growing backlog, not as fewer requests.
//
// API and worker run as child processes (api/server.ts, worker/worker.ts,
// each with its own pool), so a CPU-heavy job cannot borrow the API's event
// loop and the load generator does not share one either. One organization
// has many leads (seeded in PostgreSQL with generate_series), a second a few;
// the traffic: searches (common and rare terms) on the big one, lists, views
// and API-key ingestion on the small one, HubSpot property reads against a
// slow fake HubSpot, and one each of a CSV import, an export of the big
// organization, a bulk enrichment job and a HubSpot import.
//
// Reported per kind: count, p50/p99/max latency, answers by status; overall:
// 5xx, 503s without Retry-After, requests never answered, and the longest
// time without any answer while requests were outstanding.
//   DATABASE_URL       superuser URL of a running PostgreSQL; else the private test cluster
//   TEMPORAL_ADDRESS   a running Temporal server; else a dev server is started
//   BENCH_SECONDS      how long traffic is sent (default 180)
//   BENCH_LEADS        leads of the big organization (default 300000)
//   BENCH_RATE_SCALE   multiplies every rate (default 1: about 3.5 requests/s)
//   BENCH_API_ENV      extra settings for the API process, e.g. "REQUEST_TIMEOUT_MS=3000,ORG_CONCURRENT_READ_LIMIT=2"
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createApiKey, login } from '../domain/identity/auth.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { freePort, sleep } from '../scripts/infra/process.js';
import { startTemporalDevServer } from '../scripts/infra/temporal.js';
import { startFakeEnrichmentServer } from '../test/helpers/fake-enrichment-server.js';
import { startFakeHubspot } from '../test/helpers/fake-hubspot.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 180);
const BIG_ORG_LEADS = Number(process.env.BENCH_LEADS ?? 300_000);
const RATE_SCALE = Number(process.env.BENCH_RATE_SCALE ?? 1);
const SMALL_ORG_LEADS = 2_000;
const IMPORT_ROWS = 20_000;
const ENRICH_LEADS = 500;
const HUBSPOT_CONTACTS = 1_000;
/** every HubSpot answer takes this long: a slow outside service */
const HUBSPOT_DELAY_MS = 2_000;
/** after the last request is sent, how long answers are still waited for */
const DRAIN_MS = 120_000;
/** the aim of issue 8 §5 */
const SLOWEST_ACCEPTABLE_MS = 5_000;
const PASSWORD = 'soak-bench-password';
const HUBSPOT_TOKEN = 'pat-soak-bench';

interface Sample {
  kind: string;
  sentAt: number;
  /** null: no answer (the fetch failed or the run ended first) */
  answeredAt: number | null;
  status: number | null;
  retryAfter: string | null;
}

/** One kind of request sent `perSecond` times a second, or once at `at` seconds. */
interface Traffic {
  kind: string;
  /** who sends it: an organization's admin (bearer token) or the small organization's API key */
  as: 'big' | 'small' | 'apiKey';
  perSecond?: number;
  at?: number;
  request(): { path: string; init?: RequestInit };
}

/** The big organization's leads, inside PostgreSQL: names repeat (so a common term matches thousands), emails are unique. */
async function seedLeads(pool: import('pg').Pool, orgId: number, count: number, prefix: string) {
  await pool.query(
    `INSERT INTO leads (org_id, first_name, last_name, email, dedupe_email, phone_number, company, job_title, status, priority,
                        lead_source, score, created_at, updated_at)
     SELECT $1, (ARRAY['James','Mary','John','Linda','David','Susan','Thomas','Karen'])[1 + g % 8],
            (ARRAY['Smith','Garcia','Miller','Davis','Lopez','Wilson','Taylor','Moore','Martin','Lee'])[1 + (g / 8) % 10],
            $3 || g || '@mail' || g % 97 || '.example', $3 || g || '@mail' || g % 97 || '.example',
            '+1 555 ' || lpad(g::text, 7, '0'), 'Company ' || g % 5000, 'Engineer', 1 + g % 5, 1 + g % 4, 1 + g % 5, g % 100,
            now() - g * interval '1 minute', now() - g * interval '1 minute'
       FROM generate_series(1, $2::int) g`,
    [orgId, count, prefix],
  );
}

function csvOf(rows: number, run: string): string {
  const lines = ['First Name,Last Name,Email,Company,Job Title'];
  for (let i = 0; i < rows; i++) lines.push(`Imported${i},Person${i},imported${i}-${run}@import${i % 500}.example,Import Co ${i % 500},Buyer`);
  return `${lines.join('\n')}\n`;
}

function tsxChild(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.resume();
  return child;
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Nearest-rank percentile. */
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]! : NaN);

/** The longest stretch with at least one request outstanding and no answer arriving. */
function longestSilence(samples: Sample[], endedAt: number): { ms: number; from: number } {
  const events = [
    ...samples.map((s) => ({ at: s.sentAt, delta: 1 })),
    ...samples.map((s) => ({ at: s.answeredAt ?? endedAt, delta: -1 })),
  ].sort((a, b) => a.at - b.at || b.delta - a.delta);
  let outstanding = 0;
  let quietSince = 0;
  let longest = { ms: 0, from: 0 };
  for (const e of events) {
    if (e.delta < 0) {
      if (outstanding > 0 && e.at - quietSince > longest.ms) longest = { ms: e.at - quietSince, from: quietSince };
      quietSince = e.at;
    } else if (outstanding === 0) quietSince = e.at;
    outstanding += e.delta;
  }
  return longest;
}

function report(samples: Sample[], startedAt: number, endedAt: number) {
  const kinds = [...new Set(samples.map((s) => s.kind))];
  const ms = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(0));
  const statuses = (list: Sample[]) => {
    const counts = new Map<string, number>();
    for (const s of list) counts.set(String(s.status ?? 'none'), (counts.get(String(s.status ?? 'none')) ?? 0) + 1);
    return [...counts].sort().map(([status, n]) => `${status}×${n}`).join(' ');
  };
  console.log(`\n| kind | sent | p50 ms | p99 ms | max ms | answers |\n|---|---:|---:|---:|---:|---|`);
  for (const kind of kinds) {
    const list = samples.filter((s) => s.kind === kind);
    const latencies = list.filter((s) => s.answeredAt !== null).map((s) => s.answeredAt! - s.sentAt).sort((a, b) => a - b);
    console.log(`| ${kind} | ${list.length} | ${ms(percentile(latencies, 0.5))} | ${ms(percentile(latencies, 0.99))} | ${ms(latencies.at(-1) ?? NaN)} | ${statuses(list)} |`);
  }
  const answered = samples.filter((s) => s.answeredAt !== null);
  const slow = answered.filter((s) => s.answeredAt! - s.sentAt > SLOWEST_ACCEPTABLE_MS).length;
  const serverErrors = samples.filter((s) => s.status !== null && s.status >= 500 && s.status !== 503).length;
  const bare503 = samples.filter((s) => s.status === 503 && !s.retryAfter).length;
  const silence = longestSilence(samples, endedAt);
  console.log(`
requests sent: ${samples.length} in ${((endedAt - startedAt) / 1000).toFixed(0)} s (${(samples.length / ((endedAt - startedAt) / 1000)).toFixed(1)}/s)
answers by status: ${statuses(samples)}
never answered: ${samples.length - answered.length}
slower than ${SLOWEST_ACCEPTABLE_MS / 1000} s: ${slow}
5xx other than 503: ${serverErrors}; 503 without Retry-After: ${bare503}
longest time without an answer while requests were outstanding: ${(silence.ms / 1000).toFixed(1)} s (from t=${((silence.from - startedAt) / 1000).toFixed(0)} s)`);
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const temporal = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer({ port: await freePort(), fast: true });
  const scratch = await createScratchDatabase(adminUrl, 'benchsoak');
  const dir = await mkdtemp(path.join(tmpdir(), 'lio-soak-bench-'));
  const hubspot = await startFakeHubspot({ token: HUBSPOT_TOKEN, delayMs: HUBSPOT_DELAY_MS });
  const enrichment = await startFakeEnrichmentServer({ latencyMs: 50, ratePerSecond: 100 });
  const children: ChildProcess[] = [];
  const database = createDatabase(scratch.url, { max: 2 });
  try {
    for (let i = 0; i < HUBSPOT_CONTACTS; i++) {
      hubspot.records.contacts.push({
        id: String(50_000 + i),
        updatedAt: new Date().toISOString(),
        properties: { firstname: `Hub${i}`, lastname: `Spot${i}`, email: `hub${i}@hubspot-soak.example`, company: `Hub Co ${i % 50}` },
      });
    }
    hubspot.properties.contacts.push({ name: 'email', label: 'Email', type: 'string', fieldType: 'text', groupName: 'contactinformation' });
    const port = await freePort();
    const extraApiEnv = Object.fromEntries(
      (process.env.BENCH_API_ENV ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]),
    );
    const env = {
      DATABASE_URL: scratch.url,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? temporal!.address,
      TEMPORAL_TASK_QUEUE: `bench-soak-${randomBytes(4).toString('hex')}`,
      STORAGE_DIR: path.join(dir, 'storage'),
      JWT_SECRET: `soak-bench-${randomBytes(16).toString('hex')}`,
      CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      HUBSPOT_BASE_PATH: hubspot.url,
      // the fakes listen on loopback, which the egress check refuses unless the operator allows it
      EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
      ENRICHMENT_HTTP_BASE_URL: enrichment.url,
      ENRICHMENT_HTTP_API_KEY: enrichment.apiKey,
      ENRICHMENT_HTTP_RATE_PER_SEC: '95',
      // the bench is one client: its ingestion must not be what the rate limit refuses
      INGEST_RATE_LIMIT: '1000000',
    };
    const config = loadConfig(env);

    const big = await createOrganization(database, { name: 'Big', admin: { email: 'admin@big-soak.example', password: PASSWORD, first_name: 'Big' } });
    const small = await createOrganization(database, { name: 'Small', admin: { email: 'admin@small-soak.example', password: PASSWORD, first_name: 'Small' } });
    await database.prisma.organization.update({ where: { id: big.org.id }, data: { enrichment_credits: ENRICH_LEADS } });
    let started = performance.now();
    await seedLeads(database.pool, big.org.id, BIG_ORG_LEADS, 'lead');
    await seedLeads(database.pool, small.org.id, SMALL_ORG_LEADS, 'small');
    await database.pool.query('VACUUM ANALYZE leads');
    console.log(`seeded ${BIG_ORG_LEADS} + ${SMALL_ORG_LEADS} leads in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const bigToken = (await login(database, config.JWT_SECRET, 'admin@big-soak.example', PASSWORD)).access_token;
    const smallToken = (await login(database, config.JWT_SECRET, 'admin@small-soak.example', PASSWORD)).access_token;
    const apiKey = (await createApiKey(database, { orgId: small.org.id, name: 'soak' })).key;
    const { rows: smallLeads } = await database.pool.query<{ id: number }>('SELECT id FROM leads WHERE org_id = $1 ORDER BY id', [small.org.id]);

    const api = tsxChild('../api/server.ts', { ...env, ...extraApiEnv, PORT: String(port), HOST: '127.0.0.1' });
    const worker = tsxChild('../worker/worker.ts', env);
    children.push(api, worker);
    const base = `http://127.0.0.1:${port}`;
    await waitUntil('the API answering', async () => (await fetch(`${base}/health`)).ok);
    console.log('API up; starting traffic');

    const connect = await fetch(`${base}/api/connected-apps/hubspot/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bigToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: HUBSPOT_TOKEN }),
    });
    if (connect.status !== 200) throw new Error(`hubspot connect answered ${connect.status}: ${await connect.text()}`);

    const run = randomBytes(3).toString('hex');
    let ingested = 0;
    const traffic: Traffic[] = [
      { kind: 'list: big org, search common term', as: 'big', perSecond: 0.5, request: () => ({ path: `/api/lead/list?search_value=smith` }) },
      { kind: 'list: big org, search rare term', as: 'big', perSecond: 0.5, request: () => ({ path: `/api/lead/list?search_value=lead${Math.floor(Math.random() * BIG_ORG_LEADS)}@` }) },
      { kind: 'list: small org', as: 'small', perSecond: 0.5, request: () => ({ path: `/api/lead/list?page=${1 + Math.floor(Math.random() * 20)}` }) },
      { kind: 'view: small org lead', as: 'small', perSecond: 0.5, request: () => ({ path: `/api/lead/view/${smallLeads[Math.floor(Math.random() * smallLeads.length)]!.id}` }) },
      {
        kind: 'ingest: POST /api/v1/lead',
        as: 'apiKey',
        perSecond: 1,
        request: () => ({
          path: '/api/v1/lead',
          init: {
            method: 'POST',
            body: JSON.stringify({ first_name: 'Soak', last_name: `Lead${ingested}`, email: `soak${ingested++}-${run}@ingest.example` }),
          },
        }),
      },
      { kind: 'hubspot properties (slow fake)', as: 'big', perSecond: 0.2, request: () => ({ path: '/api/connected-apps/hubspot/properties?object=contacts' }) },
      { kind: 'job: hubspot import', as: 'big', at: 2, request: () => ({ path: '/api/connected-apps/hubspot/import', init: { method: 'POST', body: '{}' } }) },
      {
        kind: 'job: lead import upload',
        as: 'big',
        at: 5,
        request: () => {
          const form = new FormData();
          form.append('file', new Blob([csvOf(IMPORT_ROWS, run)], { type: 'text/csv' }), 'leads.csv');
          return { path: '/api/lead/lead-imports', init: { method: 'POST', body: form } };
        },
      },
      { kind: 'job: export big org', as: 'big', at: 10, request: () => ({ path: '/api/exports/create', init: { method: 'POST', body: JSON.stringify({ export_type: 'leads' }) } }) },
      {
        kind: 'job: bulk enrichment',
        as: 'big',
        at: 15,
        request: () => ({
          path: '/api/lead-enrichment/enrich/bulk',
          init: { method: 'POST', body: JSON.stringify({ leads: Array.from({ length: ENRICH_LEADS }, (_, i) => ({ email: `enrich${i}-${run}@company${i % 100}.example` })) }) },
        }),
      },
    ];

    const samples: Sample[] = [];
    const pending: Promise<void>[] = [];
    const drainDeadline = { at: Infinity };
    const credentials = { big: { authorization: `Bearer ${bigToken}` }, small: { authorization: `Bearer ${smallToken}` }, apiKey: { 'x-api-key': apiKey } };
    const send = (t: Traffic) => {
      const { path: requestPath, init = {} } = t.request();
      const headers = { ...credentials[t.as], ...(typeof init.body === 'string' && { 'content-type': 'application/json' }) };
      const sample: Sample = { kind: t.kind, sentAt: performance.now(), answeredAt: null, status: null, retryAfter: null };
      samples.push(sample);
      pending.push(
        fetch(`${base}${requestPath}`, { ...init, headers, signal: AbortSignal.timeout(SECONDS * 1000 + DRAIN_MS) })
          .then(async (res) => {
            await res.arrayBuffer();
            if (performance.now() > drainDeadline.at) return;
            sample.answeredAt = performance.now();
            sample.status = res.status;
            sample.retryAfter = res.headers.get('retry-after');
          })
          .catch(() => undefined),
      );
    };

    started = performance.now();
    const timers: NodeJS.Timeout[] = [];
    for (const t of traffic) {
      if (t.at !== undefined) timers.push(setTimeout(() => send(t), t.at * 1000));
      else {
        const interval = 1000 / (t.perSecond! * RATE_SCALE);
        // staggered starts, so the kinds do not all fire in the same millisecond
        timers.push(setTimeout(() => timers.push(setInterval(() => send(t), interval)), Math.random() * interval));
      }
    }
    const progress = setInterval(() => {
      const open = samples.filter((s) => s.answeredAt === null).length;
      console.log(`t=${((performance.now() - started) / 1000).toFixed(0)} s: sent ${samples.length}, waiting for ${open}`);
    }, 15_000);
    await sleep(SECONDS * 1000);
    for (const timer of timers) clearTimeout(timer), clearInterval(timer);
    const sentUntil = performance.now();
    drainDeadline.at = sentUntil + DRAIN_MS;
    await Promise.race([Promise.all(pending), delay(DRAIN_MS, undefined, { ref: false })]);
    clearInterval(progress);
    report(samples, started, Math.min(performance.now(), drainDeadline.at));

    const { rows: jobs } = await database.pool.query<{ type: string; status: string; processed: number; total: number | null; error: string | null }>(
      'SELECT type, status, processed, total, error FROM jobs ORDER BY id',
    );
    console.log('\njobs when traffic stopped (+ drain):');
    for (const job of jobs) console.log(`  ${job.type}: ${job.status}, ${job.processed}/${job.total ?? '?'}${job.error ? ` (${job.error})` : ''}`);
  } finally {
    for (const child of children) await stopChild(child);
    await database.close();
    await hubspot.close();
    await enrichment.close();
    await scratch.drop();
    await temporal?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

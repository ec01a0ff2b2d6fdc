// `npm run bench:enrichment`: one bulk enrichment job of 10,000 new leads
// (POST /api/lead-enrichment/enrich/bulk, the real worker and Temporal)
// against a local fake provider that answers in 50 ms and allows 100
// requests per second (429 above that). No job can beat 10,000 / 100 = 100 s,
// so the figure is the wall time from the request to the completed job
// against that minimum, as a ratio.
//   DATABASE_URL      superuser URL of a running PostgreSQL; else the private test cluster
//   TEMPORAL_ADDRESS  a running Temporal server; else a dev server is started
//   BENCH_LEADS       leads in the job (default 10000)
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../api/app.js';
import { createServices } from '../services/services.js';
import { startWorkerRuntime } from '../worker/worker.js';
import { login } from '../domain/identity/auth.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { freePort } from '../scripts/infra/process.js';
import { startTemporalDevServer } from '../scripts/infra/temporal.js';
import { startFakeEnrichmentServer } from '../test/helpers/fake-enrichment-server.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const LATENCY_MS = 50;
const RATE_PER_SECOND = 100;

const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
const temporalServer = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer({ port: await freePort(), fast: true });
const scratch = await createScratchDatabase(adminUrl, 'bench_enrichment');
const fake = await startFakeEnrichmentServer({ latencyMs: LATENCY_MS, ratePerSecond: RATE_PER_SECOND });
const config = loadConfig({
  DATABASE_URL: scratch.url,
  TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? temporalServer!.address,
  TEMPORAL_TASK_QUEUE: `bench-enrichment-${randomBytes(4).toString('hex')}`,
  JWT_SECRET: randomBytes(32).toString('hex'),
  CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'silent',
  ENRICHMENT_HTTP_BASE_URL: fake.url,
  ENRICHMENT_HTTP_API_KEY: fake.apiKey,
  // paced 5 % under the provider's hard limit, as one would configure it: arrivals jitter
  ENRICHMENT_HTTP_RATE_PER_SEC: String(RATE_PER_SECOND * 0.95),
  // the fake provider listens on loopback: an explicit opt-in to private destinations (off by default)
  EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
});
const database = createDatabase(config.DATABASE_URL, { max: 20 });
const logger = createLogger('silent');
const runtime = await startWorkerRuntime({ config, database, logger });
const app = createApp({ config, database, logger, services: createServices(config) });

try {
  const email = `bench-${randomBytes(4).toString('hex')}@bench.example`;
  const password = 'bench-password-123';
  const { org } = await createOrganization(database, {
    name: 'Bench',
    admin: { email, password, first_name: 'Bench', last_name: 'Admin' },
  });
  await database.prisma.organization.update({ where: { id: org.id }, data: { enrichment_credits: LEADS } });
  const token = (await login(database, config.JWT_SECRET, email, password)).access_token;
  const leads = Array.from({ length: LEADS }, (_, i) => ({ email: `person${i}.lead@company${i % 1000}.example` }));

  const started = performance.now();
  const res = await app.request('/api/lead-enrichment/enrich/bulk', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ leads }),
  });
  if (res.status !== 202) throw new Error(`bulk enrich answered ${res.status}: ${await res.text()}`);
  const jobId = ((await res.json()) as { data: { id: number } }).data.id;
  let job;
  for (;;) {
    job = await database.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    if (['completed', 'failed', 'cancelled'].includes(job.status)) break;
    await sleep(500);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const minimumSeconds = LEADS / RATE_PER_SECOND;
  const credits = await database.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
  console.log(
    JSON.stringify(
      {
        leads: LEADS,
        status: job.status,
        progress: { processed: job.processed, enriched: job.created, skipped: job.skipped, failed: job.failed },
        wall_seconds: Number(wallSeconds.toFixed(1)),
        theoretical_minimum_seconds: minimumSeconds,
        ratio: Number((wallSeconds / minimumSeconds).toFixed(2)),
        provider: {
          latency_ms: LATENCY_MS,
          limit_per_second: RATE_PER_SECOND,
          requests: fake.stats.requests,
          max_requests_in_one_second: fake.stats.maxPerSecond,
          answered_429: fake.stats.byStatus.get(429) ?? 0,
          lookups_billed_twice: [...fake.stats.billed.values()].filter((n) => n > 1).length,
        },
        credits_debited: LEADS - credits.enrichment_credits,
      },
      null,
      2,
    ),
  );
} finally {
  await runtime.stop();
  await database.close();
  await fake.close();
  await scratch.drop();
  await temporalServer?.stop();
}

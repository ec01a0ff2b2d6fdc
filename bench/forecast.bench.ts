// `npm run bench:forecast`: forecasting at size.
//
// 1. A forecast run for BENCH_OPEN_DEALS open deals (default 10,000) end to
//    end: a forecast_run job recorded (with its outbox event), the relay
//    starting its workflow on a worker process, batches of 500 (one features
//    query with lateral engagement counts, the forecast in JS, one multi-row
//    upsert), until the job reads completed. A third of the deals' leads have
//    intent signals and meetings; 400 closed deals give the stages a history.
// 2. GET /api/forecast/pipeline (monthly, 6 months) over a real HTTP port on
//    an API process while the organization holds BENCH_PIPELINE_DEALS deals
//    (default 100,000; the run's snapshots, plus today's and a week-old
//    snapshot for every other deal): BENCH_REQUESTS (default 200) requests
//    one after another, p50/p95/p99. Beside it, the floor: the same
//    aggregation without the latest-snapshot lookup (stage probability only),
//    as one SQL statement in this process.
//
//   DATABASE_URL      superuser URL of a running PostgreSQL; else the private test cluster
//   TEMPORAL_ADDRESS  a running Temporal server; else a dev server is started
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { login } from '../domain/identity/auth.service.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { startForecastRun } from '../domain/forecasting/forecast-run.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { freePort } from '../scripts/infra/process.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { startTemporalDevServer } from '../scripts/infra/temporal.js';
import { createServices } from '../services/services.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';
import { startServerProcess } from './server-process.js';
import { startWorkerProcess } from './worker-process.js';

const OPEN_DEALS = Number(process.env.BENCH_OPEN_DEALS ?? 10_000);
const PIPELINE_DEALS = Number(process.env.BENCH_PIPELINE_DEALS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CLOSED_DEALS = 400;
const WARMUP_REQUESTS = 10;
const POLL_MS = 100;
/** Rows per INSERT … SELECT: the deals triggers make one statement of 100,000 rows slow to watch. */
const CHUNK = 10_000;

function serveApi(databaseUrl: string) {
  const config = loadConfig({ DATABASE_URL: databaseUrl, JWT_SECRET: process.env.BENCH_JWT_SECRET!, CREDENTIALS_KEY: process.env.BENCH_CREDENTIALS_KEY!, LOG_LEVEL: 'silent' });
  const database = createDatabase(databaseUrl, { max: 10 });
  const app = createApp({ config, database, logger: createLogger(config.LOG_LEVEL), services: createServices(config) });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${JSON.stringify({ port: info.port })}\n`));
  process.once('SIGTERM', () => server.close(() => void database.close().then(() => process.exit(0))));
}

/** `count` deals of the organization's default pipeline, numbered from `from`; `open` spreads them over its open stages, else over won and lost. */
async function seedDeals(database: ReturnType<typeof createDatabase>, orgId: number, leadIds: { first: number; count: number }, from: number, count: number, open: boolean) {
  for (let start = from; start < from + count; start += CHUNK) {
    const end = Math.min(from + count, start + CHUNK) - 1;
    await database.pool.query(
      `WITH stages AS (
         SELECT array_agg(s.id ORDER BY s.position) FILTER (WHERE NOT s.is_won AND NOT s.is_lost) AS open,
                array_agg(s.id ORDER BY s.position) FILTER (WHERE s.is_won OR s.is_lost) AS closed, min(s.pipeline_id) AS pipeline_id
           FROM stages s WHERE s.org_id = $1
       )
       INSERT INTO deals (org_id, lead_id, pipeline_id, stage_id, title, value, expected_close_date, stage_entered_at, closed_at, updated_at)
       SELECT $1, $2 + n % $3, st.pipeline_id,
              CASE WHEN $6 THEN st.open[1 + n % array_length(st.open, 1)] ELSE st.closed[1 + n % 2] END,
              'Deal ' || n, 500 + (n * 37) % 20000, current_date - 20 + n % 200,
              now() - (n % 60) * interval '1 day', CASE WHEN $6 THEN NULL ELSE now() - (n % 300) * interval '1 day' END, now()
         FROM stages st, generate_series($4::int, $5::int) AS n`,
      [orgId, leadIds.first, leadIds.count, start, end, open],
    );
  }
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const temporal = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer({ port: await freePort(), fast: true });
  const scratch = await createScratchDatabase(adminUrl, 'benchforecast');
  process.env.BENCH_JWT_SECRET = randomBytes(32).toString('hex');
  process.env.BENCH_CREDENTIALS_KEY = randomBytes(32).toString('base64');
  const env = {
    DATABASE_URL: scratch.url,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? temporal!.address,
    TEMPORAL_TASK_QUEUE: `bench-forecast-${randomBytes(4).toString('hex')}`,
    JWT_SECRET: process.env.BENCH_JWT_SECRET,
    CREDENTIALS_KEY: process.env.BENCH_CREDENTIALS_KEY,
    LOG_LEVEL: 'info',
  };
  const database = createDatabase(scratch.url, { max: 4 });
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const email = `bench-${randomBytes(4).toString('hex')}@bench.example`;
    const password = randomBytes(12).toString('hex');
    const { org, admin } = await createOrganization(database, { name: 'Bench', admin: { email, password, first_name: 'Bench' } });
    await database.pool.query('UPDATE stages SET max_days_in_stage = 30 WHERE org_id = $1 AND NOT is_won AND NOT is_lost', [org.id]);
    // 2,000 leads; a third with intent signals and a meeting in the last 30 days
    const { rows: leads } = await database.pool.query<{ first: number }>(
      `WITH made AS (INSERT INTO leads (org_id, first_name, last_name) SELECT $1, 'Lead', 'No' || n FROM generate_series(1, 2000) AS n RETURNING id)
       SELECT min(id) AS first FROM made`,
      [org.id],
    );
    const leadIds = { first: leads[0]!.first, count: 2000 };
    await database.pool.query(
      `INSERT INTO intent_signals (org_id, lead_id, signal_type, occurred_at)
       SELECT $1, id, (ARRAY['email_opened', 'link_clicked', 'reply_received', 'pricing_page_visit'])[1 + (id + k) % 4], now() - ((id + k) % 28) * interval '1 day'
         FROM leads, generate_series(1, 3) AS k WHERE org_id = $1 AND id % 3 = 0`,
      [org.id],
    );
    await database.pool.query(
      `INSERT INTO meetings (org_id, user_id, lead_id, title, start_time, end_time, status)
       SELECT $1, $2, id, 'Call', now() - (id % 20) * interval '1 day', now() - (id % 20) * interval '1 day' + interval '30 minutes', 3
         FROM leads WHERE org_id = $1 AND id % 3 = 0`,
      [org.id, admin.id],
    );
    await seedDeals(database, org.id, leadIds, 1, CLOSED_DEALS, false);
    await seedDeals(database, org.id, leadIds, CLOSED_DEALS + 1, OPEN_DEALS, true);
    await database.pool.query('ANALYZE deals, leads, intent_signals, meetings, stages');

    worker = await startWorkerProcess(env);
    // the worker's own start-up rounds (schedules, pruning) are not the run's time
    await sleep(2000);
    const started = performance.now();
    const job = (await startForecastRun(database, { orgId: org.id, userId: admin.id }, 'api'))!;
    let row: { status: string; processed: number; error: string | null };
    for (;;) {
      row = (await database.pool.query('SELECT status, processed, error FROM jobs WHERE id = $1', [job.id])).rows[0];
      if (row.status === 'completed' || row.status === 'failed') break;
      await sleep(POLL_MS);
    }
    const runSeconds = (performance.now() - started) / 1000;
    if (row.status !== 'completed' || row.processed !== OPEN_DEALS) throw new Error(`the run ended ${JSON.stringify(row)}`);
    const { rows: categories } = await database.pool.query<{ category: string; n: number }>(
      `SELECT category, count(*)::int AS n FROM deal_forecasts WHERE org_id = $1 GROUP BY 1 ORDER BY 1`,
      [org.id],
    );
    await worker.stop();
    worker = undefined;

    // the pipeline at size: the other deals (an eighth of them won or lost), each with today's and a week-old snapshot
    const more = PIPELINE_DEALS - OPEN_DEALS - CLOSED_DEALS;
    await seedDeals(database, org.id, leadIds, OPEN_DEALS + CLOSED_DEALS + 1, Math.floor(more / 8), false);
    await seedDeals(database, org.id, leadIds, OPEN_DEALS + CLOSED_DEALS + 1 + Math.floor(more / 8), more - Math.floor(more / 8), true);
    await database.pool.query(
      `INSERT INTO deal_forecasts (org_id, deal_id, pipeline_id, stage_id, snapshot_date, win_probability, expected_close_date, value, weighted_value, category)
       SELECT d.org_id, d.id, d.pipeline_id, d.stage_id, current_date - k, s.probability, d.expected_close_date, d.value, d.value * s.probability::numeric, 'pipeline'
         FROM deals d JOIN stages s ON s.id = d.stage_id, (VALUES (0), (7)) AS v(k)
        WHERE d.org_id = $1 AND NOT s.is_won AND NOT s.is_lost
       ON CONFLICT DO NOTHING`,
      [org.id],
    );
    await database.pool.query('ANALYZE deals, deal_forecasts');
    const { rows: counts } = await database.pool.query<{ deals: number; snapshots: number }>(
      `SELECT (SELECT count(*)::int FROM deals WHERE org_id = $1) AS deals, (SELECT count(*)::int FROM deal_forecasts WHERE org_id = $1) AS snapshots`,
      [org.id],
    );

    const token = (await login(database, process.env.BENCH_JWT_SECRET, email, password)).access_token;
    const server = await startServerProcess(fileURLToPath(import.meta.url), [scratch.url]);
    const latencies: number[] = [];
    let weighted = 0;
    try {
      for (let i = 0; i < WARMUP_REQUESTS + REQUESTS; i++) {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${server.port}/api/forecast/pipeline?period=monthly&months=6`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { data: { periods: { weighted: number }[] } };
        if (res.status !== 200) throw new Error(`pipeline forecast answered ${res.status}`);
        if (i >= WARMUP_REQUESTS) latencies.push(performance.now() - t0);
        weighted = body.data.periods.reduce((sum, p) => sum + p.weighted, 0);
      }
    } finally {
      await server.stop();
    }
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(0);

    const floorStarted = performance.now();
    for (let i = 0; i < 20; i++) {
      await database.pool.query(
        `SELECT date_trunc('month', greatest(d.expected_close_date, date_trunc('month', current_date)::date)) AS m, sum(d.value * s.probability::numeric)
           FROM deals d JOIN stages s ON s.id = d.stage_id WHERE d.org_id = $1 AND NOT s.is_won AND NOT s.is_lost GROUP BY 1`,
        [org.id],
      );
    }
    const floorMs = (performance.now() - floorStarted) / 20;

    console.log(`run: ${OPEN_DEALS} open deals (${CLOSED_DEALS} closed before), snapshots by category: ${categories.map((c) => `${c.category} ${c.n}`).join(', ')}`);
    console.log(`pipeline: ${counts[0]!.deals} deals, ${counts[0]!.snapshots} snapshots; 6 months weighted ${weighted.toFixed(0)}`);
    console.log(`floor: stage-probability aggregation, one SQL statement, no snapshot lookup  ${floorMs.toFixed(0)} ms`);
    console.log(`LIO GET /api/forecast/pipeline (${REQUESTS} requests after ${WARMUP_REQUESTS}, one at a time)  p50 ${at(50)} ms  p95 ${at(95)} ms  p99 ${at(99)} ms`);
    console.log(`LIO forecast_run (job recorded → completed, worker process)  ${runSeconds.toFixed(2)} s  ${(OPEN_DEALS / runSeconds).toFixed(0)} deals/s`);
  } finally {
    await worker?.stop();
    await database.close();
    await scratch.drop();
    await temporal?.stop();
  }
}

if (process.argv[2] === '--serve') serveApi(process.argv[3]!);
else await main();

// `npm run bench:queries`: saved queries run through the real API process
// (POST /api/queries/:queryId/execute over HTTP: auth, parameters, compile,
// a read-only transaction with its own statement_timeout, shaping) over an
// organization of BENCH_LEADS leads (default 100,000) and a tenth as many
// deals, beside the same compiled SQL sent straight to PostgreSQL on one
// connection: what the language and the API add to the query itself.
// Queries run one after another (latency, not throughput), ROUNDS times each.
//
//   DATABASE_URL  superuser URL of a running PostgreSQL; else the private test cluster
//   BENCH_LEADS   leads in the organization (default 100000)
//   BENCH_ROUNDS  runs of each query (default 30)
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { compileQuery, parseQuery, resolveParameters, type ParameterDeclaration } from '../domain/analytics/query-language.js';
import { login } from '../domain/identity/auth.service.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { createPipeline } from '../domain/crm/pipeline.service.js';
import { loadConfig, type Config } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { createServices } from '../services/services.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';
import { startServerProcess } from './server-process.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const PASSWORD = randomBytes(12).toString('hex');

function benchConfig(databaseUrl: string): Config {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: process.env.BENCH_JWT_SECRET!,
    CREDENTIALS_KEY: process.env.BENCH_CREDENTIALS_KEY!,
    LOG_LEVEL: 'silent',
  });
}

async function serveApi(databaseUrl: string) {
  const config = benchConfig(databaseUrl);
  const database = createDatabase(databaseUrl, { max: 10 });
  const app = createApp({ config, database, logger: createLogger(config.LOG_LEVEL), services: createServices(config) });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${JSON.stringify({ port: info.port })}\n`));
  process.once('SIGTERM', () => server.close(() => void database.close().then(() => process.exit(0))));
}

interface BenchQuery {
  label: string;
  definition: unknown;
  parameters?: ParameterDeclaration[];
  values?: Record<string, unknown>;
  widgetType: string;
}

const QUERIES: BenchQuery[] = [
  { label: 'kpi: leads with score ≥ 50', widgetType: 'kpi', definition: { entity: 'leads', filters: [{ field: 'score', op: 'gte', value: 50 }], aggregates: [{ fn: 'count', alias: 'n' }] } },
  {
    label: 'line: leads per month by source (joined label), parameter',
    widgetType: 'line',
    definition: { entity: 'leads', filters: [{ field: 'created_at', op: 'in_last_days', value: { param: 'days' } }], group_by: [{ field: 'created_at', bucket: 'month', tz: 'Europe/Berlin' }, 'lead_source_text'], aggregates: [{ fn: 'count', alias: 'n' }] },
    parameters: [{ name: 'days', type: 'number', required: true }],
    values: { days: 365 },
  },
  { label: 'table: company contains text, top 20', widgetType: 'table', definition: { entity: 'leads', filters: [{ field: 'company', op: 'contains', value: 'ny 4' }], group_by: ['company'], aggregates: [{ fn: 'count', alias: 'n' }, { fn: 'avg', field: 'score', alias: 'score' }], order_by: [{ key: 'n', direction: 'desc' }], limit: 20 } },
  { label: 'funnel: open deal value by stage', widgetType: 'funnel', definition: { entity: 'deals', filters: [{ field: 'is_open', op: 'eq', value: true }], group_by: ['stage_name'], aggregates: [{ fn: 'sum', field: 'value', alias: 'value' }] } },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function timed(work: () => Promise<void>): Promise<number[]> {
  await work(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const scratch = await createScratchDatabase(adminUrl, 'benchqueries');
  process.env.BENCH_JWT_SECRET = randomBytes(32).toString('hex');
  process.env.BENCH_CREDENTIALS_KEY = randomBytes(32).toString('base64');
  try {
    const database = createDatabase(scratch.url, { max: 2 });
    const email = `bench-${randomBytes(4).toString('hex')}@bench.example`;
    const { org } = await createOrganization(database, { name: 'Bench', admin: { email, password: PASSWORD, first_name: 'Bench' } });
    await database.pool.query(
      `INSERT INTO leads (org_id, first_name, company, lead_source, score, city, created_at)
       SELECT $1, 'Lead' || n, 'Company ' || (n % 5000), 1 + n % 5, n % 101, (ARRAY['Lisbon', 'Porto', 'Madrid', NULL])[1 + n % 4],
              now() - (n % 700) * interval '1 day'
         FROM generate_series(1, $2::int) AS n`,
      [org.id, LEADS],
    );
    const pipeline = await createPipeline(database, { orgId: org.id }, { name: 'Bench pipeline' });
    const stageIds = pipeline.stages.map((s) => s.id);
    await database.pool.query(
      `INSERT INTO deals (org_id, lead_id, pipeline_id, stage_id, title, value, expected_close_date)
       SELECT $1, l.id, $2, ($3::int[])[1 + l.id % cardinality($3::int[])], 'Deal ' || l.id, l.id % 10000, current_date + 30
         FROM leads l WHERE l.org_id = $1 AND l.id % 10 = 0`,
      [org.id, pipeline.id, stageIds],
    );
    await database.pool.query('ANALYZE leads, deals, stages, custom_lookups');

    const server = await startServerProcess(fileURLToPath(import.meta.url), [scratch.url]);
    const base = `http://127.0.0.1:${server.port}`;
    const token = (await login(database, process.env.BENCH_JWT_SECRET, email, PASSWORD)).access_token;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as { data: { id: number; meta?: { row_count: number } } };
      if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json.data;
    };
    const lines: string[] = [];
    const ratios: number[] = [];
    try {
      for (const q of QUERIES) {
        const { id } = await post('/api/queries', { name: q.label, definition: q.definition, parameters: q.parameters ?? [] });
        const api = await timed(async () => void (await post(`/api/queries/${id}/execute`, { parameters: q.values, widgetType: q.widgetType })));
        const compiled = compileQuery(org.id, parseQuery(q.definition, q.parameters ?? []), resolveParameters(q.parameters ?? [], q.values));
        const raw = await timed(async () => void (await database.pool.query(compiled.text, compiled.values)));
        const rows = (await post(`/api/queries/${id}/execute`, { parameters: q.values })).meta!.row_count;
        ratios.push(percentile(raw, 50) / percentile(api, 50));
        lines.push(
          `${q.label.padEnd(58)} rows ${String(rows).padStart(4)}   execute p50 ${percentile(api, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(api, 95).toFixed(1).padStart(6)} ms` +
            `   bare SQL p50 ${percentile(raw, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(raw, 95).toFixed(1).padStart(6)} ms`,
        );
      }
    } finally {
      await server.stop();
    }
    await database.close();
    console.log(`${LEADS} leads, ${LEADS / 10} deals; ${ROUNDS} sequential runs of each query`);
    for (const line of lines) console.log(line);
    console.log(`ratio bare SQL / execute (p50, geometric mean over the queries): ${Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length).toFixed(2)}`);
  } finally {
    await scratch.drop();
  }
}

if (process.argv[2] === '--serve') {
  await serveApi(process.argv[3]!);
} else {
  await main();
}

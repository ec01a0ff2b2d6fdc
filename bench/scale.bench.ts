// `npm run bench:scale`: latency of the lead, company and contact lists, the global search and the dashboards at scale.
// A scratch database gets 1,000,000 leads, 100,000 companies, 100,000 deals
// and 100,000 contacts in one organization (plus a second organization of
// noise whose leads arrive over the same two years, so ids interleave as in a
// shared table), generated inside PostgreSQL with INSERT ... SELECT
// generate_series, then VACUUM ANALYZE (what autovacuum does to a table after
// a bulk load). Figures and the index each query uses: docs/benchmarks.md,
// docs/indexes.md.
// Each request goes through the real app (auth, validation, envelopes)
// in-process; requests run one at a time so a figure is one request's latency.
//   DATABASE_URL         superuser URL of a running PostgreSQL; else the private test cluster
//   BENCH_LEADS          leads of the measured organization (default 1000000; the rest scale with it)
//   BENCH_RUNS           measured requests per case (default 30), spread over 3 interleaved rounds
//   BENCH_KEEP_DATABASE  1: keep the seeded database and print its URL (to EXPLAIN queries by hand)
//   BENCH_REUSE_URL      measure a database an earlier BENCH_KEEP_DATABASE=1 run seeded, skipping the seeding
//   BENCH_CASES          measure only the cases whose name contains one of these comma-separated words (e.g. "search")
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { createApp, type App } from '../api/app.js';
import { createServices } from '../services/services.js';
import { login } from '../domain/identity/auth.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase, type Database } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { foldDashboardRollups } from '../domain/analytics/dashboard-rollups.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const ROUNDS = 3;
const WARMUP_RUNS = 2;
const ORG_NAME = 'Scale bench';
const ADMIN_EMAIL = 'admin@scale-bench.example';
const ADMIN_PASSWORD = 'scale-bench-password';
const JWT_SECRET = `scale-bench-${randomBytes(16).toString('hex')}`;

/** How much of each record kind one organization gets. */
interface Volume {
  users: number;
  companies: number;
  leads: number;
  deals: number;
  contacts: number;
}

const MEASURED: Volume = { users: 50, companies: LEADS / 10, leads: LEADS, deals: LEADS / 10, contacts: LEADS / 10 };
const NOISE: Volume = { users: 20, companies: LEADS / 50, leads: LEADS / 5, deals: LEADS / 50, contacts: LEADS / 50 };
/** Leads are written in this many slices of the two years, alternating between the organizations. */
const TIME_SLICES = 10;

interface SeededOrganization {
  orgId: number;
  adminId: number;
  volume: Volume;
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Users and companies (created over two years, ids in creation order). */
async function seedAccounts(pool: pg.Pool, { orgId, adminId, volume }: SeededOrganization) {
  await pool.query(
    `INSERT INTO users (org_id, role_id, first_name, last_name, email, password_hash, updated_at)
     SELECT $1, r.id, 'Rep', 'No ' || g, 'rep' || g || '-' || $1 || '@scale-bench.example', a.password_hash, now()
       FROM generate_series(1, $2::int) g
       JOIN roles r ON r.org_id = $1 AND r.name = 'Sales Rep'
       JOIN users a ON a.id = $3`,
    [orgId, volume.users - 1, adminId],
  );
  await pool.query(
    `INSERT INTO companies (org_id, company_name, industry_type, city, country, website, created_at, updated_at)
     SELECT $1,
            (ARRAY['Acme','Globex','Initech','Umbrella','Hooli','Vandelay','Stark','Wayne','Wonka','Tyrell'])[1 + g % 10] || ' ' ||
            (ARRAY['Labs','Systems','Group','Holdings','Industries','Partners','Solutions'])[1 + (g / 10) % 7] || ' ' || g,
            (ARRAY['Software','Manufacturing','Retail','Finance','Healthcare','Logistics'])[1 + g % 6],
            (ARRAY['Berlin','London','New York','Austin','Paris','Tokyo','Sydney','Toronto'])[1 + g % 8],
            (ARRAY['DE','GB','US','US','FR','JP','AU','CA'])[1 + g % 8],
            'company' || g || '.example', created, created
       FROM (SELECT g, now() - random() * interval '730 days' AS created FROM generate_series(1, $2::int) g ORDER BY created) c`,
    [orgId, volume.companies],
  );
}

/**
 * One time slice of an organization's leads, ids in created_at order.
 * Distributions: status skewed towards the early stages, 10% without a
 * source, 10% unassigned and the rest skewed over the users, scores around
 * 50, more leads in recent months, 80% linked to a company with a long tail
 * (few companies have many leads), 30% never active.
 */
function seedLeadSlice(pool: pg.Pool, { orgId, volume }: SeededOrganization, slice: number) {
  const first = Math.floor((slice * volume.leads) / TIME_SLICES) + 1;
  const last = Math.floor(((slice + 1) * volume.leads) / TIME_SLICES);
  return pool.query(
    `WITH assignees AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE org_id = $1),
          company_ids AS (SELECT min(id) AS first_id, count(*)::int AS n FROM companies WHERE org_id = $1)
     INSERT INTO leads (org_id, first_name, last_name, email, dedupe_email, phone_number, company, company_id, job_title,
                        city, country, status, priority, lead_source, score, assigned_to, created_at, updated_at, last_activity_at)
     SELECT $1, s.first_name, s.last_name, s.email, s.email, s.phone, c.company_name, c.id, s.job_title, c.city, c.country,
            CASE WHEN s.status_roll < 0.35 THEN 1 WHEN s.status_roll < 0.60 THEN 2 WHEN s.status_roll < 0.75 THEN 3
                 WHEN s.status_roll < 0.85 THEN 4 WHEN s.status_roll < 0.90 THEN 5 WHEN s.status_roll < 0.95 THEN 6 ELSE 7 END,
            s.priority, s.lead_source, s.score, s.assigned_to, s.created, s.created,
            CASE WHEN random() < 0.7 THEN s.created + random() * (now() - s.created) END
       FROM (SELECT g,
                    (ARRAY['James','Mary','John','Patricia','Robert','Jennifer','Michael','Linda','William','Elizabeth',
                           'David','Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Charles','Karen'])[1 + g % 20] AS first_name,
                    (ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez','Hernandez',
                           'Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin','Lee','Perez',
                           'Thompson','White','Harris'])[1 + (g / 20) % 25] AS last_name,
                    'lead' || g || '@mail' || g % 97 || '.example' AS email,
                    '+1 555 ' || lpad(g::text, 7, '0') AS phone,
                    (ARRAY['CEO','CTO','VP Sales','Head of Marketing','Engineer','Buyer','Founder','Operations Manager'])[1 + g % 8] AS job_title,
                    CASE WHEN random() < 0.8 THEN ci.first_id + floor(power(random(), 3) * ci.n)::int END AS company_id,
                    random() AS status_roll,
                    1 + floor(random() * 4)::int AS priority,
                    CASE WHEN random() < 0.9 THEN 1 + floor(power(random(), 1.5) * 5)::int END AS lead_source,
                    round((random() + random() + random()) / 3 * 100)::int AS score,
                    CASE WHEN random() < 0.9 THEN a.ids[1 + floor(power(random(), 1.5) * cardinality(a.ids))::int] END AS assigned_to,
                    -- the square root puts half of the leads into the last 30% of the two years
                    now() - interval '730 days' * (1 - sqrt(g::float8 / $4)) AS created
               FROM generate_series($2::int, $3::int) g, assignees a, company_ids ci) s
       LEFT JOIN companies c ON c.id = s.company_id
      ORDER BY s.g`,
    [orgId, first, last, volume.leads],
  );
}

/** Deals on random leads (60% open over the four open stages, 20% won, 20% lost) and contacts, ids in creation order. */
async function seedDealsAndContacts(pool: pg.Pool, { orgId, volume }: SeededOrganization) {
  await pool.query(
    `WITH pipeline AS (SELECT pipeline_id, array_agg(id ORDER BY position) AS stages FROM stages WHERE org_id = $1 GROUP BY pipeline_id LIMIT 1)
     INSERT INTO deals (org_id, lead_id, pipeline_id, stage_id, title, value, expected_close_date, priority, created_at, updated_at)
     SELECT $1, l.id, p.pipeline_id,
            CASE WHEN l.roll < 0.6 THEN p.stages[1 + floor(l.roll / 0.6 * 4)::int] WHEN l.roll < 0.8 THEN p.stages[5] ELSE p.stages[6] END,
            'Deal for lead ' || l.id, round((1000 + power(random(), 2) * 99000)::numeric, 2),
            (l.created + (30 + floor(random() * 90)::int) * interval '1 day')::date, 1 + floor(random() * 4)::int, l.created, l.created
       FROM (SELECT id, created_at + random() * (now() - created_at) AS created, random() AS roll
               FROM (SELECT id, created_at FROM leads WHERE org_id = $1 ORDER BY random() LIMIT $2) picked) l, pipeline p
      ORDER BY l.created`,
    [orgId, volume.deals],
  );
  await pool.query(
    `INSERT INTO contacts (org_id, name, email, company_id, created_at, updated_at)
     SELECT $1, 'Contact ' || g, 'contact' || g || '@scale-bench.example', ci.first_id + floor(random() * ci.n)::int, created, created
       FROM (SELECT g, now() - random() * interval '730 days' AS created FROM generate_series(1, $2::int) g ORDER BY created) c,
            (SELECT min(id) AS first_id, count(*)::int AS n FROM companies WHERE org_id = $1) ci`,
    [orgId, volume.contacts],
  );
}

async function seed(database: Database) {
  const measured = await createOrganization(database, {
    name: ORG_NAME,
    admin: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, first_name: 'Bench', last_name: 'Admin' },
  });
  const noise = await createOrganization(database, {
    name: 'Noise',
    admin: { email: `noise-${randomBytes(4).toString('hex')}@scale-bench.example`, password: ADMIN_PASSWORD, first_name: 'Noise' },
  });
  const organizations: SeededOrganization[] = [
    { orgId: measured.org.id, adminId: measured.admin.id, volume: MEASURED },
    { orgId: noise.org.id, adminId: noise.admin.id, volume: NOISE },
  ];
  const { pool } = database;
  console.log(`seeding organization ${measured.org.id} (measured: ${JSON.stringify(MEASURED)}) and ${noise.org.id} (noise: ${JSON.stringify(NOISE)})`);
  await timed('users and companies', async () => {
    for (const org of organizations) await seedAccounts(pool, org);
  });
  // both organizations' leads arrive over the same two years, so their ids interleave as in a shared production table
  await timed('leads', async () => {
    for (let slice = 0; slice < TIME_SLICES; slice++) for (const org of organizations) await seedLeadSlice(pool, org, slice);
  });
  await timed('deals and contacts', async () => {
    for (const org of organizations) await seedDealsAndContacts(pool, org);
  });
  // the rows' triggers left dashboard rollup deltas; the worker's maintenance round would fold them within a minute
  await timed('folding dashboard rollups', () => foldDashboardRollups(database));
  await timed('VACUUM ANALYZE', () => pool.query('VACUUM ANALYZE'));
}

interface Case {
  name: string;
  path: string;
  query?: Record<string, string | number>;
  /** p95 target in ms */
  target: number;
}

const LIST_TARGET_MS = 100;
const DASHBOARD_TARGET_MS = 500;

const isoDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

async function casesFor(pool: pg.Pool, orgId: number): Promise<Case[]> {
  // the busiest rep: the worst case for an assignee filter
  const { rows } = await pool.query<{ assigned_to: number }>(
    `SELECT assigned_to FROM leads WHERE org_id = $1 AND assigned_to IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    [orgId],
  );
  const rep = rows[0]!.assigned_to;
  const listAt = (path: string) => (name: string, query?: Record<string, string | number>): Case => ({ name, path, query, target: LIST_TARGET_MS });
  const list = listAt('/api/lead/list');
  const companies = listAt('/api/company/list');
  const contacts = listAt('/api/contact/list');
  const globalSearch = listAt('/api/user/global-search');
  const dashboard = (name: string, path: string, query?: Record<string, string | number>): Case => ({ name, path, query, target: DASHBOARD_TARGET_MS });
  return [
    list('list: default (id DESC, page 1)'),
    list('list: state_id=2', { state_id: 2 }),
    list('list: assigned_to=<busiest rep>', { assigned_to: rep }),
    list('list: score_min=80', { score_min: 80 }),
    list('list: created last 30 days', { created_from: isoDay(30), created_to: isoDay(0) }),
    list('list: state_id=1 + assigned_to + score_min=60', { state_id: 1, assigned_to: rep, score_min: 60 }),
    list('list: order_by=score DESC', { order_by: 'score' }),
    list('list: order_by=score ASC', { order_by: 'score', order_in: 'ASC' }),
    list('list: order_by=created_at DESC', { order_by: 'created_at' }),
    list('list: state_id=3, order_by=score', { state_id: 3, order_by: 'score' }),
    list('list: assigned_to, order_by=created_at', { assigned_to: rep, order_by: 'created_at' }),
    list('list: page=5000 (offset 49,990)', { page: 5000 }),
    list('list: search_value=smith (common)', { search_value: 'smith' }),
    list('list: search_value=lead123456@ (rare)', { search_value: 'lead123456@' }),
    list('list: search_value=acme (common company name)', { search_value: 'acme' }),
    companies('companies: search_value=acme (common)', { search_value: 'acme' }),
    companies('companies: search_value=company12345. (rare)', { search_value: 'company12345.' }),
    contacts('contacts: search_value=contact 1 (common)', { search_value: 'contact 1' }),
    contacts('contacts: search_value=contact12345@ (rare)', { search_value: 'contact12345@' }),
    globalSearch('global search: smith (common lead name)', { search_value: 'smith' }),
    globalSearch('global search: lead123456@ (rare)', { search_value: 'lead123456@' }),
    dashboard('overview: all time', '/api/dashboard/overview'),
    dashboard('overview: last 90 days', '/api/dashboard/overview', { start_date: isoDay(90), end_date: isoDay(0) }),
    dashboard('stats: no range (30-day series, all-time pipeline and assignees)', '/api/dashboard/stats'),
    dashboard('stats: last 90 days (daily)', '/api/dashboard/stats', { start_date: isoDay(90), end_date: isoDay(0) }),
    dashboard('stats: last 2 years (weekly)', '/api/dashboard/stats', { start_date: isoDay(730), end_date: isoDay(0) }),
    dashboard('lead-aging', '/api/dashboard/lead-aging'),
    dashboard('top-accounts (limit 10)', '/api/dashboard/top-accounts'),
    dashboard('top-accounts (limit 50)', '/api/dashboard/top-accounts', { limit: 50 }),
  ];
}

async function request(app: App, token: string, c: Case): Promise<number> {
  const query = new URLSearchParams(Object.entries(c.query ?? {}).map(([k, v]) => [k, String(v)]));
  const started = performance.now();
  const res = await app.request(`${c.path}?${query}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${body.slice(0, 300)}`);
  return elapsed;
}

/** Nearest-rank percentile. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

async function measure(app: App, token: string, cases: Case[]) {
  const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (const c of cases) for (let i = 0; i < WARMUP_RUNS; i++) await request(app, token, c);
  // rounds interleave the cases, so a burst of load from elsewhere on the machine spreads over all of them
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      for (let i = round; i < RUNS; i += ROUNDS) samples.get(c)!.push(await request(app, token, c));
    }
  }
  console.log(`\n| case | p50 ms | p95 ms | max ms | p95 target ms | |\n|---|---:|---:|---:|---:|---|`);
  let missed = 0;
  for (const c of cases) {
    const sorted = samples.get(c)!.sort((x, y) => x - y);
    const p95 = percentile(sorted, 0.95);
    if (p95 >= c.target) missed++;
    console.log(
      `| ${c.name} | ${percentile(sorted, 0.5).toFixed(1)} | ${p95.toFixed(1)} | ${sorted.at(-1)!.toFixed(1)} | ${c.target} | ${p95 < c.target ? 'ok' : 'MISSED'} |`,
    );
  }
  console.log(`\n${cases.length - missed} of ${cases.length} cases within their p95 target (${RUNS} runs each)`);
}

async function tableSizes(pool: pg.Pool) {
  const { rows } = await pool.query<{ name: string; rows: string; heap: string; indexes: string }>(
    `SELECT c.relname AS name, c.reltuples::bigint::text AS rows,
            pg_size_pretty(pg_relation_size(c.oid)) AS heap, pg_size_pretty(pg_indexes_size(c.oid)) AS indexes
       FROM pg_class c WHERE c.relname IN ('leads', 'companies', 'deals', 'contacts') ORDER BY c.relname`,
  );
  for (const r of rows) console.log(`  ${r.name}: ${r.rows} rows, heap ${r.heap}, indexes ${r.indexes}`);
}

async function main() {
  const reuseUrl = process.env.BENCH_REUSE_URL;
  const keep = process.env.BENCH_KEEP_DATABASE === '1';
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  if (!reuseUrl) {
    const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
    scratch = await createScratchDatabase(adminUrl, 'scale');
  }
  const url = reuseUrl ?? scratch!.url;
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', JWT_SECRET, CREDENTIALS_KEY: randomBytes(32).toString('base64') });
  const database = createDatabase(url, { max: 10 });
  try {
    if (!reuseUrl) await timed('seeding', () => seed(database));
    await tableSizes(database.pool);
    const session = await login(database, JWT_SECRET, ADMIN_EMAIL, ADMIN_PASSWORD);
    const orgId = (await database.prisma.user.findUniqueOrThrow({ where: { email: ADMIN_EMAIL } })).org_id;
    const app = createApp({ config, database, logger: createLogger('silent'), services: createServices(config) });
    const only = process.env.BENCH_CASES?.split(',');
    const cases = (await casesFor(database.pool, orgId)).filter((c) => !only || only.some((word) => c.name.includes(word)));
    await measure(app, session.access_token, cases);
  } finally {
    await database.close();
    if (scratch && keep) console.log(`\nkept the seeded database: BENCH_REUSE_URL=${scratch.url}`);
    else await scratch?.drop();
  }
}

await main();

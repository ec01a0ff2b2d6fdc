// `npm run bench:rescore`: rescoring every lead of an organization end to
// end — a lead_rescore job recorded (with its outbox event), the relay
// starting its workflow on a worker process, the batches of 1,000 (one
// locking SELECT with company and heat joined, the score computed in JS with
// the organization's learned model, one UPDATE), until the job reads
// completed. The organization holds BENCH_LEADS leads (default 100,000; a
// tenth with intent heat, a third with a company), of which 400 have closed
// deals from which a model was trained and activated first. Beside it, the
// floor: one UPDATE writing every lead's score and a small scoring entry
// computed in SQL, no model, no batches.
//
//   DATABASE_URL      superuser URL of a running PostgreSQL; else the private test cluster
//   TEMPORAL_ADDRESS  a running Temporal server; else a dev server is started
//   BENCH_LEADS       leads in the organization (default 100000)
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createJob } from '../domain/jobs/job.service.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { createDatabase } from '../domain/platform/db.js';
import { trainScoringModel } from '../domain/scoring/scoring-training.js';
import { freePort } from '../scripts/infra/process.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { startTemporalDevServer } from '../scripts/infra/temporal.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';
import { industryDecides, seedOutcomes } from '../test/helpers/scoring-seed.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);
const OUTCOMES = 400;
const POLL_MS = 100;


async function main() {
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const temporal = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer({ port: await freePort(), fast: true });
  const scratch = await createScratchDatabase(adminUrl, 'benchrescore');
  let worker: WorkerProcess | undefined;
  try {
    const env = {
      DATABASE_URL: scratch.url,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? temporal!.address,
      TEMPORAL_TASK_QUEUE: `bench-rescore-${randomBytes(4).toString('hex')}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
    };
    const database = createDatabase(scratch.url, { max: 2 });
    const { org, admin } = await createOrganization(database, { name: 'Bench', admin: { email: `bench-${randomBytes(4).toString('hex')}@bench.example`, password: randomBytes(12).toString('hex'), first_name: 'Bench' } });
    const scope = { orgId: org.id, userId: admin.id };

    // the outcomes a model learns from, then the rest of the organization's leads
    await seedOutcomes(database.pool, org.id, industryDecides(OUTCOMES), 'bench');
    await database.pool.query(
      `INSERT INTO companies (org_id, company_name, industry_type, employee_size, country)
       SELECT $1, 'Company ' || n, (ARRAY['Software', 'Retail', 'Finance', 'Health'])[1 + n % 4], (ARRAY['1-10', '11-50', '51-200', '1000+'])[1 + n % 4], 'France'
         FROM generate_series(1, 1000) AS n`,
      [org.id],
    );
    await database.pool.query(
      `INSERT INTO leads (org_id, first_name, last_name, email, phone_number, job_title, company, company_id, industry, lead_source, estimated_value)
       SELECT $1, 'First' || n, 'Last' || n, 'lead' || n || '@company' || (n % 1000) || '.example',
              CASE WHEN n % 2 = 0 THEN '+1 415 555 ' || lpad((n % 10000)::text, 4, '0') END,
              (ARRAY['CEO', 'VP Sales', 'Sales Manager', 'Senior Engineer', 'Analyst'])[1 + n % 5], 'Company ' || (n % 1000),
              CASE WHEN n % 3 = 0 THEN (SELECT min(id) FROM companies WHERE org_id = $1) + n % 1000 END,
              (ARRAY['Software', 'Retail', 'Finance'])[1 + n % 3], 1 + n % 5, CASE WHEN n % 4 = 0 THEN n % 50000 END
         FROM generate_series(1, $2::int) AS n`,
      [org.id, LEADS - OUTCOMES],
    );
    await database.pool.query(
      `INSERT INTO lead_heat (org_id, lead_id, heat, heat_at)
       SELECT org_id, id, 1 + id % 20, now() - (id % 14) * interval '1 day' FROM leads WHERE org_id = $1 AND id % 10 = 0`,
      [org.id],
    );
    await database.pool.query('ANALYZE leads, companies, lead_heat, deals');
    const training = await createJob(database.pool, scope, { type: 'scoring_train', params: { trigger: 'bench' } });
    const trained = await trainScoringModel(database, { orgId: org.id, jobId: training.id }, admin.id);
    if (!('status' in trained) || trained.status !== 'active') throw new Error(`the model was not activated: ${JSON.stringify(trained)}`);
    // the rescoring the activation asked for is left out: the measured one is recorded once the worker runs
    await database.pool.query(`UPDATE jobs SET status = 'cancelled' WHERE id = $1`, [trained.rescore_job_id]);

    worker = await startWorkerProcess(env);
    // the worker's own start-up rounds (schedules, pruning) are not the rescoring's time
    await sleep(2000);

    const started = performance.now();
    const job = await createJob(database.pool, scope, { type: 'lead_rescore', params: { trigger: 'bench' } });
    let row: { status: string; processed: number; total: number | null; error: string | null };
    for (;;) {
      row = (await database.pool.query('SELECT status, processed, total, error FROM jobs WHERE id = $1', [job.id])).rows[0];
      if (row.status === 'completed' || row.status === 'failed') break;
      await sleep(POLL_MS);
    }
    const rescoreSeconds = (performance.now() - started) / 1000;
    if (row.status !== 'completed' || row.processed !== LEADS) throw new Error(`rescoring ended ${JSON.stringify(row)}`);
    const { rows: models } = await database.pool.query<{ model: string; n: number }>(
      `SELECT ai_information->'scoring'->>'model' AS model, count(*)::int AS n FROM leads WHERE org_id = $1 GROUP BY 1`,
      [org.id],
    );

    const floorStarted = performance.now();
    await database.pool.query(
      `UPDATE leads SET score = least(100, score + 1),
              ai_information = ai_information || jsonb_build_object('scoring', jsonb_build_object('score', least(100, score + 1), 'scored_at', now()))
        WHERE org_id = $1`,
      [org.id],
    );
    const floorSeconds = (performance.now() - floorStarted) / 1000;
    await database.close();

    console.log(`${LEADS} leads (${OUTCOMES} with closed deals; model ${trained.decision})`);
    console.log(`scored by: ${models.map((m) => `${m.model} ${m.n}`).join(', ')}`);
    console.log(`baseline: one UPDATE of every lead, score computed in SQL  ${floorSeconds.toFixed(2).padStart(6)} s  ${(LEADS / floorSeconds).toFixed(0).padStart(7)} leads/s`);
    console.log(`LIO lead_rescore (job recorded → completed, worker process) ${rescoreSeconds.toFixed(2).padStart(6)} s  ${(LEADS / rescoreSeconds).toFixed(0).padStart(7)} leads/s`);
    console.log(`ratio LIO / one UPDATE: ${(floorSeconds / rescoreSeconds).toFixed(2)}`);
  } finally {
    await worker?.stop();
    await scratch.drop();
    await temporal?.stop();
  }
}

await main();

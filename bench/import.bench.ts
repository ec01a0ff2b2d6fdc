// `npm run bench:import`: a 100,000-row CSV lead import end to end — the
// multipart upload over a real HTTP port, the job started through the
// outbox, the import workflow on a worker process, until the last row is
// committed — against a baseline in the same run: PostgreSQL's COPY of the
// same rows into the same table (its row triggers fire too), the least any
// import must do. Also the peak RSS of the API and worker processes: the
// upload is streamed to disk and the file read as a stream, so neither
// should grow with the file.
//
// API and worker run as child processes (this file with --serve api, and
// worker/worker.ts), so the figures are theirs alone.
//   DATABASE_URL      superuser URL of a running PostgreSQL; else the private test cluster
//   TEMPORAL_ADDRESS  a running Temporal server; else a dev server is started
//   BENCH_ROWS        rows in the file (default 100000; the cost's growth: 10000, 100000, 1000000)
//   BENCH_PROFILE     a directory: the worker writes a V8 CPU profile there (node --cpu-prof) when it exits
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, openAsBlob } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { createServices } from '../services/services.js';
import { login } from '../domain/identity/auth.service.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { createOrganization } from '../domain/identity/organization.service.js';
import { startPrivatePostgres, TEST_CLUSTER } from '../scripts/infra/postgres.js';
import { freePort, sleep } from '../scripts/infra/process.js';
import { startTemporalDevServer } from '../scripts/infra/temporal.js';
import { createScratchDatabase } from '../test/helpers/scratch-database.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const POLL_MS = 50;

/** The file: the columns a CRM export typically has, every email distinct, 1,000 companies. */
async function writeCsv(file: string, run: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('First Name,Last Name,Email,Phone,Company,Job Title,City,Country,Lead Source\n');
  for (let i = 0; i < ROWS; i++) {
    const line = `First${i},Last${i},lead${i}-${run}@company${i % 1000}.example,+1 415 555 ${String(i % 10_000).padStart(4, '0')},Company ${i % 1000},Sales Manager,Paris,France,1\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

/** The same rows as COPY reads them: the columns the import fills, dedupe key and score included. */
async function writeCopyCsv(file: string, run: string, orgId: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < ROWS; i++) {
    const email = `lead${i}-${run}@company${i % 1000}.example`;
    const line = `${orgId},First${i},Last${i},${email},${email},+1 415 555 ${String(i % 10_000).padStart(4, '0')},Company ${i % 1000},Sales Manager,Paris,France,1,1,2,60\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

/** Peak resident set size of a process, in MiB (Linux VmHWM). */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return Math.round(kib / 1024);
}

function child(args: string[], env: Record<string, string>, nodeFlags: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

const stop = (proc: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });

async function serveApi() {
  const config = loadConfig();
  const database = createDatabase(config.DATABASE_URL);
  const server = serve({ fetch: createApp({ config, database, logger: createLogger(config.LOG_LEVEL), services: createServices(config) }).fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    process.stdout.write(`${JSON.stringify({ port: info.port })}\n`),
  );
  process.once('SIGTERM', () => server.close(() => void database.close().then(() => process.exit(0))));
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  const temporal = process.env.TEMPORAL_ADDRESS ? null : await startTemporalDevServer({ port: await freePort(), fast: true });
  const scratch = await createScratchDatabase(adminUrl, 'benchimport');
  const dir = await mkdtemp(path.join(tmpdir(), 'lio-import-bench-'));
  const processes: ChildProcess[] = [];
  try {
    const env = {
      DATABASE_URL: scratch.url,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? temporal!.address,
      TEMPORAL_TASK_QUEUE: `bench-import-${randomBytes(4).toString('hex')}`,
      STORAGE_DIR: path.join(dir, 'storage'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'error',
      // 1,000,000 rows are a 108 MiB file, past the default upload limit of 100 MiB
      IMPORT_MAX_BYTES: String(1024 ** 3),
    };
    const database = createDatabase(scratch.url, { max: 2 });
    const password = randomBytes(12).toString('hex');
    const email = `bench-${randomBytes(4).toString('hex')}@bench.example`;
    const { org } = await createOrganization(database, { name: 'Bench', admin: { email, password, first_name: 'Bench' } });
    const { org: copyOrg } = await createOrganization(database, {
      name: 'Bench COPY',
      admin: { email: `copy-${email}`, password, first_name: 'Bench' },
    });
    const token = (await login(database, loadConfig(env).JWT_SECRET, email, password)).access_token;
    const run = randomBytes(3).toString('hex');
    const csvFile = path.join(dir, 'leads.csv');
    await writeCsv(csvFile, run);

    const api = child([fileURLToPath(import.meta.url), '--serve'], env);
    // info: the worker says when it runs (its start-up, bundling the workflows, is not the import's time)
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const worker = child([fileURLToPath(new URL('../worker/worker.ts', import.meta.url))], { ...env, LOG_LEVEL: 'info' }, profile);
    processes.push(api, worker);
    const port = await new Promise<number>((resolve) => api.stdout!.once('data', (line) => resolve((JSON.parse(String(line)) as { port: number }).port)));
    await new Promise<void>((resolve) => {
      let output = '';
      worker.stdout!.on('data', (chunk) => {
        output += chunk;
        if (output.includes('"worker running"')) resolve();
      });
    });

    const form = new FormData();
    form.append('file', await openAsBlob(csvFile), 'leads.csv');
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/lead/lead-imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const uploaded = performance.now();
    const body = (await res.json()) as { data: { id: number } };
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
    let job: { status: string; processed: number; failed: number; error: string | null };
    for (;;) {
      job = (await database.pool.query('SELECT status, processed, failed, error FROM jobs WHERE id = $1', [body.data.id])).rows[0];
      if (job.status === 'completed' || job.status === 'failed') break;
      await sleep(POLL_MS);
    }
    const importSeconds = (performance.now() - started) / 1000;
    if (job.status !== 'completed' || job.processed !== ROWS || job.failed !== 0) throw new Error(`import ended ${JSON.stringify(job)}`);
    const [apiRss, workerRss] = [await peakRssMiB(api.pid!), await peakRssMiB(worker.pid!)];

    // COPY reads the file server-side: it must be readable by the server's user
    const copyFile = path.join(dir, 'copy.csv');
    await writeCopyCsv(copyFile, run, copyOrg.id);
    await chmod(dir, 0o755);
    await chmod(copyFile, 0o644);
    const copyStarted = performance.now();
    await database.pool.query(
      `COPY leads (org_id, first_name, last_name, email, dedupe_email, phone_number, company, job_title, city, country, lead_source, status, priority, score)
       FROM '${copyFile}' WITH (FORMAT csv)`,
    );
    const copySeconds = (performance.now() - copyStarted) / 1000;
    await database.close();

    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const { size } = await openAsBlob(csvFile);
    console.log(`${ROWS} rows, ${mib(size)} MiB CSV, worker and API in their own processes`);
    console.log(`LIO import (upload → last row committed) ${importSeconds.toFixed(2).padStart(6)} s  ${(ROWS / importSeconds).toFixed(0).padStart(7)} rows/s   (upload ${((uploaded - started) / 1000).toFixed(2)} s)`);
    console.log(`baseline COPY into leads                ${copySeconds.toFixed(2).padStart(6)} s  ${(ROWS / copySeconds).toFixed(0).padStart(7)} rows/s`);
    console.log(`ratio LIO / COPY: ${(copySeconds / importSeconds).toFixed(2)}`);
    console.log(`peak RSS: API ${apiRss} MiB, worker ${workerRss} MiB`);
  } finally {
    for (const proc of processes) await stop(proc);
    await scratch.drop();
    await temporal?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serveApi();
} else {
  await main();
}

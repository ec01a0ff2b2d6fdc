// `npm run dev`: the whole system on embedded defaults. Starts (or reuses)
// a private PostgreSQL under .data/postgres and a Temporal dev server with
// its Web UI (SQLite file .data/temporal.db), applies migrations, seeds the
// demo organization, runs the API in this process and the worker in a child
// process of its own (restarted when it dies), and stops what it started on
// Ctrl-C. DATABASE_URL / TEMPORAL_ADDRESS point it at
// running services instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_CLUSTER, databaseExists, startPrivatePostgres, withAdminClient, withDatabase } from './infra/postgres.js';
import { run, sleep } from './infra/process.js';
import { startTemporalDevServer } from './infra/temporal.js';

const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;
const DEMO_KEY_FILE = '.data/demo-api-key';
const JWT_SECRET_FILE = '.data/jwt-secret';
const CREDENTIALS_KEY_FILE = '.data/credentials-key';
const WORKER_ENTRY = fileURLToPath(new URL('../worker/worker.ts', import.meta.url));
/** a worker that dies within this long of starting is crash-looping: each restart then waits longer (WORKER_RESTART_DELAYS_MS) */
const WORKER_STABLE_AFTER_MS = 60_000;
const WORKER_RESTART_DELAYS_MS = [1_000, 5_000, 30_000];
/** Ctrl-C lets the worker finish its current activities this long before it is killed */
const WORKER_STOP_GRACE_MS = 15_000;

const stops: (() => Promise<unknown>)[] = [];
const step = (what: string) => console.log(`• ${what}`);

async function database(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  step(`PostgreSQL: private cluster in ${DEV_CLUSTER.dataDir} on port ${DEV_CLUSTER.port}`);
  const cluster = await startPrivatePostgres(DEV_CLUSTER.dataDir, DEV_CLUSTER.port);
  stops.push(() => cluster.stop());
  if (!(await databaseExists(cluster.adminUrl, DEV_CLUSTER.database))) {
    await withAdminClient(cluster.adminUrl, (c) => c.query(`CREATE DATABASE "${DEV_CLUSTER.database}"`));
  }
  return withDatabase(cluster.adminUrl, DEV_CLUSTER.database);
}

async function temporal(): Promise<{ address: string; uiUrl: string | null }> {
  if (process.env.TEMPORAL_ADDRESS) return { address: process.env.TEMPORAL_ADDRESS, uiUrl: null };
  step(`Temporal: dev server on 127.0.0.1:${TEMPORAL_PORT}, Web UI on ${TEMPORAL_UI_PORT}`);
  mkdirSync('.data', { recursive: true });
  const server = await startTemporalDevServer({ port: TEMPORAL_PORT, uiPort: TEMPORAL_UI_PORT, dbFile: path.resolve('.data/temporal.db') });
  stops.unshift(() => server.stop());
  return server;
}

/**
 * The worker (`npm run worker`'s entry) in a process of its own, as in
 * production: a CPU-heavy activity (parsing an import, writing an export)
 * then cannot stall the API's event loop (issue 8 §5). It is restarted when it
 * dies, and the death is reported.
 */
function superviseWorker(env: NodeJS.ProcessEnv) {
  let child: ChildProcess;
  let restart: NodeJS.Timeout | undefined;
  let quickDeaths = 0;
  const start = () => {
    const startedAt = Date.now();
    child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], { env, stdio: 'inherit' });
    child.once('exit', (code, signal) => {
      // Ctrl-C reaches the worker too (same process group): that exit is the shutdown, not a death
      if (stopping) return;
      quickDeaths = Date.now() - startedAt < WORKER_STABLE_AFTER_MS ? quickDeaths + 1 : 0;
      const delay = quickDeaths === 0 ? 0 : WORKER_RESTART_DELAYS_MS[Math.min(quickDeaths, WORKER_RESTART_DELAYS_MS.length) - 1]!;
      console.error(`! the worker process exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s`);
      restart = setTimeout(start, delay);
    });
  };
  start();
  return {
    async stop() {
      clearTimeout(restart);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(WORKER_STOP_GRACE_MS).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/**
 * A secret setting the environment does not give (JWT_SECRET,
 * CREDENTIALS_KEY): a random one per data folder, made on the first start and
 * reused after, so that sessions and sealed credentials survive a restart and
 * no two installations share a secret (there is no default one).
 */
function dataFolderSecret(name: 'JWT_SECRET' | 'CREDENTIALS_KEY', file: string, make: () => string): string {
  const given = process.env[name];
  if (given) return given;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = make();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  step(`${name}: generated in ${file}`);
  return secret;
}

async function main() {
  const databaseUrl = await database();
  const prisma = (...args: string[]) => run('node_modules/.bin/prisma', args, { env: { ...process.env, DATABASE_URL: databaseUrl } });
  step('Prisma: generate client, apply migrations');
  await prisma('generate');
  await prisma('migrate', 'deploy');
  const { address: temporalAddress, uiUrl } = await temporal();

  // imported after `prisma generate`: they load the generated client
  const { loadConfig } = await import('../domain/platform/config.js');
  const { apiDatabaseOptions, createDatabase } = await import('../domain/platform/db.js');
  const { createLogger } = await import('../domain/platform/logger.js');
  const { startApiServer, closeServer } = await import('../api/server.js');
  const { seedDemo, seedSandbox, DEMO_LOGIN } = await import('../prisma/seed.js');
  const { secretBoxOf } = await import('../services/services.js');

  // the worker process is configured by the same environment as the API
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, JWT_SECRET: dataFolderSecret('JWT_SECRET', JWT_SECRET_FILE, () => randomBytes(48).toString('base64url')),
    CREDENTIALS_KEY: dataFolderSecret('CREDENTIALS_KEY', CREDENTIALS_KEY_FILE, () => randomBytes(32).toString('base64')),
    // nothing real is connected on a fresh machine: outbound mail, Slack, Teams and calls are recorded, not sent (README, Sandbox)
    SANDBOX_CONNECTORS: process.env.SANDBOX_CONNECTORS ?? 'true',
  };
  const config = loadConfig(env);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const db = createDatabase(config.DATABASE_URL, apiDatabaseOptions(config, logger));
  stops.unshift(() => db.close());

  const seeded = await seedDemo(db);
  if (config.SANDBOX_CONNECTORS) await seedSandbox(db, secretBoxOf(config));
  if (seeded.apiKey) writeFileSync(DEMO_KEY_FILE, `${seeded.apiKey}\n`, { mode: 0o600 });
  const demoKey = existsSync(DEMO_KEY_FILE) ? readFileSync(DEMO_KEY_FILE, 'utf8').trim() : '(see `npm run lio -- apikey:create`)';

  const worker = superviseWorker({ ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' });
  stops.unshift(() => worker.stop());
  const server = await startApiServer({ config, database: db, logger });
  stops.unshift(() => closeServer(server));

  const api = `http://localhost:${config.PORT}`;
  console.log(`
LIO is running.
  API            ${api}/api   (also ${api}/api/v1)
  API reference  ${api}/api/docs   (OpenAPI: ${api}/api/openapi.json)
  Temporal UI    ${uiUrl ?? `(external Temporal at ${temporalAddress})`}
  Demo login     ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}
  Demo API key   ${demoKey}${config.SANDBOX_CONNECTORS ? `\n  Sandbox        ${api}/sandbox   (mail, Slack, Teams and calls recorded, not sent)` : ''}

  curl -s -X POST ${api}/api/auth/login -H 'content-type: application/json' \\
       -d '{"email":"${DEMO_LOGIN.email}","password":"${DEMO_LOGIN.password}"}'
Ctrl-C stops everything this command started.`);
}

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping ...');
  for (const stop of stops) await stop().catch((err) => console.error(err));
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

main().catch(async (err) => {
  console.error(err);
  await shutdown(1);
});

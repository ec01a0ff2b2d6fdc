// `npm run dev`: the whole system on embedded defaults. Starts (or reuses)
// a private PostgreSQL under .data/postgres and a Temporal dev server with
// its Web UI (SQLite file .data/temporal.db), applies migrations, seeds the
// demo organization, runs the API and the worker in this process, and stops
// what it started on Ctrl-C. DATABASE_URL / TEMPORAL_ADDRESS point it at
// running services instead.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEV_CLUSTER, databaseExists, startPrivatePostgres, withAdminClient, withDatabase } from './infra/postgres.js';
import { run } from './infra/process.js';
import { startTemporalDevServer } from './infra/temporal.js';

const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;
const DEMO_KEY_FILE = '.data/demo-api-key';

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

async function main() {
  const databaseUrl = await database();
  const prisma = (...args: string[]) => run('node_modules/.bin/prisma', args, { env: { ...process.env, DATABASE_URL: databaseUrl } });
  step('Prisma: generate client, apply migrations');
  await prisma('generate');
  await prisma('migrate', 'deploy');
  const { address: temporalAddress, uiUrl } = await temporal();

  // imported after `prisma generate`: they load the generated client
  const { loadConfig } = await import('../domain/config.js');
  const { createDatabase } = await import('../domain/db.js');
  const { createLogger } = await import('../domain/logger.js');
  const { startApiServer, closeServer } = await import('../api/server.js');
  const { startWorkerRuntime } = await import('../activities/worker.js');
  const { seedDemo, DEMO_LOGIN } = await import('../prisma/seed.js');

  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress });
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const db = createDatabase(config.DATABASE_URL);
  stops.unshift(() => db.close());

  const seeded = await seedDemo(db);
  if (seeded.apiKey) writeFileSync(DEMO_KEY_FILE, `${seeded.apiKey}\n`, { mode: 0o600 });
  const demoKey = existsSync(DEMO_KEY_FILE) ? readFileSync(DEMO_KEY_FILE, 'utf8').trim() : '(see `npm run lio -- apikey:create`)';

  const worker = await startWorkerRuntime({ config, database: db, logger });
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
  Demo API key   ${demoKey}

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

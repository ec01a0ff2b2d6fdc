// Real infrastructure for the whole test run: a PostgreSQL database cloned
// from a template that `prisma migrate deploy` built (and `migrate diff`
// proved equal to schema.prisma), and a Temporal dev server.
//   TEST_DATABASE_URL      a superuser URL of a running server (CI); else a private cluster under .data/
//   TEST_TEMPORAL_ADDRESS  a running Temporal server; else a dev server is started on a free port
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { databaseExists, startPrivatePostgres, TEST_CLUSTER, withAdminClient, withDatabase } from '../scripts/infra/postgres.js';
import { freePort, run } from '../scripts/infra/process.js';
import { startTemporalDevServer } from '../scripts/infra/temporal.js';
import { schemathesisCli } from '../scripts/infra/schemathesis.js';
import { temporalTestServer } from '../scripts/infra/temporal-test-server.js';

const prisma = (args: string[], databaseUrl: string) =>
  run(path.resolve('node_modules/.bin/prisma'), args, { env: { ...process.env, DATABASE_URL: databaseUrl } });

function schemaFingerprint(): string {
  const hash = createHash('sha256').update(readFileSync('prisma/schema.prisma'));
  for (const dir of readdirSync('prisma/migrations').sort()) {
    if (dir.endsWith('.toml')) continue;
    hash.update(dir).update(readFileSync(path.join('prisma/migrations', dir, 'migration.sql')));
  }
  return hash.digest('hex').slice(0, 12);
}

async function ensureTemplate(adminUrl: string): Promise<string> {
  const template = `lio_tpl_${schemaFingerprint()}`;
  if (await databaseExists(adminUrl, template)) return template;
  const building = `lio_tplbuild_${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (c) => c.query(`CREATE DATABASE "${building}"`));
  const url = withDatabase(adminUrl, building);
  await prisma(['migrate', 'deploy'], url);
  // fails the run when schema.prisma has changes no migration carries
  await prisma(['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema-datamodel', 'prisma/schema.prisma', '--exit-code'], url);
  await withAdminClient(adminUrl, async (c) => {
    try {
      await c.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
    } catch {
      // a concurrent run published the same template first
      await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    }
  });
  return template;
}

export default async function setup(project: TestProject) {
  const cleanups: (() => Promise<unknown>)[] = [];
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    // left running after the run: concurrent test runs share it, and the next run starts faster
    adminUrl = (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
  }
  // the fuzz test needs the pinned schemathesis: installed here, once, so that a missing one fails the run instead of skipping
  await schemathesisCli();
  // likewise Temporal's time-skipping test server (Maven Central) for test/helpers/time-skipping.ts
  await temporalTestServer();
  await prisma(['generate'], adminUrl);
  const template = await ensureTemplate(adminUrl);
  const database = `lio_test_${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (c) => c.query(`CREATE DATABASE "${database}" TEMPLATE "${template}"`));
  cleanups.unshift(() => withAdminClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)));

  let temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const server = await startTemporalDevServer({ port: await freePort(), fast: true });
    temporalAddress = server.address;
    cleanups.unshift(() => server.stop());
  }

  const databaseUrl = withDatabase(adminUrl, database);
  project.provide('databaseUrl', databaseUrl);
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('temporalAddress', temporalAddress);

  return async () => {
    for (const cleanup of cleanups) await cleanup().catch((err) => console.error('test teardown:', err));
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
    temporalAddress: string;
  }
}

// Writes the SQL that takes the migrations folder to schema.prisma as a new
// migration: `npm run db:migration -- <name>`. (`prisma migrate dev
// --create-only` cannot run on the JS schema engine: ENGINEERING.md §6.)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPrivatePostgres, TEST_CLUSTER } from './infra/postgres.js';
import { run } from './infra/process.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <snake_case_name>');
  process.exit(2);
}
const databaseUrl =
  process.env.DATABASE_URL ?? (await startPrivatePostgres(TEST_CLUSTER.dataDir, TEST_CLUSTER.port, { durable: false })).adminUrl;
const sql = await run(
  path.resolve('node_modules/.bin/prisma'),
  ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
  { env: { ...process.env, DATABASE_URL: databaseUrl } },
);
const body = sql.slice(sql.indexOf('--'));
if (!body.trim() || /empty migration/.test(body)) {
  console.log('schema.prisma and the migrations agree: nothing to write');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join('prisma/migrations', `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'migration.sql'), body);
console.log(`wrote ${dir}/migration.sql`);

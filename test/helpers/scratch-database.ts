// A database of its own, for tests and benchmarks that must not share rows
// with anything else: a worker's outbox relay claims every due event in its
// database, so two test files relaying to different task queues from one
// database would steal each other's events.
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { withAdminClient, withDatabase } from '../../scripts/infra/postgres.js';
import { sleep } from '../../scripts/infra/process.js';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<unknown>;
}

const MIGRATIONS_DIR = path.resolve('prisma/migrations');

/**
 * Creates an empty database and applies prisma/migrations in order, each as
 * one script (the test run's global setup has already proven that the
 * migrations equal schema.prisma).
 */
export async function createScratchDatabase(adminUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `lio_${label}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = withDatabase(adminUrl, name);
  await withAdminClient(url, async (c) => {
    for (const dir of readdirSync(MIGRATIONS_DIR).filter((d) => !d.endsWith('.toml')).sort()) {
      await c.query(readFileSync(path.join(MIGRATIONS_DIR, dir, 'migration.sql'), 'utf8'));
    }
    // Workflow ids embed organization ids and every scratch database shares
    // one Temporal server: start organization ids at a random offset so that
    // "organization 1" of two databases never names the same workflow.
    await c.query(`SELECT setval('organizations_id_seq', $1)`, [randomInt(1_000_000, 2_000_000_000)]);
  });
  return {
    url,
    drop: () =>
      withAdminClient(adminUrl, async (c) => {
        // pg's Pool.end() resolves before its connections have closed: a forced
        // drop right away would kill them mid-goodbye, and the pool would raise
        // the error with nobody listening. Give them a moment to go.
        for (let waited = 0; waited < 5000; waited += 50) {
          const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0]!.n === 0) break;
          await sleep(50);
        }
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

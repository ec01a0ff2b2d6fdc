// A private PostgreSQL cluster under .data/ for dev and tests, from the
// system's PostgreSQL binaries. Real PostgreSQL, never another engine.
import { existsSync, mkdirSync, readdirSync, chownSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { run } from './process.js';

function postgresBinDir(): string {
  const fromConfig = (() => {
    try {
      return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  })();
  if (fromConfig && existsSync(path.join(fromConfig, 'initdb'))) return fromConfig;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin');
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) not found. Install PostgreSQL (e.g. `apt-get install postgresql`) or set DATABASE_URL to a running server.',
  );
}

// PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user.
const asRoot = process.getuid?.() === 0;
const runPg = (bin: string, args: string[]) =>
  asRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);

function ownDataDir(dir: string) {
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    if (statSync(dir).uid !== uid) chownSync(dir, uid, gid);
  }
}

// test clusters trade crash safety for speed; the dev cluster keeps PostgreSQL's defaults
const NON_DURABLE = ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';

/** The private cluster `npm run dev` and the admin CLI use when no DATABASE_URL is given. */
export const DEV_CLUSTER = { dataDir: '.data/postgres', port: 54320, database: 'lio' } as const;
export const DEV_DATABASE_URL = `postgresql://lio@127.0.0.1:${DEV_CLUSTER.port}/${DEV_CLUSTER.database}`;

/** The private cluster tests (and migration authoring) use when no TEST_DATABASE_URL is given. */
export const TEST_CLUSTER = { dataDir: '.data/test-postgres', port: 54330 } as const;

export interface PrivatePostgres {
  /** superuser URL of the `postgres` database, for creating databases */
  adminUrl: string;
  urlFor(database: string): string;
  /** stops the cluster if this call started it */
  stop(): Promise<void>;
}

export async function startPrivatePostgres(
  dataDir: string,
  port: number,
  options: { durable: boolean } = { durable: true },
): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = path.resolve(dataDir);
  ownDataDir(dir);
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    await runPg(path.join(bin, 'initdb'), ['-D', dir, '-U', 'lio', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  }
  const urlFor = (database: string) => `postgresql://lio@127.0.0.1:${port}/${database}`;
  let startedHere = false;
  const isRunning = () => runPg(path.join(bin, 'pg_ctl'), ['status', '-D', dir]).then(() => true, () => false);
  if (!(await isRunning())) {
    try {
      await runPg(path.join(bin, 'pg_ctl'), [
        'start', '-w', '-D', dir, '-l', path.join(dir, 'server.log'),
        '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300${options.durable ? '' : NON_DURABLE}`,
      ]);
      startedHere = true;
    } catch (err) {
      // another process (a concurrent test run) started it first
      if (!(await isRunning())) throw err;
    }
  }
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    async stop() {
      if (startedHere) await runPg(path.join(bin, 'pg_ctl'), ['stop', '-D', dir, '-m', 'fast']);
    },
  };
}

export async function withAdminClient<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withAdminClient(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

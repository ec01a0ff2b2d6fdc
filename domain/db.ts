import pg from 'pg';
import type { Logger } from 'pino';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Config } from './config.js';

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  /** the same pool Prisma uses, for the few hot paths measured to need raw SQL */
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * How a process's connections behave. Without limits (the CLI, migrations,
 * benchmarks' seeding) a statement may run and a caller may wait for a
 * connection for as long as it takes; the API sets all three (issue 8 §5:
 * slow searches held every pooled connection and everything else queued
 * behind them, unbounded, for minutes).
 */
export interface DatabaseOptions {
  /** pooled connections (default 10) */
  max?: number;
  /** PostgreSQL cancels a statement running longer (SQLSTATE 57014); 0 or absent: never */
  statementTimeoutMs?: number;
  /** PostgreSQL closes a connection left idle inside an open transaction this long, releasing its locks; 0 or absent: never */
  idleInTransactionTimeoutMs?: number;
  /** a query waiting longer than this for a free connection fails with "timeout exceeded when trying to connect"; 0 or absent: waits forever */
  acquireTimeoutMs?: number;
  /** where a connection the server closed (idle-in-transaction timeout, restart, administrator) is reported */
  logger?: Pick<Logger, 'warn'>;
}

/** The API process's settings: every statement, idle transaction and wait for a connection is bounded. */
export function apiDatabaseOptions(
  config: Pick<Config, 'DATABASE_POOL_SIZE' | 'DATABASE_STATEMENT_TIMEOUT_MS' | 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS' | 'DATABASE_ACQUIRE_TIMEOUT_MS'>,
  logger?: Pick<Logger, 'warn'>,
): DatabaseOptions {
  return {
    max: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
    logger,
  };
}

export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 0,
    // sent in the startup packet: per connection, without a round trip, and only for this process's pool
    statement_timeout: options.statementTimeoutMs || undefined,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs || undefined,
  });
  // A connection the server closes emits 'error' on its client, and pg-pool
  // listens only while the client is idle in the pool: a checked-out client
  // (say, one a handler left idle in a transaction until the server's timeout
  // ended it) would raise an unhandled 'error' event and stop the process.
  // Its next query fails instead, and the pool discards it on release.
  const connectionLost = (err: Error) => options.logger?.warn({ code: (err as { code?: string }).code }, 'database connection closed by the server');
  pool.on('error', connectionLost);
  pool.on('connect', (client) => client.on('error', connectionLost));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * Whether an error says the database is saturated for now rather than that
 * the request is wrong: no pooled connection came free within the acquire
 * timeout (pg-pool's error has no code, only its message; Prisma passes it
 * through unchanged, and a transaction whose maxWait ran out first is
 * P2028 "Unable to start a transaction in the given time", P2024 on
 * Prisma's own pool), or PostgreSQL cancelled a statement that ran past
 * statement_timeout (SQLSTATE 57014, which Prisma's raw queries wrap in
 * P2010 with the code in the message).
 */
export function databaseSaturation(err: unknown): 'pool_exhausted' | 'statement_timeout' | null {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (text === 'timeout exceeded when trying to connect' || code === 'P2024') return 'pool_exhausted';
  if (code === 'P2028' && text.includes('Unable to start a transaction in the given time')) return 'pool_exhausted';
  if (code === '57014' || (code === 'P2010' && text.includes('Code: `57014`'))) return 'statement_timeout';
  return null;
}

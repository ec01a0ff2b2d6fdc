import pg from 'pg';
import type { Logger } from 'pino';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client.js';
import { ChangeFeed } from './change-feed.js';
import type { Config } from './config.js';
import { DeadlineExceededError, remainingBudgetMs } from './request-deadline.js';

/**
 * The one database handle a domain function takes (first, as `db`): it picks
 * Prisma or raw SQL per statement itself, and opens transactions with
 * transaction.ts. When raw SQL is the right tool: docs/database.md.
 */
export interface Database {
  prisma: PrismaClient;
  /** the same pool Prisma uses, for raw SQL where docs/database.md says it is the right tool */
  pool: pg.Pool;
  /** this process's caches of API keys and lookups, kept exact by LISTEN/NOTIFY (change-feed.ts) */
  changes: ChangeFeed;
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

/** The lower of two timeouts where 0 means "none". */
const tighterTimeout = (a: number, b: number) => (a && b ? Math.min(a, b) : a || b);

/**
 * The API process's settings: every statement, idle transaction and wait for
 * a connection is bounded. A statement cannot usefully run longer than the
 * request that waits for it, so with a request deadline (REQUEST_TIMEOUT_MS)
 * the connections' statement_timeout is at most that deadline.
 */
export function apiDatabaseOptions(
  config: Pick<
    Config,
    'DATABASE_POOL_SIZE' | 'DATABASE_STATEMENT_TIMEOUT_MS' | 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS' | 'DATABASE_ACQUIRE_TIMEOUT_MS' | 'REQUEST_TIMEOUT_MS'
  >,
  logger?: Pick<Logger, 'warn'>,
): DatabaseOptions {
  return {
    max: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: tighterTimeout(config.DATABASE_STATEMENT_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
    logger,
  };
}

/**
 * The worker's settings: activities run long statements by design (an
 * export's cursor, an import batch), so its bounds are its own and wide; they
 * exist so that a statement or a transaction an activity abandoned (a hung
 * outside call inside it, a bug) cannot hold locks and a connection forever.
 */
export function workerDatabaseOptions(
  config: Pick<Config, 'WORKER_DATABASE_STATEMENT_TIMEOUT_MS' | 'WORKER_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'>,
  logger?: Pick<Logger, 'warn'>,
): DatabaseOptions {
  return {
    statementTimeoutMs: config.WORKER_DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.WORKER_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    logger,
  };
}

/**
 * A statement started this close to the full budget keeps the connection's
 * own statement_timeout (the budget itself, see apiDatabaseOptions) instead of
 * an exact one: it may end up to this much after the request's deadline, and
 * in exchange a fast request (ingestion: a few ms) never pays a round trip to
 * change the setting.
 */
const STATEMENT_BUDGET_SLACK_MS = 500;

/** a statement cancelled this close to the request's deadline was cancelled by it (the error arrives a little after) */
const DEADLINE_CANCEL_TOLERANCE_MS = 100;

// pg-pool's errors (no code) when connectionTimeoutMillis ran out waiting in its queue, or opening a new connection
const ACQUIRE_TIMEOUT_MESSAGES = ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout'];

/**
 * pg.Pool whose waits come out of the current request's budget
 * (request-deadline.ts): acquiring a connection waits at most the acquire
 * timeout or the time left, whichever is shorter, and a connection handed to
 * a request that has used more than the slack of its budget gets
 * statement_timeout = the time left (and the connection's own value back when
 * a fresh request takes it). Outside a request it is a plain pool.
 */
class BudgetedPool extends pg.Pool {
  /** statement_timeout each connection currently has, when it differs from the startup value */
  readonly #statementTimeouts = new WeakMap<pg.PoolClient, number>();

  constructor(
    config: pg.PoolConfig,
    private readonly defaultStatementTimeoutMs: number,
  ) {
    super(config);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void) {
    // pool.query() and Prisma's adapter come through here too (pool.query calls this.connect(callback))
    const acquired = this.acquireWithinBudget();
    if (!callback) return acquired;
    acquired.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (err: Error) => callback(err, undefined, () => undefined),
    );
  }

  private async acquireWithinBudget(): Promise<pg.PoolClient> {
    const remaining = remainingBudgetMs();
    if (remaining === undefined) return super.connect();
    if (remaining <= 0) throw new DeadlineExceededError();
    const configured = this.options.connectionTimeoutMillis ?? 0;
    const wait = Math.ceil(configured ? Math.min(configured, remaining) : remaining);
    // pg-pool 3.x reads connectionTimeoutMillis synchronously inside connect(), for this call's
    // wait in the queue and its new connection's handshake; a per-call option it does not have
    this.options.connectionTimeoutMillis = wait;
    let pending: Promise<pg.PoolClient>;
    try {
      pending = super.connect();
    } finally {
      this.options.connectionTimeoutMillis = configured;
    }
    const client = await pending.catch((err: Error) => {
      const budgetRanOut = (wait < configured || !configured) && ACQUIRE_TIMEOUT_MESSAGES.includes(err.message);
      throw budgetRanOut ? new DeadlineExceededError() : err;
    });
    try {
      await this.boundStatements(client, remainingBudgetMs() ?? remaining);
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    return client;
  }

  /** Gives the connection the statement_timeout this request can afford, when its current one differs. */
  private async boundStatements(client: pg.PoolClient, remaining: number) {
    const connectionDefault = this.defaultStatementTimeoutMs;
    if (remaining <= 0) throw new DeadlineExceededError();
    const wanted =
      connectionDefault && remaining + STATEMENT_BUDGET_SLACK_MS >= connectionDefault ? connectionDefault : Math.ceil(remaining);
    const current = this.#statementTimeouts.get(client) ?? connectionDefault;
    if (current === wanted) return;
    await client.query(`SET statement_timeout = ${wanted}`);
    this.#statementTimeouts.set(client, wanted);
  }
}

export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const pool = new BudgetedPool(
    {
      connectionString: url,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.acquireTimeoutMs ?? 0,
      // sent in the startup packet: per connection, without a round trip, and only for this process's pool
      statement_timeout: options.statementTimeoutMs || undefined,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs || undefined,
    },
    options.statementTimeoutMs ?? 0,
  );
  // A connection the server closes emits 'error' on its client, and pg-pool
  // listens only while the client is idle in the pool: a checked-out client
  // (say, one a handler left idle in a transaction until the server's timeout
  // ended it) would raise an unhandled 'error' event and stop the process.
  // Its next query fails instead, and the pool discards it on release.
  const connectionLost = (err: Error) => options.logger?.warn({ code: (err as { code?: string }).code }, 'database connection closed by the server');
  pool.on('error', connectionLost);
  pool.on('connect', (client) => client.on('error', connectionLost));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const changes = new ChangeFeed(url, options.logger);
  return {
    prisma,
    pool,
    changes,
    async close() {
      await changes.close();
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
 * P2010 with the code in the message), or the request's own deadline
 * passed (request-deadline.ts) while it waited.
 */
export function databaseSaturation(err: unknown): 'pool_exhausted' | 'statement_timeout' | 'deadline_exceeded' | null {
  if (err instanceof DeadlineExceededError) return 'deadline_exceeded';
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (ACQUIRE_TIMEOUT_MESSAGES.includes(text) || code === 'P2024') return 'pool_exhausted';
  if (code === 'P2028' && text.includes('Unable to start a transaction in the given time')) return 'pool_exhausted';
  if (code === '57014' || (code === 'P2010' && text.includes('Code: `57014`'))) {
    // cancelled at the request's deadline: the statement had the time the request had left (BudgetedPool)
    return (remainingBudgetMs() ?? Infinity) <= DEADLINE_CANCEL_TOLERANCE_MS ? 'deadline_exceeded' : 'statement_timeout';
  }
  return null;
}

// The one way to open a transaction (issue 9 §7), through raw SQL or through
// Prisma, and the one way to borrow a pooled connection for several
// statements. Who made a change: the activity feed and the notifications that
// follow from it are written by database triggers (migration
// *_activity_feed), which read the actor from the transaction-local setting
// lio.actor_id that a transaction with an actorId carries. Writes outside
// such a transaction, and with a null actor, are recorded as the system's.
import type pg from 'pg';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';

/** A pool, or one of its connections inside a transaction: what raw-SQL helpers that run either way take. */
export type SqlClient = pg.Pool | pg.PoolClient;

export interface TransactionOptions {
  /** whose change this is (lio.actor_id, read by the activity-feed triggers); null: the system's, e.g. an API key or a job */
  actorId: number | null;
  /** READ ONLY: PostgreSQL refuses any write in it */
  readOnly?: boolean;
  /** transaction-local server settings (as SET LOCAL), e.g. `{ jit: 'off' }` */
  settings?: Readonly<Record<string, string>>;
}

/** The transaction-local settings an options value asks for, the actor's among them. */
function localSettings({ actorId, settings }: TransactionOptions): [string, string][] {
  // unset, lio.actor_id already reads as no actor: a null actor costs nothing
  return [...(actorId === null ? [] : [['lio.actor_id', String(actorId)] as [string, string]]), ...Object.entries(settings ?? {})];
}

/**
 * Runs `work` on one pooled connection and returns it to the pool, as
 * pool.query() does: a connection whose work failed is discarded, not reused.
 * For several statements that must share a connection without a transaction.
 */
export async function withConnection<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    return await work(client);
  } catch (err) {
    failure = err as Error;
    throw err;
  } finally {
    client.release(failure);
  }
}

/**
 * Runs `work` in one transaction with these options, committed when it
 * resolves and rolled back when it throws. Given the pool, the work gets the
 * transaction's connection for raw SQL (BEGIN and every setting go in one
 * round trip); given Prisma, it gets Prisma's interactive transaction client.
 */
export function transaction<T>(db: pg.Pool, options: TransactionOptions, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
export function transaction<T>(db: PrismaClient, options: TransactionOptions, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T>;
export async function transaction<T>(
  db: pg.Pool | PrismaClient,
  options: TransactionOptions,
  work: ((client: pg.PoolClient) => Promise<T>) | ((tx: Prisma.TransactionClient) => Promise<T>),
): Promise<T> {
  const settings = localSettings(options);
  if ('$transaction' in db) {
    return db.$transaction(async (tx) => {
      if (options.readOnly) await tx.$executeRaw`SET TRANSACTION READ ONLY`;
      if (settings.length > 0) {
        await tx.$executeRaw`SELECT ${Prisma.join(settings.map(([name, value]) => Prisma.sql`set_config(${name}, ${value}, true)`))}`;
      }
      return (work as (tx: Prisma.TransactionClient) => Promise<T>)(tx);
    });
  }
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    const begin = options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN';
    const set = settings.map(([name, value]) => `set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`);
    await client.query(set.length > 0 ? `${begin}; SELECT ${set.join(', ')}` : begin);
    const result = await (work as (client: pg.PoolClient) => Promise<T>)(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // a connection whose rollback fails is discarded rather than returned to the pool
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    client.release(broken);
  }
}

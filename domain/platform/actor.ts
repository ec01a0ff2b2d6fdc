// Who made a change. The activity feed and the notifications that follow
// from a change are written by database triggers (migration
// *_activity_feed), which read the actor from the transaction-local setting
// lio.actor_id; withActor opens the transaction that carries it. Writes
// outside withActor, and with a null actor, are recorded as the system's.
import type pg from 'pg';
import { Prisma } from '../../generated/prisma/client.js';
import type { Db } from './db.js';

/** A pool, or one of its connections inside a transaction: what withActor's pg variant hands to its work. */
export type SqlClient = pg.Pool | pg.PoolClient;

const setActor = (actorId: number) => Prisma.sql`SELECT set_config('lio.actor_id', ${String(actorId)}, true)`;

/**
 * Runs `work` in one transaction whose writes are recorded as `actorId`'s
 * (null: the system, e.g. an API key). With a pg pool the work gets the
 * transaction's connection; with Prisma, the transaction client.
 */
export function withActor<T>(db: pg.Pool, actorId: number | null, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
export function withActor<T>(db: Db, actorId: number | null, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T>;
export async function withActor<T>(
  db: pg.Pool | Db,
  actorId: number | null,
  work: ((client: pg.PoolClient) => Promise<T>) | ((tx: Prisma.TransactionClient) => Promise<T>),
): Promise<T> {
  // unset, the setting already reads as no actor: a null actor costs no extra round trip
  const statement = actorId === null ? null : setActor(actorId);
  if ('$transaction' in db) {
    return db.$transaction(async (tx) => {
      if (statement) await tx.$executeRaw(statement);
      return (work as (tx: Prisma.TransactionClient) => Promise<T>)(tx);
    });
  }
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    if (statement) await client.query(statement.text, statement.values);
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

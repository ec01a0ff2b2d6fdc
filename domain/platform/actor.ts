// withActor is the form of transaction() (transaction.ts) that domain/jobs and
// activities/ still call; it goes once they call transaction() themselves
// (issue 9 §7: one way to open a transaction).
import type pg from 'pg';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { transaction } from './transaction.js';

export type { SqlClient } from './transaction.js';

/** transaction(db, { actorId }, work) */
export function withActor<T>(db: pg.Pool, actorId: number | null, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
export function withActor<T>(db: PrismaClient, actorId: number | null, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T>;
export function withActor<T>(
  db: pg.Pool | PrismaClient,
  actorId: number | null,
  work: ((client: pg.PoolClient) => Promise<T>) | ((tx: Prisma.TransactionClient) => Promise<T>),
): Promise<T> {
  return '$transaction' in db
    ? transaction(db, { actorId }, work as (tx: Prisma.TransactionClient) => Promise<T>)
    : transaction(db, { actorId }, work as (client: pg.PoolClient) => Promise<T>);
}

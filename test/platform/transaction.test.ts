// The one transaction mechanism (domain/platform/transaction.ts, issue 9 §7):
// both forms carry the actor and the requested settings inside the
// transaction only, commit what resolves and roll back what throws.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { transaction, withConnection } from '../../domain/platform/transaction.js';
import { createTestApp } from '../helpers/app.js';

const t = createTestApp();
afterAll(() => t.close());

interface Settings {
  actor: string | null;
  jit: string;
  read_only: string;
  pid: number;
}
const SETTINGS = `SELECT current_setting('lio.actor_id', true) AS actor, current_setting('jit') AS jit,
                          current_setting('transaction_read_only') AS read_only, pg_backend_pid() AS pid`;
const tableExists = async (name: string) => (await t.database.pool.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [name])).rows[0].e as boolean;
const probeTable = () => `transaction_probe_${randomBytes(4).toString('hex')}`;

describe('transaction() through raw SQL', () => {
  it('carries the actor, read-only mode and settings inside the transaction, and nothing after it', async () => {
    const row = await transaction(t.database.pool, { actorId: 42, readOnly: true, settings: { jit: 'off' } }, async (client) =>
      (await client.query<Settings>(SETTINGS)).rows[0]!,
    );
    expect(row).toMatchObject({ actor: '42', jit: 'off', read_only: 'on' });
    // the same connection, back in the pool (it hands out the idle connection released last)
    const after = (await t.database.pool.query<Settings>(SETTINGS)).rows[0]!;
    expect(after).toMatchObject({ pid: row.pid, jit: 'on', read_only: 'off' });
    expect(after.actor ?? '').toBe('');
  });

  it('refuses writes in a read-only transaction', async () => {
    await expect(
      transaction(t.database.pool, { actorId: null, readOnly: true }, (client) => client.query(`CREATE TABLE ${probeTable()} (id int)`)),
    ).rejects.toMatchObject({ code: '25006' }); // read_only_sql_transaction
  });

  it('records no actor for null and commits what resolves', async () => {
    const table = probeTable();
    const row = await transaction(t.database.pool, { actorId: null }, async (client) => {
      await client.query(`CREATE TABLE ${table} (id int)`);
      return (await client.query<Settings>(SETTINGS)).rows[0]!;
    });
    expect(row.actor ?? '').toBe('');
    expect(row.read_only).toBe('off');
    expect(await tableExists(table)).toBe(true);
    await t.database.pool.query(`DROP TABLE ${table}`);
  });

  it('rolls back what throws and passes the error on', async () => {
    const table = probeTable();
    const failure = new Error('work failed');
    await expect(
      transaction(t.database.pool, { actorId: 7 }, async (client) => {
        await client.query(`CREATE TABLE ${table} (id int)`);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await tableExists(table)).toBe(false);
  });

  it('quotes setting values, so a value cannot add a statement', async () => {
    const value = `x', true); DROP TABLE users; --`;
    const row = await transaction(t.database.pool, { actorId: null, settings: { 'lio.probe': value } }, async (client) =>
      (await client.query<{ v: string }>(`SELECT current_setting('lio.probe') AS v`)).rows[0]!,
    );
    expect(row.v).toBe(value);
  });
});

describe('transaction() through Prisma', () => {
  it('carries the actor, read-only mode and settings inside the transaction', async () => {
    const [row] = await transaction(t.database.prisma, { actorId: 9, readOnly: true, settings: { jit: 'off' } }, (tx) =>
      tx.$queryRawUnsafe<Settings[]>(SETTINGS),
    );
    expect(row).toMatchObject({ actor: '9', jit: 'off', read_only: 'on' });
  });

  it('commits what resolves and rolls back what throws', async () => {
    const kept = probeTable();
    await transaction(t.database.prisma, { actorId: 9 }, (tx) => tx.$executeRawUnsafe(`CREATE TABLE ${kept} (id int)`));
    expect(await tableExists(kept)).toBe(true);
    await t.database.pool.query(`DROP TABLE ${kept}`);

    const dropped = probeTable();
    await expect(
      transaction(t.database.prisma, { actorId: null }, async (tx) => {
        await tx.$executeRawUnsafe(`CREATE TABLE ${dropped} (id int)`);
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await tableExists(dropped)).toBe(false);
  });
});

describe('withConnection()', () => {
  it('runs the work on one connection and discards a connection whose work failed', async () => {
    const pids = await withConnection(t.database.pool, async (client) => {
      const first = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const second = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      return [first, second];
    });
    expect(pids[0]).toBe(pids[1]);

    let openWhileWorking = 0;
    await expect(
      withConnection(t.database.pool, async () => {
        openWhileWorking = t.database.pool.totalCount;
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(t.database.pool.totalCount).toBe(openWhileWorking - 1);
  });
});

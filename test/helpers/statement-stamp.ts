// Which statement wrote a row: its transaction id (xmin) and its command id
// within that transaction (cmin). Rows of one statement share both; a second
// statement, even in the same transaction, has another cmin. Tests use it to
// prove "written in one statement", not just "both rows exist".
import type pg from 'pg';

export async function statementStamps(pool: pg.Pool, rows: { table: string; id: number | bigint | string }[]) {
  return Promise.all(
    rows.map(async ({ table, id }) => {
      const { rows: [stamp] } = await pool.query<{ xmin: string; cmin: string }>(
        `SELECT xmin::text, cmin::text FROM ${table} WHERE id = $1`,
        [String(id)],
      );
      if (!stamp) throw new Error(`no ${table} row ${id}`);
      return stamp;
    }),
  );
}

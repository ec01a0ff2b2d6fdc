// Where sealed credentials live, and the context each is sealed under
// (secret-box.ts binds a value to it: a sealed value copied into another
// organization's row does not open there). The services that store
// credentials seal with these contexts; key rotation re-seals every column
// listed here, so a new table of credentials is added here or it would keep
// values only the old key opens.
import type { Database } from './db.js';
import type { SecretBox } from './secret-box.js';
import { transaction } from './transaction.js';

export const sealingContext = {
  connectedApp: (orgId: number, provider: string) => `connected_apps:${orgId}:${provider}`,
  mailConfiguration: (orgId: number) => `mail_configurations:${orgId}`,
};

interface SealedColumn {
  table: string;
  /** the row's columns the context is made of */
  contextColumns: string[];
  contextOf(row: Record<string, unknown>): string;
}

const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'connected_apps', contextColumns: ['org_id', 'provider'], contextOf: (r) => sealingContext.connectedApp(r.org_id as number, r.provider as string) },
  { table: 'mail_configurations', contextColumns: ['org_id'], contextOf: (r) => sealingContext.mailConfiguration(r.org_id as number) },
];

// rows re-sealed per transaction: short transactions, no long lock on a busy table
const ROTATION_BATCH = 500;

/**
 * Seals every stored credential that an older key sealed again under the
 * current key (CREDENTIALS_KEY), table by table, in short transactions; safe
 * to run while the system serves (a row is re-read under its lock) and to run
 * again (a row already under the current key is left alone). Returns how many
 * values were re-sealed per table.
 */
export async function resealCredentials(db: Database, secrets: SecretBox): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const column of SEALED_COLUMNS) {
    counts[column.table] = 0;
    let afterId = 0;
    for (;;) {
      const batch = await transaction(db.pool, { actorId: null }, async (client) => {
        const { rows } = await client.query<Record<string, unknown> & { id: number; secret_sealed: string }>(
          `SELECT id, secret_sealed, ${column.contextColumns.join(', ')} FROM ${column.table}
            WHERE id > $1 AND secret_sealed IS NOT NULL ORDER BY id LIMIT ${ROTATION_BATCH} FOR UPDATE`,
          [afterId],
        );
        for (const row of rows.filter((r) => secrets.isStale(r.secret_sealed))) {
          const context = column.contextOf(row);
          await client.query(`UPDATE ${column.table} SET secret_sealed = $2 WHERE id = $1`, [row.id, secrets.seal(secrets.open(row.secret_sealed, context), context)]);
          counts[column.table]! += 1;
        }
        return rows;
      });
      if (batch.length < ROTATION_BATCH) break;
      afterId = batch.at(-1)!.id;
    }
  }
  return counts;
}

// The ledger of an organization's AI credits and calling wallet (§6.9
// credits, §6.12 wallet): every debit and credit is one row of
// ledger_entries, the balance is their sum, kept beside them in
// ledger_balances by the same statement, and a CHECK constraint keeps it
// from ever going below zero. Concurrent debits queue on the balance row;
// one that would overdraw fails inside its own transaction, so a result paid
// for in the same transaction (a generated summary, a call's price) is never
// stored without its debit, nor the debit without the result.
//
// Each entry carries an idempotency key, unique per account: a retried debit
// (an activity run twice, a client repeating a request) is applied once.
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import type { SqlClient } from '../platform/transaction.js';

export const LEDGER_ACCOUNTS = ['ai_credits', 'voice_wallet'] as const;
export type LedgerAccount = (typeof LEDGER_ACCOUNTS)[number];

/** Credits every organization starts with, credited once, on its first use of the ledger. */
export const OPENING_AI_CREDITS = 1000;

export interface LedgerEntryInput {
  orgId: number;
  account: LedgerAccount;
  /** > 0 credits the account, < 0 debits it (whole credits, or minor units of the organization's currency) */
  amount: bigint | number;
  /** what it is for: an AI feature's name, "call", "top_up" */
  reason: string;
  /** the same key on the same account is the same entry: applied once however often it is posted */
  idempotencyKey: string;
  reference?: Record<string, unknown>;
  createdBy?: number | null;
}

export interface LedgerPosting {
  /** false when an entry with this key was already there (nothing changed) */
  applied: boolean;
  balance: bigint;
}

const CHECK_VIOLATION = '23514';

export const insufficientBalance = (account: LedgerAccount, needed: bigint | number, balance: bigint) =>
  new ApiError(
    'validation_error',
    account === 'ai_credits'
      ? `Not enough AI credits: this needs ${needed}, the organization has ${balance}`
      : `Not enough calling balance: this needs ${needed}, the wallet has ${balance} (minor units)`,
    { code: account === 'ai_credits' ? 'insufficient_credits' : 'insufficient_balance', meta: { needed: Number(needed), balance: Number(balance) } },
  );

/**
 * Posts one entry and moves the balance in one statement (after making sure
 * the balance row exists); on a pool or inside the caller's transaction. A
 * debit that would overdraw throws insufficientBalance with the balance it
 * found; inside a transaction the posting is rolled back to a savepoint
 * first (an aborted transaction could not read that balance), and the
 * transaction rolls back as a whole when the caller lets the error through.
 */
export async function postLedgerEntry(client: SqlClient, entry: LedgerEntryInput): Promise<LedgerPosting> {
  // The balance row is created at zero first, on its own: an upsert that carried the amount would hand the
  // not-negative trigger (BEFORE INSERT, which fires before ON CONFLICT turns the insert into an update) a
  // debit's negative amount as the new row, and refuse every debit whatever the balance.
  await client.query('INSERT INTO ledger_balances (org_id, account, balance) VALUES ($1, $2, 0) ON CONFLICT (org_id, account) DO NOTHING', [
    entry.orgId,
    entry.account,
  ]);
  const inTransaction = 'release' in client;
  try {
    if (inTransaction) await client.query('SAVEPOINT ledger_posting');
    // concurrent postings queue on the balance row's lock; each adds its amount to the balance the one before left
    const { rows } = await client.query<{ applied: boolean; balance: string | null }>(
      `WITH entry AS (
         INSERT INTO ledger_entries (org_id, account, amount, reason, idempotency_key, reference, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (org_id, account, idempotency_key) DO NOTHING
         RETURNING amount
       ), moved AS (
         UPDATE ledger_balances AS b SET balance = b.balance + entry.amount, updated_at = now()
           FROM entry
          WHERE b.org_id = $1 AND b.account = $2
         RETURNING b.balance
       )
       SELECT EXISTS (SELECT 1 FROM entry) AS applied,
              COALESCE((SELECT balance FROM moved), (SELECT balance FROM ledger_balances WHERE org_id = $1 AND account = $2)) AS balance`,
      [entry.orgId, entry.account, String(entry.amount), entry.reason, entry.idempotencyKey, JSON.stringify(entry.reference ?? {}), entry.createdBy ?? null],
    );
    if (inTransaction) await client.query('RELEASE SAVEPOINT ledger_posting');
    return { applied: rows[0]!.applied, balance: BigInt(rows[0]!.balance ?? 0) };
  } catch (err) {
    if ((err as { code?: string }).code === CHECK_VIOLATION && (err as { constraint?: string }).constraint === 'ledger_balances_not_negative') {
      if (inTransaction) await client.query('ROLLBACK TO SAVEPOINT ledger_posting');
      throw insufficientBalance(entry.account, -BigInt(entry.amount), await balanceOf(client, entry.orgId, entry.account));
    }
    throw err;
  }
}

async function balanceOf(client: SqlClient, orgId: number, account: LedgerAccount): Promise<bigint> {
  const { rows } = await client.query<{ balance: string }>('SELECT balance FROM ledger_balances WHERE org_id = $1 AND account = $2', [orgId, account]);
  return BigInt(rows[0]?.balance ?? 0);
}

/** The opening AI credits, credited once per organization (idempotent: safe on every use). */
export async function ensureOpeningCredits(client: SqlClient, orgId: number): Promise<void> {
  await postLedgerEntry(client, { orgId, account: 'ai_credits', amount: OPENING_AI_CREDITS, reason: 'opening_grant', idempotencyKey: 'opening-grant' });
}

/** The balance of one account, after the opening credits. */
export async function ledgerBalance(db: Database, orgId: number, account: LedgerAccount): Promise<bigint> {
  if (account === 'ai_credits') await ensureOpeningCredits(db.pool, orgId);
  return balanceOf(db.pool, orgId, account);
}

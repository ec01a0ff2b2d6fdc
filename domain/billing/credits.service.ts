// AI credits (§6.9): what each AI feature costs, in one table, and the two
// steps every feature takes around its model call. Before calling the model,
// assertCredits refuses (422 insufficient_credits) an organization that
// cannot pay, so no model call is made for nothing. After it, debitCredits
// posts the price on the ai_credits ledger inside the caller's transaction
// that also stores the generated result: both commit, or neither does, and
// when two requests raced past assertCredits the ledger's balance check
// still refuses the one that would overdraw (ledger.service.ts).
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { paged, type ListParams } from '../platform/list-query.js';
import type { SqlClient } from '../platform/transaction.js';
import { ensureOpeningCredits, insufficientBalance, ledgerBalance, OPENING_AI_CREDITS, postLedgerEntry } from './ledger.service.js';

export interface AiFeature {
  name: string;
  description: string;
  /** whole credits one use costs */
  credits: number;
}

/** The price list: every AI feature and what one use of it costs (GET /api/credits/ai-features answers it). */
export const AI_FEATURES = [
  { name: 'magicpen', description: 'Enhance the text of a note (POST /api/ai-tools/magicpen)', credits: 1 },
  { name: 'email_generator', description: 'Generate an email body from a prompt (POST /api/ai-tools/email-generator)', credits: 2 },
  { name: 'ai_email_draft', description: "Draft an email for a lead from its data, per lead (POST /api/ai-email/generate, bulk-generate)", credits: 2 },
  { name: 'ai_dashboard', description: 'Generate an AI dashboard', credits: 5 },
  { name: 'meeting_summary_brief', description: "A brief summary of a meeting's transcript (POST /api/meetings/:id/generate-summary, brief)", credits: 3 },
  { name: 'meeting_summary_detailed', description: "A detailed summary with action items of a meeting's transcript (generate-summary, detailed)", credits: 8 },
] as const satisfies readonly AiFeature[];

export type AiFeatureName = (typeof AI_FEATURES)[number]['name'];

/** A page of the price list, in the table's order. */
export function listAiFeatures(params: Pick<ListParams, 'page' | 'limit'>) {
  const start = (params.page - 1) * params.limit;
  return paged(AI_FEATURES.slice(start, start + params.limit), AI_FEATURES.length, params);
}

/** What one use of a feature costs. */
export const priceOf = (feature: AiFeatureName): number => AI_FEATURES.find((f) => f.name === feature)!.credits;

/** The organization's AI credits (the opening grant included). */
export async function creditBalance(db: Database, orgId: number): Promise<number> {
  return Number(await ledgerBalance(db, orgId, 'ai_credits'));
}

/**
 * Throws the ledger's insufficient_credits error (422) when the organization
 * cannot pay for one use of `feature`: call it before the model, so a request
 * that cannot be paid for costs no model call.
 */
export async function assertCredits(db: Database, orgId: number, feature: AiFeatureName): Promise<void> {
  const price = priceOf(feature);
  const balance = await ledgerBalance(db, orgId, 'ai_credits');
  if (balance < BigInt(price)) throw insufficientBalance('ai_credits', price, balance);
}

export interface CreditDebit {
  orgId: number;
  /** who used the feature; null for the system (a workflow acting on its own) */
  userId: number | null;
  feature: AiFeatureName;
  /** the same key for the same feature debits once however often it is posted (a retried activity, a repeated request) */
  idempotencyKey: string;
  /** what was paid for (e.g. { meeting_id }), kept on the ledger entry */
  reference?: Record<string, unknown>;
}

export interface CreditDebitResult {
  /** false when this key was already debited (nothing was taken twice) */
  applied: boolean;
  credits: number;
  balance: number;
}

/**
 * Debits one use of a feature. Meant for the caller's transaction that also
 * stores the result; throws insufficient_credits (and so aborts it) when the
 * balance does not cover the price. The key is namespaced by the feature, so
 * two features may use the same business id (a meeting's) as their key.
 */
export async function debitCredits(client: SqlClient, debit: CreditDebit): Promise<CreditDebitResult> {
  const credits = priceOf(debit.feature);
  // a first use must find the opening grant already there, or it would overdraw an empty account
  await ensureOpeningCredits(client, debit.orgId);
  const posting = await postLedgerEntry(client, {
    orgId: debit.orgId,
    account: 'ai_credits',
    amount: -credits,
    reason: debit.feature,
    idempotencyKey: `${debit.feature}:${debit.idempotencyKey}`,
    reference: { feature: debit.feature, ...debit.reference },
    createdBy: debit.userId,
  });
  return { applied: posting.applied, credits, balance: Number(posting.balance) };
}

export interface CreditStatement {
  balance: number;
  opening_grant: number;
  /** credits spent on AI features so far */
  spent: number;
  /** when the balance last moved (ISO) */
  updated_at: string;
}

/** The balance with what a client shows beside it: the opening grant, what was spent, when it last moved. */
export async function creditStatement(db: Database, { orgId }: Pick<Scope, 'orgId'>): Promise<CreditStatement> {
  await ensureOpeningCredits(db.pool, orgId);
  // one statement: the balance and the sum of debits read from the same snapshot
  const { rows } = await db.pool.query<{ balance: string; updated_at: Date; spent: string }>(
    `SELECT b.balance, b.updated_at,
            (SELECT COALESCE(-SUM(e.amount), 0) FROM ledger_entries e WHERE e.org_id = b.org_id AND e.account = b.account AND e.amount < 0) AS spent
       FROM ledger_balances b
      WHERE b.org_id = $1 AND b.account = 'ai_credits'`,
    [orgId],
  );
  const row = rows[0]!;
  return { balance: Number(row.balance), opening_grant: OPENING_AI_CREDITS, spent: Number(row.spent), updated_at: row.updated_at.toISOString() };
}

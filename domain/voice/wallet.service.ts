// The calling wallet (§6.12): the voice_wallet account of the ledger
// (domain/billing/ledger.service.ts), in minor units of the organization's
// currency. Every call's price is debited once (the key names the call), and
// the balance never goes below zero, however many calls settle at once.
import { insufficientBalance, ledgerBalance, postLedgerEntry } from '../billing/ledger.service.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';

/** Digits after the decimal point of a currency's minor unit (USD 2, JPY 0, BHD 3). */
export function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** A decimal amount ("0.0130") in whole minor units, rounded up: a fraction of a cent charged is a cent debited. */
export function toMinorUnits(amount: string, currency: string): bigint {
  const digits = minorUnitDigits(currency);
  const [whole = '0', fraction = ''] = amount.replace(/^-/, '').split('.');
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  const rest = fraction.slice(digits);
  const minor = BigInt(whole + kept);
  return /[1-9]/.test(rest) ? minor + 1n : minor;
}

/** Minor units as a decimal number of the currency (1234 USD -> 12.34). */
export const fromMinorUnits = (minor: bigint, currency: string) => Number(minor) / 10 ** minorUnitDigits(currency);

export async function organizationCurrency(db: Database, orgId: number): Promise<string> {
  return (await db.prisma.organization.findUniqueOrThrow({ where: { id: orgId }, select: { currency: true } })).currency;
}

export async function getWallet(db: Database, scope: Pick<Scope, 'orgId'>) {
  const [currency, balance] = await Promise.all([organizationCurrency(db, scope.orgId), ledgerBalance(db, scope.orgId, 'voice_wallet')]);
  return { currency, balance_minor: Number(balance), balance: fromMinorUnits(balance, currency) };
}

/** 422 insufficient_balance when the wallet cannot pay for any call. */
export async function assertWalletNotEmpty(db: Database, orgId: number): Promise<void> {
  const balance = await ledgerBalance(db, orgId, 'voice_wallet');
  if (balance <= 0n) throw insufficientBalance('voice_wallet', 1, balance);
}

/** The idempotency key of a call's charge: one per call, so a retried settlement debits once. */
export const callChargeKey = (callId: number) => `call:${callId}`;

export interface CallCharge {
  orgId: number;
  callId: number;
  /** what the provider charged, in minor units */
  priceMinor: bigint;
}

/**
 * Debits a finished call's price once. The call was made: its price is owed
 * whatever the wallet holds, but the wallet never goes negative, so a price
 * above the balance debits what is left and records the shortfall on the
 * entry (for the operator to collect). Concurrent settlements queue on the
 * balance row; a capped debit that loses a race reads the balance again.
 * On the pool, each attempt its own statement: inside a transaction the
 * first refused attempt would abort it.
 */
export async function debitCallCharge(db: Database, charge: CallCharge): Promise<{ debited: bigint; shortfall: bigint }> {
  const entry = { orgId: charge.orgId, account: 'voice_wallet' as const, reason: 'call', idempotencyKey: callChargeKey(charge.callId) };
  if (charge.priceMinor <= 0n) return { debited: 0n, shortfall: 0n };
  for (;;) {
    try {
      await postLedgerEntry(db.pool, { ...entry, amount: -charge.priceMinor, reference: { call_id: charge.callId } });
      return { debited: charge.priceMinor, shortfall: 0n };
    } catch (err) {
      if (!(err instanceof ApiError && err.options.code === 'insufficient_balance')) throw err;
      const balance = BigInt((err.options.meta?.balance as number | undefined) ?? 0);
      const shortfall = charge.priceMinor - balance;
      try {
        await postLedgerEntry(db.pool, { ...entry, amount: -balance, reference: { call_id: charge.callId, shortfall_minor: Number(shortfall) } });
        return { debited: balance, shortfall };
      } catch (capped) {
        // another debit took part of what was left meanwhile: read the balance again
        if (!(capped instanceof ApiError && capped.options.code === 'insufficient_balance')) throw capped;
      }
    }
  }
}

// §6.9 AI credits: the balance and the price list over the API, and the
// ledger's promises the AI features rely on: a debit is taken once per key,
// an organization that cannot pay is refused before anything is generated,
// and many concurrent debits never take the balance below zero. Each test
// seeds its own organizations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AI_FEATURES, assertCredits, creditBalance, debitCredits, priceOf, type AiFeatureName } from '../../domain/billing/credits.service.js';
import { OPENING_AI_CREDITS, postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { createDatabase, type Database } from '../../domain/platform/db.js';
import { ApiError } from '../../domain/platform/errors.js';
import { transaction } from '../../domain/platform/transaction.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

async function balanceOf(tenant: Pick<Tenant, 'token'>) {
  const res = await t.call('GET', '/api/credits', { token: tenant.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { balance: number; currency: string; opening_grant: number; spent: number; updated_at: string };
}

/** One use of a feature paid in its own transaction, as a feature that stores its result beside the debit does. */
const pay = (tenant: Tenant, feature: AiFeatureName, key: string, database: Database = t.database) =>
  transaction(database.pool, { actorId: tenant.adminId }, (client) =>
    debitCredits(client, { orgId: tenant.orgId, userId: tenant.adminId, feature, idempotencyKey: key, reference: { test: key } }),
  );

/** Leaves the organization exactly `credits` AI credits (a debit of the rest, as spending would). */
async function leaveCredits(tenant: Tenant, credits: number) {
  await creditBalance(t.database, tenant.orgId);
  await postLedgerEntry(t.database.pool, {
    orgId: tenant.orgId,
    account: 'ai_credits',
    amount: -(OPENING_AI_CREDITS - credits),
    reason: 'test_spending',
    idempotencyKey: 'test-spending',
  });
}

describe('GET /api/credits', () => {
  it('shows the opening grant to a new organization, then the balance after a debit, and not the other organization\'s debits', async () => {
    const [a, b] = await seedTwoTenants(t);
    const opening = await balanceOf(a);
    expect(opening).toMatchObject({ balance: OPENING_AI_CREDITS, currency: 'credits', opening_grant: OPENING_AI_CREDITS, spent: 0 });

    const paid = await pay(a, 'meeting_summary_brief', 'meeting-1');
    expect(paid).toEqual({ applied: true, credits: priceOf('meeting_summary_brief'), balance: OPENING_AI_CREDITS - priceOf('meeting_summary_brief') });

    const after = await balanceOf(a);
    expect(after).toMatchObject({ balance: OPENING_AI_CREDITS - priceOf('meeting_summary_brief'), spent: priceOf('meeting_summary_brief') });
    expect(Date.parse(after.updated_at)).toBeGreaterThanOrEqual(Date.parse(opening.updated_at));
    expect(await balanceOf(b)).toMatchObject({ balance: OPENING_AI_CREDITS, spent: 0 });
  });

  it('answers any role, and 401 without a token', async () => {
    const a = await seedTenant(t);
    const rep = await a.addUser('Sales Rep');
    expect((await balanceOf(rep)).balance).toBe(OPENING_AI_CREDITS);
    expect((await t.call('GET', '/api/credits')).status).toBe(401);
  });
});

describe('GET /api/credits/ai-features', () => {
  it('lists every AI feature with its price in the §5 list envelope', async () => {
    const a = await seedTenant(t);
    const res = await t.call('GET', '/api/credits/ai-features', { token: a.token, query: { limit: 100 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ success: true, total: AI_FEATURES.length, page: 1, limit: 100 });
    expect(res.body.data).toEqual(AI_FEATURES.map(({ name, description, credits }) => ({ name, description, credits })));
    const byName = Object.fromEntries((res.body.data as { name: string; credits: number }[]).map((f) => [f.name, f.credits]));
    expect(Object.keys(byName).sort()).toEqual(
      ['ai_dashboard', 'ai_email_draft', 'email_generator', 'magicpen', 'meeting_summary_brief', 'meeting_summary_detailed'].sort(),
    );
    expect(byName.meeting_summary_detailed).toBeGreaterThan(byName.meeting_summary_brief!);
  });

  it('pages through the list', async () => {
    const a = await seedTenant(t);
    const res = await t.call('GET', '/api/credits/ai-features', { token: a.token, query: { page: 2, limit: 2 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: AI_FEATURES.length, page: 2, limit: 2 });
    expect(res.body.data.map((f: { name: string }) => f.name)).toEqual(AI_FEATURES.slice(2, 4).map((f) => f.name));
  });
});

describe('credits ledger', () => {
  it('debits the same feature and key once, however often it is posted; another feature may reuse the key', async () => {
    const a = await seedTenant(t);
    const first = await pay(a, 'magicpen', 'note-7');
    const again = await pay(a, 'magicpen', 'note-7');
    expect(first.applied).toBe(true);
    expect(again).toEqual({ applied: false, credits: priceOf('magicpen'), balance: first.balance });
    const other = await pay(a, 'email_generator', 'note-7');
    expect(other).toMatchObject({ applied: true, balance: first.balance - priceOf('email_generator') });
    const { rows } = await t.database.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ledger_entries WHERE org_id = $1 AND account = 'ai_credits' AND amount < 0`,
      [a.orgId],
    );
    expect(Number(rows[0]!.n)).toBe(2);
  });

  it('refuses a feature the balance cannot pay for with 422 insufficient_credits before anything is debited', async () => {
    const a = await seedTenant(t);
    await leaveCredits(a, priceOf('meeting_summary_brief'));
    await expect(assertCredits(t.database, a.orgId, 'meeting_summary_brief')).resolves.toBeUndefined();
    const refusal = await assertCredits(t.database, a.orgId, 'meeting_summary_detailed').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 422, kind: 'validation_error', options: { code: 'insufficient_credits' } });
    expect(await creditBalance(t.database, a.orgId)).toBe(priceOf('meeting_summary_brief'));
  });

  it('a debit that would overdraw aborts the transaction it runs in: what was written before it does not commit either', async () => {
    const a = await seedTenant(t);
    await leaveCredits(a, priceOf('magicpen'));
    const failed = await transaction(t.database.pool, { actorId: a.adminId }, async (client) => {
      // the first write stands for the result a feature stores beside its debit; the second debit cannot be paid
      await debitCredits(client, { orgId: a.orgId, userId: a.adminId, feature: 'magicpen', idempotencyKey: 'note-1' });
      await debitCredits(client, { orgId: a.orgId, userId: a.adminId, feature: 'ai_dashboard', idempotencyKey: 'dash-1' });
    }).catch((err: unknown) => err);
    expect(failed).toMatchObject({ options: { code: 'insufficient_credits' } });
    const { rows } = await t.database.pool.query(`SELECT 1 FROM ledger_entries WHERE org_id = $1 AND reason IN ('magicpen', 'ai_dashboard')`, [a.orgId]);
    expect(rows).toEqual([]);
    expect(await creditBalance(t.database, a.orgId)).toBe(priceOf('magicpen'));
  });

  it('50 concurrent debits against a balance that covers some: exactly the affordable ones succeed, the rest get insufficient_credits, never below zero', async () => {
    const a = await seedTenant(t);
    const feature = 'meeting_summary_detailed';
    const price = priceOf(feature);
    const affordable = 12;
    const left = affordable * price + (price - 1);
    await leaveCredits(a, left);

    // a pool of its own, wide enough that the debits really overlap at the database (the test app's has 5 connections)
    const wide = createDatabase(t.deps.config.DATABASE_URL, { max: 25 });
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => pay(a, feature, `meeting-${i}`, wide))).finally(() => wide.close());
    const succeeded = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(succeeded).toHaveLength(affordable);
    expect(refused).toHaveLength(50 - affordable);
    for (const { reason } of refused) expect(reason).toMatchObject({ status: 422, options: { code: 'insufficient_credits' } });
    for (const o of succeeded) expect((o as PromiseFulfilledResult<{ balance: number }>).value.balance).toBeGreaterThanOrEqual(0);

    expect(await creditBalance(t.database, a.orgId)).toBe(price - 1);
    const { rows } = await t.database.pool.query<{ n: string; total: string }>(
      `SELECT count(*) AS n, COALESCE(SUM(amount), 0) AS total FROM ledger_entries WHERE org_id = $1 AND account = 'ai_credits' AND reason = $2`,
      [a.orgId, feature],
    );
    expect({ n: Number(rows[0]!.n), total: Number(rows[0]!.total) }).toEqual({ n: affordable, total: -affordable * price });
  });
});

// Rate limits an outside service imposes on one of its accounts (a Slack
// workspace, a Google or Microsoft mailbox, a Twilio account): after a 429
// with Retry-After, no process calls that account again before the time it
// named. Kept in PostgreSQL so every worker and API process honours it, not
// just the one that was told (issue 10: "a shared limiter, not per process").
import type { SqlClient } from './transaction.js';

/** Milliseconds until `account` of `provider` may be called again; 0 when it may now. */
export async function throttledFor(client: SqlClient, provider: string, account: string): Promise<number> {
  const { rows } = await client.query<{ wait_ms: string }>(
    `SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM (not_before - now())) * 1000)) AS wait_ms
       FROM provider_throttles WHERE provider = $1 AND account = $2`,
    [provider, account],
  );
  return Number(rows[0]?.wait_ms ?? 0);
}

/** Records that `account` may not be called for `retryAfterMs` (never shortening a longer pause already recorded). */
export async function throttleProvider(client: SqlClient, provider: string, account: string, retryAfterMs: number): Promise<void> {
  await client.query(
    `INSERT INTO provider_throttles AS t (provider, account, not_before)
     VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000))
     ON CONFLICT (provider, account) DO UPDATE SET not_before = GREATEST(t.not_before, EXCLUDED.not_before)`,
    [provider, account, Math.max(0, retryAfterMs)],
  );
}

// The shared provider throttle (domain/platform/provider-throttle.ts) as
// activities use it: a call to an account that is paused fails this attempt
// with a retryable failure whose nextRetryDelay is the pause left (Temporal
// then waits that long instead of its backoff), and a 429 is recorded for
// every process before this attempt fails the same way.
import { ApplicationFailure } from '@temporalio/activity';
import { throttledFor, throttleProvider } from '../domain/platform/provider-throttle.js';
import type { SqlClient } from '../domain/platform/transaction.js';

/** A retryable failure that waits at least `delayMs` (nextRetryDelay overrides the backoff for this attempt). */
export const retryAfter = (message: string, delayMs: number) =>
  ApplicationFailure.create({ message, type: 'rate_limited', nonRetryable: false, nextRetryDelay: Math.max(1, Math.ceil(delayMs)) });

/** Throws retryAfter when `account` of `provider` is paused (`what` names it in the failure). */
export async function waitOutThrottle(client: SqlClient, provider: string, account: string, what: string): Promise<void> {
  const waitMs = await throttledFor(client, provider, account);
  if (waitMs > 0) throw retryAfter(`${what} is rate limited for ${waitMs} ms more`, waitMs);
}

/** Records a 429's Retry-After for every process and returns the failure that ends this attempt until then. */
export async function pauseAfterRateLimit(client: SqlClient, provider: string, account: string, retryAfterMs: number, message: string) {
  await throttleProvider(client, provider, account, retryAfterMs);
  return retryAfter(message, retryAfterMs);
}

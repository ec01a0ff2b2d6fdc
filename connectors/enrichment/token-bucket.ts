// A client-side rate limiter shared by every caller in the process, so that
// concurrent batches together stay under the provider's limit. Calls are
// spaced evenly (a token bucket as GCRA: one "theoretical arrival time"
// instead of a token count; `burst` calls may go back to back), and the
// moment a caller is released the trailing second is checked too: timers on
// a busy event loop fire late and together, and without that check the
// callers queued behind a stall would leave in one burst above the limit.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimiter {
  /** resolves when the caller may make its call; rejects when `signal` aborts first */
  take(signal?: AbortSignal): Promise<void>;
}

const WINDOW_MS = 1000;

export function createTokenBucket(options: { ratePerSecond: number; burst?: number; now?: () => number }): RateLimiter {
  const interval = WINDOW_MS / options.ratePerSecond;
  const burst = options.burst ?? 1;
  const perWindow = Math.max(1, Math.floor(options.ratePerSecond));
  const now = options.now ?? (() => performance.now());
  let theoreticalArrival = 0;
  /** release times within the trailing window, oldest first */
  const released: number[] = [];
  return {
    async take(signal) {
      signal?.throwIfAborted();
      const t = now();
      const allowedAt = Math.max(t, theoreticalArrival - (burst - 1) * interval);
      // the slot is reserved now, so later callers queue behind this one
      theoreticalArrival = Math.max(theoreticalArrival, t) + interval;
      // timers fire on whole milliseconds: rounding up never lets a call start early
      if (allowedAt > t) await sleep(Math.ceil(allowedAt - t), undefined, { signal });
      for (;;) {
        const at = now();
        while (released.length > 0 && released[0]! <= at - WINDOW_MS) released.shift();
        if (released.length < perWindow) {
          released.push(at);
          return;
        }
        await sleep(Math.ceil(released[0]! + WINDOW_MS - at), undefined, { signal });
      }
    },
  };
}

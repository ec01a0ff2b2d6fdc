// Client-side request pacing shared by the connectors: every caller in the
// process that talks to one provider (or one account of it) takes a slot
// here first, so that concurrent activities together stay under the
// provider's limit instead of running into 429s; and the Retry-After of a
// 429 that still happens (other processes, other apps of the account).
//
// A slot is at most `maxRequests` per rolling `windowMs`, calls spaced by
// windowMs / maxRequests (a token bucket as GCRA: one "theoretical arrival
// time" instead of a token count) of which `burst` may go back to back.
// The moment a caller is released the trailing window is checked too:
// timers on a busy event loop fire late and together, and without that
// check the callers queued behind a stall would leave in one burst above
// the limit. Callers are released in the order they asked.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimiter {
  /** resolves when the caller may make its call; rejects when `signal` aborts first */
  take(signal?: AbortSignal): Promise<void>;
}

export interface RateLimit {
  maxRequests: number;
  windowMs: number;
  /** calls that may go back to back (default 1: evenly spaced); maxRequests: the window is the only bound */
  burst?: number;
}

/** Rejects when `signal` aborts (never resolves). */
const abortOf = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

export function createRateLimiter({ maxRequests, windowMs, burst = 1 }: RateLimit, now: () => number = () => performance.now()): RateLimiter {
  const interval = windowMs / maxRequests;
  const perWindow = Math.max(1, Math.floor(maxRequests));
  let theoreticalArrival = 0;
  /** release times within the trailing window, oldest first */
  const released: number[] = [];
  /** callers are released one after another, in the order they asked: none overtakes a waiting one */
  let queue: Promise<void> = Promise.resolve();

  async function release(allowedAt: number, signal?: AbortSignal) {
    signal?.throwIfAborted();
    const t = now();
    // timers fire on whole milliseconds: rounding up never lets a call start early
    if (allowedAt > t) await sleep(Math.ceil(allowedAt - t), undefined, { signal });
    for (;;) {
      const at = now();
      while (released.length > 0 && released[0]! <= at - windowMs) released.shift();
      if (released.length < perWindow) {
        released.push(at);
        return;
      }
      await sleep(Math.ceil(released[0]! + windowMs - at), undefined, { signal });
    }
  }

  return {
    take(signal) {
      signal?.throwIfAborted();
      const t = now();
      const allowedAt = Math.max(t, theoreticalArrival - (burst - 1) * interval);
      // the slot is reserved now, so later callers queue behind this one
      theoreticalArrival = Math.max(theoreticalArrival, t) + interval;
      const turn = queue.then(() => release(allowedAt, signal));
      queue = turn.catch(() => undefined);
      // an aborted caller leaves at once; its turn, when it comes, takes no slot
      return signal ? Promise.race([turn, abortOf(signal)]) : turn;
    },
  };
}

/** A Retry-After header (delay-seconds or an HTTP date) in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

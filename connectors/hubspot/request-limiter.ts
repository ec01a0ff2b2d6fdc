// A client-side ceiling on requests per rolling window, so an import stays
// under HubSpot's limit (100–190 requests per 10 s per account, by plan)
// instead of running into 429s. HubSpot counts per account, so one limiter
// is shared by every connector of the same token in this process; a 429
// that still happens (other processes, other apps of the account) is
// retried by the connector.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RequestLimiter {
  /** resolves when one more request fits in the window (and counts it) */
  acquire(): Promise<void>;
}

export function createRequestLimiter(maxRequests: number, windowMs: number): RequestLimiter {
  const sent: number[] = [];
  let queue: Promise<void> = Promise.resolve();
  const take = async () => {
    for (;;) {
      const now = Date.now();
      while (sent.length > 0 && sent[0]! <= now - windowMs) sent.shift();
      if (sent.length < maxRequests) {
        sent.push(now);
        return;
      }
      await sleep(sent[0]! + windowMs - now);
    }
  };
  return {
    // callers are served in order: a waiting request is never overtaken
    acquire() {
      const turn = queue.then(take);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

const sharedLimiters = new Map<string, { limiter: RequestLimiter; maxRequests: number; windowMs: number }>();

/** The process's limiter for one account (keyed by its token): every import of the account shares the budget. */
export function limiterFor(accountKey: string, maxRequests: number, windowMs: number): RequestLimiter {
  const existing = sharedLimiters.get(accountKey);
  if (existing && existing.maxRequests === maxRequests && existing.windowMs === windowMs) return existing.limiter;
  const limiter = createRequestLimiter(maxRequests, windowMs);
  sharedLimiters.set(accountKey, { limiter, maxRequests, windowMs });
  return limiter;
}

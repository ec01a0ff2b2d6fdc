// Fixed-window rate limiting whose counters live in PostgreSQL, so the limit
// holds across every API process. One upsert per request. The window is
// taken from the database's clock, not the process's: every instance then
// counts into the same window row even when their clocks disagree, and a
// test can read where the window stands from the same clock.
import { ApiError } from './errors.js';
import type { Database } from './db.js';

export interface RateLimitRule {
  /** what is limited, e.g. "login:ip:10.0.0.1" or "ingest:key:42" */
  bucket: string;
  limit: number;
  windowSeconds: number;
}

export async function enforceRateLimit(db: Database, rule: RateLimitRule): Promise<void> {
  const { rows } = await db.pool.query<{ hits: number; seconds_left: number }>(
    `WITH clock AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / $2) * $2) AS window_start)
     INSERT INTO rate_limit_windows (bucket, window_start, hits)
     SELECT $1, window_start, 1 FROM clock
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1
     RETURNING hits, (SELECT extract(epoch FROM window_start) + $2 - extract(epoch FROM now()) FROM clock)::float8 AS seconds_left`,
    [rule.bucket, rule.windowSeconds],
  );
  const { hits, seconds_left } = rows[0]!;
  if (hits > rule.limit) {
    throw new ApiError('rate_limited', 'Too many requests, retry later', { retryAfterSeconds: Math.max(1, Math.ceil(seconds_left)) });
  }
}

/** Drops windows that ended; called periodically by the worker. */
export async function pruneRateLimitWindows(db: Database, olderThan: Date): Promise<number> {
  const result = await db.pool.query('DELETE FROM rate_limit_windows WHERE window_start < $1', [olderThan]);
  return result.rowCount ?? 0;
}

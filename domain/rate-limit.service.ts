// Fixed-window rate limiting whose counters live in PostgreSQL, so the limit
// holds across every API process. One upsert per request.
import type pg from 'pg';
import { ApiError } from './errors.js';

export interface RateLimitRule {
  /** what is limited, e.g. "login:ip:10.0.0.1" or "ingest:key:42" */
  bucket: string;
  limit: number;
  windowSeconds: number;
}

export async function enforceRateLimit(pool: pg.Pool, rule: RateLimitRule, now = Date.now()): Promise<void> {
  const windowMs = rule.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now / windowMs) * windowMs);
  const { rows } = await pool.query<{ hits: number }>(
    `INSERT INTO rate_limit_windows (bucket, window_start, hits) VALUES ($1, $2, 1)
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1
     RETURNING hits`,
    [rule.bucket, windowStart],
  );
  if (rows[0]!.hits > rule.limit) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now) / 1000));
    throw new ApiError('rate_limited', 'Too many requests, retry later', { retryAfterSeconds });
  }
}

/** Drops windows that ended; called periodically by the worker. */
export async function pruneRateLimitWindows(pool: pg.Pool, olderThan: Date): Promise<number> {
  const result = await pool.query('DELETE FROM rate_limit_windows WHERE window_start < $1', [olderThan]);
  return result.rowCount ?? 0;
}

// Fixed-window rate limiting whose counters live in PostgreSQL, so the limit
// holds across every API process. One upsert per request. The window is
// taken from the database's clock, not the process's: every instance then
// counts into the same window row even when their clocks disagree, and a
// test can read where the window stands from the same clock. A write that
// can go in one statement counts its request in that statement
// (rateLimitHitCte: API-key ingestion, domain/leads/lead.service.ts).
import { ApiError } from './errors.js';
import type { Database } from './db.js';

export interface RateLimitRule {
  /** what is limited, e.g. "login:ip:10.0.0.1" or "ingest:key:42" */
  bucket: string;
  limit: number;
  windowSeconds: number;
}

/**
 * The counting upsert as a CTE named `hit` (one row: `hits` in the window so
 * far, this one included, and `seconds_left` in it), for statements that
 * count a request together with its work; `bucket` and `windowSeconds` are
 * the statement's parameter references, e.g. '$1'.
 */
export function rateLimitHitCte(bucket: string, windowSeconds: string): string {
  return `clock AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / ${windowSeconds}) * ${windowSeconds}) AS window_start),
     hit AS (
       INSERT INTO rate_limit_windows (bucket, window_start, hits)
       SELECT ${bucket}, window_start, 1 FROM clock
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1
       RETURNING hits, (SELECT extract(epoch FROM window_start) + ${windowSeconds} - extract(epoch FROM now()) FROM clock)::float8 AS seconds_left
     )`;
}

/** 429, with the seconds left in the window to retry after, when the counted request went over the limit. */
export function assertWithinLimit(rule: RateLimitRule, counted: { hits: number; seconds_left: number }): void {
  if (counted.hits > rule.limit) {
    throw new ApiError('rate_limited', 'Too many requests, retry later', { retryAfterSeconds: Math.max(1, Math.ceil(counted.seconds_left)) });
  }
}

export async function enforceRateLimit(db: Database, rule: RateLimitRule): Promise<void> {
  const { rows } = await db.pool.query<{ hits: number; seconds_left: number }>(
    `WITH ${rateLimitHitCte('$1', '$2')} SELECT hits, seconds_left FROM hit`,
    [rule.bucket, rule.windowSeconds],
  );
  assertWithinLimit(rule, rows[0]!);
}

/** Drops windows that ended; called periodically by the worker. */
export async function pruneRateLimitWindows(db: Database, olderThan: Date): Promise<number> {
  const result = await db.pool.query('DELETE FROM rate_limit_windows WHERE window_start < $1', [olderThan]);
  return result.rowCount ?? 0;
}

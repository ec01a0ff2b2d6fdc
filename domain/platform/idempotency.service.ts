// Idempotency-Key support: the first request with a key claims it (one
// INSERT ... ON CONFLICT DO NOTHING, so concurrent retries cannot both act),
// its response is stored, and later requests with the same key get that
// response back verbatim instead of acting twice.
import { createHash } from 'node:crypto';
import { ApiError } from './errors.js';
import type { Database } from './db.js';

/** Records are kept this long; the worker prunes older ones. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;

// A claim whose request never finished (its process died) is taken over by
// a retry after this long, instead of answering "in progress" for a day.
const ABANDONED_CLAIM_SECONDS = 60;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotentRequest {
  orgId: number;
  key: string;
  /** requestFingerprint() of what the request asks for */
  fingerprint: string;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The same request in any key order gives the same fingerprint. */
export const requestFingerprint = (request: { method: string; path: string; body: unknown }) =>
  createHash('sha256').update(canonicalJson(request)).digest('hex');

/** Claims the key; returns the claim's timestamp (its identity), or null when someone else holds the key. */
async function claim(db: Database, request: IdempotentRequest): Promise<Date | null> {
  const { rows } = await db.pool.query<{ created_at: Date }>(
    `INSERT INTO idempotency_records (org_id, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (org_id, key) DO UPDATE SET created_at = now()
       WHERE idempotency_records.status_code IS NULL
         AND idempotency_records.request_hash = EXCLUDED.request_hash
         AND idempotency_records.created_at < now() - make_interval(secs => $4)
     RETURNING created_at`,
    [request.orgId, request.key, request.fingerprint, ABANDONED_CLAIM_SECONDS],
  );
  return rows[0]?.created_at ?? null;
}

const stillInProgress = () =>
  new ApiError('conflict', 'A request with this Idempotency-Key is still being processed; retry later', {
    code: 'idempotency_in_progress',
  });

/** What the holder of the key has stored, or null when the key was released meanwhile. */
async function storedOutcome(db: Database, request: IdempotentRequest): Promise<StoredResponse | null> {
  const { rows } = await db.pool.query<{ request_hash: string; status_code: number | null; response: unknown }>(
    'SELECT request_hash, status_code, response FROM idempotency_records WHERE org_id = $1 AND key = $2',
    [request.orgId, request.key],
  );
  const record = rows[0];
  if (!record) return null;
  if (record.request_hash !== request.fingerprint) {
    throw new ApiError('validation_error', 'This Idempotency-Key was already used for a different request', {
      code: 'idempotency_key_reused',
    });
  }
  if (record.status_code === null) {
    throw stillInProgress();
  }
  return { status: record.status_code, body: record.response };
}

/**
 * Runs `action` once per (organization, key). A retry of a finished request
 * gets the stored response (`replayed: true`); if the action throws, the
 * claim is released so that a retry can act.
 */
export async function runIdempotently(
  db: Database,
  request: IdempotentRequest,
  action: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  // a key released between our failed claim and the lookup is claimable again
  for (let attempt = 0; attempt < 3; attempt++) {
    const claimedAt = await claim(db, request);
    if (!claimedAt) {
      const stored = await storedOutcome(db, request);
      if (stored) return { ...stored, replayed: true };
      continue;
    }
    const ownClaim = [request.orgId, request.key, claimedAt];
    let response: StoredResponse;
    try {
      response = await action();
    } catch (err) {
      await db.pool.query('DELETE FROM idempotency_records WHERE org_id = $1 AND key = $2 AND created_at = $3', ownClaim);
      throw err;
    }
    await db.pool.query(
      'UPDATE idempotency_records SET status_code = $4, response = $5 WHERE org_id = $1 AND key = $2 AND created_at = $3',
      [...ownClaim, response.status, JSON.stringify(response.body)],
    );
    return { ...response, replayed: false };
  }
  throw stillInProgress();
}

export async function pruneIdempotencyRecords(db: Database, olderThan: Date): Promise<number> {
  const result = await db.pool.query('DELETE FROM idempotency_records WHERE created_at < $1', [olderThan]);
  return result.rowCount ?? 0;
}

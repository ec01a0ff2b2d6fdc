// What one request may take of the process (issue 8 §5: one organization's
// searches held every pooled connection while everyone else queued for up to
// minutes): a deadline for all its waits together, after which it answers 503
// with Retry-After, and its organization's share of concurrent reads, beyond
// which it answers 429 at once instead of queueing for a connection.
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../../domain/platform/config.js';
import { ApiError } from '../../domain/platform/errors.js';
import { DeadlineExceededError, withDeadline } from '../../domain/platform/request-deadline.js';
import type { AppEnv } from '../app-env.js';

/** Requests in progress per organization, in this process, against one limit. */
export class OrganizationSlots {
  readonly #inUse = new Map<number, number>();

  constructor(readonly limit: number) {}

  /** Takes one of the organization's slots; false when all `limit` are in use. */
  take(orgId: number): boolean {
    const inUse = this.#inUse.get(orgId) ?? 0;
    if (inUse >= this.limit) return false;
    this.#inUse.set(orgId, inUse + 1);
    return true;
  }

  give(orgId: number): void {
    const inUse = (this.#inUse.get(orgId) ?? 1) - 1;
    if (inUse > 0) this.#inUse.set(orgId, inUse);
    else this.#inUse.delete(orgId);
  }
}

/** ORG_CONCURRENT_READ_LIMIT, by default half the pool: one organization can never hold all the connections. */
export const organizationReadLimit = (config: Pick<Config, 'ORG_CONCURRENT_READ_LIMIT' | 'DATABASE_POOL_SIZE'>) =>
  config.ORG_CONCURRENT_READ_LIMIT ?? Math.ceil(config.DATABASE_POOL_SIZE / 2);

const isMultipart = (contentType: string | undefined) => contentType?.toLowerCase().startsWith('multipart/form-data') ?? false;

/**
 * Gives every request its organization's read slots (counted by
 * limitOrganizationReads once the caller is known) and a deadline of
 * REQUEST_TIMEOUT_MS: the database pool takes each wait out of what is left
 * (domain/platform/db.ts), and a request still unanswered at the deadline answers 503
 * `request_timeout` then, whatever it waits for. Its remaining database work
 * stops at its next query, or by statement_timeout. Multipart uploads have no
 * deadline: they last as long as the client takes to send the file (bounded
 * by its size limit), and their queries keep the pool's own bounds.
 */
export function requestBudget(config: Pick<Config, 'REQUEST_TIMEOUT_MS' | 'ORG_CONCURRENT_READ_LIMIT' | 'DATABASE_POOL_SIZE'>): MiddlewareHandler<AppEnv> {
  const organizationReads = new OrganizationSlots(organizationReadLimit(config));
  const budgetMs = config.REQUEST_TIMEOUT_MS;
  return async (c, next) => {
    c.set('organizationReads', organizationReads);
    if (!budgetMs || isMultipart(c.req.header('content-type'))) return next();
    await withDeadline(budgetMs, async () => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceededError()), budgetMs);
      });
      try {
        // the handler may go on after the deadline answered; what it does then is answered to no one
        await Promise.race([next(), expired]);
      } finally {
        clearTimeout(timer);
      }
    });
  };
}

/**
 * After authentication: a read (GET) beyond the organization's limit of reads
 * in progress answers 429 with Retry-After at once. Reads are what can be
 * arbitrarily expensive (searches, lists, dashboards); writes are single
 * scoped statements, and ingestion has its own rate limit.
 */
export const limitOrganizationReads: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
  const { orgId } = c.var.auth;
  const slots = c.var.organizationReads;
  if (!slots.take(orgId)) {
    throw new ApiError('rate_limited', `This organization already has ${slots.limit} requests in progress; retry shortly`, {
      code: 'too_many_concurrent_requests',
      retryAfterSeconds: 1,
    });
  }
  try {
    await next();
  } finally {
    slots.give(orgId);
  }
};

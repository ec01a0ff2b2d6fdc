// HubSpot CRM through the official client (@hubspot/api-client) at a
// configurable base path: reads property definitions and pages through
// contacts and companies (the list endpoint, or search when a modified-date
// window is given). Requests go through a per-account limiter and are
// retried on 429 (honouring Retry-After) and on 5xx/network failures with
// exponential backoff; a wrong token is a HubspotAuthError, never retried.
// Every request goes out through the egress (connectors/egress.ts); any other
// failure becomes a HubspotRequestError whose message names the HTTP status
// or the egress failure, never HubSpot's (or an impostor's) answer body.
// The composition root (services/) builds one HubspotConnectors per process;
// it holds the accounts' limiters and makes a connector per connected account.
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { Egress } from '../egress.js';
import { createRateLimiter, retryAfterMs, type RateLimiter } from '../rate-limiter.js';

export const HUBSPOT_OBJECTS = ['contacts', 'companies'] as const;
export type HubspotObject = (typeof HUBSPOT_OBJECTS)[number];

/** The property HubSpot keeps each object's last modification in (they differ). */
export const LAST_MODIFIED_PROPERTY: Record<HubspotObject, string> = {
  contacts: 'lastmodifieddate',
  companies: 'hs_lastmodifieddate',
};

/** HubSpot's largest page for both the list and the search endpoints that this connector uses. */
export const HUBSPOT_MAX_PAGE_SIZE = 100;

export interface HubspotProperty {
  name: string;
  label: string;
  type: string;
  field_type: string;
  group_name: string;
  description: string;
  /** false for properties HubSpot computes (read-only) */
  modifiable: boolean;
}

export interface HubspotRecord {
  id: string;
  properties: Record<string, string | null>;
}

export interface HubspotPageRequest {
  /** cursor from the previous page; undefined for the first */
  after?: string;
  limit: number;
  properties: string[];
  /** only records last modified within [from, to] (either bound optional) */
  modifiedFrom?: Date;
  modifiedTo?: Date;
}

export interface HubspotPage {
  records: HubspotRecord[];
  /** cursor of the next page; null after the last */
  nextAfter: string | null;
}

export interface HubspotConnector {
  listProperties(object: HubspotObject): Promise<HubspotProperty[]>;
  fetchPage(object: HubspotObject, request: HubspotPageRequest): Promise<HubspotPage>;
}

/** A connected HubSpot account: its private app token and the API address to use for it. */
export interface HubspotAccount {
  accessToken: string;
  basePath: string;
}

export interface HubspotConnectorOptions {
  /** attempts per request before the error is handed to the caller (whose activity retry takes over) */
  maxAttempts?: number;
}

export interface HubspotSettings {
  egress: Egress;
  /** each account's request budget per 10 s */
  requestsPer10s: number;
}

/** Makes the connector of an account; connectors of one token share that account's limiter. */
export interface HubspotConnectors {
  forAccount(account: HubspotAccount, options?: HubspotConnectorOptions): HubspotConnector;
  /** what a call's error stands for (kind token_rejected or unavailable), for callers that know the connector by its interface only; else null */
  failureOf(err: unknown): HubspotAuthError | HubspotRequestError | null;
}

/** HubSpot refused the token (401/403): retrying cannot help until the app is reconnected. */
export class HubspotAuthError extends Error {
  readonly kind = 'token_rejected';
  constructor(status: number) {
    super(`HubSpot refused the access token (HTTP ${status}); reconnect HubSpot with a valid private app token`);
    this.name = 'HubspotAuthError';
  }
}

/** HubSpot failed, could not be reached, or was not allowed to be (egress); `retryable`: a later attempt may succeed. */
export class HubspotRequestError extends Error {
  readonly kind = 'unavailable';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'HubspotRequestError';
  }
}

const RATE_LIMIT_WINDOW_MS = 10_000;
const DEFAULT_ATTEMPTS = 6;
/** first backoff after a 5xx or a 429 without Retry-After; doubles per attempt */
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

interface RetryPolicy {
  maxAttempts: number;
  egress: Egress;
}

interface HttpFailure {
  code?: unknown;
  headers?: Record<string, string>;
}

const statusOf = (err: unknown) => {
  const code = (err as HttpFailure | null)?.code;
  return typeof code === 'number' ? code : null;
};

const retryAfterOf = (err: unknown) =>
  retryAfterMs(Object.entries((err as HttpFailure).headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1]);

/**
 * What a failed call stands for: a refused token, or a HubspotRequestError.
 * 429, 5xx, timeouts and unreachable hosts are worth another attempt; a
 * destination the egress refuses, an oversized answer or another 4xx is not.
 */
function failureOf(err: unknown, egress: Egress): HubspotAuthError | HubspotRequestError {
  const status = statusOf(err);
  if (status === 401 || status === 403) return new HubspotAuthError(status);
  if (status !== null) return new HubspotRequestError(`HubSpot answered HTTP ${status}`, status === 429 || status >= 500);
  const egressFailure = egress.failureOf(err);
  if (egressFailure) {
    const retryable = egressFailure.failure === 'timeout' || egressFailure.failure === 'unreachable';
    return new HubspotRequestError(`HubSpot could not be reached: ${egressFailure.message}`, retryable);
  }
  // the client could not read the answer (not JSON, not HubSpot's shape): whatever answered is not HubSpot's API
  return new HubspotRequestError("HubSpot's answer could not be read as HubSpot's API", false);
}

async function withRetries<T>(
  limiter: RateLimiter,
  options: RetryPolicy,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await limiter.take();
    try {
      return await call();
    } catch (err) {
      const failure = failureOf(err, options.egress);
      if (!(failure instanceof HubspotRequestError && failure.retryable) || attempt >= options.maxAttempts) throw failure;
      const backoff = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** (attempt - 1));
      await sleep(statusOf(err) === 429 ? (retryAfterOf(err) ?? backoff) : backoff);
    }
  }
}

/** What the client's request-context classes (one per API module) have in common. */
interface ClientRequestContext {
  getUrl(): string;
  setAgent(agent: unknown): void;
}

/**
 * Per-call options that send the call through the egress. The client's own
 * `httpAgent` setting is never applied in 13.5 (its configured middleware
 * run only when a call passes options of its own), so every call passes
 * these; node-fetch under the client then connects through the egress's
 * agent, and so does every redirect it follows. Typed `never`: each API
 * module of the client declares its own, nominally distinct, context class.
 */
function throughEgress(egress: Egress): never {
  const middleware = {
    pre: async (context: ClientRequestContext) => {
      context.setAgent(egress.agentFor(new URL(context.getUrl())));
      return context;
    },
    post: async <R>(response: R) => response,
  };
  return { middleware: [middleware] } as never;
}

export function createHubspotConnectors(settings: HubspotSettings): HubspotConnectors {
  // HubSpot counts requests per account, so one limiter serves every
  // connector of the same token made here (one per process, by the root)
  const accountLimiters = new Map<string, RateLimiter>();
  const limiterFor = (accessToken: string) => {
    let limiter = accountLimiters.get(accessToken);
    if (!limiter) {
      // HubSpot bounds the window only: the whole budget may go at once
      limiter = createRateLimiter({ maxRequests: settings.requestsPer10s, windowMs: RATE_LIMIT_WINDOW_MS, burst: settings.requestsPer10s });
      accountLimiters.set(accessToken, limiter);
    }
    return limiter;
  };
  return {
    forAccount: (account, options = {}) =>
      createHubspotConnector(account, limiterFor(account.accessToken), { maxAttempts: options.maxAttempts ?? DEFAULT_ATTEMPTS, egress: settings.egress }),
    failureOf: (err) => (err instanceof HubspotAuthError || err instanceof HubspotRequestError ? err : null),
  };
}

function createHubspotConnector(
  account: HubspotAccount,
  limiter: RateLimiter,
  retry: RetryPolicy,
): HubspotConnector {
  // The client's own limiter and retries are left off: its retry waits a
  // fixed 10 s per 429 regardless of Retry-After, and its decorators are
  // process-wide (the last Client constructed configures them for all).
  const client = new Client({
    accessToken: account.accessToken,
    basePath: account.basePath.replace(/\/+$/, ''),
    numberOfApiCallRetries: 0,
  });
  const egressed = throughEgress(retry.egress);
  const api = (object: HubspotObject) => (object === 'contacts' ? client.crm.contacts : client.crm.companies);

  return {
    async listProperties(object) {
      const { results } = await withRetries(limiter, retry, () => client.crm.properties.coreApi.getAll(object, false, undefined, egressed));
      return results.map((p) => ({
        name: p.name,
        label: p.label,
        type: p.type,
        field_type: p.fieldType,
        group_name: p.groupName,
        description: p.description,
        modifiable: !(p.modificationMetadata?.readOnlyValue ?? false),
      }));
    },

    async fetchPage(object, { after, limit, properties, modifiedFrom, modifiedTo }) {
      const pageSize = Math.min(limit, HUBSPOT_MAX_PAGE_SIZE);
      if (!modifiedFrom && !modifiedTo) {
        const page = await withRetries(limiter, retry, () => api(object).basicApi.getPage(pageSize, after, properties, undefined, undefined, undefined, egressed));
        return { records: page.results.map(toRecord), nextAfter: page.paging?.next?.after ?? null };
      }
      const property = LAST_MODIFIED_PROPERTY[object];
      const filters = [
        ...(modifiedFrom ? [{ propertyName: property, operator: FilterOperatorEnum.Gte, value: String(modifiedFrom.getTime()) }] : []),
        ...(modifiedTo ? [{ propertyName: property, operator: FilterOperatorEnum.Lte, value: String(modifiedTo.getTime()) }] : []),
      ];
      // sorted by id so that the cursor walks a stable order while records change
      const page = await withRetries(limiter, retry, () =>
        api(object).searchApi.doSearch({
          filterGroups: [{ filters }],
          sorts: ['hs_object_id'],
          properties,
          limit: pageSize,
          after: after ?? '0',
        }, egressed),
      );
      return { records: page.results.map(toRecord), nextAfter: page.paging?.next?.after ?? null };
    },
  };
}

function toRecord(result: { id: string; properties: Record<string, string | null> }): HubspotRecord {
  return { id: result.id, properties: result.properties };
}

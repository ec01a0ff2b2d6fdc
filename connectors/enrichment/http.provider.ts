// A people/company enrichment API shaped like People Data Labs':
//   GET {base}/v5/person/enrich?email=...|profile=...|name=...&company=...
//   GET {base}/v5/company/enrich?website=...|name=...
// with the key in X-Api-Key. 200 carries { data: {...} } (person) or the
// company at the top level; 404 means "no match" (a miss). 429 and 5xx are
// retryable; 401/403 mean the key is wrong (nothing will work); any other
// 4xx refuses this one lookup. Every call waits for the shared rate limiter.
// A retryable failure is retried here a few times with short backoff (a 429
// after its Retry-After) before it fails the activity, whose Temporal retry
// policy is the slower, durable second line: one rate-limited lookup then
// does not send a whole batch back to wait. Requests go out through the
// egress (connectors/egress.ts): a base URL it refuses is a configuration
// mistake (the job fails at once), an answer over its size bound a refused
// lookup, and its time bound a retryable failure like any timeout.
// Answers are handed back as the provider wrote them (trimmed text, absent
// fields left out): putting them in LIO's forms (website, headcount band,
// LinkedIn URL) is the composition root's adapter (services/enrichment.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Egress, EgressFailure } from '../egress.js';
import { retryAfterMs, type RateLimiter } from '../rate-limiter.js';

export interface HttpProviderOptions {
  baseUrl: string;
  apiKey: string;
  egress: Egress;
  limiter: RateLimiter;
  /** per request, on top of the caller's signal */
  timeoutMs?: number;
}

/** Whom to look up: any of these (a name goes with a company or its domain). */
export interface HttpPersonQuery {
  email?: string | null;
  linkedin_url?: string | null;
  /** a full name, when first and last are not known apart */
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  /** the company's domain or website */
  domain?: string | null;
}

export interface HttpCompanyQuery {
  domain?: string | null;
  name?: string | null;
}

export type HttpPersonFields = Partial<
  Record<'first_name' | 'last_name' | 'job_title' | 'company' | 'industry' | 'website' | 'city' | 'country' | 'linkedin_url', string>
>;
/** employee_size as the provider writes it ("51-200", "10001+") */
export type HttpCompanyFields = Partial<Record<'industry_type' | 'employee_size' | 'website' | 'city' | 'country' | 'summary' | 'company_logo', string>>;

/** null: the provider knows nothing about the person or company (a miss) */
export interface HttpEnrichmentClient {
  person(query: HttpPersonQuery, signal?: AbortSignal): Promise<HttpPersonFields | null>;
  company(query: HttpCompanyQuery, signal?: AbortSignal): Promise<HttpCompanyFields | null>;
}

/**
 * A lookup that failed. retryable: rate limited, server error, timeout or
 * network; rejected: the provider refused this one lookup and asking again
 * will not help; misconfigured: the provider refuses us (bad key or base URL).
 */
export class HttpEnrichmentError extends Error {
  constructor(
    message: string,
    readonly disposition: 'retryable' | 'rejected' | 'misconfigured',
    readonly status?: number,
    /** a 429's Retry-After */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'HttpEnrichmentError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** attempts per lookup before the failure goes to the activity's retry policy */
const ATTEMPTS = 4;
const BACKOFF_MS = 250;
/** a longer Retry-After is left to the activity's retry policy */
const MAX_RETRY_AFTER_MS = 5000;

type Json = Record<string, unknown>;

const EGRESS_DISPOSITION: Record<EgressFailure, HttpEnrichmentError['disposition']> = {
  refused: 'misconfigured',
  too_large: 'rejected',
  timeout: 'retryable',
  unreachable: 'retryable',
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

function compact<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } | null {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as { [K in keyof T]?: string }) : null;
}

function personFields(data: Json): HttpPersonFields | null {
  return compact({
    first_name: text(data.first_name),
    last_name: text(data.last_name),
    job_title: text(data.job_title),
    company: text(data.job_company_name),
    industry: text(data.industry) ?? text(data.job_company_industry),
    website: text(data.job_company_website),
    city: text(data.location_locality),
    country: text(data.location_country),
    linkedin_url: text(data.linkedin_url),
  });
}

function companyFields(data: Json): HttpCompanyFields | null {
  const location = (data.location ?? {}) as Json;
  return compact({
    industry_type: text(data.industry),
    employee_size: text(data.size),
    website: text(data.website),
    city: text(location.locality),
    country: text(location.country),
    summary: text(data.summary),
    company_logo: text(data.logo_url),
  });
}

export function createHttpEnrichmentClient(options: HttpProviderOptions): HttpEnrichmentClient {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<Json | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await getOnce(path, params, signal);
      } catch (err) {
        if (!(err instanceof HttpEnrichmentError && err.disposition === 'retryable') || attempt === ATTEMPTS) throw err;
        const retryAfterMs = err.retryAfterMs;
        const backoff = BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
        const delay = retryAfterMs !== undefined && retryAfterMs <= MAX_RETRY_AFTER_MS ? Math.max(retryAfterMs, backoff) : backoff;
        await sleep(delay, undefined, { signal });
      }
    }
  }

  async function getOnce(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<Json | null> {
    await options.limiter.take(signal);
    const url = `${base}${path}?${new URLSearchParams(params)}`;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let res: Response;
    try {
      res = await options.egress.fetch(url, {
        headers: { 'x-api-key': options.apiKey, accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      // the caller's own abort is not the provider's fault: it propagates as it is
      if (signal?.aborted) throw err;
      const failure = options.egress.failureOf(err);
      const disposition = failure ? EGRESS_DISPOSITION[failure.failure] : 'retryable';
      throw new HttpEnrichmentError(`enrichment provider unreachable: ${(err as Error).message}`, disposition);
    }
    const body = await res.text();
    if (res.status === 404) return null;
    if (res.ok) {
      try {
        return JSON.parse(body) as Json;
      } catch {
        throw new HttpEnrichmentError(`enrichment provider answered GET ${path} with something that is not JSON`, 'rejected', res.status);
      }
    }
    // the status only: an outside service's body is not passed on (it lands in job errors and answers)
    const detail = `${res.status} from GET ${path}`;
    if (res.status === 429 || res.status >= 500) {
      throw new HttpEnrichmentError(`enrichment provider answered ${detail}`, 'retryable', res.status, retryAfterMs(res.headers.get('retry-after')) ?? undefined);
    }
    if (res.status === 401 || res.status === 403) {
      throw new HttpEnrichmentError(`enrichment provider refused the API key: ${detail}`, 'misconfigured', res.status);
    }
    throw new HttpEnrichmentError(`enrichment provider rejected the lookup: ${detail}`, 'rejected', res.status);
  }

  return {
    async person(query, signal) {
      const name = query.name ?? [query.first_name, query.last_name].filter(Boolean).join(' ');
      const employer = query.domain ?? query.company;
      const params: Record<string, string> = query.email
        ? { email: query.email }
        : query.linkedin_url
          ? { profile: query.linkedin_url }
          : name && employer
            ? { name, company: employer }
            : {};
      if (Object.keys(params).length === 0) return null;
      const answer = await get('/v5/person/enrich', params, signal);
      return answer ? personFields((answer.data ?? answer) as Json) : null;
    },
    async company(query, signal) {
      const params: Record<string, string> = query.domain ? { website: query.domain } : query.name ? { name: query.name } : {};
      if (Object.keys(params).length === 0) return null;
      const answer = await get('/v5/company/enrich', params, signal);
      return answer ? companyFields(answer) : null;
    },
  };
}

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
import { EMPLOYEE_SIZE_BANDS } from '../../domain/crm/company-fields.js';
import { normaliseWebsite } from '../../domain/platform/web-address.js';
import { canonicalLinkedinUrl } from '../../domain/jobs/enrichment-derived.js';
import {
  EnrichmentProviderError,
  type CompanyFields,
  type CompanyQuery,
  type EnrichmentProvider,
  type PersonFields,
  type PersonQuery,
} from '../../domain/jobs/enrichment.js';
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

const PROVIDER = 'http';
const DEFAULT_TIMEOUT_MS = 10_000;
/** attempts per lookup before the failure goes to the activity's retry policy */
const ATTEMPTS = 4;
const BACKOFF_MS = 250;
/** a longer Retry-After is left to the activity's retry policy */
const MAX_RETRY_AFTER_MS = 5000;

type Json = Record<string, unknown>;

type RetryableWithDelay = EnrichmentProviderError & { retryAfterMs?: number };

const EGRESS_DISPOSITION: Record<EgressFailure, EnrichmentProviderError['disposition']> = {
  refused: 'misconfigured',
  too_large: 'rejected',
  timeout: 'retryable',
  unreachable: 'retryable',
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** "5001-10000" or "10001+" -> "5001+"; the bands LIO stores are those of domain/crm/company.service.ts. */
function employeeBand(size: unknown): string | undefined {
  const value = text(size);
  if (!value) return undefined;
  if ((EMPLOYEE_SIZE_BANDS as readonly string[]).includes(value)) return value;
  const low = Number.parseInt(value, 10);
  return Number.isFinite(low) && low >= 5001 ? '5001+' : undefined;
}

const website = (value: unknown) => {
  const raw = text(value);
  return raw ? (normaliseWebsite(raw) ?? undefined) : undefined;
};

function compact<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } | null {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as { [K in keyof T]?: string }) : null;
}

function personFields(data: Json): PersonFields | null {
  return compact({
    first_name: text(data.first_name),
    last_name: text(data.last_name),
    job_title: text(data.job_title),
    company: text(data.job_company_name),
    industry: text(data.industry) ?? text(data.job_company_industry),
    website: website(data.job_company_website),
    city: text(data.location_locality),
    country: text(data.location_country),
    linkedin_url: canonicalLinkedinUrl(text(data.linkedin_url)) ?? undefined,
  });
}

function companyFields(data: Json): CompanyFields | null {
  const location = (data.location ?? {}) as Json;
  return compact({
    industry_type: text(data.industry),
    employee_size: employeeBand(data.size),
    website: website(data.website),
    city: text(location.locality),
    country: text(location.country),
    summary: text(data.summary),
    company_logo: text(data.logo_url),
  });
}

export function createHttpEnrichmentProvider(options: HttpProviderOptions): EnrichmentProvider {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<Json | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await getOnce(path, params, signal);
      } catch (err) {
        if (!(err instanceof EnrichmentProviderError && err.disposition === 'retryable') || attempt === ATTEMPTS) throw err;
        const retryAfterMs = (err as RetryableWithDelay).retryAfterMs;
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
      throw new EnrichmentProviderError(PROVIDER, `enrichment provider unreachable: ${(err as Error).message}`, disposition);
    }
    const body = await res.text();
    if (res.status === 404) return null;
    if (res.ok) {
      try {
        return JSON.parse(body) as Json;
      } catch {
        throw new EnrichmentProviderError(PROVIDER, `enrichment provider answered GET ${path} with something that is not JSON`, 'rejected', res.status);
      }
    }
    // the status only: an outside service's body is not passed on (it lands in job errors and answers)
    const detail = `${res.status} from GET ${path}`;
    if (res.status === 429 || res.status >= 500) {
      const err: RetryableWithDelay = new EnrichmentProviderError(PROVIDER, `enrichment provider answered ${detail}`, 'retryable', res.status);
      err.retryAfterMs = retryAfterMs(res.headers.get('retry-after')) ?? undefined;
      throw err;
    }
    if (res.status === 401 || res.status === 403) {
      throw new EnrichmentProviderError(PROVIDER, `enrichment provider refused the API key: ${detail}`, 'misconfigured', res.status);
    }
    throw new EnrichmentProviderError(PROVIDER, `enrichment provider rejected the lookup: ${detail}`, 'rejected', res.status);
  }

  return {
    name: PROVIDER,
    cached: true,
    billable: true,
    async person(query: PersonQuery, signal) {
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
    async company(query: CompanyQuery, signal) {
      const params: Record<string, string> = query.domain ? { website: query.domain } : query.name ? { name: query.name } : {};
      if (Object.keys(params).length === 0) return null;
      const answer = await get('/v5/company/enrich', params, signal);
      return answer ? companyFields(answer) : null;
    },
  };
}

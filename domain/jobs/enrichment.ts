// Enrichment providers and the waterfall that combines them. A provider
// answers what it knows about a person or a company; for every field the
// providers are tried in a configured order and the first one that knows
// the field supplies it. Providers are only asked when a field they are next
// in line for is still missing, and each is asked at most once per lookup.
// Paid providers' answers (misses too) are kept per organization in
// enrichment_cache, so a person or company is never paid for twice.
import { dedupeEmail, dedupeLinkedin } from '../leads/lead.service.js';

/** Lead columns enrichment fills (§11 firmographics), never over a value already there. */
export const PERSON_FIELDS = ['first_name', 'last_name', 'job_title', 'company', 'industry', 'website', 'city', 'country', 'linkedin_url'] as const;
export type PersonField = (typeof PERSON_FIELDS)[number];

/** Company columns enrichment fills, never over a value already there. */
export const COMPANY_FIELDS = ['industry_type', 'employee_size', 'website', 'city', 'country', 'summary', 'company_logo'] as const;
export type CompanyField = (typeof COMPANY_FIELDS)[number];

export type PersonFields = Partial<Record<PersonField, string>>;
export type CompanyFields = Partial<Record<CompanyField, string>>;

export type EnrichmentKind = 'person' | 'company';

/** What is known about a person before enrichment: any of these. */
export interface PersonQuery {
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

export interface CompanyQuery {
  /** bare domain, e.g. "acme.com" */
  domain?: string | null;
  name?: string | null;
}

export interface EnrichmentProvider {
  readonly name: string;
  /** whether answers are kept in enrichment_cache (outside, paid or slow providers; not offline derivation) */
  readonly cached: boolean;
  /** an outside lookup the organization pays a credit for; offline derivation costs nothing */
  readonly billable: boolean;
  /** null: the provider knows nothing about this person (a miss) */
  person(query: PersonQuery, signal?: AbortSignal): Promise<PersonFields | null>;
  company(query: CompanyQuery, signal?: AbortSignal): Promise<CompanyFields | null>;
}

/**
 * A provider call that failed. retryable: rate limited, server error,
 * timeout or network (the activity is retried with backoff); rejected: the
 * provider refused this one lookup (a 4xx) and asking again will not help;
 * misconfigured: the provider refuses us (bad API key), so nothing will work.
 */
export class EnrichmentProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    readonly disposition: 'retryable' | 'rejected' | 'misconfigured',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EnrichmentProviderError';
  }
}

/** Where answers of cached providers are kept (per organization: the store is built for one). */
export interface EnrichmentCacheStore {
  /** undefined: never asked; null: asked, and the provider knew nothing */
  get(kind: EnrichmentKind, lookupKey: string, provider: string): Promise<Record<string, string> | null | undefined>;
  put(kind: EnrichmentKind, lookupKey: string, provider: string, data: Record<string, string> | null): Promise<void>;
}

/** The providers in their configured default order, and per-field overrides of that order. */
export interface EnrichmentEngine {
  providers: readonly EnrichmentProvider[];
  fieldOrder: Readonly<Record<string, readonly string[]>>;
}

/**
 * "website:derived,http;job_title:http" -> { website: ['derived', 'http'], job_title: ['http'] }.
 * Unknown fields or providers are configuration mistakes and fail at start-up.
 */
export function parseFieldOrder(spec: string, knownProviders: readonly string[]): Record<string, string[]> {
  const known = new Set<string>([...PERSON_FIELDS, ...COMPANY_FIELDS]);
  const order: Record<string, string[]> = {};
  for (const part of spec.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [field, list] = part.split(':').map((s) => s.trim());
    if (!field || !known.has(field) || list === undefined) throw new Error(`ENRICHMENT_FIELD_PROVIDERS: "${part}" is not field:provider,...`);
    const providers = list.split(',').map((p) => p.trim()).filter(Boolean);
    const unknown = providers.filter((p) => !knownProviders.includes(p));
    if (unknown.length > 0) throw new Error(`ENRICHMENT_FIELD_PROVIDERS: unknown provider(s) ${unknown.join(', ')} for ${field}`);
    order[field] = providers;
  }
  return order;
}

/** The cache key of a person: the strongest identifier known; null when nothing identifies the person. */
export function personLookupKey(query: PersonQuery): string | null {
  const email = dedupeEmail(query.email);
  if (email) return `email:${email}`;
  const linkedin = dedupeLinkedin(query.linkedin_url);
  if (linkedin) return `linkedin:${linkedin}`;
  const name = (query.name ?? [query.first_name, query.last_name].filter(Boolean).join(' ')).trim().toLowerCase();
  const employer = (query.domain ?? query.company ?? '').trim().toLowerCase();
  return name && employer ? `name:${name}@${employer}` : null;
}

export function companyLookupKey(query: CompanyQuery): string | null {
  if (query.domain) return `domain:${query.domain.trim().toLowerCase()}`;
  if (query.name?.trim()) return `name:${query.name.trim().toLowerCase()}`;
  return null;
}

export interface WaterfallResult<F extends string> {
  /** the value found for each wanted field */
  found: Partial<Record<F, string>>;
  /** which provider supplied each found field */
  sources: Partial<Record<F, string>>;
  /** providers whose answer was taken from the cache instead of asking them */
  cacheHits: string[];
  /** providers actually asked */
  asked: string[];
  /** providers that refused this lookup (a 4xx): taken as a miss, never retried */
  rejected: Record<string, string>;
  /** the first billable provider that supplied a found value (the credit pays for its lookup); null: all derived offline */
  billedProvider: string | null;
}

/** Whether an enrichment with this engine may cost a credit: only outside (billable) providers do. */
export const engineBills = (engine: EnrichmentEngine) => engine.providers.some((p) => p.billable);

type Lookup<F extends string> =
  | { kind: 'person'; query: PersonQuery; wanted: readonly F[] }
  | { kind: 'company'; query: CompanyQuery; wanted: readonly F[] };

/**
 * Fills `wanted` fields provider by provider in each field's order. A
 * provider failure propagates (the caller decides between retrying and
 * giving up); answers that did arrive are already cached by then, so a
 * retry asks only the providers that failed.
 */
export async function runWaterfall<F extends PersonField | CompanyField>(
  engine: EnrichmentEngine,
  cache: EnrichmentCacheStore,
  lookup: Lookup<F>,
  signal?: AbortSignal,
): Promise<WaterfallResult<F>> {
  const lookupKey = lookup.kind === 'person' ? personLookupKey(lookup.query) : companyLookupKey(lookup.query);
  const byName = new Map(engine.providers.map((p) => [p.name, p]));
  const defaultOrder = engine.providers.map((p) => p.name);
  const answers = new Map<string, Promise<Record<string, string> | null>>();
  const result: WaterfallResult<F> = { found: {}, sources: {}, cacheHits: [], asked: [], rejected: {}, billedProvider: null };

  const call = async (provider: EnrichmentProvider): Promise<Record<string, string> | null> => {
    try {
      const answer = lookup.kind === 'person' ? await provider.person(lookup.query, signal) : await provider.company(lookup.query, signal);
      return answer as Record<string, string> | null;
    } catch (err) {
      if (!(err instanceof EnrichmentProviderError && err.disposition === 'rejected')) throw err;
      result.rejected[provider.name] = err.message;
      return null;
    }
  };
  const ask = async (provider: EnrichmentProvider): Promise<Record<string, string> | null> => {
    if (!provider.cached) return call(provider);
    // an outside provider cannot look up what nothing identifies
    if (lookupKey === null) return null;
    const cached = await cache.get(lookup.kind, lookupKey, provider.name);
    if (cached !== undefined) {
      result.cacheHits.push(provider.name);
      return cached;
    }
    result.asked.push(provider.name);
    const answer = await call(provider);
    await cache.put(lookup.kind, lookupKey, provider.name, answer);
    return answer;
  };
  const answerOf = (provider: EnrichmentProvider) => {
    let answer = answers.get(provider.name);
    if (!answer) {
      answer = ask(provider);
      answers.set(provider.name, answer);
    }
    return answer;
  };

  for (const field of lookup.wanted) {
    for (const name of engine.fieldOrder[field] ?? defaultOrder) {
      const provider = byName.get(name);
      if (!provider) continue;
      const value = (await answerOf(provider))?.[field]?.trim();
      if (value) {
        result.found[field] = value;
        result.sources[field] = name;
        if (provider.billable) result.billedProvider ??= name;
        break;
      }
    }
  }
  return result;
}

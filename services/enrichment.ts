// Builds the enrichment waterfall from configuration: the providers named in
// ENRICHMENT_PROVIDERS, in that order, with ENRICHMENT_FIELD_PROVIDERS'
// per-field overrides. The http provider is off while its base URL or key is
// unset; describeEnrichmentProviders says so, and the API and the worker log
// it at start, so that a provider left out is never a silent surprise. Built
// once per process by createServices: its rate limiter is shared by every
// enrichment the process runs.
//
// The http connector speaks its own plain types; httpProvider adapts it to
// the domain's EnrichmentProvider port: its answers in the forms LIO stores,
// its failures as the domain's EnrichmentProviderError.
import { createHttpEnrichmentClient, HttpEnrichmentError, type HttpEnrichmentClient } from '../connectors/enrichment/http.provider.js';
import type { Egress } from '../connectors/egress.js';
import { createRateLimiter } from '../connectors/rate-limiter.js';
import { employeeSizeBand } from '../domain/crm/company-fields.js';
import { canonicalLinkedinUrl, derivedProvider } from '../domain/jobs/enrichment-derived.js';
import { EnrichmentProviderError, parseFieldOrder, type EnrichmentEngine, type EnrichmentProvider } from '../domain/jobs/enrichment.js';
import type { Config } from '../domain/platform/config.js';
import { normaliseWebsite } from '../domain/platform/web-address.js';

type EnrichmentConfig = Pick<
  Config,
  'ENRICHMENT_PROVIDERS' | 'ENRICHMENT_FIELD_PROVIDERS' | 'ENRICHMENT_HTTP_BASE_URL' | 'ENRICHMENT_HTTP_API_KEY' | 'ENRICHMENT_HTTP_RATE_PER_SEC'
>;

const PROVIDER_NAMES = ['derived', 'http'] as const;
type ProviderName = (typeof PROVIDER_NAMES)[number];

/** The configured providers, in order, once each; unknown names fail at start-up. */
function configuredProviders(config: EnrichmentConfig): ProviderName[] {
  const names = config.ENRICHMENT_PROVIDERS.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(PROVIDER_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`ENRICHMENT_PROVIDERS: unknown provider(s) ${unknown.join(', ')} (known: ${PROVIDER_NAMES.join(', ')})`);
  return [...new Set(names as ProviderName[])];
}

/** Why a configured provider cannot run; null when it can. */
function whyOff(name: ProviderName, config: EnrichmentConfig): string | null {
  if (name !== 'http') return null;
  const missing = (['ENRICHMENT_HTTP_BASE_URL', 'ENRICHMENT_HTTP_API_KEY'] as const).filter((key) => !config[key]);
  return missing.length > 0 ? `${missing.join(' and ')} not set` : null;
}

/** Which configured providers run, and which are off and why (logged at start). */
export function describeEnrichmentProviders(config: EnrichmentConfig) {
  const names = configuredProviders(config);
  return {
    active: names.filter((name) => whyOff(name, config) === null),
    off: names.flatMap((name) => {
      const reason = whyOff(name, config);
      return reason === null ? [] : [{ provider: name, reason }];
    }),
  };
}

type FieldForms = Record<string, (value: string) => string | null>;

/** An answer with each field in LIO's form; a field that has none is left out, and an answer left empty is a miss (null). */
function inLioForms<F extends string>(fields: Partial<Record<F, string>> | null, forms: FieldForms): Partial<Record<F, string>> | null {
  if (!fields) return null;
  const entries = Object.entries<string | undefined>(fields).flatMap(([field, value]) => {
    const stored = value === undefined ? null : forms[field] ? forms[field](value) : value;
    return stored === null ? [] : [[field, stored] as const];
  });
  return entries.length > 0 ? (Object.fromEntries(entries) as Partial<Record<F, string>>) : null;
}

const PERSON_FORMS: FieldForms = { website: normaliseWebsite, linkedin_url: canonicalLinkedinUrl };
const COMPANY_FORMS: FieldForms = { website: normaliseWebsite, employee_size: employeeSizeBand };

/** The http connector as a waterfall provider: cached and billable, as any outside lookup. */
function httpProvider(client: HttpEnrichmentClient): EnrichmentProvider {
  const name = 'http';
  const asked = async <T>(lookup: () => Promise<T>) => {
    try {
      return await lookup();
    } catch (err) {
      if (err instanceof HttpEnrichmentError) throw new EnrichmentProviderError(name, err.message, err.disposition, err.status);
      throw err;
    }
  };
  return {
    name,
    cached: true,
    billable: true,
    person: async (query, signal) => inLioForms(await asked(() => client.person(query, signal)), PERSON_FORMS),
    company: async (query, signal) => inLioForms(await asked(() => client.company(query, signal)), COMPANY_FORMS),
  };
}

function buildProvider(name: ProviderName, config: EnrichmentConfig, egress: Egress): EnrichmentProvider {
  if (name === 'derived') return derivedProvider;
  return httpProvider(
    createHttpEnrichmentClient({
      baseUrl: config.ENRICHMENT_HTTP_BASE_URL!,
      apiKey: config.ENRICHMENT_HTTP_API_KEY!,
      egress,
      limiter: createRateLimiter({ maxRequests: config.ENRICHMENT_HTTP_RATE_PER_SEC, windowMs: 1000 }),
    }),
  );
}

export function createEnrichmentEngine(config: EnrichmentConfig, egress: Egress): EnrichmentEngine {
  const providers = describeEnrichmentProviders(config).active.map((name) => buildProvider(name, config, egress));
  return { providers, fieldOrder: parseFieldOrder(config.ENRICHMENT_FIELD_PROVIDERS, PROVIDER_NAMES) };
}

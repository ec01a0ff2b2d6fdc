// Builds the enrichment waterfall from configuration: the providers named in
// ENRICHMENT_PROVIDERS, in that order, with ENRICHMENT_FIELD_PROVIDERS'
// per-field overrides. The http provider is off while its base URL or key is
// unset; describeEnrichmentProviders says so, and the API and the worker log
// it at start, so that a provider left out is never a silent surprise. Build
// the engine once per process: its rate limiter is shared by every
// enrichment the process runs.
import type { Config } from '../../domain/platform/config.js';
import { derivedProvider } from '../../domain/jobs/enrichment-derived.js';
import { parseFieldOrder, type EnrichmentEngine, type EnrichmentProvider } from '../../domain/jobs/enrichment.js';
import type { Egress } from '../egress.js';
import { createHttpEnrichmentProvider } from './http.provider.js';
import { createRateLimiter } from '../rate-limiter.js';

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

function buildProvider(name: ProviderName, config: EnrichmentConfig, egress: Egress): EnrichmentProvider {
  if (name === 'derived') return derivedProvider;
  return createHttpEnrichmentProvider({
    baseUrl: config.ENRICHMENT_HTTP_BASE_URL!,
    apiKey: config.ENRICHMENT_HTTP_API_KEY!,
    egress,
    limiter: createRateLimiter({ maxRequests: config.ENRICHMENT_HTTP_RATE_PER_SEC, windowMs: 1000 }),
  });
}

export function createEnrichmentEngine(config: EnrichmentConfig, egress: Egress): EnrichmentEngine {
  const providers = describeEnrichmentProviders(config).active.map((name) => buildProvider(name, config, egress));
  return { providers, fieldOrder: parseFieldOrder(config.ENRICHMENT_FIELD_PROVIDERS, PROVIDER_NAMES) };
}

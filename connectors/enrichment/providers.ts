// Builds the enrichment waterfall from configuration: the providers named in
// ENRICHMENT_PROVIDERS, in that order, with ENRICHMENT_FIELD_PROVIDERS'
// per-field overrides. The http provider is left out while its base URL or
// key is unset. Build it once per process: its rate limiter is shared by
// every enrichment the process runs.
import type { Config } from '../../domain/config.js';
import { derivedProvider } from '../../domain/enrichment-derived.js';
import { parseFieldOrder, type EnrichmentEngine, type EnrichmentProvider } from '../../domain/enrichment.js';
import { createHttpEnrichmentProvider } from './http.provider.js';
import { createRateLimiter } from '../rate-limiter.js';

type EnrichmentConfig = Pick<
  Config,
  'ENRICHMENT_PROVIDERS' | 'ENRICHMENT_FIELD_PROVIDERS' | 'ENRICHMENT_HTTP_BASE_URL' | 'ENRICHMENT_HTTP_API_KEY' | 'ENRICHMENT_HTTP_RATE_PER_SEC'
>;

const PROVIDER_NAMES = ['derived', 'http'] as const;

function buildProvider(name: (typeof PROVIDER_NAMES)[number], config: EnrichmentConfig): EnrichmentProvider | null {
  if (name === 'derived') return derivedProvider;
  if (!config.ENRICHMENT_HTTP_BASE_URL || !config.ENRICHMENT_HTTP_API_KEY) return null;
  return createHttpEnrichmentProvider({
    baseUrl: config.ENRICHMENT_HTTP_BASE_URL,
    apiKey: config.ENRICHMENT_HTTP_API_KEY,
    limiter: createRateLimiter({ maxRequests: config.ENRICHMENT_HTTP_RATE_PER_SEC, windowMs: 1000 }),
  });
}

export function createEnrichmentEngine(config: EnrichmentConfig): EnrichmentEngine {
  const names = config.ENRICHMENT_PROVIDERS.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(PROVIDER_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`ENRICHMENT_PROVIDERS: unknown provider(s) ${unknown.join(', ')} (known: ${PROVIDER_NAMES.join(', ')})`);
  const providers = [...new Set(names)]
    .map((name) => buildProvider(name as (typeof PROVIDER_NAMES)[number], config))
    .filter((p): p is EnrichmentProvider => p !== null);
  return { providers, fieldOrder: parseFieldOrder(config.ENRICHMENT_FIELD_PROVIDERS, PROVIDER_NAMES) };
}

// A local stand-in for a PDL-shaped enrichment API (connectors/enrichment/
// http.provider.ts): answers person lookups by email or LinkedIn profile and
// company lookups by website, with configurable latency, its own rate limit
// (429 above it, as a real provider does) and scripted failures. It counts
// what it saw, so tests and the benchmark can check pacing and retries.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEnrichmentServer {
  url: string;
  apiKey: string;
  /** per-request delay before answering */
  latencyMs: number;
  /** 429 when more than this many requests arrived in the last second (0: no limit) */
  ratePerSecond: number;
  /** answers the next requests with these statuses first (e.g. a burst of 429s, a few 500s) */
  failNext(statuses: number[]): void;
  /** answers every n-th request with 500 (0: never) */
  transient500Every: number;
  /** answers the next `times` lookups of `key` ("email:x") with 503 */
  failLookup(key: string, times: number): void;
  stats: {
    requests: number;
    /** requests answered 200 or 404 per lookup ("email:x", "website:y"): what a paid provider bills */
    billed: Map<string, number>;
    /** every request per lookup, whatever the answer */
    attempts: Map<string, number>;
    byStatus: Map<number, number>;
    /** the most requests that arrived within any one second */
    maxPerSecond: number;
  };
  close(): Promise<void>;
}

/** Who the fake knows: any email or profile except those starting with "unknown"; data derived from the address. */
function personFor(key: string): Record<string, string> | null {
  if (/^unknown/i.test(key)) return null;
  const local = key.split('@')[0]!.replace(/^.*\/in\//, '');
  const domain = key.includes('@') ? key.split('@')[1]! : 'linkedin-only.example';
  const [first = 'Pat', last = 'Doe'] = local.split(/[.-]/);
  return {
    first_name: first,
    last_name: last,
    job_title: 'vp of engineering',
    job_company_name: domain.split('.')[0]!,
    job_company_website: `https://www.${domain}`,
    industry: 'computer software',
    location_locality: 'amsterdam',
    location_country: 'netherlands',
    linkedin_url: `linkedin.com/in/${local}`,
  };
}

function companyFor(website: string): Record<string, unknown> | null {
  if (/^unknown/i.test(website)) return null;
  return {
    name: website.split('.')[0],
    website,
    industry: 'computer software',
    size: '51-200',
    location: { locality: 'berlin', country: 'germany' },
    summary: `${website} builds software`,
    logo_url: `https://logos.example/${website}.png`,
  };
}

export async function startFakeEnrichmentServer(options: Partial<Pick<FakeEnrichmentServer, 'latencyMs' | 'ratePerSecond' | 'transient500Every'>> = {}) {
  const arrivals: number[] = [];
  const scripted: number[] = [];
  const failingLookups = new Map<string, number>();
  const fake = {
    apiKey: 'fake-enrichment-key',
    latencyMs: options.latencyMs ?? 0,
    ratePerSecond: options.ratePerSecond ?? 0,
    transient500Every: options.transient500Every ?? 0,
    stats: { requests: 0, billed: new Map<string, number>(), attempts: new Map<string, number>(), byStatus: new Map<number, number>(), maxPerSecond: 0 },
    failNext(statuses: number[]) {
      scripted.push(...statuses);
    },
    failLookup(key: string, times: number) {
      failingLookups.set(key, times);
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    fake.stats.byStatus.set(status, (fake.stats.byStatus.get(status) ?? 0) + 1);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const now = performance.now();
    fake.stats.requests++;
    arrivals.push(now);
    while (arrivals.length > 0 && arrivals[0]! <= now - 1000) arrivals.shift();
    fake.stats.maxPerSecond = Math.max(fake.stats.maxPerSecond, arrivals.length);
    if (fake.latencyMs > 0) await new Promise((r) => setTimeout(r, fake.latencyMs));
    if (req.headers['x-api-key'] !== fake.apiKey) return send(res, 401, { error: { type: 'authentication_error' } });
    if (fake.ratePerSecond > 0 && arrivals.length > fake.ratePerSecond) return send(res, 429, { error: { type: 'rate_limit' } });
    const scriptedStatus = scripted.shift();
    if (scriptedStatus !== undefined) return send(res, scriptedStatus, { error: { type: 'scripted' } });
    if (fake.transient500Every > 0 && fake.stats.requests % fake.transient500Every === 0) return send(res, 500, { error: { type: 'server' } });
    const url = new URL(req.url ?? '/', 'http://fake');
    const bill = (key: string) => fake.stats.billed.set(key, (fake.stats.billed.get(key) ?? 0) + 1);
    if (url.pathname === '/v5/person/enrich') {
      const email = url.searchParams.get('email');
      const profile = url.searchParams.get('profile');
      const key = email ? `email:${email}` : profile ? `profile:${profile}` : null;
      if (!key) return send(res, 400, { error: { type: 'invalid_request' } });
      fake.stats.attempts.set(key, (fake.stats.attempts.get(key) ?? 0) + 1);
      const failuresLeft = failingLookups.get(key) ?? 0;
      if (failuresLeft > 0) {
        failingLookups.set(key, failuresLeft - 1);
        return send(res, 503, { error: { type: 'unavailable' } });
      }
      bill(key);
      const person = personFor(email ?? profile!);
      return person ? send(res, 200, { status: 200, likelihood: 9, data: person }) : send(res, 404, { status: 404 });
    }
    if (url.pathname === '/v5/company/enrich') {
      const website = url.searchParams.get('website') ?? url.searchParams.get('name');
      if (!website) return send(res, 400, { error: { type: 'invalid_request' } });
      bill(`website:${website}`);
      const company = companyFor(website);
      return company ? send(res, 200, { status: 200, ...company }) : send(res, 404, { status: 404 });
    }
    return send(res, 404, { error: { type: 'not_found' } });
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as FakeEnrichmentServer;
}

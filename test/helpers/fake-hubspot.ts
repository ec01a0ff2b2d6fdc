// A local HubSpot that speaks the CRM v3 endpoints the official client calls
// (objects list and search, property definitions) with HubSpot's paging
// (paging.next.after), its 401 and 429 bodies, and injectable transient
// failures. It records every request with its arrival time, so tests can
// tell which pages were fetched, how often and when; and it can hold a
// request unanswered (to stop a client at an exact point).
//
// It listens on 127.0.0.1: an app or worker talking to it must opt in to
// private destinations (EGRESS_ALLOW_PRIVATE_NETWORKS=true, or the fake's
// host:port in EGRESS_ALLOWED_HOSTS), which production never does.
import { requestText } from '../fakes/request-text.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeObject = 'contacts' | 'companies';

export interface FakeRecord {
  id: string;
  properties: Record<string, string | null>;
  updatedAt: string;
}

export interface FakeProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  readOnly?: boolean;
}

export interface FakeRequest {
  method: string;
  path: string;
  object: FakeObject | null;
  /** the cursor asked for (list: ?after=, search: body.after); null for the first page */
  after: string | null;
  /** the answer's status; 499 when the client went away before a held request was answered */
  status: number;
  /** Date.now() when the request arrived */
  at: number;
  /** the Retry-After (seconds) of a 429 */
  retryAfter?: number;
}

export interface HeldRequest {
  /** resolves once a matching request has arrived (and is being held) */
  reached: Promise<void>;
  /** resolves when the client of the held request has gone away (its connection closed) */
  clientGone: Promise<void>;
  /** lets the held request be answered */
  release(): void;
}

export interface FakeHubspotOptions {
  token: string;
  /** more requests than this within `windowMs` are answered 429 (HubSpot's TEN_SECONDLY_ROLLING body) */
  rateLimit?: { max: number; windowMs: number };
  /** answers every request slower by this much (to catch an import mid-way) */
  delayMs?: number;
}

export interface FakeHubspot {
  url: string;
  records: Record<FakeObject, FakeRecord[]>;
  properties: Record<FakeObject, FakeProperty[]>;
  requests: FakeRequest[];
  /** the next `count` object and property requests answer `status` (502 by default) */
  failNext(count: number, status?: number): void;
  /** the next `count` requests answer 429 with this Retry-After (seconds), as HubSpot's rate limit does */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** holds the first request matching `match` (by object and cursor) until released */
  hold(match: (request: Pick<FakeRequest, 'path' | 'object' | 'after'>) => boolean): HeldRequest;
  /** successful page fetches of `object` per cursor ('' for the first page) */
  pageFetches(object: FakeObject): Map<string, number>;
  close(): Promise<void>;
}

const MAX_LIMIT = 100;
const OBJECT_PATH = /^\/crm\/v3\/objects\/(contacts|companies)(\/search)?$/;
const PROPERTY_PATH = /^\/crm\/v3\/properties\/(contacts|companies)$/;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await requestText(req);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const hubspotError = (message: string, category: string, extra: Record<string, unknown> = {}) => ({
  status: 'error',
  message,
  correlationId: '00000000-0000-4000-8000-000000000000',
  category,
  ...extra,
});

interface SearchFilter {
  propertyName: string;
  operator: string;
  value: string;
}

function matches(record: FakeRecord, filters: SearchFilter[]): boolean {
  return filters.every((f) => {
    const raw = f.propertyName === 'lastmodifieddate' || f.propertyName === 'hs_lastmodifieddate' ? record.updatedAt : record.properties[f.propertyName];
    if (raw === null || raw === undefined) return false;
    const value = Date.parse(raw);
    const bound = Number(f.value);
    if (f.operator === 'GTE') return value >= bound;
    if (f.operator === 'LTE') return value <= bound;
    if (f.operator === 'EQ') return String(raw) === f.value;
    throw new Error(`fake HubSpot: operator ${f.operator} not implemented`);
  });
}

function page(all: FakeRecord[], after: string | null, limit: number, properties: string[]) {
  const start = after === null ? 0 : all.findIndex((r) => Number(r.id) > Number(after));
  const slice = start < 0 ? [] : all.slice(start, start + limit);
  const last = slice.at(-1);
  const more = start >= 0 && start + limit < all.length;
  return {
    results: slice.map((r) => ({
      id: r.id,
      // HubSpot returns only the properties asked for (and a few it always adds)
      properties: Object.fromEntries([...properties, 'hs_object_id'].map((p) => [p, p === 'hs_object_id' ? r.id : (r.properties[p] ?? null)])),
      createdAt: r.updatedAt,
      updatedAt: r.updatedAt,
      archived: false,
    })),
    ...(more && last && { paging: { next: { after: last.id, link: `?after=${last.id}` } } }),
  };
}

export async function startFakeHubspot(options: FakeHubspotOptions): Promise<FakeHubspot> {
  const records: Record<FakeObject, FakeRecord[]> = { contacts: [], companies: [] };
  const properties: Record<FakeObject, FakeProperty[]> = { contacts: [], companies: [] };
  const requests: FakeRequest[] = [];
  const recent: number[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 502 };
  const holds: { match: Parameters<FakeHubspot['hold']>[0]; arrived: () => void; gone: () => void; released: Promise<void> }[] = [];
  let rateLimited: { count: number; retryAfter: number } = { count: 0, retryAfter: 1 };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const record = (object: FakeObject | null, after: string | null, status: number, retryAfter?: number) =>
      requests.push({ method: req.method ?? 'GET', path: url.pathname, object, after, status, at, ...(retryAfter !== undefined && { retryAfter }) });
    const objectMatch = OBJECT_PATH.exec(url.pathname);
    const propertyMatch = PROPERTY_PATH.exec(url.pathname);
    const object = (objectMatch?.[1] ?? propertyMatch?.[1] ?? null) as FakeObject | null;
    const body = req.method === 'POST' ? await readJson(req) : {};
    const after = objectMatch ? ((objectMatch[2] ? (body.after as string | undefined) : url.searchParams.get('after')) ?? null) : null;
    const cursor = after === '0' ? null : after;
    const held = holds.findIndex((h) => h.match({ path: url.pathname, object, after: cursor }));
    if (held >= 0) {
      const [hold] = holds.splice(held, 1);
      let gone = false;
      res.once('close', () => {
        gone = !res.writableFinished;
        if (gone) hold!.gone();
      });
      hold!.arrived();
      await hold!.released;
      if (gone) return record(object, cursor, 499);
    }
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));

    if (req.headers.authorization !== `Bearer ${options.token}`) {
      record(object, cursor, 401);
      return send(res, 401, hubspotError('Authentication credentials not found.', 'INVALID_AUTHENTICATION'));
    }
    const rateLimitAnswer = (retryAfter: number) => {
      record(object, cursor, 429, retryAfter);
      return send(
        res,
        429,
        hubspotError('You have reached your ten_secondly_rolling limit.', 'RATE_LIMITS', { errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }),
        { 'retry-after': String(retryAfter) },
      );
    };
    if (rateLimited.count > 0) {
      rateLimited.count--;
      return rateLimitAnswer(rateLimited.retryAfter);
    }
    if (options.rateLimit) {
      const now = Date.now();
      while (recent.length > 0 && recent[0]! <= now - options.rateLimit.windowMs) recent.shift();
      if (recent.length >= options.rateLimit.max) {
        return rateLimitAnswer(Math.max(1, Math.ceil((recent[0]! + options.rateLimit.windowMs - now) / 1000)));
      }
      recent.push(now);
    }
    if (failures.count > 0 && (objectMatch || propertyMatch)) {
      failures.count--;
      record(object, cursor, failures.status);
      res.writeHead(failures.status, { 'content-type': 'text/html' });
      return res.end('<html><body>Bad gateway</body></html>');
    }
    if (propertyMatch && req.method === 'GET') {
      record(object, null, 200);
      return send(res, 200, {
        results: properties[object!].map((p) => ({
          name: p.name,
          label: p.label,
          type: p.type,
          fieldType: p.fieldType,
          groupName: p.groupName,
          description: p.description ?? '',
          options: [],
          displayOrder: -1,
          calculated: false,
          externalOptions: false,
          hasUniqueValue: false,
          hidden: false,
          formField: true,
          modificationMetadata: { archivable: true, readOnlyDefinition: true, readOnlyValue: p.readOnly ?? false },
        })),
      });
    }
    if (objectMatch && req.method === 'GET' && !objectMatch[2]) {
      const limit = Math.min(MAX_LIMIT, Number(url.searchParams.get('limit') ?? 10));
      const asked = url.searchParams.getAll('properties').flatMap((p) => p.split(','));
      record(object, cursor, 200);
      return send(res, 200, page(records[object!], cursor, limit, asked));
    }
    if (objectMatch && req.method === 'POST' && objectMatch[2]) {
      const limit = Math.min(200, Number(body.limit ?? 10));
      const groups = (body.filterGroups as { filters: SearchFilter[] }[] | undefined) ?? [];
      const found = records[object!].filter((r) => groups.length === 0 || groups.some((g) => matches(r, g.filters)));
      record(object, cursor, 200);
      return send(res, 200, { total: found.length, ...page(found, cursor, limit, (body.properties as string[] | undefined) ?? []) });
    }
    record(object, cursor, 404);
    return send(res, 404, hubspotError(`No route for ${req.method} ${url.pathname}`, 'OBJECT_NOT_FOUND'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => send(res, 500, hubspotError(err.message, 'INTERNAL_ERROR')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    properties,
    requests,
    failNext(count, status = 502) {
      failures = { count, status };
    },
    rateLimitNext(count, retryAfter) {
      rateLimited = { count, retryAfter };
    },
    hold(match) {
      let arrived!: () => void;
      let gone!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const clientGone = new Promise<void>((resolve) => (gone = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ match, arrived, gone, released });
      return { reached, clientGone, release };
    },
    pageFetches(object) {
      const counts = new Map<string, number>();
      for (const r of requests) {
        if (r.object !== object || r.status !== 200 || r.path.startsWith('/crm/v3/properties')) continue;
        counts.set(r.after ?? '', (counts.get(r.after ?? '') ?? 0) + 1);
      }
      return counts;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

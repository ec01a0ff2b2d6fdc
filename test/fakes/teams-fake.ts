// A local Teams: Workflows webhooks (POST /webhooks/<id> with an Adaptive
// Card message, answered 202 Accepted with no body as Teams does; 400 for a
// body that is no card message; scriptable 429 with Retry-After and 5xx),
// and Microsoft Graph's GET /v1.0/teams/{id}/channels (Bearer token, 401
// with Graph's error body, @odata.nextLink paging). Records every card it
// accepted, so tests can assert "posted exactly once".
//
// It listens on 127.0.0.1 over http: the app must opt into private
// destinations (EGRESS_ALLOW_PRIVATE_NETWORKS=true); tests store a webhook
// URL on it through the domain (the API accepts https webhooks only).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestText } from './request-text.js';

export interface FakeTeamsCard {
  webhook: string;
  title: string;
  texts: string[];
  at: number;
}

export type FakeTeamsScript =
  | { rateLimitSeconds: number }
  | { status: number }
  /** the card is posted, but the answer is held for this long (longer than the client waits) */
  | { takeAndHoldMs: number }
  /** the card is posted, then the connection is dropped without an answer */
  | { takeAndDrop: true };

export interface FakeTeams {
  /** base of the webhooks: `${webhookBase}/<id>` */
  webhookBase: string;
  /** MICROSOFT_GRAPH_BASE_URL */
  graphUrl: string;
  /** a valid Graph token */
  graphToken: string;
  /** team id → its channels */
  teams: Map<string, { id: string; displayName: string; description: string | null; membershipType: string }[]>;
  /** channels per Graph page */
  pageSize: number;
  /** when set, the first page's nextLink points here instead of the fake (an off-host link) */
  foreignNextLink: string | null;
  cards: FakeTeamsCard[];
  webhookCalls: { status: number; at: number }[];
  /** the next `count` webhook posts are answered as scripted */
  script(count: number, answer: FakeTeamsScript): void;
  /** the next `count` Graph requests answer 429 with this Retry-After (seconds), Graph's throttling */
  throttleGraphNext(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await requestText(req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

interface CardMessage {
  type?: string;
  attachments?: { contentType?: string; content?: { type?: string; body?: { type?: string; text?: string }[] } }[];
}

export async function startFakeTeams(): Promise<FakeTeams> {
  const scripts: FakeTeamsScript[] = [];
  const graphThrottles: number[] = [];
  const state = {
    graphToken: 'graph-token-0123456789',
    teams: new Map<string, { id: string; displayName: string; description: string | null; membershipType: string }[]>(),
    pageSize: 2,
    foreignNextLink: null as string | null,
    cards: [] as FakeTeamsCard[],
    webhookCalls: [] as { status: number; at: number }[],
  };
  let base = '';

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      const webhook = /^\/webhooks\/([\w-]+)$/.exec(url.pathname);
      if (webhook && req.method === 'POST') {
        const call = { status: 202, at: Date.now() };
        state.webhookCalls.push(call);
        const body = (await readJson(req)) as CardMessage | null;
        const scripted = scripts.shift();
        if (scripted && 'rateLimitSeconds' in scripted) {
          return send(res, (call.status = 429), { error: { code: 'TooManyRequests', message: 'Rate limit is exceeded.' } }, { 'retry-after': String(scripted.rateLimitSeconds) });
        }
        if (scripted && 'status' in scripted) return send(res, (call.status = scripted.status), { error: { code: 'InternalServerError', message: 'The workflow failed.' } });
        const card = body?.attachments?.[0];
        if (body?.type !== 'message' || card?.contentType !== 'application/vnd.microsoft.card.adaptive' || card.content?.type !== 'AdaptiveCard') {
          return send(res, (call.status = 400), { error: { code: 'InvalidRequestContent', message: 'The request content is not valid.' } });
        }
        const blocks = card.content.body ?? [];
        state.cards.push({ webhook: webhook[1]!, title: blocks[0]?.text ?? '', texts: blocks.map((b) => b.text ?? ''), at: Date.now() });
        if (scripted && 'takeAndHoldMs' in scripted) {
          await new Promise((resolve) => setTimeout(resolve, scripted.takeAndHoldMs));
          if (res.destroyed) return;
        }
        if (scripted && 'takeAndDrop' in scripted) return req.socket.destroy();
        return send(res, 202);
      }
      const channels = /^\/v1\.0\/teams\/([^/]+)\/channels$/.exec(url.pathname);
      if (channels && req.method === 'GET') {
        const throttle = graphThrottles.shift();
        if (throttle !== undefined) {
          return send(res, 429, { error: { code: 'TooManyRequests', message: 'Too many requests.' } }, { 'retry-after': String(throttle) });
        }
        if (req.headers.authorization !== `Bearer ${state.graphToken}`) {
          return send(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } });
        }
        const all = state.teams.get(decodeURIComponent(channels[1]!));
        if (!all) return send(res, 404, { error: { code: 'NotFound', message: 'No team found with Group Id' } });
        const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
        const page = all.slice(skip, skip + state.pageSize);
        const more = skip + state.pageSize < all.length;
        const nextLink = more ? (skip === 0 && state.foreignNextLink) || `${base}${url.pathname}?$skiptoken=${skip + state.pageSize}` : undefined;
        return send(res, 200, { '@odata.context': `${base}/v1.0/$metadata#teams('${channels[1]}')/channels`, value: page, ...(nextLink ? { '@odata.nextLink': nextLink } : {}) });
      }
      send(res, 404, { error: { code: 'NotFound', message: 'Resource not found' } });
    })().catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return Object.assign(state, {
    webhookBase: `${base}/webhooks`,
    graphUrl: `${base}/v1.0`,
    script(count: number, answer: FakeTeamsScript) {
      for (let i = 0; i < count; i++) scripts.push(answer);
    },
    throttleGraphNext(count: number, retryAfterSeconds: number) {
      for (let i = 0; i < count; i++) graphThrottles.push(retryAfterSeconds);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

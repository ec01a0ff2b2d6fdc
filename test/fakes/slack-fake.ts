// A local Slack Web API speaking what @slack/web-api sends and reads: POST
// /api/<method> with a form-urlencoded (or JSON) body and a Bearer token,
// answers `{ ok: true, ... }` or `{ ok: false, error }` with HTTP 200 as Slack
// does, cursor paging in response_metadata.next_cursor, message metadata
// (kept and returned by conversations.history with include_all_metadata),
// and 429 with Retry-After. Scriptable per test: the next N calls of a method
// answer an error, a 429, a 5xx, or are taken (a post is stored) and then
// held unanswered, as a lost answer would be. Records every call, so tests
// can assert "posted exactly once".
//
// It listens on 127.0.0.1: the app must opt into private destinations
// (EGRESS_ALLOW_PRIVATE_NETWORKS=true), which production never does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestText } from './request-text.js';

export interface FakeSlackPost {
  channel: string;
  text: string;
  blocks: unknown;
  metadata: { event_type?: string; event_payload?: Record<string, unknown> } | null;
  ts: string;
  token: string;
}

export interface FakeSlackCall {
  method: string;
  token: string | null;
  status: number;
  /** Date.now() on arrival */
  at: number;
}

export type FakeSlackScript =
  /** HTTP 200 with ok:false and this Slack error code */
  | { error: string }
  /** HTTP 429 with Retry-After (seconds) */
  | { rateLimitSeconds: number }
  /** this HTTP status (5xx), with an HTML body as a load balancer answers */
  | { status: number }
  /** the call is carried out (a post is stored), but its answer is held for this long (longer than the client waits) */
  | { takeAndHoldMs: number };

export interface FakeSlack {
  /** the API URL to configure as SLACK_API_URL (ends with /api/) */
  url: string;
  /** token → workspace; a token not here answers invalid_auth */
  tokens: Map<string, { teamId: string; team: string }>;
  channels: { id: string; name: string; is_private: boolean; is_member: boolean; num_members: number }[];
  posts: FakeSlackPost[];
  calls: FakeSlackCall[];
  /** the next `count` calls of `method` are answered as scripted */
  script(method: string, count: number, answer: FakeSlackScript): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await requestText(req);
  if ((req.headers['content-type'] ?? '').includes('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const form: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) form[key] = value;
  return form;
}

/** The client sends objects (metadata, blocks) as JSON strings inside the form. */
const jsonField = (value: unknown) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : (value ?? null));

export async function startFakeSlack(): Promise<FakeSlack> {
  const tokens = new Map<string, { teamId: string; team: string }>();
  const channels: FakeSlack['channels'] = [];
  const posts: FakeSlackPost[] = [];
  const calls: FakeSlackCall[] = [];
  const scripts = new Map<string, FakeSlackScript[]>();
  let clock = 1_700_000_000;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  async function carryOut(method: string, token: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const workspace = tokens.get(token)!;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: `https://${workspace.team}.slack.test/`, team: workspace.team, team_id: workspace.teamId, user: 'lio', user_id: 'U0LIOBOT' };
      case 'conversations.list': {
        const limit = Number(body.limit ?? 100);
        const start = body.cursor ? Number(Buffer.from(String(body.cursor), 'base64').toString().replace('offset:', '')) : 0;
        const page = channels.slice(start, start + limit);
        const next = start + limit < channels.length ? Buffer.from(`offset:${start + limit}`).toString('base64') : '';
        return { ok: true, channels: page, response_metadata: { next_cursor: next } };
      }
      case 'chat.postMessage': {
        const channel = String(body.channel ?? '');
        if (!channels.some((c) => c.id === channel)) return { ok: false, error: 'channel_not_found' };
        const ts = `${++clock}.000100`;
        posts.push({ channel, text: String(body.text ?? ''), blocks: jsonField(body.blocks), metadata: jsonField(body.metadata) as FakeSlackPost['metadata'], ts, token });
        return { ok: true, channel, ts, message: { text: body.text, ts } };
      }
      case 'conversations.history': {
        const channel = String(body.channel ?? '');
        const withMetadata = body.include_all_metadata === 'true' || body.include_all_metadata === true;
        // newest first, as Slack answers
        const messages = posts
          .filter((p) => p.channel === channel)
          .reverse()
          .map((p) => ({ type: 'message', ts: p.ts, text: p.text, ...(withMetadata && p.metadata ? { metadata: p.metadata } : {}) }));
        return { ok: true, messages, has_more: false, response_metadata: { next_cursor: '' } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null;
      const body = await readBody(req);
      const call: FakeSlackCall = { method, token, status: 200, at: Date.now() };
      calls.push(call);
      if (req.method !== 'POST') return send(res, (call.status = 405), { ok: false, error: 'method_not_allowed' });
      const scripted = scripts.get(method)?.shift();
      if (scripted && 'rateLimitSeconds' in scripted) {
        return send(res, (call.status = 429), { ok: false, error: 'ratelimited' }, { 'retry-after': String(scripted.rateLimitSeconds) });
      }
      if (scripted && 'status' in scripted) {
        res.writeHead((call.status = scripted.status), { 'content-type': 'text/html' });
        return res.end('<html><body>upstream failure</body></html>');
      }
      if (scripted && 'error' in scripted) return send(res, 200, { ok: false, error: scripted.error });
      if (!token) return send(res, 200, { ok: false, error: 'not_authed' });
      if (!tokens.has(token)) return send(res, 200, { ok: false, error: 'invalid_auth' });
      const answer = await carryOut(method, token, body);
      if (scripted && 'takeAndHoldMs' in scripted) {
        // taken, then the answer is lost: the client gives up before it comes
        await new Promise((resolve) => setTimeout(resolve, scripted.takeAndHoldMs));
        if (res.destroyed) return;
      }
      send(res, 200, answer);
    })().catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    tokens,
    channels,
    posts,
    calls,
    script(method, count, answer) {
      const queue = scripts.get(method) ?? [];
      for (let i = 0; i < count; i++) queue.push(answer);
      scripts.set(method, queue);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

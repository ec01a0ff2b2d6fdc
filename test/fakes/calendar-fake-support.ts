// What the two local calendar fakes (google-calendar-fake.ts,
// graph-calendar-fake.ts) share: a node:http server on 127.0.0.1:0, the
// OAuth refresh_token grant their clients refresh through, Bearer checks,
// the per-test script of failures (the next N matching requests answered
// 401/429+Retry-After/5xx, or handled and then answered too late), and the
// log of what each received.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestText } from './request-text.js';

export interface FakeRequest {
  method: string;
  /** path and query as received */
  url: string;
  authorization: string | null;
  status: number;
}

interface ScriptedFailure {
  method: string;
  pathPrefix: string;
  times: number;
  status: number;
  retryAfter?: number;
}

interface LateAnswer {
  method: string;
  pathPrefix: string;
  ms: number;
}

export interface FakeControls {
  /** every request received, in order */
  requests: FakeRequest[];
  /** access tokens accepted as Bearer; the token endpoint adds the ones it issues */
  validTokens: Set<string>;
  /** refresh tokens the token endpoint accepts (remove one to make refreshes fail) */
  refreshTokens: Set<string>;
  /** the next `times` requests matching method and path prefix are answered `status` (a 429 with Retry-After seconds) without being handled */
  failNext(times: number, method: string, pathPrefix: string, status: number, retryAfter?: number): void;
  /** the next request matching is handled (its effect happens) but answered only after `ms`: the client times out */
  answerNextAfter(ms: number, method: string, pathPrefix: string): void;
}

export interface FakeServer extends FakeControls {
  /** http://127.0.0.1:port */
  origin: string;
  /** the refresh_token grant endpoint */
  tokenUrl: string;
  close(): Promise<void>;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
}

export type FakeRoute = (request: { method: string; path: string; query: URLSearchParams; body: any }) => FakeAnswer | null;


function send(res: ServerResponse, answer: FakeAnswer, headers: Record<string, string> = {}) {
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(answer.body));
}

/**
 * A fake provider: `route` answers authorised API requests (null: 404),
 * `unauthorised` is the provider's 401 body, `errorBody` its error body for
 * a scripted status.
 */
export async function startFakeServer(options: {
  accessToken: string;
  refreshToken: string;
  /** the token endpoint's answer to a refused grant (Google and Microsoft: 400 invalid_grant) */
  route: FakeRoute;
  unauthorised: unknown;
  errorBody: (status: number) => unknown;
  /** the issued token's lifetime in seconds */
  tokenLifetimeSeconds?: number;
}): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const validTokens = new Set([options.accessToken]);
  const refreshTokens = new Set([options.refreshToken]);
  const failures: ScriptedFailure[] = [];
  const lateAnswers: LateAnswer[] = [];
  let issued = 0;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const authorization = req.headers.authorization ?? null;
    const text = await requestText(req);
    const log = (status: number) => requests.push({ method, url: `${url.pathname}${url.search}`, authorization, status });

    if (url.pathname === '/token') {
      const form = new URLSearchParams(text);
      if (form.get('grant_type') !== 'refresh_token' || !refreshTokens.has(form.get('refresh_token') ?? '')) {
        log(400);
        send(res, { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } });
        return;
      }
      const token = `fresh-token-${++issued}`;
      validTokens.add(token);
      log(200);
      send(res, { status: 200, body: { access_token: token, expires_in: options.tokenLifetimeSeconds ?? 3600, token_type: 'Bearer', scope: 'calendar' } });
      return;
    }

    const scripted = failures.find((f) => f.times > 0 && f.method === method && url.pathname.startsWith(f.pathPrefix));
    if (scripted) {
      scripted.times -= 1;
      log(scripted.status);
      send(res, { status: scripted.status, body: scripted.status === 401 ? options.unauthorised : options.errorBody(scripted.status) }, scripted.retryAfter !== undefined ? { 'retry-after': String(scripted.retryAfter) } : {});
      return;
    }
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : null;
    if (bearer === null || !validTokens.has(bearer)) {
      log(401);
      send(res, { status: 401, body: options.unauthorised });
      return;
    }
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        log(400);
        send(res, { status: 400, body: options.errorBody(400) });
        return;
      }
    }
    const answer = options.route({ method, path: url.pathname, query: url.searchParams, body }) ?? { status: 404, body: options.errorBody(404) };
    log(answer.status);
    const lateIndex = lateAnswers.findIndex((l) => l.method === method && url.pathname.startsWith(l.pathPrefix));
    if (lateIndex >= 0) {
      const [late] = lateAnswers.splice(lateIndex, 1);
      setTimeout(() => send(res, answer), late!.ms).unref();
      return;
    }
    send(res, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    tokenUrl: `${origin}/token`,
    requests,
    validTokens,
    refreshTokens,
    failNext(times, method, pathPrefix, status, retryAfter) {
      failures.push({ times, method, pathPrefix, status, retryAfter });
    },
    answerNextAfter(ms, method, pathPrefix) {
      lateAnswers.push({ ms, method, pathPrefix });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

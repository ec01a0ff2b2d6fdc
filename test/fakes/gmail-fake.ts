// A local Gmail (API v1) and Google OAuth token endpoint that speak what
// @googleapis/gmail and google-auth-library send: Bearer tokens checked on
// every call (401 with Google's UNAUTHENTICATED body when unknown or
// revoked), the refresh_token grant at /token (400 invalid_grant when
// refused), users.getProfile, users.messages.send (raw MIME, recorded and
// parsed), users.messages.list (labelIds, q with rfc822msgid:, from:, is:unread,
// after:/before:, pageToken paging, resultSizeEstimate), users.messages.get
// (metadata and full). Scriptable per test: fail the next N matching
// requests with a status (429 with Retry-After, 5xx), or take a send and
// answer it late (the client times out although the message was sent).
//
// Listens on 127.0.0.1: the app and worker must opt in to private
// destinations (EGRESS_ALLOW_PRIVATE_NETWORKS=true), which production never does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestText } from './request-text.js';

export interface GmailFakeMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  /** epoch ms */
  internalDate: number;
  headers: Record<string, string>;
  html?: string;
  text?: string;
  /** the raw MIME a send carried */
  raw?: string;
}

export interface GmailFakeRequest {
  method: string;
  path: string;
  authorization: string | null;
  status: number;
  /** Date.now() when it arrived */
  at: number;
  /** the q of a list (the rfc822msgid: lookup of an in-doubt send) */
  q: string | null;
}

interface Failure {
  match: (method: string, path: string) => boolean;
  status: number;
  retryAfter?: number;
}

export interface GmailFake {
  /** the API root (GOOGLE_API_BASE_URL) */
  apiUrl: string;
  /** the OAuth token endpoint (GOOGLE_TOKEN_URL) */
  tokenUrl: string;
  requests: GmailFakeRequest[];
  /** every message a send delivered, in order */
  sent: GmailFakeMessage[];
  /** a mailbox (its messages are listed newest first) */
  mailbox: GmailFakeMessage[];
  /** tokens accepted as Bearer; refresh grants issue new ones */
  validTokens: Set<string>;
  /** refresh tokens the token endpoint accepts */
  refreshTokens: Set<string>;
  /** the next `times` requests matching `method path-prefix` are answered `status` (with Retry-After seconds for a 429) */
  failNext(times: number, method: string, pathPrefix: string, status: number, retryAfter?: number): void;
  /** the next send is delivered (recorded in `sent`) but answered only after `ms` */
  answerNextSendAfter(ms: number): void;
  /** the next send is delivered (recorded in `sent`), then the connection is dropped without an answer */
  dropNextSendAnswer(): void;
  close(): Promise<void>;
}

const GOOGLE_401 = { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } };


/** The headers of a MIME message (unfolded), by lower-case name. */
export function mimeHeaders(mime: string): Record<string, string> {
  const head = mime.split(/\r?\n\r?\n/)[0] ?? '';
  const headers: Record<string, string> = {};
  let last = '';
  for (const line of head.split(/\r?\n/)) {
    if (/^\s/.test(line) && last) headers[last] += ` ${line.trim()}`;
    else {
      const at = line.indexOf(':');
      if (at > 0) {
        last = line.slice(0, at).toLowerCase();
        headers[last] = line.slice(at + 1).trim();
      }
    }
  }
  return headers;
}

function resource(m: GmailFakeMessage, format: string) {
  const headers = Object.entries(m.headers).map(([name, value]) => ({ name, value }));
  const base = { id: m.id, threadId: m.threadId, labelIds: m.labelIds, snippet: (m.text ?? '').slice(0, 100), internalDate: String(m.internalDate) };
  if (format === 'metadata') return { ...base, payload: { mimeType: 'multipart/alternative', headers } };
  const part = (mimeType: string, content: string | undefined) =>
    content === undefined ? [] : [{ mimeType, filename: '', body: { size: content.length, data: Buffer.from(content).toString('base64url') } }];
  return { ...base, payload: { mimeType: 'multipart/alternative', headers, parts: [...part('text/plain', m.text), ...part('text/html', m.html)] } };
}

/** Gmail's search, as far as the connector uses it. */
function matches(m: GmailFakeMessage, q: string | null, labelIds: string[]): boolean {
  if (labelIds.some((l) => !m.labelIds.includes(l))) return false;
  for (const term of (q ?? '').split(/\s+/).filter(Boolean)) {
    const [key, value] = term.includes(':') ? [term.slice(0, term.indexOf(':')), term.slice(term.indexOf(':') + 1)] : [null, term];
    if (key === 'rfc822msgid') {
      if ((m.headers['Message-ID'] ?? '').replace(/^<|>$/g, '') !== value) return false;
    } else if (key === 'is' && value === 'unread') {
      if (!m.labelIds.includes('UNREAD')) return false;
    } else if (key === 'from') {
      if (!(m.headers.From ?? '').toLowerCase().includes(value.toLowerCase())) return false;
    } else if (key === 'after') {
      if (m.internalDate < Number(value) * 1000) return false;
    } else if (key === 'before') {
      if (m.internalDate >= Number(value) * 1000) return false;
    } else if (!`${m.headers.Subject ?? ''} ${m.text ?? ''}`.toLowerCase().includes(term.toLowerCase())) return false;
  }
  return true;
}

export async function startGmailFake(options: { accessToken: string; refreshToken?: string }): Promise<GmailFake> {
  const failures: Failure[] = [];
  let lateSendMs = 0;
  let dropSendAnswer = false;
  let issued = 0;
  let nextId = 1;
  const fake: Omit<GmailFake, 'apiUrl' | 'tokenUrl' | 'close' | 'failNext' | 'answerNextSendAfter' | 'dropNextSendAnswer'> = {
    requests: [],
    sent: [],
    mailbox: [],
    validTokens: new Set([options.accessToken]),
    refreshTokens: new Set(options.refreshToken ? [options.refreshToken] : []),
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = await requestText(req);
    const record = { method, path, authorization: req.headers.authorization ?? null, status: 200, at: Date.now(), q: url.searchParams.get('q') };
    fake.requests.push(record);
    const answer = (status: number, payload: unknown, headers?: Record<string, string>) => {
      record.status = status;
      json(res, status, payload, headers);
    };

    const failure = failures.find((f) => f.match(method, path));
    if (failure) {
      failures.splice(failures.indexOf(failure), 1);
      const headers: Record<string, string> = failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {};
      const status = failure.status;
      return answer(status, { error: { code: status, message: status === 429 ? 'Too many requests' : 'Backend Error', status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' } }, headers);
    }

    if (path === '/token' && method === 'POST') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'refresh_token' || !fake.refreshTokens.has(form.get('refresh_token') ?? '')) {
        return answer(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      }
      const token = `refreshed-access-${++issued}`;
      fake.validTokens.add(token);
      return answer(200, { access_token: token, expires_in: 3599, token_type: 'Bearer', scope: 'https://mail.google.com/' });
    }

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !fake.validTokens.has(token)) return answer(401, GOOGLE_401, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });

    const prefix = '/gmail/v1/users/me';
    if (method === 'GET' && path === `${prefix}/profile`) {
      return answer(200, { emailAddress: 'owner@example.com', messagesTotal: fake.mailbox.length, threadsTotal: fake.mailbox.length, historyId: '1' });
    }
    if (method === 'POST' && path === `${prefix}/messages/send`) {
      const { raw, threadId } = JSON.parse(body) as { raw: string; threadId?: string };
      const mime = Buffer.from(raw, 'base64url').toString('utf8');
      const headers = mimeHeaders(mime);
      const id = `sent${nextId++}`;
      const message: GmailFakeMessage = {
        id,
        threadId: threadId ?? id,
        labelIds: ['SENT'],
        internalDate: Date.now(),
        headers: { 'Message-ID': headers['message-id'] ?? '', Subject: headers.subject ?? '', To: headers.to ?? '', From: headers.from ?? '' },
        raw: mime,
      };
      fake.sent.push(message);
      fake.mailbox.push(message);
      if (dropSendAnswer) {
        dropSendAnswer = false;
        record.status = 0;
        req.socket.destroy();
        return;
      }
      if (lateSendMs > 0) {
        const delay = lateSendMs;
        lateSendMs = 0;
        await new Promise((r) => setTimeout(r, delay));
      }
      if (res.destroyed || res.writableEnded) return;
      return answer(200, { id, threadId: message.threadId, labelIds: message.labelIds });
    }
    if (method === 'GET' && path === `${prefix}/messages`) {
      const labelIds = url.searchParams.getAll('labelIds');
      const q = url.searchParams.get('q');
      const includeSpamTrash = url.searchParams.get('includeSpamTrash') === 'true';
      const all = [...fake.mailbox]
        .filter((m) => includeSpamTrash || !m.labelIds.some((l) => l === 'SPAM' || l === 'TRASH'))
        .filter((m) => matches(m, q, labelIds))
        .sort((a, b) => b.internalDate - a.internalDate);
      const max = Number(url.searchParams.get('maxResults') ?? 100);
      const offset = Number(url.searchParams.get('pageToken') ?? 0);
      const page = all.slice(offset, offset + max);
      return answer(200, {
        ...(page.length > 0 ? { messages: page.map((m) => ({ id: m.id, threadId: m.threadId })) } : {}),
        ...(offset + max < all.length ? { nextPageToken: String(offset + max) } : {}),
        resultSizeEstimate: all.length,
      });
    }
    const get = new RegExp(`^${prefix}/messages/([^/]+)$`).exec(path);
    if (method === 'GET' && get) {
      const message = fake.mailbox.find((m) => m.id === decodeURIComponent(get[1]!));
      if (!message) return answer(404, { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
      return answer(200, resource(message, url.searchParams.get('format') ?? 'full'));
    }
    return answer(404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: { code: 500, message: 'fake failed' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    apiUrl: base,
    tokenUrl: `${base}/token`,
    failNext(times: number, method: string, pathPrefix: string, status: number, retryAfter?: number) {
      for (let i = 0; i < times; i++) failures.push({ match: (m, p) => m === method && p.startsWith(pathPrefix), status, retryAfter });
    },
    answerNextSendAfter(ms: number) {
      lateSendMs = ms;
    },
    dropNextSendAnswer() {
      dropSendAnswer = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

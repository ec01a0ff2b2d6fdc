// A local Microsoft Graph (v1.0, the mail parts) and Microsoft identity
// token endpoint: Bearer tokens checked on every call (401
// InvalidAuthenticationToken), the refresh_token grant at /token (400
// invalid_grant when refused), GET /me, POST /me/sendMail and
// /me/messages/{id}/reply (202, recorded with their internetMessageId),
// GET /me/messages?$filter=internetMessageId eq '…', folder listings with
// $top/$skip/$count/$filter (isRead, receivedDateTime), GET /me/messages/{id}.
// Scriptable: fail the next N matching requests (429 with Retry-After, 5xx).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestText } from './request-text.js';

export interface GraphFakeMessage {
  id: string;
  folder: string;
  subject: string;
  from: string;
  to: string[];
  isRead: boolean;
  receivedDateTime: string;
  internetMessageId: string;
  html: string;
  /** for sent messages: the request's body as Graph received it */
  request?: Record<string, unknown>;
}

export interface GraphFakeRequest {
  method: string;
  path: string;
  query: string;
  authorization: string | null;
  status: number;
}

export interface GraphFake {
  /** MICROSOFT_GRAPH_BASE_URL (version included) */
  graphUrl: string;
  /** MICROSOFT_TOKEN_URL */
  tokenUrl: string;
  requests: GraphFakeRequest[];
  sent: GraphFakeMessage[];
  mailbox: GraphFakeMessage[];
  validTokens: Set<string>;
  refreshTokens: Set<string>;
  failNext(times: number, method: string, pathPrefix: string, status: number, retryAfter?: number): void;
  /** the next sendMail or reply is delivered (recorded in `sent`) but answered only after `ms` */
  answerNextSendAfter(ms: number): void;
  close(): Promise<void>;
}


const address = (text: string) => ({ emailAddress: { address: text } });

function resource(m: GraphFakeMessage) {
  return {
    id: m.id,
    conversationId: `conv-${m.id}`,
    subject: m.subject,
    bodyPreview: m.html.replace(/<[^>]+>/g, '').slice(0, 100),
    receivedDateTime: m.receivedDateTime,
    isRead: m.isRead,
    internetMessageId: m.internetMessageId,
    from: address(m.from),
    toRecipients: m.to.map(address),
    ccRecipients: [],
    body: { contentType: 'html', content: m.html },
    internetMessageHeaders: [{ name: 'Message-ID', value: m.internetMessageId }],
    attachments: [],
  };
}

/** The few $filter forms the connector sends. */
function filterOf(expression: string | null): (m: GraphFakeMessage) => boolean {
  if (!expression) return () => true;
  const tests = expression.split(' and ').map((term) => {
    const id = /^internetMessageId eq '(.*)'$/.exec(term);
    if (id) return (m: GraphFakeMessage) => m.internetMessageId === id[1]!.replace(/''/g, "'");
    if (term === 'isRead eq false') return (m: GraphFakeMessage) => !m.isRead;
    const range = /^receivedDateTime (ge|lt) (.+)$/.exec(term);
    if (range) return (m: GraphFakeMessage) => (range[1] === 'ge' ? m.receivedDateTime >= range[2]! : m.receivedDateTime < range[2]!);
    throw new Error(`the Graph fake does not know the filter ${term}`);
  });
  return (m) => tests.every((t) => t(m));
}

export async function startGraphFake(options: { accessToken: string; refreshToken?: string }): Promise<GraphFake> {
  const failures: { method: string; prefix: string; status: number; retryAfter?: number }[] = [];
  let issued = 0;
  let nextId = 1;
  let lateSendMs = 0;
  const fake: Pick<GraphFake, 'requests' | 'sent' | 'mailbox' | 'validTokens' | 'refreshTokens'> = {
    requests: [],
    sent: [],
    mailbox: [],
    validTokens: new Set([options.accessToken]),
    refreshTokens: new Set(options.refreshToken ? [options.refreshToken] : []),
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = await requestText(req);
    const record = { method, path, query: url.search, authorization: req.headers.authorization ?? null, status: 200 };
    fake.requests.push(record);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const failure = failures.find((f) => f.method === method && path.startsWith(f.prefix));
    if (failure) {
      failures.splice(failures.indexOf(failure), 1);
      const code = failure.status === 429 ? 'TooManyRequests' : 'ServiceNotAvailable';
      return answer(failure.status, { error: { code, message: 'fake failure' } }, failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {});
    }
    if (path === '/token' && method === 'POST') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'refresh_token' || !fake.refreshTokens.has(form.get('refresh_token') ?? '') || !form.get('client_secret')) {
        return answer(400, { error: 'invalid_grant', error_description: 'AADSTS70000: The provided grant is invalid or malformed.' });
      }
      const token = `graph-access-${++issued}`;
      fake.validTokens.add(token);
      return answer(200, { token_type: 'Bearer', access_token: token, refresh_token: `graph-refresh-${issued}`, expires_in: 3600 });
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !fake.validTokens.has(token)) {
      return answer(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } });
    }
    const me = '/v1.0/me';
    if (method === 'GET' && path === me) return answer(200, { id: 'user-1', mail: 'owner@contoso.com', userPrincipalName: 'owner@contoso.com' });
    const reply = new RegExp(`^${me}/messages/([^/]+)/reply$`).exec(path);
    if (method === 'POST' && (path === `${me}/sendMail` || reply)) {
      if (reply && !fake.mailbox.some((m) => m.id === decodeURIComponent(reply[1]!))) return answer(404, { error: { code: 'ErrorItemNotFound', message: 'not found' } });
      const request = JSON.parse(body) as { message: { subject?: string; internetMessageId?: string; toRecipients?: { emailAddress: { address: string } }[]; body?: { content?: string } } };
      const message: GraphFakeMessage = {
        id: `out${nextId++}`,
        folder: 'sentitems',
        subject: request.message.subject ?? '',
        from: 'owner@contoso.com',
        to: (request.message.toRecipients ?? []).map((r) => r.emailAddress.address),
        isRead: true,
        receivedDateTime: new Date().toISOString(),
        internetMessageId: request.message.internetMessageId ?? `<${nextId}@graph>`,
        html: request.message.body?.content ?? '',
        request: request as Record<string, unknown>,
      };
      fake.sent.push(message);
      fake.mailbox.push(message);
      if (lateSendMs > 0) {
        const delay = lateSendMs;
        lateSendMs = 0;
        await new Promise((r) => setTimeout(r, delay));
        if (res.destroyed) return;
      }
      return answer(202);
    }
    const folder = new RegExp(`^${me}/mailFolders/([^/]+)/messages$`).exec(path);
    if (method === 'GET' && (folder || path === `${me}/messages`)) {
      const inFolder = folder ? fake.mailbox.filter((m) => m.folder === decodeURIComponent(folder[1]!)) : fake.mailbox;
      const search = url.searchParams.get('$search');
      // Graph refuses $search without ConsistencyLevel: eventual, and $search with $filter on messages
      if (search && (req.headers.consistencylevel !== 'eventual' || url.searchParams.has('$filter'))) return answer(400, { error: { code: 'BadRequest', message: 'bad $search' } });
      const term = search?.replace(/^"|"$/g, '').toLowerCase();
      const all = inFolder
        .filter(filterOf(url.searchParams.get('$filter')))
        .filter((m) => !term || `${m.subject} ${m.html}`.toLowerCase().includes(term))
        .sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime));
      const top = Number(url.searchParams.get('$top') ?? 10);
      const skip = Number(url.searchParams.get('$skip') ?? 0);
      return answer(200, {
        ...(url.searchParams.get('$count') === 'true' ? { '@odata.count': all.length } : {}),
        value: all.slice(skip, skip + top).map(resource),
      });
    }
    const one = new RegExp(`^${me}/messages/([^/]+)$`).exec(path);
    if (method === 'GET' && one) {
      const message = fake.mailbox.find((m) => m.id === decodeURIComponent(one[1]!));
      return message ? answer(200, resource(message)) : answer(404, { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } });
    }
    return answer(404, { error: { code: 'BadRequest', message: `no route ${method} ${path}` } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'BadRequest', message: err.message } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    graphUrl: `${base}/v1.0`,
    tokenUrl: `${base}/token`,
    failNext(times: number, method: string, pathPrefix: string, status: number, retryAfter?: number) {
      for (let i = 0; i < times; i++) failures.push({ method, prefix: pathPrefix, status, retryAfter });
    },
    answerNextSendAfter(ms: number) {
      lateSendMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

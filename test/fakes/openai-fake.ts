// A local OpenAI-compatible server: POST /v1/chat/completions with Bearer
// auth, the real answer shape (chat.completion with choices, usage) and the
// real error bodies ({ error: { message, type, code } }) for a wrong key,
// a rate limit (429 with Retry-After) and a server error. Scriptable per
// test: the next answers may be failures or may hang (never answered until
// the client goes away or the fake closes). It records every request, so a
// test can assert how many times the SDK asked (no retries of its own).
//
// It listens on 127.0.0.1: a connector talking to it must opt in to private
// destinations (EGRESS_ALLOW_PRIVATE_NETWORKS=true), which production never does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { requestText } from './request-text.js';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface RecordedCompletion {
  method: string;
  path: string;
  authorization: string | undefined;
  /** the SDK's own retry counter header: 0 on a first attempt */
  retryCount: string | undefined;
  body: { model?: string; messages?: ChatMessage[]; max_tokens?: number } | null;
}

export type ScriptedAnswer =
  /** retryAfter: the Retry-After header (seconds or a date); retryAfterMs: OpenAI's own retry-after-ms header */
  | { kind: 'status'; status: 401 | 429 | 500 | 503; retryAfter?: string; retryAfterMs?: string }
  /** no answer at all: the request is held until the client gives up or the fake closes */
  | { kind: 'hang' }
  /** a 200 that is not JSON (what a misconfigured proxy in front of the endpoint answers) */
  | { kind: 'not_json' };

export interface OpenAiFake {
  /** the API root to give the SDK as baseURL (…/v1) */
  baseUrl: string;
  requests: RecordedCompletion[];
  /** the next answers, in order, before the fake answers normally again */
  script(...answers: ScriptedAnswer[]): void;
  /** from now on every `n`th request (counted from this call) gets `answer`, besides scripted ones; null stops it */
  answerEvery(n: number, answer: ScriptedAnswer | null): void;
  /** completions answered 200 so far (what a paying client was charged for) */
  answered(): number;
  /** milliseconds before each completion is answered from now on (options.latencyMs until set) */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export interface OpenAiFakeOptions {
  apiKey: string;
  /** the model named in answers (default: the one asked for) */
  model?: string;
  /** the assistant's text for a request (default: it repeats the user's message, so tests can see what was sent) */
  reply?: (messages: ChatMessage[]) => string;
  /** milliseconds before a completion is answered (a model takes its time: a job can be paused or cancelled midway) */
  latencyMs?: number;
}

const ERROR_BODIES: Record<number, { message: string; type: string; code: string | null }> = {
  401: { message: 'Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', code: 'invalid_api_key' },
  429: { message: 'Rate limit reached for requests. Please try again later.', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};


function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startOpenAiFake(options: OpenAiFakeOptions): Promise<OpenAiFake> {
  const requests: RecordedCompletion[] = [];
  const scripted: ScriptedAnswer[] = [];
  const sockets = new Set<Socket>();
  const reply = options.reply ?? ((messages) => `reply to: ${messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''}`);
  let completions = 0;
  let latencyMs = options.latencyMs ?? 0;
  let every: { n: number; answer: ScriptedAnswer; seen: number } | null = null;

  const server = createServer(async (req, res) => {
    const raw = await requestText(req);
    let body: RecordedCompletion['body'] = null;
    try {
      body = raw ? (JSON.parse(raw) as RecordedCompletion['body']) : null;
    } catch {
      // recorded as null: a test asserting on the body fails visibly
    }
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    requests.push({
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization,
      retryCount: req.headers['x-stainless-retry-count'] as string | undefined,
      body,
    });

    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendJson(res, 404, { error: { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error', code: null } });
    }
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return sendJson(res, 401, { error: ERROR_BODIES[401] });
    const periodic = every && ++every.seen % every.n === 0 ? every.answer : undefined;
    const next = scripted.shift() ?? periodic;
    if (next?.kind === 'hang') return; // held: closed by the client's abort or by close()
    if (next?.kind === 'not_json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('<html><body>Gateway says hello</body></html>');
    }
    if (next?.kind === 'status') {
      return sendJson(res, next.status, { error: ERROR_BODIES[next.status] }, {
        ...(next.retryAfter === undefined ? {} : { 'retry-after': next.retryAfter }),
        ...(next.retryAfterMs === undefined ? {} : { 'retry-after-ms': next.retryAfterMs }),
      });
    }
    if (!body?.model || !Array.isArray(body.messages) || body.messages.length === 0) {
      return sendJson(res, 400, { error: { message: "'messages' and 'model' are required", type: 'invalid_request_error', code: null } });
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    completions += 1;
    const content = reply(body.messages);
    const promptTokens = body.messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4), 0);
    const completionTokens = Math.ceil(content.length / 4);
    sendJson(res, 200, {
      id: `chatcmpl-fake${completions}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: options.model ?? body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      system_fingerprint: 'fp_fake',
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...answers) => scripted.push(...answers),
    answerEvery: (n, answer) => {
      every = answer ? { n, answer, seen: 0 } : null;
    },
    answered: () => completions,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

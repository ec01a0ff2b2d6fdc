// Issue 8, the API's edge: body size and nesting limits, NUL characters,
// 405 with Allow, the JWT secret and token encoding, and what database
// errors leave in the logs. One case per attack; each fails without its fix.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { MAX_JSON_DEPTH } from '../../api/middleware/request-input.js';
import { JWT_SECRET_MIN_LENGTH, loadConfig } from '../../domain/platform/config.js';
import { verifyJwt } from '../../domain/identity/jwt.js';
import { createLogger } from '../../domain/platform/logger.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { logSink } from '../helpers/log-sink.js';
import { seedTenant } from '../helpers/tenants.js';

const MiB = 1024 * 1024;

// a full collection before measuring, so that earlier garbage is not counted as growth
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const JSON_LIMIT = MiB;

let t: TestApp;
beforeAll(() => {
  t = createTestApp({ JSON_BODY_MAX_BYTES: String(JSON_LIMIT), UPLOAD_MAX_BYTES: String(4 * MiB) });
});
afterAll(() => t.close());

const errorEnvelope = (type: string) => ({ success: false, error: expect.objectContaining({ type, message: expect.any(String) }) });

// 64 KiB of JSON whitespace, reused for every chunk: the sender itself holds no more than this
const CHUNK = new Uint8Array(64 * 1024).fill(0x20);

/** A request body of `total` bytes that counts what the server pulled from it (no read-ahead). */
function countedBody(total: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += CHUNK.length;
        controller.enqueue(CHUNK);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

async function postCounted(path: string, total: number, headers: Record<string, string> = {}) {
  const body = countedBody(total);
  const init = { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body.stream, duplex: 'half' };
  const res = await t.app.request(path, init as RequestInit);
  return { status: res.status, body: await res.json(), pulled: body.pulled() };
}

/**
 * Sends `total` bytes over a real socket (chunked unless a Content-Length is
 * given), only as fast as the server takes them, and stops at its answer.
 */
function sendUntilAnswered(port: number, path: string, total: number, headers: Record<string, string>) {
  return new Promise<{ status: number; body: any; sent: number; ms: number }>((resolve, reject) => {
    const started = performance.now();
    let sent = 0;
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()), sent, ms: performance.now() - started });
        req.destroy();
      });
    });
    req.on('error', (err) => !answered && reject(err));
    const write = () => {
      while (!answered && sent < total) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once('drain', write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

describe('request body size (issue 8 §2)', () => {
  it('refuses a 20 MiB body announced by Content-Length with 413 and the envelope without reading any of it, on login too', async () => {
    for (const path of ['/api/auth/login', '/api/v1/lead/add', '/api/custom-view/add']) {
      const res = await postCounted(path, 20 * MiB, { 'content-length': String(20 * MiB) });
      expect(res.status, path).toBe(413);
      expect(res.body).toEqual(errorEnvelope('payload_too_large'));
      expect(res.pulled, path).toBe(0);
    }
  });

  it('refuses a chunked body without Content-Length once it passes the limit, having read no more than the limit', async () => {
    const res = await postCounted('/api/auth/login', 20 * MiB);
    expect(res.status).toBe(413);
    expect(res.body).toEqual(errorEnvelope('payload_too_large'));
    expect(res.pulled).toBeLessThanOrEqual(JSON_LIMIT + CHUNK.length);
  });

  it('over a socket: a 20 MiB chunked or announced body is answered 413 fast, and server memory does not grow by the body', async () => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      for (const headers of [{}, { 'content-length': String(20 * MiB) }] as Record<string, string>[]) {
        collectGarbage();
        const before = process.memoryUsage().arrayBuffers;
        const res = await sendUntilAnswered(port, '/api/auth/login', 20 * MiB, headers);
        // request bytes the server holds are Buffers: arrayBuffers, not the JS heap
        const grewBy = process.memoryUsage().arrayBuffers - before;
        console.info(`413 after ${Math.round(res.ms)} ms, ${(res.sent / MiB).toFixed(2)} MiB sent, memory +${(grewBy / MiB).toFixed(2)} MiB`, headers);
        expect(res.status).toBe(413);
        expect(res.body).toEqual(errorEnvelope('payload_too_large'));
        // the sender is held back by what the server reads (plus socket buffers): far from the 20 MiB
        expect(res.sent).toBeLessThan(10 * MiB);
        expect(res.ms).toBeLessThan(5000);
        expect(grewBy).toBeLessThan(10 * MiB);
      }
    } finally {
      server.close();
    }
  });

  it('leaves multipart uploads to their own, larger limits: a 2 MiB file is stored where a 2 MiB JSON body is refused', async () => {
    const tenant = await seedTenant(t);
    const form = new FormData();
    form.set('file', new File([`%PDF-1.7\n${'x'.repeat(2 * MiB)}`], 'big.pdf'));
    const upload = await t.call('POST', '/api/storage-file/add', { token: tenant.token, body: form });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    const json = await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Big', last_name: 'Body', notes: 'x'.repeat(2 * MiB) } });
    expect(json.status).toBe(413);
  });
});

describe('JSON nesting depth (issue 8 §2)', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
  const leadWithCustomFields = (customFields: string) => `{"first_name":"Deep","last_name":"Nest","custom_fields":${customFields}}`;

  it('answers custom_fields nested 100,000 deep with 400 and the envelope, not 500', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/lead/add', { token: tenant.token, body: leadWithCustomFields(nested(100_000)) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorEnvelope('bad_request'));
    expect(res.body.error.code).toBe('json_too_deep');
    // the bound is exact: the body itself is one level, so custom_fields may nest MAX_JSON_DEPTH - 1 deep
    const atLimit = await t.call('POST', '/api/lead/add', { token: tenant.token, body: leadWithCustomFields(nested(MAX_JSON_DEPTH - 1)) });
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(201);
    const overLimit = await t.call('POST', '/api/lead/add', { token: tenant.token, body: leadWithCustomFields(nested(MAX_JSON_DEPTH)) });
    expect(overLimit.status).toBe(400);
    // brackets inside strings are text, not nesting
    const inString = await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Brackets', last_name: 'Text', notes: `"[{\\${'['.repeat(1000)}` } });
    expect(inString.status, JSON.stringify(inString.body)).toBe(201);
  });
});

describe('NUL characters (issue 8 §3)', () => {
  it('answers U+0000 in list searches, a lead body and a custom view filter with 422 naming the field, not 500', async () => {
    const tenant = await seedTenant(t);
    const cases: [string, string, Parameters<TestApp['call']>[2], string][] = [
      ['GET', '/api/lead/list', { query: { search_value: 'a\0b' } }, 'search_value'],
      ['GET', '/api/company/list', { query: { search_value: 'a\0b' } }, 'search_value'],
      ['GET', '/api/contact/list', { query: { search_value: 'a\0b' } }, 'search_value'],
      ['POST', '/api/lead/add', { body: { first_name: 'Ab\0cd', last_name: 'Doe' } }, 'first_name'],
      ['POST', '/api/lead/add', { body: { first_name: 'Ab', last_name: 'Doe', custom_fields: { 'k\0': 'v' } } }, 'custom_fields.k\0'],
      ['POST', '/api/custom-view/add', { body: { module_name: 'lead', visibility: 'private', filters: { search_value: 'a\0b' } } }, 'filters.search_value'],
    ];
    for (const [method, path, options, field] of cases) {
      const res = await t.call(method, path, { token: tenant.token, ...options });
      expect(res.status, `${method} ${path}`).toBe(422);
      expect(res.body).toEqual(errorEnvelope('validation_error'));
      expect(res.body.error).toMatchObject({ code: 'nul_character', details: [{ path: field }] });
    }
    // the same requests without the NUL are served
    expect((await t.call('GET', '/api/lead/list', { token: tenant.token, query: { search_value: 'ab' } })).status).toBe(200);
    expect((await t.call('POST', '/api/custom-view/add', { token: tenant.token, body: { module_name: 'lead', visibility: 'private', filters: { search_value: 'ab' } } })).status).toBe(201);
  });
});

describe('405 with Allow (issue 8 §6)', () => {
  it('answers an unknown method on a known path 405 with the methods the path serves, under both prefixes; an unknown path stays 404', async () => {
    for (const prefix of ['/api', '/api/v1']) {
      const list = await t.call('DELETE', `${prefix}/lead/list`);
      expect(list.status).toBe(405);
      expect(list.headers.get('allow')).toBe('GET, HEAD');
      expect(list.body).toEqual(errorEnvelope('method_not_allowed'));
      const login = await t.call('PUT', `${prefix}/auth/login`);
      expect(login.status).toBe(405);
      expect(login.headers.get('allow')).toBe('POST');
      // a path parameter matches like the route does
      const view = await t.call('PATCH', `${prefix}/custom-view/delete/7`);
      expect(view.status).toBe(405);
      expect(view.headers.get('allow')).toBe('DELETE');
      const unknown = await t.call('DELETE', `${prefix}/no-such-thing`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('allow')).toBeNull();
    }
  });
});

describe('JWT secret and token encoding (issue 8 §4)', () => {
  const env = (secret: string | undefined) => ({ DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused', JWT_SECRET: secret, CREDENTIALS_KEY: randomBytes(32).toString('base64') });

  it('refuses to load a configuration without a strong JWT_SECRET, and the server refuses to start', async () => {
    for (const weak of [undefined, '', 'lio-dev-secret-change-me-in-production', 'change-me-to-a-long-random-secret', 'x'.repeat(JWT_SECRET_MIN_LENGTH - 1)]) {
      expect(() => loadConfig(env(weak)), String(weak)).toThrow(/JWT_SECRET/);
    }
    const strong = randomBytes(32).toString('base64url');
    expect(loadConfig(env(strong)).JWT_SECRET).toBe(strong);

    const server = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      env: { ...process.env, ...env(undefined), PORT: '0', JWT_SECRET: 'lio-dev-secret-change-me-in-production' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(server, 'exit');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/JWT_SECRET: is a value published with LIO/);
  }, 30_000);

  it('refuses a token whose parts carry junk (*, !, =, whitespace) or a non-canonical last character', async () => {
    const tenant = await seedTenant(t);
    const secret = t.deps.config.JWT_SECRET;
    expect(verifyJwt(tenant.token, secret)).not.toBeNull();
    const [header, body, sig] = tenant.token.split('.') as [string, string, string];
    // a 32-byte HMAC is 43 characters whose last one has 2 unused bits: flipping them decodes to the same bytes
    const lastChar = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(lastChar) ^ 1]!;
    const tampered = [
      ...['*', '!', '=', '==', ' ', '\t', '%'].map((junk) => `${header}.${body}.${sig}${junk}`),
      `${header}.${body}.${sig.slice(0, -1)}${twin}`,
      `${header}=.${body}.${sig}`,
      `${header}.${body}!.${sig}`,
    ];
    for (const token of tampered) {
      expect(verifyJwt(token, secret), JSON.stringify(token)).toBeNull();
    }
    for (const junk of ['*', '!', '=']) {
      const res = await t.call('GET', '/api/lead/list', { token: `${tenant.token}${junk}` });
      expect(res.status, junk).toBe(401);
    }
  });
});

describe('log redaction (issue 8 §4)', () => {
  it('logs a failing database statement by code, constraint and table, never the values from the request', async () => {
    const { stream: sink, lines } = logSink();
    const ssn = `${randomBytes(2).readUInt16BE() % 900 + 100}-45-6789`;
    const app = createApp({ ...t.deps, logger: createLogger('info', 'lio-test', sink) });
    // a route that lets request text reach the database raw, as the NUL once did: the unhandled error goes to onError's log
    app.post('/api/test-only/raw-insert', async (c) => {
      const { value } = await c.req.json<{ value: string }>();
      const client = await t.database.pool.connect();
      try {
        // a failing CHECK's detail quotes the whole row: "Failing row contains (…)"
        await client.query(`CREATE TEMP TABLE IF NOT EXISTS redaction_probe (ssn text CONSTRAINT redaction_probe_ssn_check CHECK (ssn NOT LIKE '%-45-%'))`);
        await client.query('INSERT INTO redaction_probe VALUES ($1)', [value]);
      } finally {
        client.release();
      }
      return c.json({});
    });
    const res = await app.request('/api/test-only/raw-insert', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'redaction-1' },
      body: JSON.stringify({ value: ssn }),
    });
    expect(res.status).toBe(500);
    // and a Prisma error, whose message quotes the query's argument
    const prismaError = await t.database.prisma.$queryRawUnsafe('SELECT $1::int', ssn).catch((err: unknown) => err);
    createLogger('info', 'lio-test', sink).error({ err: new Error('lookup failed', { cause: prismaError }) }, 'wrapped');

    const output = lines.join('');
    expect(output).not.toContain(ssn);
    const [unhandled, wrapped] = lines.map((l) => JSON.parse(l)).filter((e) => e.level === 50);
    expect(unhandled).toMatchObject({ requestId: 'redaction-1', err: { code: '23514', constraint: 'redaction_probe_ssn_check', table: 'redaction_probe' } });
    expect(wrapped.err.cause).toMatchObject({ type: expect.stringMatching(/^PrismaClient/) });
    expect(wrapped.err.message).toBe('lookup failed');
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../domain/platform/logger.js';
import { createTestApp, type CallResult, type TestApp } from '../helpers/app.js';
import { logSink } from '../helpers/log-sink.js';
import { seedTenant, TEST_PASSWORD } from '../helpers/tenants.js';

interface DocumentedOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

// served beside the document on purpose: the document itself and its reference page (test/architecture.test.ts)
const UNDOCUMENTED_PATHS = ['/api/openapi.json', '/api/docs'];

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

describe('OpenAPI document and reference page', () => {
  it('serves an OpenAPI 3.1 document declaring every route with its schemas', async () => {
    const res = await t.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.components.securitySchemes.apiKeyAuth).toMatchObject({ type: 'apiKey', name: 'x-api-key' });
    const paths = res.body.paths as Record<string, Record<string, DocumentedOperation>>;
    // every route the app serves under /api (beside the document and its reference page) is in the document
    const served = t.app.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/') && !UNDOCUMENTED_PATHS.some((p) => r.path.startsWith(p)))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(new Set(served)).toEqual(new Set(documented));
    // and each with the schemas of its answers, its parameters and, where it takes one, its body
    const gaps = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => {
        const where = `${method.toUpperCase()} ${path}`;
        const problems: string[] = [];
        // a redirect's success is its 3xx (the click-tracking link)
        const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2') || status.startsWith('3'));
        if (success.length === 0) problems.push(`${where}: no 2xx or 3xx answer`);
        for (const [status, answer] of success) {
          if (answer.content && !Object.values(answer.content).every((c) => c.schema)) problems.push(`${where}: ${status} without a schema`);
        }
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          if (!op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name)) problems.push(`${where}: path parameter ${name} undeclared`);
        }
        if (op.requestBody && !Object.values(op.requestBody.content).every((c) => c.schema)) problems.push(`${where}: body without a schema`);
        return problems;
      }),
    );
    expect(gaps).toEqual([]);
    expect(paths['/api/auth/login']!.post!.requestBody!.content['application/json']!.schema).toBeDefined();
  });

  it('`npm run -s openapi` prints the same document without a database', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'openapi'], {
      env: { ...process.env, DATABASE_URL: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const served = await t.call('GET', '/api/openapi.json');
    expect(JSON.parse(stdout)).toEqual(served.body);
  }, 60_000);

  it('serves a browsable reference page with its assets from the package, not a CDN', async () => {
    const page = await t.app.request('/api/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/openapi.json');
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await t.app.request('/api/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await t.app.request('/api/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });
});

describe('envelopes, prefixes and request ids', () => {
  it('answers unknown routes with the error envelope', async () => {
    const res = await t.call('GET', '/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, error: { message: expect.any(String), type: 'not_found', code: null } });
  });

  it('serves every route under /api and /api/v1', async () => {
    const document = (await t.call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const differing: string[] = [];
    for (const [path, ops] of Object.entries(document.paths)) {
      // any id will do: both prefixes must give the same answer to the same anonymous request
      const concrete = path.replace(/\{\w+\}/g, '1').slice('/api'.length);
      for (const method of Object.keys(ops)) {
        const ask = (prefix: string) => t.call(method.toUpperCase(), `${prefix}${concrete}`, method === 'get' ? {} : { body: {} });
        const [plain, versioned] = await Promise.all([ask('/api'), ask('/api/v1')]);
        const noRoute = (r: CallResult) => r.status === 404 && String(r.body?.error?.message).startsWith('No route');
        if (plain.status !== versioned.status || noRoute(plain) || noRoute(versioned)) {
          differing.push(`${method.toUpperCase()} ${path}: /api ${plain.status}, /api/v1 ${versioned.status}`);
        }
      }
    }
    expect(differing).toEqual([]);
  });

  it('echoes a caller request id and generates one otherwise', async () => {
    const given = await t.call('GET', '/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const generated = await t.call('GET', '/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('structured logs', () => {
  it('log one JSON line per request with its id, and never passwords or tokens', async () => {
    const { stream: sink, lines } = logSink();
    const app = createApp({ ...t.deps, logger: createLogger('debug', 'lio-test', sink) });
    const tenant = await seedTenant(t);
    const login = await app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'log-check-1' },
      body: JSON.stringify({ email: tenant.adminEmail, password: TEST_PASSWORD }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    await app.request('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${access_token}` } });
    const output = lines.join('');
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.find((e) => e.requestId === 'log-check-1')).toMatchObject({ msg: 'request', status: 200, path: '/api/auth/login' });
    expect(output).not.toContain(TEST_PASSWORD);
    expect(output).not.toContain(access_token);
  });
});

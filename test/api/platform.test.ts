import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../domain/logger.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { logSink } from '../helpers/log-sink.js';
import { seedTenant, TEST_PASSWORD } from '../helpers/tenants.js';

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
    const login = res.body.paths['/api/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema).toBeDefined();
    expect(login.responses['200'].content['application/json'].schema).toBeDefined();
    expect(res.body.components.securitySchemes.apiKeyAuth).toMatchObject({ type: 'apiKey', name: 'x-api-key' });
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
    for (const prefix of ['/api', '/api/v1']) {
      const res = await t.call('POST', `${prefix}/auth/login`, { body: {} });
      expect(res.status).toBe(400);
    }
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

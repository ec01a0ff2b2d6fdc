// The test-time contract check (test/helpers/response-schemas.ts) catches
// what it is there to catch; every other API test runs under it.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { App } from '../../api/app.js';
import type { AppEnv } from '../../api/app-env.js';
import { okEnvelope } from '../../api/openapi/envelopes.js';
import { defineRoute } from '../../api/openapi/route.js';
import { checkResponsesAgainstSchemas } from '../helpers/response-schemas.js';

const countRoute = defineRoute('public', {
  method: 'get',
  path: '/api/probe/{id}',
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'A count', content: { 'application/json': { schema: okEnvelope(z.object({ count: z.number().int() })) } } } },
});

/** An app whose one route answers what the test asks for, right or wrong. */
function probeApp(answer: { status: number; body: unknown }): App {
  const app = new OpenAPIHono<AppEnv>();
  // a route that breaks its contract on purpose: the raw handler bypasses the compiler's check
  app.openapi(countRoute, ((c: { json: (body: unknown, status: number) => Response }) => c.json(answer.body, answer.status)) as never);
  checkResponsesAgainstSchemas(app);
  return app;
}

describe('the response contract check', () => {
  it('lets an answer that matches its declared schema through', async () => {
    const app = probeApp({ status: 200, body: { success: true, message: 'ok', data: { count: 3 } } });
    expect(await (await app.request('/api/probe/1')).json()).toEqual({ success: true, message: 'ok', data: { count: 3 } });
  });

  it('fails a request whose body the schema refuses, naming the route, the status and the issue', async () => {
    const app = probeApp({ status: 200, body: { success: true, message: 'ok', data: { count: 'three' } } });
    await expect(app.request('/api/probe/1')).rejects.toThrow(/GET \/api\/probe\/\{id\} answered 200 with a body its schema refuses[\s\S]*"data",\s*"count"/);
  });

  it('fails a request answered with a status the route does not declare', async () => {
    const app = probeApp({ status: 418, body: { success: true, message: 'ok', data: { count: 3 } } });
    await expect(app.request('/api/probe/1')).rejects.toThrow('GET /api/probe/{id} answered 418, a status its route does not declare');
  });

  it('leaves undocumented paths alone', async () => {
    const app = probeApp({ status: 200, body: {} });
    expect((await app.request('/api/elsewhere', { method: 'POST' })).status).toBe(404);
  });
});

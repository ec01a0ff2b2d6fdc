// Issue 8 §3 and §6: integers too large for a PostgreSQL integer column are
// refused where parameters are parsed (422, never the database's "value out
// of range" 500), pages are bounded, and the OpenAPI document declares what
// the server accepts (integer bounds, phone patterns that compile and match,
// date formats).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_INT_MAX } from '../../api/openapi/params.js';
import { E164_PATTERN } from '../../domain/platform/phone-number.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  t = createTestApp();
  tenant = await seedTenant(t);
});
afterAll(() => t.close());

const OVERFLOWS = [PG_INT_MAX + 1, 2 ** 53 - 1];

const expectOutOfRange = (res: { status: number; body: any }) => {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.error.type).toBe('validation_error');
};

describe('integer ids beyond PostgreSQL integer (2147483648 … 2^53)', () => {
  it('in a path: GET /api/contact/view/{id} is a 422, the largest integer id a 404', async () => {
    for (const id of OVERFLOWS) expectOutOfRange(await t.call('GET', `/api/contact/view/${id}`, { token: tenant.token }));
    expect((await t.call('GET', `/api/contact/view/${PG_INT_MAX}`, { token: tenant.token })).status).toBe(404);
  });

  it('in a query: GET /api/lead/deal/list?status= is a 422, the largest integer an empty page', async () => {
    for (const status of OVERFLOWS) expectOutOfRange(await t.call('GET', '/api/lead/deal/list', { token: tenant.token, query: { status } }));
    const control = await t.call('GET', '/api/lead/deal/list', { token: tenant.token, query: { status: PG_INT_MAX } });
    expect(control.status, JSON.stringify(control.body)).toBe(200);
    expect(control.body.data).toEqual([]);
  });

  it('in a comma-separated query list: GET /api/lead/list?state_id=1,2147483648 is a 422', async () => {
    expectOutOfRange(await t.call('GET', '/api/lead/list', { token: tenant.token, query: { state_id: `1,${PG_INT_MAX + 1}` } }));
  });

  it('in a body field: company_id of POST /api/contact/add is a 422, the largest integer an unknown company', async () => {
    for (const company_id of OVERFLOWS) {
      expectOutOfRange(await t.call('POST', '/api/contact/add', { token: tenant.token, body: { name: 'Jane Doe', company_id } }));
    }
    const control = await t.call('POST', '/api/contact/add', { token: tenant.token, body: { name: 'Jane Doe', company_id: PG_INT_MAX } });
    expect([404, 422], JSON.stringify(control.body)).toContain(control.status);
    expect(control.body.error.message).toMatch(/compan/i);
  });

  it('in a body id array: ids of DELETE /api/contact/delete/{id} is a 422', async () => {
    for (const id of OVERFLOWS) {
      expectOutOfRange(await t.call('DELETE', '/api/contact/delete/1', { token: tenant.token, body: { ids: [1, id] } }));
    }
  });
});

describe('paging', () => {
  it('GET /api/company/list?page=9007199254740991 is a 422; the last page allowed answers an empty page', async () => {
    expectOutOfRange(await t.call('GET', '/api/company/list', { token: tenant.token, query: { page: 2 ** 53 - 1 } }));
    const document = (await t.call('GET', '/api/openapi.json')).body;
    const page = document.paths['/api/company/list'].get.parameters.find((p: { name: string }) => p.name === 'page');
    const last = await t.call('GET', '/api/company/list', { token: tenant.token, query: { page: page.schema.maximum, limit: 500 } });
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    expect(last.body.data).toEqual([]);
    expectOutOfRange(await t.call('GET', '/api/company/list', { token: tenant.token, query: { page: page.schema.maximum + 1 } }));
  });
});

type Schema = Record<string, any>;
interface Operation {
  label: string;
  method: string;
  path: string;
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  parameters: { name: string; in: string; schema: Schema }[];
  bodies: Schema[];
}

/** Every operation of the served document, with its parameters and request body schemas. */
async function documentOperations(): Promise<{ operations: Operation[]; components: Record<string, Schema> }> {
  const document = (await t.call('GET', '/api/openapi.json')).body;
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const bodies = Object.values<any>(op.requestBody?.content ?? {}).map((c) => c.schema);
      operations.push({ label: `${method.toUpperCase()} ${path}`, method, path, requestBody: op.requestBody, parameters: op.parameters ?? [], bodies });
    }
  }
  return { operations, components: document.components?.schemas ?? {} };
}

/** Every subschema reachable from `schema` (through $ref, properties, items and combinators) with its path. */
function* subschemas(schema: Schema, components: Record<string, Schema>, at: string, seen = new Set<string>()): Generator<[string, Schema]> {
  if (schema.$ref) {
    const name = String(schema.$ref).split('/').pop()!;
    if (seen.has(name)) return;
    yield* subschemas(components[name]!, components, at, new Set([...seen, name]));
    return;
  }
  yield [at, schema];
  for (const [key, property] of Object.entries<Schema>(schema.properties ?? {})) yield* subschemas(property, components, `${at}.${key}`, seen);
  if (schema.items && typeof schema.items === 'object') yield* subschemas(schema.items, components, `${at}[]`, seen);
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const part of schema[key] ?? []) yield* subschemas(part, components, at, seen);
}

const isInteger = (s: Schema) => s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer'));

describe('the OpenAPI document tells the truth', () => {
  it('declares a minimum and a maximum for every integer parameter and request body field', async () => {
    const { operations, components } = await documentOperations();
    const unbounded: string[] = [];
    let integers = 0;
    for (const op of operations) {
      const roots: [string, Schema][] = [...op.parameters.map((p): [string, Schema] => [`${op.label} ${p.in}:${p.name}`, p.schema]), ...op.bodies.map((b): [string, Schema] => [`${op.label} body`, b])];
      for (const [label, root] of roots) {
        for (const [at, schema] of subschemas(root, components, label)) {
          if (!isInteger(schema)) continue;
          integers++;
          if (schema.minimum === undefined || schema.maximum === undefined || schema.maximum > PG_INT_MAX) unbounded.push(at);
        }
      }
    }
    expect(integers).toBeGreaterThan(50);
    expect(unbounded).toEqual([]);
  });

  it('declares phone patterns that compile without flags, match valid phone numbers and refuse others', async () => {
    const { operations, components } = await documentOperations();
    const patterns = new Set<string>();
    for (const op of operations) {
      for (const body of op.bodies) {
        for (const [at, schema] of subschemas(body, components, op.label)) if (/phone/.test(at) && schema.pattern) patterns.add(schema.pattern);
      }
    }
    expect(patterns.size).toBeGreaterThan(0);
    // where LIO buys or dials a number it takes E.164 only (voice): exactly that, around spaces the schema trims
    const e164 = [...patterns].filter((source) => source.includes(E164_PATTERN.source.slice(1, -1)));
    expect(e164.length).toBeGreaterThan(0);
    for (const source of e164) {
      const pattern = new RegExp(source, 'u');
      for (const valid of ['+14155550100', ' +442079460958 ']) expect(pattern.test(valid), `${source} on ${valid}`).toBe(true);
      for (const invalid of ['+1 (555) 010-0199', '4155550100', '+0123456789', '+1234567890123456']) expect(pattern.test(invalid), `${source} on ${invalid}`).toBe(false);
    }
    for (const source of [...patterns].filter((s) => !e164.includes(s))) {
      const pattern = new RegExp(source, 'u');
      for (const valid of ['+1 (555) 010-0199', '030 1234567', ' +44 20 7946 0958 ext. 12 ', '555-0100 X 7']) expect(pattern.test(valid), `${source} on ${valid}`).toBe(true);
      for (const invalid of ['phone', '12', '+1 555 0100 call me']) expect(pattern.test(invalid), `${source} on ${invalid}`).toBe(false);
    }
    // and the server accepts what the pattern promises
    const res = await t.call('POST', '/api/lead/add', {
      token: tenant.token,
      body: { first_name: 'Jane', last_name: 'Doe', phone_number: ' +44 20 7946 0958 ext. 12 ' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('declares the HubSpot import body optional, and the server takes a request without one', async () => {
    const document = (await t.call('GET', '/api/openapi.json')).body;
    expect(document.paths['/api/connected-apps/hubspot/import'].post.requestBody.required).toBe(false);
    // no connection in this organization: the request gets past validation to the connection check
    const res = await t.call('POST', '/api/connected-apps/hubspot/import', { token: tenant.token });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('hubspot_not_connected');
  });

  it('refuses a request without a body on every route whose body is required (an update without one changed nothing and answered 200)', async () => {
    const { operations } = await documentOperations();
    const required = operations.filter((op) => op.requestBody?.required && op.requestBody.content['application/json']);
    expect(required.length).toBeGreaterThan(20);
    const accepted: string[] = [];
    for (const op of required) {
      const res = await t.call(op.method.toUpperCase(), op.path.replace(/\{\w+\}/g, '1'), { token: tenant.token });
      if (res.status !== 400 || res.body.error.code !== 'missing_body') accepted.push(`${op.label}: ${res.status}`);
    }
    expect(accepted).toEqual([]);
    // the same update with a body is served
    const lookup = await t.call('POST', '/api/custom-lookups/add', { token: tenant.token, body: { module_name: 'lead', type: 'tag', name: 'Fuzzed' } });
    const updated = await t.call('POST', `/api/custom-lookups/update/${lookup.body.data.id}`, { token: tenant.token, body: { name: 'Renamed' } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
  });

  it('declares comma-separated list parameters with a pattern that refuses an empty list, as the server does', async () => {
    const { operations } = await documentOperations();
    const lists = [
      { route: 'GET /api/company/list', name: 'industry', good: 'Software, Retail', path: '/api/company/list' },
      { route: 'GET /api/jobs', name: 'status', good: 'queued,running', path: '/api/jobs' },
      { route: 'GET /api/lead/list', name: 'state_id', good: '1, 2', path: '/api/lead/list' },
    ];
    for (const list of lists) {
      const parameter = operations.find((op) => op.label === list.route)!.parameters.find((p) => p.name === list.name)!;
      const pattern = new RegExp(parameter.schema.pattern);
      for (const empty of [',', ' , ,']) {
        expect(pattern.test(empty), `${list.route} ${list.name}=${empty}`).toBe(false);
        expect((await t.call('GET', list.path, { token: tenant.token, query: { [list.name]: empty } })).status).toBe(422);
      }
      expect(pattern.test(list.good)).toBe(true);
      expect((await t.call('GET', list.path, { token: tenant.token, query: { [list.name]: list.good } })).status).toBe(200);
    }
  });

  it('declares a format for every date and date-time parameter', async () => {
    const { operations } = await documentOperations();
    const dateParameters = operations.flatMap((op) =>
      op.parameters.filter((p) => /date$|^created_(from|to)$/.test(p.name)).map((p) => ({ at: `${op.label} ${p.name}`, schema: p.schema })),
    );
    expect(dateParameters.length).toBeGreaterThan(20);
    const formats = (s: Schema): string[] => [s.format, ...(s.anyOf ?? []).map((part: Schema) => part.format)].filter(Boolean);
    const missing = dateParameters.filter(({ schema }) => !formats(schema).some((f) => f === 'date' || f === 'date-time')).map((p) => p.at);
    expect(missing).toEqual([]);
  });
});

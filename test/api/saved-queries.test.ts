// Saved queries (§6.10) against real rows: every operator and aggregate with
// counts known from the fixtures, time buckets in UTC and in another zone,
// every widget shape, the row and time bounds, tenant scoping (B's queries
// never see A's rows, even filtered on A's ids), injection attempts through
// every parameter and identifier, and who may change a saved query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../../domain/crm/pipeline.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;
/** A's lead ids, in fixture order */
let aLeads: number[];
let bLeadDigest: string;

interface LeadFixture {
  first_name: string;
  city: string | null;
  company: string;
  score: number;
  lead_source: number | null;
  created_at: string;
}

// A's leads: known cities, scores, sources and creation instants (one at 02:00 UTC on 1 February: still January in New York)
const A_LEADS: LeadFixture[] = [
  { first_name: 'Ann', city: 'Lisbon', company: "O'Reilly 50% off_sale", score: 10, lead_source: 1, created_at: '2026-01-05T10:00:00Z' },
  { first_name: 'Ben', city: 'Lisbon', company: 'Acme', score: 20, lead_source: 1, created_at: '2026-01-20T10:00:00Z' },
  { first_name: 'Cat', city: 'Porto', company: 'Acme Labs', score: 30, lead_source: 2, created_at: '2026-02-01T02:00:00Z' },
  { first_name: 'Dan', city: 'Porto', company: 'back\\slash', score: 40, lead_source: 3, created_at: '2026-02-10T10:00:00Z' },
  { first_name: 'Eve', city: 'Madrid', company: 'Beta', score: 50, lead_source: null, created_at: '2026-03-15T10:00:00Z' },
  { first_name: 'Fay', city: null, company: 'Gamma', score: 60, lead_source: 2, created_at: '2026-03-20T10:00:00Z' },
];

async function seedLeads(tenant: Tenant, leads: LeadFixture[]) {
  const ids: number[] = [];
  for (const lead of leads) {
    const row = await t.database.prisma.lead.create({
      data: { ...lead, org_id: tenant.orgId, last_name: 'Fixture', created_at: new Date(lead.created_at), assigned_to: lead.score >= 40 ? tenant.adminId : null },
    });
    ids.push(row.id);
  }
  return ids;
}

async function seedDeals(tenant: Tenant, leadId: number) {
  const pipeline = await createPipeline(t.database, { orgId: tenant.orgId }, {
    name: 'Sales',
    stages: [{ name: 'Qualify' }, { name: 'Proposal' }, { name: 'Won', is_won: true }, { name: 'Lost', is_lost: true }],
  });
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!.id;
  const deals = [
    { title: 'D1', value: 100, stage: 'Qualify', closed: null },
    { title: 'D2', value: 300, stage: 'Proposal', closed: null },
    { title: 'D3', value: 1000, stage: 'Won', closed: '2026-01-10T00:00:00Z' },
    { title: 'D4', value: 2000, stage: 'Won', closed: '2026-02-10T00:00:00Z' },
    { title: 'D5', value: 50, stage: 'Lost', closed: '2026-02-11T00:00:00Z' },
  ];
  for (const deal of deals) {
    await t.database.prisma.deal.create({
      data: {
        org_id: tenant.orgId, lead_id: leadId, pipeline_id: pipeline.id, stage_id: stage(deal.stage), title: deal.title, value: deal.value,
        expected_close_date: new Date('2026-06-30'), ...(deal.closed && { stage_entered_at: new Date(deal.closed), closed_at: new Date(deal.closed) }),
      },
    });
  }
}

const digestOfLeads = async (orgId: number) =>
  (await t.database.pool.query<{ d: string }>(`SELECT count(*) || ':' || md5(string_agg(l::text, ',' ORDER BY id)) AS d FROM leads l WHERE org_id = $1`, [orgId])).rows[0]!.d;

beforeAll(async () => {
  t = createTestApp();
  [a, b] = [await seedTenant(t, 'Queries A'), await seedTenant(t, 'Queries B')];
  aLeads = await seedLeads(a, A_LEADS);
  await seedDeals(a, aLeads[0]!);
  // B has leads in the same cities, so a query that ignored the organization would count them
  const bLeads = await seedLeads(b, A_LEADS.slice(0, 3).map((l) => ({ ...l, first_name: `B-${l.first_name}` })));
  await seedDeals(b, bLeads[0]!);
  bLeadDigest = await digestOfLeads(b.orgId);
});
afterAll(async () => {
  await t?.close();
});

async function save(tenant: Tenant, definition: unknown, parameters: unknown[] = []) {
  const res = await t.call('POST', '/api/queries', { token: tenant.token, body: { name: 'q', definition, parameters } });
  if (res.status !== 201) throw new Error(`save failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id as number;
}

async function execute(tenant: Tenant, id: number, body: Record<string, unknown> = {}) {
  return t.call('POST', `/api/queries/${id}/execute`, { token: tenant.token, body });
}

/** The table answer's rows of a document run by A (or `tenant`). */
async function rows(definition: Record<string, unknown>, tenant = a) {
  const res = await execute(tenant, await save(tenant, definition));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.data.rows as unknown[][];
}

const countWhere = async (filter: Record<string, unknown>) => (await rows({ entity: 'leads', filters: [filter], aggregates: [{ fn: 'count', alias: 'n' }] }))[0]![0];

describe('every operator against real rows', () => {
  it.each([
    ['eq', { field: 'city', op: 'eq', value: 'Lisbon' }, 2],
    ['neq (rows without a city count as different)', { field: 'city', op: 'neq', value: 'Lisbon' }, 4],
    ['gt', { field: 'score', op: 'gt', value: 30 }, 3],
    ['gte', { field: 'score', op: 'gte', value: 30 }, 4],
    ['lt', { field: 'score', op: 'lt', value: 30 }, 2],
    ['lte', { field: 'score', op: 'lte', value: 30 }, 3],
    ['in', { field: 'city', op: 'in', value: ['Lisbon', 'Madrid'] }, 3],
    ['not_in', { field: 'city', op: 'not_in', value: ['Lisbon', 'Madrid'] }, 3],
    ['contains (case-insensitive)', { field: 'company', op: 'contains', value: 'acme' }, 2],
    ['contains % literally', { field: 'company', op: 'contains', value: '50%' }, 1],
    ['contains _ literally', { field: 'company', op: 'contains', value: 'f_s' }, 1],
    ['contains \\ literally', { field: 'company', op: 'contains', value: 'k\\s' }, 1],
    ["contains ' literally", { field: 'company', op: 'contains', value: "o'r" }, 1],
    ['a lone % matches only a %', { field: 'company', op: 'contains', value: '%' }, 1],
    ['starts_with', { field: 'company', op: 'starts_with', value: 'Acme' }, 2],
    ['is_null', { field: 'city', op: 'is_null' }, 1],
    ['is_not_null', { field: 'city', op: 'is_not_null' }, 5],
    ['between (inclusive)', { field: 'score', op: 'between', value: [20, 40] }, 3],
    ['before', { field: 'created_at', op: 'before', value: '2026-02-01' }, 2],
    ['after', { field: 'created_at', op: 'after', value: '2026-03-01' }, 2],
    ['in_last_days (the fixtures are in the past)', { field: 'created_at', op: 'in_last_days', value: 1 }, 0],
    ['eq on a lookup', { field: 'lead_source', op: 'eq', value: 2 }, 2],
    ['in on a lookup', { field: 'lead_source', op: 'in', value: [1, 3] }, 3],
    ['eq on a joined label', { field: 'lead_source_text', op: 'eq', value: 'Referral' }, 2],
  ])('%s', async (_label, filter, expected) => {
    expect(await countWhere(filter)).toBe(expected);
  });

  it('in_last_days counts a lead created now', async () => {
    const [lead] = await seedLeads(a, [{ first_name: 'New', city: 'Recent', company: 'Now', score: 1, lead_source: null, created_at: new Date().toISOString() }]);
    expect(await countWhere({ field: 'city', op: 'eq', value: 'Recent' })).toBe(1);
    expect(await rows({ entity: 'leads', filters: [{ field: 'city', op: 'eq', value: 'Recent' }, { field: 'created_at', op: 'in_last_days', value: 1 }], aggregates: [{ fn: 'count', alias: 'n' }] })).toEqual([[1]]);
    await t.database.prisma.lead.delete({ where: { id: lead! } });
  });
});

describe('aggregates, buckets and widget shapes', () => {
  it('every aggregate over deals, grouped by a joined field', async () => {
    const result = await rows({
      entity: 'deals',
      group_by: ['stage_name'],
      aggregates: [
        { fn: 'count', alias: 'deals' },
        { fn: 'count_distinct', field: 'lead_id', alias: 'leads' },
        { fn: 'sum', field: 'value', alias: 'total' },
        { fn: 'avg', field: 'value', alias: 'mean' },
        { fn: 'min', field: 'value', alias: 'smallest' },
        { fn: 'max', field: 'closed_at', alias: 'last_closed' },
      ],
      order_by: [{ key: 'total', direction: 'desc' }],
    });
    expect(result).toEqual([
      ['Won', 2, 1, 3000, 1500, 1000, '2026-02-10T00:00:00.000Z'],
      ['Proposal', 1, 1, 300, 300, 300, null],
      ['Qualify', 1, 1, 100, 100, 100, null],
      ['Lost', 1, 1, 50, 50, 50, '2026-02-11T00:00:00.000Z'],
    ]);
  });

  it('count of a field counts its non-null values; min and max of dates and numbers over leads', async () => {
    expect(
      await rows({
        entity: 'leads',
        aggregates: [
          { fn: 'count', field: 'city', alias: 'with_city' },
          { fn: 'count_distinct', field: 'city', alias: 'cities' },
          { fn: 'min', field: 'created_at', alias: 'first' },
          { fn: 'max', field: 'score', alias: 'best' },
          { fn: 'avg', field: 'score', alias: 'mean' },
        ],
      }),
    ).toEqual([[5, 3, '2026-01-05T10:00:00.000Z', 60, 35]]);
  });

  it('month buckets in UTC and in New York (the lead of 1 February 02:00 UTC is January there)', async () => {
    const months = (tz?: string) => rows({ entity: 'leads', group_by: [{ field: 'created_at', bucket: 'month', ...(tz && { tz }) }], aggregates: [{ fn: 'count', alias: 'n' }] });
    expect(await months()).toEqual([['2026-01-01', 2], ['2026-02-01', 2], ['2026-03-01', 2]]);
    expect(await months('America/New_York')).toEqual([['2026-01-01', 3], ['2026-02-01', 1], ['2026-03-01', 2]]);
    expect(await rows({ entity: 'leads', group_by: [{ field: 'created_at', bucket: 'quarter' }], aggregates: [{ fn: 'count', alias: 'n' }] })).toEqual([['2026-01-01', 6]]);
    // ISO weeks start on Monday: 5 January 2026 is one
    expect((await rows({ entity: 'leads', group_by: [{ field: 'created_at', bucket: 'week' }], aggregates: [{ fn: 'count', alias: 'n' }] }))[0]).toEqual(['2026-01-05', 1]);
  });

  it('answers each widget its shape, and 422 for a widget the query cannot feed', async () => {
    const byCity = await save(a, { entity: 'leads', group_by: ['city'], aggregates: [{ fn: 'count', alias: 'leads' }, { fn: 'sum', field: 'score', alias: 'score' }] });
    const line = await execute(a, byCity, { widgetType: 'line' });
    expect(line.body.data.data).toEqual({ labels: ['Lisbon', 'Madrid', 'Porto', '(none)'], series: [{ name: 'leads', data: [2, 1, 2, 1] }, { name: 'score', data: [30, 50, 70, 60] }] });
    const table = await execute(a, byCity);
    expect(table.body.data.widget_type).toBe('table');
    expect(table.body.data.data.columns).toEqual([{ name: 'city', type: 'string' }, { name: 'leads', type: 'number' }, { name: 'score', type: 'number' }]);
    expect(table.body.data.meta).toMatchObject({ row_count: 4, truncated: false });
    const pie = await execute(a, byCity, { widgetType: 'pie' });
    expect(pie.status).toBe(422);
    expect(pie.body.error.code).toBe('widget_shape_mismatch');

    const kpi = await execute(a, await save(a, { entity: 'deals', filters: [{ field: 'stage_is_won', op: 'eq', value: true }], aggregates: [{ fn: 'sum', field: 'value', alias: 'won' }] }), { widgetType: 'kpi' });
    expect(kpi.body.data.data).toEqual({ value: 3000, label: 'won' });

    const funnel = await execute(a, await save(a, { entity: 'deals', group_by: ['stage_name'], aggregates: [{ fn: 'count', alias: 'n' }], order_by: [{ key: 'n', direction: 'desc' }] }), { widgetType: 'funnel' });
    expect(funnel.body.data.data.slices[0]).toEqual({ label: 'Won', value: 2 });

    // two groups: one series per value of the second, aligned on the first's labels
    const split = await execute(a, await save(a, { entity: 'leads', group_by: [{ field: 'created_at', bucket: 'month' }, 'lead_source_text'], aggregates: [{ fn: 'count', alias: 'n' }] }), { widgetType: 'bar' });
    expect(split.body.data.data.labels).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
    expect(split.body.data.data.series).toEqual(expect.arrayContaining([{ name: 'Website', data: [2, null, null] }, { name: 'Referral', data: [null, 1, 1] }]));
  });

  it('rows are bounded by the limit, and the answer says it was cut', async () => {
    const res = await execute(a, await save(a, { entity: 'leads', group_by: ['first_name'], aggregates: [{ fn: 'count', alias: 'n' }], limit: 2 }));
    expect(res.body.data.data.rows).toEqual([['Ann', 1], ['Ben', 1]]);
    expect(res.body.data.meta).toMatchObject({ row_count: 2, truncated: true });
  });
});

describe('parameters', () => {
  it('declared parameters run with given values and defaults; unknown, missing and mistyped ones are 422 naming them', async () => {
    const id = await save(
      a,
      { entity: 'leads', filters: [{ field: 'city', op: 'in', value: { param: 'cities' } }, { field: 'score', op: 'gte', value: { param: 'min_score' } }], aggregates: [{ fn: 'count', alias: 'n' }] },
      [{ name: 'cities', type: 'string_list', required: true }, { name: 'min_score', type: 'number', default: 0 }],
    );
    expect((await execute(a, id, { parameters: { cities: ['Lisbon', 'Porto'] } })).body.data.data.rows).toEqual([[4]]);
    expect((await execute(a, id, { parameters: { cities: ['Lisbon', 'Porto'], min_score: 20 } })).body.data.data.rows).toEqual([[3]]);
    for (const [parameters, message] of [
      [{ cities: ['Lisbon'], extra: 1 }, 'extra is not a declared parameter'],
      [{}, 'cities is required'],
      [{ cities: 'Lisbon' }, 'cities must be a list'],
      [{ cities: ['Lisbon'], min_score: '1; DROP TABLE leads' }, 'min_score must be a number'],
    ] as const) {
      const res = await execute(a, id, { parameters });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toContain(message);
    }
  });

  it('a definition using an undeclared parameter, or one of the wrong type, is refused at save', async () => {
    const definition = { entity: 'leads', filters: [{ field: 'score', op: 'eq', value: { param: 'x' } }], aggregates: [{ fn: 'count', alias: 'n' }] };
    const undeclared = await t.call('POST', '/api/queries', { token: a.token, body: { name: 'q', definition } });
    expect(undeclared.status).toBe(422);
    expect(undeclared.body.error.details).toEqual([{ path: 'definition.filters.0.value', message: 'parameter x is not declared' }]);
    const mistyped = await t.call('POST', '/api/queries', { token: a.token, body: { name: 'q', definition, parameters: [{ name: 'x', type: 'string_list' }] } });
    expect(mistyped.status).toBe(422);
  });
});

describe('tenant scoping and injection', () => {
  it("B's queries count only B's rows, even filtered on A's lead ids", async () => {
    expect(await rows({ entity: 'leads', aggregates: [{ fn: 'count', alias: 'n' }] }, b)).toEqual([[3]]);
    expect(await rows({ entity: 'leads', filters: [{ field: 'id', op: 'in', value: aLeads }], aggregates: [{ fn: 'count', alias: 'n' }] }, b)).toEqual([[0]]);
    expect(await rows({ entity: 'deals', group_by: ['stage_name'], aggregates: [{ fn: 'sum', field: 'value', alias: 'v' }], order_by: [{ key: 'v', direction: 'desc' }] }, b)).toEqual([
      ['Won', 3000], ['Proposal', 300], ['Qualify', 100], ['Lost', 50],
    ].map(([s, v]) => [s, v]));
    // A's saved query is not B's to run or read
    const aQuery = await save(a, { entity: 'leads', aggregates: [{ fn: 'count', alias: 'n' }] });
    expect((await execute(b, aQuery)).status).toBe(404);
    expect((await t.call('GET', `/api/queries/${aQuery}`, { token: b.token })).status).toBe(404);
  });

  const injectedValues = ["' OR '1'='1", "x'; DROP TABLE leads; --", '%', '_', '\\', '\\\'', 'Lis\u0000bon', '$1', ')) OR TRUE --'];
  it.each(injectedValues)('a hostile text value %j is a literal: it matches nothing or is refused', async (value) => {
    const id = await save(b, { entity: 'leads', filters: [{ field: 'city', op: 'eq', value: { param: 'city' } }], aggregates: [{ fn: 'count', alias: 'n' }] }, [{ name: 'city', type: 'string', required: true }]);
    const res = await execute(b, id, { parameters: { city: value } });
    if (value.includes('\u0000')) {
      expect(res.status).toBe(422);
    } else {
      expect(res.status).toBe(200);
      expect(res.body.data.data.rows).toEqual([[0]]);
    }
  });

  it.each([
    ['a field with SQL', 422, { entity: 'leads', group_by: ['city; DROP TABLE leads'], aggregates: [{ fn: 'count', alias: 'n' }] }],
    ['org_id', 422, { entity: 'leads', filters: [{ field: 'org_id', op: 'eq', value: 1 }], aggregates: [{ fn: 'count', alias: 'n' }] }],
    ['an alias with quotes', 422, { entity: 'leads', aggregates: [{ fn: 'count', alias: '"n"' }] }],
    ['a bucket with SQL', 422, { entity: 'leads', group_by: [{ field: 'created_at', bucket: 'day) FROM leads; --' }], aggregates: [{ fn: 'count', alias: 'n' }] }],
    ['a time zone with SQL', 422, { entity: 'leads', group_by: [{ field: 'created_at', bucket: 'day', tz: "UTC') --" }], aggregates: [{ fn: 'count', alias: 'n' }] }],
    ['an entity outside the catalogue', 422, { entity: 'users', aggregates: [{ fn: 'count', alias: 'n' }] }],
    ['a huge number', 422, { entity: 'leads', filters: [{ field: 'score', op: 'gt', value: 1e308 }], aggregates: [{ fn: 'count', alias: 'n' }] }],
    ['a nested object value', 422, { entity: 'leads', filters: [{ field: 'city', op: 'eq', value: { $gt: '' } }], aggregates: [{ fn: 'count', alias: 'n' }] }],
    ['raw SQL', 400, { sql: 'SELECT * FROM leads' }],
  ])('%s is refused at save with %i (400: a body without the document\'s required keys; 422: a wrong name or value)', async (_label, status, definition) => {
    const res = await t.call('POST', '/api/queries', { token: b.token, body: { name: 'hostile', definition } });
    expect(res.status).toBe(status);
  });

  it('after all of it the leads table exists and B\'s rows are untouched', async () => {
    expect(await digestOfLeads(b.orgId)).toBe(bLeadDigest);
    expect((await t.database.pool.query(`SELECT to_regclass('public.leads') AS t`)).rows[0].t).toBe('leads');
  });
});

describe('who may change a saved query', () => {
  it('any member saves; only the owner or an Admin changes or deletes', async () => {
    const [rep, other] = [await a.addUser(), await a.addUser()];
    const created = await t.call('POST', '/api/queries', { token: rep.token, body: { name: 'Mine', description: 'rep query', definition: { entity: 'leads', aggregates: [{ fn: 'count', alias: 'n' }] } } });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data).toMatchObject({ owner_id: rep.id, parameters: [], description: 'rep query' });
    expect((await t.call('GET', '/api/queries', { token: other.token, query: { search_value: 'Mine' } })).body.data.map((q: { id: number }) => q.id)).toContain(id);
    expect((await t.call('PUT', `/api/queries/${id}`, { token: other.token, body: { name: 'Taken' } })).status).toBe(403);
    expect((await t.call('DELETE', `/api/queries/${id}`, { token: other.token })).status).toBe(403);
    const renamed = await t.call('PUT', `/api/queries/${id}`, { token: rep.token, body: { name: 'Renamed' } });
    expect(renamed.body.data.name).toBe('Renamed');
    expect((await t.call('PUT', `/api/queries/${id}`, { token: a.token, body: { definition: { entity: 'deals', aggregates: [{ fn: 'count', alias: 'n' }] } } })).status).toBe(200);
    expect((await t.call('DELETE', `/api/queries/${id}`, { token: a.token })).status).toBe(200);
    expect((await t.call('GET', `/api/queries/${id}`, { token: rep.token })).status).toBe(404);
  });
});

describe('the time bound', () => {
  it('a statement past SAVED_QUERY_TIMEOUT_MS is cancelled: 422 query_timeout', async () => {
    const slow = createTestApp({ SAVED_QUERY_TIMEOUT_MS: '1' });
    try {
      const tenant = await seedTenant(slow, 'Slow');
      // tracked_emails has no row triggers: 300,000 rows in one statement, which no query reads within 1 ms
      await slow.database.pool.query(
        `INSERT INTO tracked_emails (org_id, source, recipient, idempotency_key, open_count)
         SELECT $1, 'sequence', 'r' || g || '@example.test', 'slow-' || g, g % 7 FROM generate_series(1, 300000) g`,
        [tenant.orgId],
      );
      const saved = await slow.call('POST', '/api/queries', {
        token: tenant.token,
        body: { name: 'slow', definition: { entity: 'tracked_emails', group_by: ['open_count'], aggregates: [{ fn: 'count_distinct', field: 'id', alias: 'n' }] } },
      });
      const res = await slow.call('POST', `/api/queries/${saved.body.data.id}/execute`, { token: tenant.token, body: {} });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('query_timeout');
    } finally {
      await slow.close();
    }
  }, 60_000);
});

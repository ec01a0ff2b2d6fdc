// The query language without a database: what each operator, aggregate and
// bucket compiles to (SQL text and bound values), what is refused, and the
// dashboard definition schema. The same documents run against real rows in
// test/api/saved-queries.test.ts.
import { describe, expect, it } from 'vitest';
import { offlineDefinition, OFFLINE_WIDGETS } from '../../domain/analytics/ai-dashboard.js';
import { dashboardDefinitionSchema, MAX_DEFINITION_BYTES } from '../../domain/analytics/dashboard-definition.js';
import { ENTITIES, ENTITY_NAMES } from '../../domain/analytics/query-catalogue.js';
import {
  checkQuery,
  compileQuery,
  escapeLike,
  parseQuery,
  queryDocumentSchema,
  resolveParameters,
  type ParameterDeclaration,
  type QueryDocument,
} from '../../domain/analytics/query-language.js';
import { widgetShapeProblem } from '../../domain/analytics/query-runner.js';
import { ApiError } from '../../domain/platform/errors.js';

const ORG = 42;
const count = [{ fn: 'count' as const, alias: 'n' }];

/** The compiled WHERE clause's own conditions (after the organization's) and the values after $1. */
function compiledFilter(entity: QueryDocument['entity'], filter: unknown, parameters = new Map<string, unknown>()) {
  const query = parseQuery({ entity, filters: [filter], aggregates: count }, [...parameters.keys()].map((name) => ({ name, type: typeOf(parameters.get(name)), required: true })));
  const compiled = compileQuery(ORG, query, parameters);
  const where = /WHERE (.*)\n/.exec(compiled.text)![1]!;
  return { where, values: compiled.values.slice(1, -1), compiled };
}
const typeOf = (v: unknown): ParameterDeclaration['type'] =>
  Array.isArray(v) ? (typeof v[0] === 'number' ? 'number_list' : 'string_list') : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';

function refusal(work: () => unknown): ApiError {
  try {
    work();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('compiling filters: every operator, its SQL and its bound values', () => {
  const cases: [string, QueryDocument['entity'], unknown, string, unknown[]][] = [
    ['eq (number)', 'leads', { field: 'score', op: 'eq', value: 50 }, 'l.score = $2::numeric', ['50']],
    ['neq keeps rows without a value', 'leads', { field: 'city', op: 'neq', value: 'Lisbon' }, 'l.city IS DISTINCT FROM $2::text', ['Lisbon']],
    ['gt', 'leads', { field: 'score', op: 'gt', value: 10 }, 'l.score > $2::numeric', ['10']],
    ['gte', 'deals', { field: 'value', op: 'gte', value: 1000.5 }, 'd.value >= $2::numeric', ['1000.5']],
    ['lt', 'leads', { field: 'score', op: 'lt', value: 10 }, 'l.score < $2::numeric', ['10']],
    ['lte', 'leads', { field: 'created_at', op: 'lte', value: '2026-01-31' }, 'l.created_at <= $2::timestamptz', ['2026-01-31T00:00:00Z']],
    ['in (lookup)', 'leads', { field: 'status', op: 'in', value: [1, 2] }, 'l.status = ANY($2::bigint[])', [[1, 2]]],
    ['not_in keeps rows without a value', 'leads', { field: 'country', op: 'not_in', value: ['PT', 'ES'] }, '(l.country = ANY($2::text[])) IS NOT TRUE', [['PT', 'ES']]],
    ['contains escapes LIKE wildcards', 'leads', { field: 'company', op: 'contains', value: '50%_off\\' }, "l.company ILIKE $2::text ESCAPE '\\'", ['%50\\%\\_off\\\\%']],
    ['starts_with', 'companies', { field: 'company_name', op: 'starts_with', value: 'Ac' }, "co.company_name ILIKE $2::text ESCAPE '\\'", ['Ac%']],
    ['is_null', 'leads', { field: 'assigned_to', op: 'is_null' }, 'l.assigned_to IS NULL', []],
    ['is_not_null', 'deals', { field: 'closed_at', op: 'is_not_null' }, 'd.closed_at IS NOT NULL', []],
    ['between', 'leads', { field: 'score', op: 'between', value: [10, 20] }, 'l.score BETWEEN $2::numeric AND $3::numeric', ['10', '20']],
    ['in_last_days', 'intent_signals', { field: 'occurred_at', op: 'in_last_days', value: 7 }, 'si.occurred_at >= now() - make_interval(days => $2::int)', [7]],
    ['before', 'meetings', { field: 'start_time', op: 'before', value: '2026-03-01T10:00:00+01:00' }, 'm.start_time < $2::timestamptz', ['2026-03-01T10:00:00+01:00']],
    ['after (a date-time without zone is UTC)', 'calls', { field: 'started_at', op: 'after', value: '2026-03-01T10:00' }, 'ca.started_at > $2::timestamptz', ['2026-03-01T10:00Z']],
    ['boolean through a join', 'deals', { field: 'stage_is_won', op: 'eq', value: true }, 'ds.is_won = $2::boolean', [true]],
  ];
  it.each(cases)('%s', (_label, entity, filter, sql, values) => {
    const { where, values: bound } = compiledFilter(entity, filter);
    const alias = ENTITIES[entity].alias;
    expect(where).toBe(`${alias}.org_id = $1 AND ${sql}`);
    expect(bound).toEqual(values);
  });

  it('the organization is always $1, whatever the document says, and joins are declared and org-scoped', () => {
    const { compiled } = compiledFilter('deals', { field: 'stage_name', op: 'eq', value: 'Won' });
    expect(compiled.values[0]).toBe(ORG);
    expect(compiled.text).toContain('LEFT JOIN stages ds ON ds.id = d.stage_id AND ds.org_id = d.org_id');
    // a join no field uses is left out
    expect(compiled.text).not.toContain('pipelines');
  });

  it('every join of the catalogue is tied to the entity\'s org_id', () => {
    for (const name of ENTITY_NAMES) {
      const entity = ENTITIES[name];
      for (const sql of Object.values(entity.joins) as string[]) expect(sql).toMatch(new RegExp(`\\.org_id = ${entity.alias}\\.org_id`));
    }
  });

  it('parameters are bound like literals: their values never reach the SQL text', () => {
    const { where, values } = compiledFilter('leads', { field: 'city', op: 'eq', value: { param: 'city' } }, new Map([['city', "x'; DROP TABLE leads; --"]]));
    expect(where).toBe('l.org_id = $1 AND l.city = $2::text');
    expect(values).toEqual(["x'; DROP TABLE leads; --"]);
  });

  it('escapeLike takes %, _ and \\ literally', () => {
    expect(escapeLike('a%b_c\\d')).toBe('a\\%b\\_c\\\\d');
  });
});

describe('aggregates, group_by, buckets, order and limit', () => {
  it('compiles every aggregate and a bucket in a given time zone, with generated column names only', () => {
    const query = parseQuery(
      {
        entity: 'deals',
        group_by: [{ field: 'created_at', bucket: 'quarter', tz: 'America/New_York' }, 'stage_name'],
        aggregates: [
          { fn: 'count', alias: 'deals' },
          { fn: 'count_distinct', field: 'lead_id', alias: 'leads' },
          { fn: 'sum', field: 'value', alias: 'total' },
          { fn: 'avg', field: 'value', alias: 'mean' },
          { fn: 'min', field: 'created_at', alias: 'first' },
          { fn: 'max', field: 'value', alias: 'largest' },
        ],
        order_by: [{ key: 'total', direction: 'desc' }],
        limit: 5,
      },
      [],
    );
    const compiled = compileQuery(ORG, query);
    expect(compiled.text).toBe(
      [
        "SELECT to_char(date_trunc('quarter', d.created_at, $2::text) AT TIME ZONE $2::text, 'YYYY-MM-DD') AS g0, ds.name AS g1, count(*) AS a0, count(DISTINCT d.lead_id) AS a1, sum(d.value) AS a2, avg(d.value) AS a3, min(d.created_at) AS a4, max(d.value) AS a5",
        'FROM deals d',
        'LEFT JOIN stages ds ON ds.id = d.stage_id AND ds.org_id = d.org_id',
        'WHERE d.org_id = $1',
        'GROUP BY 1, 2',
        'ORDER BY 5 DESC NULLS LAST, 1 ASC NULLS LAST, 2 ASC NULLS LAST',
        'LIMIT $3::int',
      ].join('\n'),
    );
    // one more row than the limit: it only tells that the answer was cut
    expect(compiled.values).toEqual([ORG, 'America/New_York', 6]);
    expect(compiled.columns.map((c) => [c.name, c.type])).toEqual([
      ['created_at_quarter', 'date'], ['stage_name', 'string'], ['deals', 'number'], ['leads', 'number'],
      ['total', 'number'], ['mean', 'number'], ['first', 'date'], ['largest', 'number'],
    ]);
  });

  it.each(['day', 'week', 'month', 'year'])('bucket %s defaults to UTC', (bucket) => {
    const compiled = compileQuery(ORG, parseQuery({ entity: 'leads', group_by: [{ field: 'created_at', bucket }], aggregates: count }, []));
    expect(compiled.text).toContain(`date_trunc('${bucket}', l.created_at, $2::text)`);
    expect(compiled.values[1]).toBe('UTC');
  });

  it('the default limit is 100', () => {
    expect(compileQuery(ORG, parseQuery({ entity: 'leads', aggregates: count }, [])).values.at(-1)).toBe(101);
  });
});

describe('refused documents: injection in every identifier position, wrong types, undeclared parameters', () => {
  const base = { entity: 'leads', aggregates: count };
  const refusedDocuments: [string, unknown][] = [
    ['an entity outside the catalogue', { ...base, entity: 'users' }],
    ['an entity with SQL', { ...base, entity: 'leads; DROP TABLE leads' }],
    ['a field with SQL', { ...base, filters: [{ field: 'id; DROP TABLE leads', op: 'eq', value: 1 }] }],
    ['org_id as a field', { ...base, filters: [{ field: 'org_id', op: 'eq', value: 1 }] }],
    ['a field of another entity', { ...base, group_by: ['stage_name'] }],
    ['an inherited property name', { ...base, group_by: ['constructor'] }],
    ['a quoted alias', { ...base, aggregates: [{ fn: 'count', alias: 'n" FROM users --' }] }],
    ['an upper-case alias', { ...base, aggregates: [{ fn: 'count', alias: 'N' }] }],
    ['an unknown operator', { ...base, filters: [{ field: 'score', op: 'like', value: 1 }] }],
    ['an operator of another type', { ...base, filters: [{ field: 'score', op: 'contains', value: '1' }] }],
    ['an unknown aggregate', { ...base, aggregates: [{ fn: 'pg_sleep', field: 'score', alias: 'x' }] }],
    ['sum of text', { ...base, aggregates: [{ fn: 'sum', field: 'city', alias: 'x' }] }],
    ['a bucket with SQL', { ...base, group_by: [{ field: 'created_at', bucket: "day'); DROP TABLE leads; --" }] }],
    ['a bucket on a text field', { ...base, group_by: [{ field: 'city', bucket: 'day' }] }],
    ['a time zone with SQL', { ...base, group_by: [{ field: 'created_at', bucket: 'day', tz: "UTC'; DROP TABLE leads; --" }] }],
    ['an unknown time zone', { ...base, group_by: [{ field: 'created_at', bucket: 'day', tz: 'Mars/Olympus' }] }],
    ['an order key that is no output', { ...base, order_by: [{ key: 'score' }] }],
    ['an unknown key', { ...base, sql: 'SELECT 1' }],
    ['a nested object as a value', { ...base, filters: [{ field: 'city', op: 'eq', value: { $ne: null } }] }],
    ['a parameter nobody declared', { ...base, filters: [{ field: 'city', op: 'eq', value: { param: 'city' } }] }],
    ['a limit past 1000', { ...base, limit: 1001 }],
    ['no aggregate', { entity: 'leads', aggregates: [] }],
    ['two outputs of one name', { ...base, group_by: ['city'], aggregates: [{ fn: 'count', alias: 'city' }] }],
    ['eleven aggregates', { ...base, aggregates: Array.from({ length: 11 }, (_, i) => ({ fn: 'count', alias: `a${i}` })) }],
  ];
  it.each(refusedDocuments)('%s: 422', (_label, document) => {
    const err = refusal(() => parseQuery(document, []));
    expect(err.status).toBe(422);
  });

  const refusedValues: [string, unknown][] = [
    ['text where a number goes', { field: 'score', op: 'eq', value: "1 OR 1=1" }],
    ['a number too large', { field: 'score', op: 'gt', value: 1e300 }],
    ['a lookup id past integer', { field: 'status', op: 'eq', value: 2 ** 40 }],
    ['a fractional id', { field: 'status', op: 'eq', value: 1.5 }],
    ['a NUL character', { field: 'city', op: 'eq', value: 'Lis\u0000bon' }],
    ['a date that is not ISO', { field: 'created_at', op: 'gt', value: 'yesterday' }],
    ['a date in year 0', { field: 'created_at', op: 'gt', value: '0000-01-01' }],
    ['in_last_days of text', { field: 'created_at', op: 'in_last_days', value: '7 days' }],
    ['in_last_days beyond a century', { field: 'created_at', op: 'in_last_days', value: 100_000 }],
  ];
  it.each(refusedValues)('%s: 422 when compiled', (_label, filter) => {
    const err = refusal(() => compileQuery(ORG, parseQuery({ ...base, filters: [filter] }, [])));
    expect(err.status).toBe(422);
  });

  it('a parameter used where its declared type does not fit is refused at save', () => {
    const problems = checkQuery(queryDocumentSchema.parse({ ...base, filters: [{ field: 'score', op: 'eq', value: { param: 'p' } }] }), [{ name: 'p', type: 'string', required: true }]);
    expect(problems).toEqual([{ path: 'filters.0.value', message: 'parameter p is a string; here it must be one of: number' }]);
  });
});

describe('parameters at execution', () => {
  const declarations: ParameterDeclaration[] = [
    { name: 'days', type: 'number', required: true },
    { name: 'cities', type: 'string_list', required: false, default: ['Lisbon'] },
  ];
  it('supplied values and defaults', () => {
    expect([...resolveParameters(declarations, { days: 3 })]).toEqual([['days', 3], ['cities', ['Lisbon']]]);
  });
  it.each([
    ['unknown', { days: 3, other: 1 }, 'other is not a declared parameter of this query'],
    ['missing required', {}, 'days is required'],
    ['wrong type', { days: '3' }, 'days must be a number'],
    ['a list of the wrong type', { days: 3, cities: [1] }, 'cities must be a list of 1 to 100 texts'],
  ])('%s: 422 naming it', (_label, supplied, message) => {
    const err = refusal(() => resolveParameters(declarations, supplied));
    expect(err.status).toBe(422);
    expect(err.message).toContain(message);
  });
});

describe('widget shapes and the dashboard definition', () => {
  const q = (groups: number, aggregates: number) => ({
    group_by: ['city', 'country', 'state'].slice(0, groups),
    aggregates: Array.from({ length: aggregates }, (_, i) => ({ fn: 'count' as const, alias: `a${i}` })),
  });
  it.each([
    ['kpi', 0, 1, true], ['kpi', 1, 1, false], ['kpi', 0, 2, false],
    ['line', 1, 3, true], ['line', 2, 1, true], ['line', 2, 2, false], ['bar', 0, 1, false],
    ['pie', 1, 1, true], ['pie', 1, 2, false], ['funnel', 2, 1, false],
    ['table', 3, 10, true], ['table', 0, 1, true],
  ] as const)('%s with %i groups and %i aggregates: %s', (widget, groups, aggregates, fits) => {
    expect(widgetShapeProblem(q(groups, aggregates), widget) === null).toBe(fits);
  });

  const widget = { id: 'w1', title: 'Leads', type: 'kpi', query: { entity: 'leads', aggregates: count } };
  it('accepts a valid definition and refuses unknown keys, a widget unsuited to its query, too many widgets, too many bytes', () => {
    expect(dashboardDefinitionSchema.safeParse({ version: 1, widgets: [widget] }).success).toBe(true);
    expect(dashboardDefinitionSchema.safeParse({ version: 1, widgets: [{ ...widget, color: 'red' }] }).success).toBe(false);
    expect(dashboardDefinitionSchema.safeParse({ version: 1, widgets: [{ ...widget, type: 'pie' }] }).success).toBe(false);
    expect(dashboardDefinitionSchema.safeParse({ version: 1, widgets: Array.from({ length: 51 }, (_, i) => ({ ...widget, id: `w${i}` })) }).success).toBe(false);
    const long = 'x'.repeat(400);
    const big = Array.from({ length: 50 }, (_, i) => ({ ...widget, id: `w${i}`, query: { entity: 'leads', aggregates: count, filters: Array.from({ length: 4 }, () => ({ field: 'city', op: 'eq', value: long })) } }));
    expect(JSON.stringify(big).length).toBeGreaterThan(MAX_DEFINITION_BYTES);
    expect(dashboardDefinitionSchema.safeParse({ version: 1, widgets: big }).success).toBe(false);
    // an inline query takes no parameters: it names its values itself
    expect(dashboardDefinitionSchema.safeParse({ version: 1, widgets: [{ ...widget, query: { entity: 'leads', aggregates: count, filters: [{ field: 'city', op: 'eq', value: { param: 'c' } }] } }] }).success).toBe(false);
    expect(dashboardDefinitionSchema.safeParse({ version: 1, widgets: [widget, widget] }).success).toBe(false);
  });

  it('every widget of the offline generator, and its fallback overview, is a valid definition', () => {
    const prompts = [...OFFLINE_WIDGETS.map((w) => w.widget.title), 'something nobody recognises'];
    for (const prompt of prompts) expect(dashboardDefinitionSchema.safeParse(offlineDefinition(prompt)).success, prompt).toBe(true);
    expect(offlineDefinition('leads by source and pipeline by stage').widgets.map((w) => w.id)).toEqual(['leads-by-source', 'pipeline-by-stage']);
    expect(offlineDefinition('hello').widgets.map((w) => w.id)).toEqual(['total-leads', 'open-pipeline', 'leads-per-month', 'pipeline-by-stage']);
  });
});

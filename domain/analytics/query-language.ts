// The query language of saved queries and dashboard widgets (issue 12,
// docs/queries.md): a JSON document — entity, filters, group_by, aggregates,
// order_by, limit — that the server compiles to SQL. Nothing a client sends
// becomes SQL text: entity and field names are looked up in the catalogue
// (query-catalogue.ts) and replaced by the expressions written there;
// operators, aggregate functions and time buckets are enums mapped to fixed
// SQL; output columns get generated names (g0, a0); and every value — a
// literal or a parameter — is checked against its field's type and sent as a
// bound $n parameter with an explicit cast. The first parameter is always the
// caller's organization: `WHERE <entity>.org_id = $1` is written by the
// compiler, not by the document, and every declared join is tied to the
// entity's org_id.
import { z } from 'zod';
import { ApiError } from '../platform/errors.js';
import { ENTITY_NAMES, entityOf, fieldOf, type EntityName, type FieldDefinition, type FieldType } from './query-catalogue.js';

export const MAX_FILTERS = 20;
export const MAX_GROUP_BY = 3;
export const MAX_AGGREGATES = 10;
export const MAX_ORDER_BY = 3;
export const MAX_ROW_LIMIT = 1000;
export const DEFAULT_ROW_LIMIT = 100;
/** elements of an in / not_in list */
export const MAX_LIST_VALUES = 100;
export const MAX_STRING_VALUE = 500;
/** numbers beyond this are refused: no column of the catalogue holds one, and numeric casts stay exact */
export const MAX_ABS_NUMBER = 1e15;
export const MAX_DAYS = 36_500;
const PG_INT_MAX = 2_147_483_647;

export const NAME_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
/** a field, alias or parameter name: lower-case letters, digits and underscores */
const name = z.string().regex(NAME_PATTERN, 'must match ^[a-z][a-z0-9_]{0,39}$');

export const FILTER_OPERATORS = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'starts_with', 'is_null', 'is_not_null', 'between',
  'in_last_days', 'before', 'after',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Which operators each field type takes. */
export const OPERATORS_BY_TYPE: Record<FieldType, readonly FilterOperator[]> = {
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'between', 'is_null', 'is_not_null'],
  string: ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'is_null', 'is_not_null'],
  date: ['gt', 'gte', 'lt', 'lte', 'between', 'before', 'after', 'in_last_days', 'is_null', 'is_not_null'],
  boolean: ['eq', 'neq', 'is_null', 'is_not_null'],
  lookup: ['eq', 'neq', 'in', 'not_in', 'is_null', 'is_not_null'],
};

export const AGGREGATE_FUNCTIONS = ['count', 'count_distinct', 'sum', 'avg', 'min', 'max'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** Which field types each aggregate takes (count also takes no field: every row). */
const AGGREGATE_FIELD_TYPES: Record<AggregateFunction, readonly FieldType[]> = {
  count: ['number', 'string', 'date', 'boolean', 'lookup'],
  count_distinct: ['number', 'string', 'date', 'boolean', 'lookup'],
  sum: ['number'],
  avg: ['number'],
  min: ['number', 'date'],
  max: ['number', 'date'],
};

export const TIME_BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const;

/** IANA zone names this runtime knows (Intl), plus UTC; a bucket's tz must be one of them. */
const TIME_ZONES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);

export const PARAMETER_TYPES = ['number', 'string', 'date', 'boolean', 'string_list', 'number_list'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

const paramRef = z.strictObject({ param: name }).describe('a declared parameter, by name');
const scalar = z.union([z.string().max(MAX_STRING_VALUE), z.number(), z.boolean()]);
const operand = z.union([scalar, paramRef]);

const filterSchema = z.strictObject({
  field: name,
  op: z.enum(FILTER_OPERATORS),
  /** absent for is_null / is_not_null; a list for in / not_in; two operands for between */
  value: z.union([operand, z.array(scalar).min(1).max(MAX_LIST_VALUES), z.tuple([operand, operand])]).optional(),
});

const bucketSchema = z.strictObject({
  field: name,
  bucket: z.enum(TIME_BUCKETS),
  tz: z.string().max(64).refine((tz) => TIME_ZONES.has(tz), 'must be an IANA time zone name (e.g. Europe/Berlin) or UTC').optional(),
});

const aggregateSchema = z.strictObject({
  fn: z.enum(AGGREGATE_FUNCTIONS),
  field: name.optional(),
  alias: name,
});

const orderSchema = z.strictObject({ key: name, direction: z.enum(['asc', 'desc']).default('asc') });

/** The document's shape; what it names is checked against the catalogue by checkQuery. */
export const queryDocumentSchema = z.strictObject({
  entity: z.enum(ENTITY_NAMES),
  filters: z.array(filterSchema).max(MAX_FILTERS).optional(),
  group_by: z.array(z.union([name, bucketSchema])).max(MAX_GROUP_BY).optional(),
  aggregates: z.array(aggregateSchema).min(1).max(MAX_AGGREGATES),
  order_by: z.array(orderSchema).max(MAX_ORDER_BY).optional(),
  limit: z.number().int().min(1).max(MAX_ROW_LIMIT).optional(),
});
export type QueryDocument = z.infer<typeof queryDocumentSchema>;
export type QueryFilter = z.infer<typeof filterSchema>;
type GroupItem = NonNullable<QueryDocument['group_by']>[number];

export interface ParameterDeclaration {
  name: string;
  type: ParameterType;
  required: boolean;
  default?: unknown;
}

/** A problem with a document, at its JSON path. */
export interface QueryProblem {
  path: string;
  message: string;
}

/** An output column of a query: its name (a group field, a bucket, an alias) and its type. */
export interface OutputColumn {
  name: string;
  type: FieldType;
  role: 'group' | 'aggregate';
}

/** The name of a group column: the field, or field_bucket for a time bucket. */
const groupName = (item: GroupItem) => (typeof item === 'string' ? item : `${item.field}_${item.bucket}`);

const isParamRef = (value: unknown): value is { param: string } => typeof value === 'object' && value !== null && !Array.isArray(value) && 'param' in value;

/** Parameter types that can stand for one operand of a field of this type. */
const SCALAR_PARAMETER_TYPES: Record<FieldType, readonly ParameterType[]> = {
  number: ['number'],
  lookup: ['number'],
  string: ['string'],
  date: ['date'],
  boolean: ['boolean'],
};
const LIST_PARAMETER_TYPES: Record<FieldType, readonly ParameterType[]> = {
  number: ['number_list'],
  lookup: ['number_list'],
  string: ['string_list'],
  date: [],
  boolean: [],
};

/** The output columns of a checked document, in SELECT order. */
export function outputColumns(query: QueryDocument): OutputColumn[] {
  const groups = (query.group_by ?? []).map((item): OutputColumn => {
    const field = fieldOf(query.entity, typeof item === 'string' ? item : item.field)!;
    return { name: groupName(item), type: typeof item === 'string' ? field.type : 'date', role: 'group' };
  });
  const aggregates = query.aggregates.map((a): OutputColumn => {
    const field = a.field === undefined ? undefined : fieldOf(query.entity, a.field);
    const type: FieldType = a.fn === 'count' || a.fn === 'count_distinct' || a.fn === 'sum' || a.fn === 'avg' ? 'number' : field!.type;
    return { name: a.alias, type, role: 'aggregate' };
  });
  return [...groups, ...aggregates];
}

/**
 * Everything the shape cannot say: names exist in the entity's catalogue,
 * each operator suits its field's type and has the operands it needs,
 * aggregates suit their fields, output names are unique, order keys are
 * outputs, and every parameter a document uses is declared with a type that
 * fits where it is used. Returns the problems (empty when the document is
 * sound); literal values are checked again, with parameters' values, when
 * the query is compiled.
 */
export function checkQuery(query: QueryDocument, declarations: readonly ParameterDeclaration[] | null): QueryProblem[] {
  const problems: QueryProblem[] = [];
  const declared = new Map((declarations ?? []).map((d) => [d.name, d]));
  const knownField = (path: string, fieldName: string): FieldDefinition | undefined => {
    const field = fieldOf(query.entity, fieldName);
    if (!field) problems.push({ path, message: `${query.entity} has no field ${fieldName}` });
    return field;
  };
  const checkParam = (path: string, ref: { param: string }, allowed: readonly ParameterType[]) => {
    if (declarations === null) {
      problems.push({ path, message: 'parameters are not allowed here: give the value itself' });
      return;
    }
    const declaration = declared.get(ref.param);
    if (!declaration) problems.push({ path, message: `parameter ${ref.param} is not declared` });
    else if (!allowed.includes(declaration.type)) problems.push({ path, message: `parameter ${ref.param} is a ${declaration.type}; here it must be one of: ${allowed.join(', ') || 'none (give a value)'}` });
  };

  (query.filters ?? []).forEach((filter, i) => {
    const path = `filters.${i}`;
    const problemsBefore = problems.length;
    const field = knownField(`${path}.field`, filter.field);
    if (!field) return;
    if (!OPERATORS_BY_TYPE[field.type].includes(filter.op)) {
      problems.push({ path: `${path}.op`, message: `${filter.op} does not apply to ${filter.field} (a ${field.type}); use one of: ${OPERATORS_BY_TYPE[field.type].join(', ')}` });
      return;
    }
    const value = filter.value;
    const shape = operandShape(filter.op);
    if (shape === 'none') {
      if (value !== undefined) problems.push({ path: `${path}.value`, message: `${filter.op} takes no value` });
    } else if (value === undefined) {
      problems.push({ path: `${path}.value`, message: `${filter.op} needs a value` });
    } else if (shape === 'list') {
      if (isParamRef(value)) checkParam(`${path}.value`, value, LIST_PARAMETER_TYPES[field.type]);
      else if (!Array.isArray(value) || value.some((v) => isParamRef(v))) problems.push({ path: `${path}.value`, message: `${filter.op} needs a list of values or a list parameter` });
    } else if (shape === 'pair') {
      if (!Array.isArray(value) || value.length !== 2) problems.push({ path: `${path}.value`, message: 'between needs [low, high]' });
      else value.forEach((v, j) => isParamRef(v) && checkParam(`${path}.value.${j}`, v, SCALAR_PARAMETER_TYPES[field.type]));
    } else if (Array.isArray(value)) {
      problems.push({ path: `${path}.value`, message: `${filter.op} needs one value` });
    } else if (isParamRef(value)) {
      checkParam(`${path}.value`, value, shape === 'days' ? ['number'] : SCALAR_PARAMETER_TYPES[field.type]);
    }
    // literal values are checked now too, so a stored document holds none that compiling would refuse
    if (shape !== 'none' && value !== undefined && !isParamRef(value) && problems.length === problemsBefore) {
      try {
        compileQuery(0, { entity: query.entity, filters: [filter], aggregates: [{ fn: 'count', alias: 'n' }] });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        problems.push(...(err.options.details ?? []).map((d) => ({ path: `${path}.${d.path.replace(/^filters\.0\./, '')}`, message: d.message })));
      }
    }
  });

  const outputs = new Set<string>();
  const addOutput = (path: string, output: string) => {
    if (outputs.has(output)) problems.push({ path, message: `${output} is named twice in the output` });
    outputs.add(output);
  };
  (query.group_by ?? []).forEach((item, i) => {
    const path = `group_by.${i}`;
    const field = knownField(typeof item === 'string' ? path : `${path}.field`, typeof item === 'string' ? item : item.field);
    if (field && typeof item !== 'string' && field.type !== 'date') problems.push({ path: `${path}.bucket`, message: `time buckets apply to date fields; ${item.field} is a ${field.type}` });
    addOutput(path, groupName(item));
  });
  query.aggregates.forEach((aggregate, i) => {
    const path = `aggregates.${i}`;
    if (aggregate.field === undefined) {
      if (aggregate.fn !== 'count') problems.push({ path: `${path}.field`, message: `${aggregate.fn} needs a field` });
    } else {
      const field = knownField(`${path}.field`, aggregate.field);
      if (field && !AGGREGATE_FIELD_TYPES[aggregate.fn].includes(field.type)) {
        problems.push({ path: `${path}.fn`, message: `${aggregate.fn} does not apply to ${aggregate.field} (a ${field.type})` });
      }
    }
    addOutput(`${path}.alias`, aggregate.alias);
  });
  (query.order_by ?? []).forEach((order, i) => {
    if (!outputs.has(order.key)) problems.push({ path: `order_by.${i}.key`, message: `${order.key} is not an output of the query (a group_by field or an aggregate alias)` });
  });
  return problems;
}

type OperandShape = 'none' | 'one' | 'list' | 'pair' | 'days';
function operandShape(op: FilterOperator): OperandShape {
  if (op === 'is_null' || op === 'is_not_null') return 'none';
  if (op === 'in' || op === 'not_in') return 'list';
  if (op === 'between') return 'pair';
  if (op === 'in_last_days') return 'days';
  return 'one';
}

/** Parses and checks a document (422 naming each problem), for a save or a generated dashboard. */
export function parseQuery(input: unknown, declarations: readonly ParameterDeclaration[] | null, pathPrefix = 'definition'): QueryDocument {
  const parsed = queryDocumentSchema.safeParse(input);
  if (!parsed.success) throw invalidQuery(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })), pathPrefix);
  const problems = checkQuery(parsed.data, declarations);
  if (problems.length > 0) throw invalidQuery(problems, pathPrefix);
  return parsed.data;
}

export function invalidQuery(problems: QueryProblem[], pathPrefix: string): ApiError {
  const details = problems.map((p) => ({ path: p.path ? `${pathPrefix}.${p.path}` : pathPrefix, message: p.message }));
  return new ApiError('validation_error', `Invalid query: ${details.slice(0, 3).map((d) => `${d.path}: ${d.message}`).join('; ')}`, { code: 'invalid_query', details });
}

// ---------------------------------------------------------------------------
// values

const DATE_TEXT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A value that does not fit where it is used: 422 naming where. */
const badValue = (path: string, message: string) => new ApiError('validation_error', `${path}: ${message}`, { code: 'invalid_value', details: [{ path, message }] });

/**
 * One value for a field of this type, as what is bound (text for dates and
 * numbers, so PostgreSQL parses it exactly with the cast the compiler
 * writes). Refused: the wrong type, NUL characters (PostgreSQL text cannot
 * hold them), numbers past MAX_ABS_NUMBER, dates that are not ISO dates.
 */
export function coerceValue(type: FieldType, value: unknown, path: string): string | number | boolean {
  switch (type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_ABS_NUMBER) throw badValue(path, `must be a number between -${MAX_ABS_NUMBER} and ${MAX_ABS_NUMBER}`);
      return String(value);
    case 'lookup':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > PG_INT_MAX) throw badValue(path, `must be a whole number from 0 to ${PG_INT_MAX} (a code or an id)`);
      return value;
    case 'string':
      if (typeof value !== 'string' || value.length > MAX_STRING_VALUE) throw badValue(path, `must be text of at most ${MAX_STRING_VALUE} characters`);
      if (value.includes('\u0000')) throw badValue(path, 'must not contain NUL characters');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw badValue(path, 'must be true or false');
      return value;
    case 'date': {
      if (typeof value !== 'string' || !DATE_TEXT.test(value) || Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))) {
        throw badValue(path, 'must be an ISO date (YYYY-MM-DD) or date-time');
      }
      const year = Number(value.slice(0, 4));
      if (year < 1900 || year > 9999) throw badValue(path, 'must be a date between the years 1900 and 9999');
      // a date without a zone is a UTC instant: the same query answers the same wherever the server runs
      return value.length === 10 ? `${value}T00:00:00Z` : /(?:Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
    }
  }
}

/** The cast each field type's parameters get, so PostgreSQL never guesses a type from the column (an integer column would refuse 1e15 with an error). */
const CAST: Record<FieldType, string> = { number: 'numeric', lookup: 'bigint', string: 'text', date: 'timestamptz', boolean: 'boolean' };

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

// ---------------------------------------------------------------------------
// compiling

export interface CompiledQuery {
  text: string;
  values: unknown[];
  columns: OutputColumn[];
  /** the document's limit: the statement fetches one more row to tell whether the answer was cut */
  limit: number;
}

/**
 * Compiles a checked document with its parameters' values (already resolved
 * against their declarations) for the caller's organization. Values are
 * checked against the types of the fields they meet (422 naming the place).
 */
export function compileQuery(orgId: number, query: QueryDocument, parameters: ReadonlyMap<string, unknown> = new Map()): CompiledQuery {
  const entity = entityOf(query.entity);
  const values: unknown[] = [orgId];
  const bind = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const joins = new Set<string>();
  const use = (path: string, fieldName: string): FieldDefinition => {
    const field = fieldOf(query.entity, fieldName);
    if (!field) throw invalidQuery([{ path, message: `${query.entity} has no field ${fieldName}` }], 'query');
    for (const join of field.joins ?? []) joins.add(join);
    return field;
  };
  const valueOf = (operand: unknown, path: string): unknown => {
    if (!isParamRef(operand)) return operand;
    if (!parameters.has(operand.param)) throw badValue(path, `parameter ${operand.param} has no value`);
    return parameters.get(operand.param);
  };

  const conditions = [`${entity.alias}.org_id = $1`];
  (query.filters ?? []).forEach((filter, i) => {
    const path = `filters.${i}.value`;
    const field = use(`filters.${i}.field`, filter.field);
    conditions.push(filterSql(field, filter, (v, p) => bind(coerceValue(field.type, v, p)), (v, p) => valueOf(v, p), path, bind));
  });

  const selects: string[] = [];
  (query.group_by ?? []).forEach((item, i) => {
    if (typeof item === 'string') {
      selects.push(`${use(`group_by.${i}`, item).sql} AS g${i}`);
    } else {
      const field = use(`group_by.${i}.field`, item.field);
      const tz = bind(item.tz ?? 'UTC');
      // the bucket's first day in that zone, as YYYY-MM-DD: a label that sorts in time order
      selects.push(`to_char(date_trunc('${item.bucket}', ${field.sql}, ${tz}::text) AT TIME ZONE ${tz}::text, 'YYYY-MM-DD') AS g${i}`);
    }
  });
  query.aggregates.forEach((aggregate, i) => {
    const column = aggregate.field === undefined ? '*' : use(`aggregates.${i}.field`, aggregate.field).sql;
    const sql =
      aggregate.fn === 'count' ? `count(${column})` : aggregate.fn === 'count_distinct' ? `count(DISTINCT ${column})` : `${aggregate.fn}(${column})`;
    selects.push(`${sql} AS a${i}`);
  });

  const columns = outputColumns(query);
  const groupCount = query.group_by?.length ?? 0;
  const position = (key: string) => columns.findIndex((c) => c.name === key) + 1;
  const orderKeys = (query.order_by ?? []).map((o) => {
    if (position(o.key) === 0) throw invalidQuery([{ path: 'order_by', message: `${o.key} is not an output of the query` }], 'query');
    return `${position(o.key)} ${o.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`;
  });
  // groups after the requested keys, so equal keys come in a stable order
  const ordering = [...orderKeys, ...Array.from({ length: groupCount }, (_, i) => `${i + 1} ASC NULLS LAST`)];
  const limit = query.limit ?? DEFAULT_ROW_LIMIT;
  const joinSql = Object.entries(entity.joins).filter(([joinName]) => joins.has(joinName)).map(([, sql]) => sql);
  const text = [
    `SELECT ${selects.join(', ')}`,
    `FROM ${entity.table} ${entity.alias}`,
    ...joinSql,
    `WHERE ${conditions.join(' AND ')}`,
    ...(groupCount > 0 ? [`GROUP BY ${Array.from({ length: groupCount }, (_, i) => i + 1).join(', ')}`] : []),
    ...(ordering.length > 0 ? [`ORDER BY ${ordering.join(', ')}`] : []),
    `LIMIT ${bind(limit + 1)}::int`,
  ].join('\n');
  return { text, values, columns, limit };
}

/** One filter's condition; every value through `bindValue` (checked and cast), every list through `bind` as a typed array. */
function filterSql(
  field: FieldDefinition,
  filter: QueryFilter,
  bindValue: (value: unknown, path: string) => string,
  valueOf: (operand: unknown, path: string) => unknown,
  path: string,
  bind: (value: unknown) => string,
): string {
  const column = field.sql;
  const cast = CAST[field.type];
  const one = () => `${bindValue(valueOf(filter.value, path), path)}::${cast}`;
  switch (filter.op) {
    case 'is_null':
      return `${column} IS NULL`;
    case 'is_not_null':
      return `${column} IS NOT NULL`;
    case 'eq':
      return `${column} = ${one()}`;
    case 'neq':
      // "not this value" includes the rows without one, as a person reading the filter expects
      return `${column} IS DISTINCT FROM ${one()}`;
    case 'gt':
    case 'after':
      return `${column} > ${one()}`;
    case 'gte':
      return `${column} >= ${one()}`;
    case 'lt':
    case 'before':
      return `${column} < ${one()}`;
    case 'lte':
      return `${column} <= ${one()}`;
    case 'between': {
      const [low, high] = filter.value as [unknown, unknown];
      return `${column} BETWEEN ${bindValue(valueOf(low, `${path}.0`), `${path}.0`)}::${cast} AND ${bindValue(valueOf(high, `${path}.1`), `${path}.1`)}::${cast}`;
    }
    case 'in':
    case 'not_in': {
      const list = valueOf(filter.value, path);
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LIST_VALUES) throw badValue(path, `must be a list of 1 to ${MAX_LIST_VALUES} values`);
      const items = list.map((v, j) => coerceValue(field.type, v, `${path}.${j}`));
      const array = `${bind(items)}::${cast}[]`;
      // not_in keeps the rows without a value, as neq does
      return filter.op === 'in' ? `${column} = ANY(${array})` : `(${column} = ANY(${array})) IS NOT TRUE`;
    }
    case 'contains':
    case 'starts_with': {
      const text = coerceValue('string', valueOf(filter.value, path), path) as string;
      const pattern = filter.op === 'contains' ? `%${escapeLike(text)}%` : `${escapeLike(text)}%`;
      return `${column} ILIKE ${bind(pattern)}::text ESCAPE '\\'`;
    }
    case 'in_last_days': {
      const days = valueOf(filter.value, path);
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw badValue(path, `must be a whole number of days from 1 to ${MAX_DAYS}`);
      return `${column} >= now() - make_interval(days => ${bind(days)}::int)`;
    }
  }
}

// ---------------------------------------------------------------------------
// parameters

/**
 * The values for a query's declared parameters: the supplied ones (unknown
 * names refused), then defaults, and a required one without either refused.
 * Types are checked here per declaration; fields check them again when the
 * query is compiled.
 */
export function resolveParameters(declarations: readonly ParameterDeclaration[], supplied: Record<string, unknown> = {}): Map<string, unknown> {
  const byName = new Map(declarations.map((d) => [d.name, d]));
  const problems: QueryProblem[] = [];
  for (const key of Object.keys(supplied)) if (!byName.has(key)) problems.push({ path: `parameters.${key}`, message: `${key} is not a declared parameter of this query` });
  const values = new Map<string, unknown>();
  for (const declaration of declarations) {
    const given = Object.hasOwn(supplied, declaration.name) ? supplied[declaration.name] : undefined;
    const value = given ?? declaration.default;
    if (value === undefined || value === null) {
      if (declaration.required) problems.push({ path: `parameters.${declaration.name}`, message: `${declaration.name} is required` });
      continue;
    }
    const problem = parameterTypeProblem(declaration.type, value);
    if (problem) problems.push({ path: `parameters.${declaration.name}`, message: `${declaration.name} ${problem}` });
    else values.set(declaration.name, value);
  }
  if (problems.length > 0) {
    throw new ApiError('validation_error', problems.map((p) => p.message).join('; '), { code: 'invalid_parameters', details: problems });
  }
  return values;
}

/** Why a value is not of a parameter type, or null when it is. */
export function parameterTypeProblem(type: ParameterType, value: unknown): string | null {
  const isList = Array.isArray(value);
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'string':
      return typeof value === 'string' ? null : 'must be text';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' && DATE_TEXT.test(value) ? null : 'must be an ISO date (YYYY-MM-DD) or date-time';
    case 'string_list':
      return isList && value.length >= 1 && value.length <= MAX_LIST_VALUES && value.every((v) => typeof v === 'string') ? null : `must be a list of 1 to ${MAX_LIST_VALUES} texts`;
    case 'number_list':
      return isList && value.length >= 1 && value.length <= MAX_LIST_VALUES && value.every((v) => typeof v === 'number' && Number.isFinite(v)) ? null : `must be a list of 1 to ${MAX_LIST_VALUES} numbers`;
  }
}

/** The declared parameters of a saved query. */
export const parameterDeclarationSchema = z
  .strictObject({
    name,
    type: z.enum(PARAMETER_TYPES),
    required: z.boolean().default(false),
    default: z.unknown().optional(),
  })
  .superRefine((declaration, ctx) => {
    if (declaration.default === undefined || declaration.default === null) return;
    const problem = parameterTypeProblem(declaration.type, declaration.default);
    if (problem) ctx.addIssue({ code: 'custom', path: ['default'], message: `the default ${problem}` });
  });

export const parameterDeclarationsSchema = z
  .array(parameterDeclarationSchema)
  .max(20)
  .refine((list) => new Set(list.map((d) => d.name)).size === list.length, 'parameter names must be unique');

// Running a compiled query (query-language.ts) and shaping its rows for the
// widget that shows them. A query runs in a READ ONLY transaction with its
// own statement_timeout (SET LOCAL: the query's bound, or what is left of the
// request's budget when that is less), and fetches at most its limit + 1
// rows: the extra row only says the answer was cut (meta.truncated).
import { performance } from 'node:perf_hooks';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { remainingBudgetMs } from '../platform/request-deadline.js';
import { transaction } from '../platform/transaction.js';
import type { CompiledQuery, OutputColumn, QueryDocument } from './query-language.js';
import { outputColumns } from './query-language.js';

export const WIDGET_TYPES = ['kpi', 'line', 'bar', 'pie', 'table', 'funnel'] as const;
export type WidgetType = (typeof WIDGET_TYPES)[number];

/** Time left for the answer after the statement: the statement gets what remains of the request's budget minus this. */
const ANSWER_MARGIN_MS = 250;

/**
 * Why a query's shape cannot feed a widget, or null when it can:
 * kpi: one aggregate, no group_by; line, bar: one or two group_by fields (the
 * second splits the series) and, with two, one aggregate; pie, funnel: one
 * group_by field and one aggregate; table: anything.
 */
export function widgetShapeProblem(query: Pick<QueryDocument, 'group_by' | 'aggregates'>, widget: WidgetType): string | null {
  const groups = query.group_by?.length ?? 0;
  const aggregates = query.aggregates.length;
  switch (widget) {
    case 'table':
      return null;
    case 'kpi':
      return groups === 0 && aggregates === 1 ? null : 'a kpi widget needs exactly one aggregate and no group_by';
    case 'line':
    case 'bar':
      if (groups === 1) return null;
      return groups === 2 && aggregates === 1 ? null : `a ${widget} widget needs one group_by field (any aggregates) or two with one aggregate`;
    case 'pie':
    case 'funnel':
      return groups === 1 && aggregates === 1 ? null : `a ${widget} widget needs exactly one group_by field and one aggregate`;
  }
}

export function assertWidgetShape(query: QueryDocument, widget: WidgetType, path = 'widgetType'): void {
  const problem = widgetShapeProblem(query, widget);
  if (problem) throw new ApiError('validation_error', problem, { code: 'widget_shape_mismatch', details: [{ path, message: problem }] });
}

type Cell = string | number | boolean | null;

export interface QueryRows {
  columns: OutputColumn[];
  rows: Cell[][];
  truncated: boolean;
  duration_ms: number;
}

/** A cell as JSON: counts and numeric sums arrive as text from pg, timestamps as Date. */
function cell(column: OutputColumn, value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (column.type === 'number' || column.type === 'lookup') return Number(value);
  if (typeof value === 'boolean' || typeof value === 'number') return value;
  return String(value);
}

/**
 * Runs a compiled query for its organization: read-only, bounded in time
 * (422 query_timeout when cancelled) and in rows. `timeoutMs` is the
 * configured bound; the request's remaining budget lowers it.
 */
export async function runQuery(db: Database, compiled: CompiledQuery, timeoutMs: number): Promise<QueryRows> {
  const remaining = remainingBudgetMs();
  const bound = Math.max(1, Math.floor(remaining === undefined ? timeoutMs : Math.min(timeoutMs, remaining - ANSWER_MARGIN_MS)));
  const started = performance.now();
  const result = await transaction(db.pool, { actorId: null, readOnly: true, settings: { statement_timeout: String(bound), jit: 'off' } }, async (client) =>
    client.query({ text: compiled.text, values: compiled.values, rowMode: 'array' }),
  ).catch((err: { code?: string }) => {
    if (err.code === '57014') {
      throw new ApiError('validation_error', `The query ran longer than its ${bound} ms bound and was stopped; narrow it with filters`, { code: 'query_timeout' });
    }
    // a data exception (class 22) means a value got past the checks: the caller's request, not the server, is at fault
    if (typeof err.code === 'string' && err.code.startsWith('22')) {
      throw new ApiError('validation_error', 'A value of the query cannot be used with its field', { code: 'invalid_value' });
    }
    throw err;
  });
  const rows = (result.rows as unknown[][]).slice(0, compiled.limit).map((row) => compiled.columns.map((column, i) => cell(column, row[i])));
  return { columns: compiled.columns, rows, truncated: result.rows.length > compiled.limit, duration_ms: Math.round(performance.now() - started) };
}

const label = (value: Cell) => (value === null ? '(none)' : String(value));

export type WidgetData =
  | { value: Cell; label: string }
  | { labels: string[]; series: { name: string; data: (number | null)[] }[] }
  | { slices: { label: string; value: number | null }[] }
  | { columns: { name: string; type: string }[]; rows: Cell[][] };

const numeric = (value: Cell) => (typeof value === 'number' ? value : value === null ? null : Number(value));

/** The rows in the shape the widget draws (the query's shape was checked against it before it ran). */
export function shapeForWidget(query: QueryDocument, result: QueryRows, widget: WidgetType): WidgetData {
  const columns = outputColumns(query);
  const groups = columns.filter((c) => c.role === 'group').length;
  switch (widget) {
    case 'kpi':
      return { value: result.rows[0]?.[0] ?? null, label: columns[0]!.name };
    case 'pie':
    case 'funnel':
      return { slices: result.rows.map((row) => ({ label: label(row[0]!), value: numeric(row[1]!) })) };
    case 'line':
    case 'bar': {
      const labels = [...new Set(result.rows.map((row) => label(row[0]!)))];
      const index = new Map(labels.map((l, i) => [l, i]));
      if (groups === 1) {
        return {
          labels,
          series: columns.slice(1).map((column, i) => {
            const data = labels.map(() => null as number | null);
            for (const row of result.rows) data[index.get(label(row[0]!))!] = numeric(row[i + 1]!);
            return { name: column.name, data };
          }),
        };
      }
      // two groups: one series per value of the second, aligned on the first's labels
      const series = new Map<string, (number | null)[]>();
      for (const row of result.rows) {
        const name = label(row[1]!);
        if (!series.has(name)) series.set(name, labels.map(() => null));
        series.get(name)![index.get(label(row[0]!))!] = numeric(row[2]!);
      }
      return { labels, series: [...series].map(([name, data]) => ({ name, data })) };
    }
    case 'table':
      return { columns: columns.map((c) => ({ name: c.name, type: c.type })), rows: result.rows };
  }
}

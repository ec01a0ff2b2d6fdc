// The §5 list convention on the domain side: paging, sorting and the
// created_at date range, shared by every list service.
import type pg from 'pg';
import { Prisma } from '../../generated/prisma/client.js';

export type SortDirection = 'ASC' | 'DESC';

/** A date bound from a query string; date-only values mean whole UTC days. */
export interface DateBound {
  at: Date;
  dateOnly: boolean;
}

export interface ListParams<SortField extends string = string> {
  page: number;
  limit: number;
  search_value?: string;
  order_by: SortField;
  order_in: SortDirection;
  start_date?: DateBound;
  end_date?: DateBound;
}

export const pageArgs = (p: Pick<ListParams, 'page' | 'limit'>) => ({ skip: (p.page - 1) * p.limit, take: p.limit });

/** Sort by the requested field, then by id so pages are stable when values tie. */
export function orderArgs<F extends string>(p: Pick<ListParams<F>, 'order_by' | 'order_in'>) {
  const direction = p.order_in === 'ASC' ? ('asc' as const) : ('desc' as const);
  return p.order_by === 'id'
    ? [{ id: direction }]
    : [{ [p.order_by]: direction } as Record<F, 'asc' | 'desc'>, { id: direction }];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A Prisma DateTime filter for [from, to], both ends inclusive; date-only `to` covers its whole day. */
export function dateRangeFilter(from?: DateBound, to?: DateBound): { gte?: Date; lt?: Date; lte?: Date } | undefined {
  if (!from && !to) return undefined;
  return {
    ...(from && { gte: from.at }),
    ...(to && (to.dateOnly ? { lt: new Date(to.at.getTime() + DAY_MS) } : { lte: to.at })),
  };
}

/** dateRangeFilter as conditions on `column` (e.g. "c.created_at"), for raw SQL; none without bounds. */
export function dateRangeConditions(column: string, from?: DateBound, to?: DateBound): Prisma.Sql[] {
  const range = dateRangeFilter(from, to);
  const target = Prisma.raw(column);
  return [
    ...(range?.gte ? [Prisma.sql`${target} >= ${range.gte}`] : []),
    ...(range?.lt ? [Prisma.sql`${target} < ${range.lt}`] : []),
    ...(range?.lte ? [Prisma.sql`${target} <= ${range.lte}`] : []),
  ];
}

export const paged = <T>(data: T[], total: number, p: Pick<ListParams, 'page' | 'limit'>) => ({
  data,
  total,
  page: p.page,
  limit: p.limit,
});

/**
 * A Prisma filter matching rows whose column contains `text` literally and
 * case-insensitively. Prisma hands `contains` to LIKE unescaped, so a % or _
 * typed by a user would otherwise act as a wildcard.
 */
export const containsText = (text: string) => ({ contains: text.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' as const });

/** The ILIKE pattern of containsText, for raw SQL. */
export const containsPattern = (text: string) => `%${containsText(text).contains}%`;

/** `{ OR: [{ a: contains }, { b: contains }] }`: the row matches when any of `fields` contains `text`. */
export function anyFieldContains<F extends string>(fields: readonly F[], text: string) {
  const match = containsText(text);
  return { OR: fields.map((field) => ({ [field]: match }) as Record<F, typeof match>) };
}

/**
 * Whether a trigram index can find the rows containing `text`: pg_trgm needs
 * three letters or digits in a row. Without one it cannot narrow anything and
 * its GIN index reads every entry (a rare 2-character term on 1,200,000 leads:
 * 18 s, against ~1 s for reading the rows).
 */
const hasTrigram = (text: string) => /[\p{L}\p{N}]{3}/u.test(text);

/**
 * `(a ILIKE '%text%' OR b ILIKE ...)` over SQL expressions (columns as
 * written in the query), `text` matched literally. A term without a trigram
 * matches `(a || '')` instead: the same value, but no index expression, so
 * PostgreSQL reads the rows (stopping early when a page fills) rather than
 * the whole of the trigram indexes.
 */
export function anyColumnContains(columns: readonly string[], text: string): Prisma.Sql {
  const pattern = containsPattern(text);
  const indexed = hasTrigram(text);
  const matches = columns.map((column) => Prisma.sql`${Prisma.raw(indexed ? column : `(${column} || '')`)} ILIKE ${pattern}`);
  return Prisma.sql`(${Prisma.join(matches, ' OR ')})`;
}

/**
 * A searched list counts its matches exactly up to this many; with more, its
 * `total` is PostgreSQL's estimate of the match count (at least one more than
 * this). An exact count reads every matching row from the table after the
 * trigram index lookup: at 1,000,000 leads a term matching 40,000 of them
 * took 180 ms to count, one matching all of them a scan of the table
 * (docs/indexes.md "Search totals").
 */
export const EXACT_SEARCH_TOTAL_UP_TO = 1000;

/**
 * The page and the exact total of a searched list, from one read of at most
 * EXACT_SEARCH_TOTAL_UP_TO + 1 matching rows; null when more rows match (the
 * caller then pages as without a search and answers estimatedSearchTotal).
 * `matching` selects the matching rows' id and every column `order` sorts by
 * (as columns of the `matches` set). One statement, so a rare term's index
 * lookup is made once for both the page and the count.
 */
export async function smallSearchPage(
  client: pg.ClientBase,
  matching: Prisma.Sql,
  order: Prisma.Sql,
  p: Pick<ListParams, 'page' | 'limit'>,
): Promise<{ ids: number[]; total: number } | null> {
  const { skip, take } = pageArgs(p);
  const query = Prisma.sql`WITH matches AS MATERIALIZED (${matching} LIMIT ${EXACT_SEARCH_TOTAL_UP_TO + 1})
    SELECT (SELECT count(*)::int FROM matches) AS total,
           ARRAY(SELECT id FROM matches ORDER BY ${order} LIMIT ${take} OFFSET ${skip}) AS ids`;
  const { rows } = await client.query<{ total: number; ids: number[] }>(query.text, query.values);
  const { total, ids } = rows[0]!;
  return total > EXACT_SEARCH_TOTAL_UP_TO ? null : { ids, total };
}

/**
 * How many rows `matching` selects by PostgreSQL's estimate (the planner's,
 * from the columns' statistics: a plan, no rows read), never less than the
 * EXACT_SEARCH_TOTAL_UP_TO + 1 that smallSearchPage found.
 */
export async function estimatedSearchTotal(client: pg.ClientBase, matching: Prisma.Sql): Promise<number> {
  const explain = Prisma.sql`EXPLAIN (FORMAT JSON) ${matching}`;
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(explain.text, explain.values);
  return Math.max(EXACT_SEARCH_TOTAL_UP_TO + 1, Math.round(rows[0]!['QUERY PLAN'][0].Plan['Plan Rows']));
}

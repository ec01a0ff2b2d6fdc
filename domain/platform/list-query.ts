// The §5 list convention on the domain side: paging, sorting and the
// created_at date range, shared by every list service.
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

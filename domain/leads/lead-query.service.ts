// The lead list filters of §7.1 as one SQL condition, shared by the list
// endpoint and by the bulk actions' `select_all` + `filters`, so "every lead
// matching the current filter" is exactly the rows the list shows.
import { Prisma, type Lead } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { withConnection } from '../platform/transaction.js';
import { leadSearchCondition } from '../crm/lead-search.js';
import {
  containsPattern, dateRangeConditions, estimatedSearchTotal, pageArgs, paged, smallSearchPage, type DateBound, type ListParams,
} from '../platform/list-query.js';

/** Columns a lead list may be sorted by; order_by is interpolated into SQL only from this list. */
export const LEAD_SORTABLE_FIELDS = [
  'id', 'first_name', 'last_name', 'email', 'company', 'score', 'status', 'priority', 'estimated_value',
  'created_at', 'updated_at', 'last_activity_at',
] as const;
export type LeadSortField = (typeof LEAD_SORTABLE_FIELDS)[number];

/** Sortable columns that can hold NULL: only these need NULLS LAST (which no (org_id, column, id) index matches). */
const NULLABLE_SORT_FIELDS: readonly LeadSortField[] = ['first_name', 'last_name', 'email', 'company', 'estimated_value', 'last_activity_at'];

export interface LeadFilters {
  /** contains, case-insensitively, in the full name, email, company or phone number */
  search_value?: string;
  /** on created_at, like created_from / created_to */
  start_date?: DateBound;
  end_date?: DateBound;
  score_min?: number;
  score_max?: number;
  /** user ids, or "caller": the user making the request */
  assigned_to?: number[] | 'caller';
  /** true: only leads assigned to nobody; false is no restriction */
  unassigned?: boolean;
  lead_source?: number[];
  priority?: number[];
  /** status codes (the list convention's name for the status column) */
  state_id?: number[];
  /** company, city, state, country: contains, case-insensitively */
  company?: string;
  city?: string;
  state?: string;
  country?: string;
  created_from?: DateBound;
  created_to?: DateBound;
}

function assigneeCondition(scope: Pick<Scope, 'userId'>, assignedTo: number[] | 'caller'): Prisma.Sql {
  if (assignedTo !== 'caller') return Prisma.sql`assigned_to = ANY(${assignedTo}::int[])`;
  // an API-key caller is no user: nothing is assigned to it
  return scope.userId === null ? Prisma.sql`FALSE` : Prisma.sql`assigned_to = ${scope.userId}`;
}

/** The organization's leads matching every given filter, as a WHERE condition. */
export function leadFilterCondition(scope: Pick<Scope, 'orgId' | 'userId'>, filters: LeadFilters): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`org_id = ${scope.orgId}`];
  if (filters.search_value) conditions.push(leadSearchCondition(filters.search_value));
  if (filters.score_min !== undefined) conditions.push(Prisma.sql`score >= ${filters.score_min}`);
  if (filters.score_max !== undefined) conditions.push(Prisma.sql`score <= ${filters.score_max}`);
  if (filters.assigned_to !== undefined) conditions.push(assigneeCondition(scope, filters.assigned_to));
  if (filters.unassigned) conditions.push(Prisma.sql`assigned_to IS NULL`);
  if (filters.lead_source) conditions.push(Prisma.sql`lead_source = ANY(${filters.lead_source}::int[])`);
  if (filters.priority) conditions.push(Prisma.sql`priority = ANY(${filters.priority}::int[])`);
  if (filters.state_id) conditions.push(Prisma.sql`status = ANY(${filters.state_id}::int[])`);
  for (const column of ['company', 'city', 'state', 'country'] as const) {
    const value = filters[column];
    if (value) conditions.push(Prisma.sql`${Prisma.raw(`"${column}"`)} ILIKE ${containsPattern(value)}`);
  }
  conditions.push(...dateRangeConditions('created_at', filters.created_from, filters.created_to));
  conditions.push(...dateRangeConditions('created_at', filters.start_date, filters.end_date));
  return Prisma.join(conditions, ' AND ');
}

/**
 * Sort by the requested column, then by id so pages are stable when values
 * tie (as orderArgs does for Prisma queries); leads without a value (no
 * email, no activity) sort last in both directions. NOT NULL columns get no
 * NULLS LAST: PostgreSQL would then not read the order off their
 * (org_id, column, id) index and sorted all the organization's leads instead
 * (docs/indexes.md).
 */
export function leadOrder(p: Pick<ListParams<LeadSortField>, 'order_by' | 'order_in'>): Prisma.Sql {
  if (!LEAD_SORTABLE_FIELDS.includes(p.order_by)) throw new Error(`unsortable lead field ${p.order_by}`);
  const direction = p.order_in === 'ASC' ? 'ASC' : 'DESC';
  if (p.order_by === 'id') return Prisma.raw(`id ${direction}`);
  const nulls = NULLABLE_SORT_FIELDS.includes(p.order_by) ? ' NULLS LAST' : '';
  return Prisma.raw(`"${p.order_by}" ${direction}${nulls}, id ${direction}`);
}

export async function listLeads(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  params: Pick<ListParams<LeadSortField>, 'page' | 'limit' | 'order_by' | 'order_in'>,
  filters: LeadFilters,
) {
  const where = leadFilterCondition(scope, filters);
  const order = leadOrder(params);
  const rowsOf = (ids: Prisma.Sql) => Prisma.sql`SELECT * FROM leads WHERE org_id = ${scope.orgId} AND id IN (${ids}) ORDER BY ${order}`;
  // One connection, one statement after the other: in parallel, a slow search held two of the
  // pool's connections for its whole duration (issue 8 §5), for a few milliseconds saved on fast ones.
  return withConnection(db.pool, async (client) => {
    const read = async (query: Prisma.Sql) => (await client.query<Lead>(query.text, query.values)).rows;
    if (filters.search_value) {
      // a search term matching few leads: their page and exact count from one trigram index lookup
      const sortColumns = params.order_by === 'id' ? Prisma.raw('id') : Prisma.raw(`id, "${params.order_by}"`);
      const matching = Prisma.sql`SELECT ${sortColumns} FROM leads WHERE ${where}`;
      const small = await smallSearchPage(client, matching, order, params);
      if (small) return paged(await read(rowsOf(Prisma.sql`SELECT unnest(${small.ids}::int[])`)), small.total, params);
      // a common term: its matches are dense, so the page below stops early; the total is estimated
      return paged(await read(rowsOf(pageIds(where, order, params))), await estimatedSearchTotal(client, matching), params);
    }
    const rows = await read(rowsOf(pageIds(where, order, params)));
    const count = Prisma.sql`SELECT count(*)::int AS total FROM leads WHERE ${where}`;
    const total = await client.query<{ total: number }>(count.text, count.values);
    return paged(rows, total.rows[0]!.total, params);
  });
}

/**
 * The page's ids: off an index alone (deep pages too), without reading the
 * table rows of every skipped lead (docs/indexes.md); the page's rows are read
 * by id after.
 */
function pageIds(where: Prisma.Sql, order: Prisma.Sql, params: Pick<ListParams, 'page' | 'limit'>): Prisma.Sql {
  const { skip, take } = pageArgs(params);
  return Prisma.sql`SELECT id FROM leads WHERE ${where} ORDER BY ${order} LIMIT ${take} OFFSET ${skip}`;
}

// The activity feed (§6.15): what happened to the organization's leads,
// deals, contacts and companies, and who did it. The entries are written by
// database triggers in the statement that made each change (migration
// *_activity_feed; the actor comes from domain/platform/transaction.ts), so this module only
// reads them.
import { Prisma } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { containsPattern, dateRangeConditions, pageArgs, paged, type ListParams } from '../platform/list-query.js';

export const FEED_MODEL_TYPES = ['lead', 'deal', 'contact', 'company'] as const;
export type FeedModelType = (typeof FEED_MODEL_TYPES)[number];

export const FEED_ACTIONS = ['created', 'updated', 'deleted', 'status_changed', 'stage_changed', 'assigned'] as const;
export type FeedAction = (typeof FEED_ACTIONS)[number];

export const FEED_SORTABLE_FIELDS = ['id', 'created_at'] as const;

export interface FeedFilters {
  model_type?: FeedModelType;
  /** one record's entries; with model_type */
  model_id?: number;
}

interface FeedRow {
  id: bigint;
  model_type: FeedModelType;
  model_id: number;
  action: FeedAction;
  actor_id: number | null;
  actor_name: string | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  created_at: Date;
}

export function presentFeedEntry(row: FeedRow) {
  return {
    id: Number(row.id),
    model_type: row.model_type,
    model_id: row.model_id,
    action: row.action,
    actor: row.actor_id === null ? null : { id: row.actor_id, name: row.actor_name },
    changes: row.changes,
    created_at: row.created_at.toISOString(),
  };
}

export type FeedEntryView = ReturnType<typeof presentFeedEntry>;

/**
 * The organization's feed entries matching the filters, newest first unless
 * asked otherwise. search_value matches, case-insensitively, the name or the
 * old or new value of a changed field. A record's entries outlive it: the
 * feed of a deleted lead still ends with its deletion.
 */
export async function listActivityFeed(
  db: Database,
  scope: Pick<Scope, 'orgId'>,
  params: ListParams<(typeof FEED_SORTABLE_FIELDS)[number]>,
  filters: FeedFilters,
) {
  const conditions = [Prisma.sql`f.org_id = ${scope.orgId}`];
  if (filters.model_type) conditions.push(Prisma.sql`f.model_type = ${filters.model_type}`);
  if (filters.model_id !== undefined) conditions.push(Prisma.sql`f.model_id = ${filters.model_id}`);
  conditions.push(...dateRangeConditions('f.created_at', params.start_date, params.end_date));
  if (params.search_value) {
    const pattern = containsPattern(params.search_value);
    conditions.push(Prisma.sql`EXISTS (
      SELECT 1 FROM jsonb_each(f.changes) AS c
       WHERE c.key ILIKE ${pattern} OR c.value->>'from' ILIKE ${pattern} OR c.value->>'to' ILIKE ${pattern})`);
  }
  const where = Prisma.join(conditions, ' AND ');
  // order_by is one of FEED_SORTABLE_FIELDS (the route's allow-list); ties by id keep pages stable
  const direction = Prisma.raw(params.order_in === 'ASC' ? 'ASC' : 'DESC');
  const order = params.order_by === 'id' ? Prisma.sql`f.id ${direction}` : Prisma.sql`f.created_at ${direction}, f.id ${direction}`;
  const { skip, take } = pageArgs(params);
  const [rows, [count]] = await Promise.all([
    db.prisma.$queryRaw<FeedRow[]>`
      SELECT f.id, f.model_type, f.model_id, f.action, f.actor_id, f.changes, f.created_at,
             NULLIF(concat_ws(' ', u.first_name, u.last_name), '') AS actor_name
        FROM activity_feed f
        LEFT JOIN users u ON u.id = f.actor_id AND u.org_id = f.org_id
       WHERE ${where}
       ORDER BY ${order}
       LIMIT ${take} OFFSET ${skip}`,
    db.prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM activity_feed f WHERE ${where}`,
  ]);
  return paged(rows.map(presentFeedEntry), count!.total, params);
}

// Saved views (§6.5). Who sees a view: its owner; for 'team' views, users
// with the owner's role; for 'public' views, everyone in the organization.
// Only the owner or an Admin may change or delete one; someone who can see a
// view but may not change it gets 403, anyone else 404 (as for other orgs).
import type { CustomView, Prisma } from '../../generated/prisma/client.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

export const VIEW_VISIBILITIES = ['private', 'team', 'public'] as const;
export type ViewVisibility = (typeof VIEW_VISIBILITIES)[number];

/** Saved views belong to users, so only a signed-in user (never an API key) works with them. */
export type ViewerScope = Omit<Scope, 'userId'> & { userId: number };

export interface ViewInput {
  module_name: string;
  visibility: ViewVisibility;
  view_name?: string;
  filters?: Record<string, unknown>;
  columns?: string[];
  sorting?: Record<string, unknown>;
}

export type ViewPatch = Partial<ViewInput>;

/** filters and sorting arrive parsed from a JSON body, so they are JSON objects */
const jsonColumns = (view: ViewPatch) => ({
  filters: view.filters as Prisma.InputJsonObject | undefined,
  sorting: view.sorting as Prisma.InputJsonObject | undefined,
});

export function presentView(row: CustomView) {
  return {
    id: row.id,
    user_id: row.user_id,
    module_name: row.module_name,
    view_name: row.view_name,
    visibility: row.visibility as ViewVisibility,
    filters: row.filters as Record<string, unknown>,
    columns: row.columns as string[],
    sorting: row.sorting as Record<string, unknown>,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type ViewView = ReturnType<typeof presentView>;

/** The views the caller may see, as a filter on the organization's views. */
async function visibleTo(db: Database, scope: ViewerScope): Promise<Prisma.CustomViewWhereInput> {
  const teammates =
    scope.roleId === null ? [] : await db.prisma.user.findMany({ where: { org_id: scope.orgId, role_id: scope.roleId }, select: { id: true } });
  return {
    OR: [{ user_id: scope.userId }, { visibility: 'public' }, { visibility: 'team', user_id: { in: teammates.map((u) => u.id) } }],
  };
}

/** The views the caller may change or delete: their own, or any they can see when they are an Admin. */
async function editableBy(db: Database, scope: ViewerScope): Promise<Prisma.CustomViewWhereInput> {
  return isAdmin(scope) ? visibleTo(db, scope) : { user_id: scope.userId };
}

/** After a scoped write matched nothing: 403 when the caller can see the view, else 404. */
async function refusal(db: Database, scope: ViewerScope, id: number): Promise<ApiError> {
  const visible = await db.prisma.customView.count({ where: { id, org_id: scope.orgId, AND: [await visibleTo(db, scope)] } });
  return visible > 0 ? new ApiError('forbidden', 'Only the owner of this view or an Admin may change it') : notFound('View');
}

export async function listViews(
  db: Database,
  scope: ViewerScope,
  params: ListParams<'id' | 'view_name' | 'created_at'> & { module_name?: string },
) {
  const where: Prisma.CustomViewWhereInput = {
    org_id: scope.orgId,
    module_name: params.module_name,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { view_name: containsText(params.search_value) }),
    AND: [await visibleTo(db, scope)],
  };
  const [rows, total] = await Promise.all([
    db.prisma.customView.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.customView.count({ where }),
  ]);
  return paged(rows.map(presentView), total, params);
}

export async function addView(db: Database, scope: ViewerScope, input: ViewInput): Promise<ViewView> {
  const row = await db.prisma.customView.create({ data: { ...input, ...jsonColumns(input), org_id: scope.orgId, user_id: scope.userId } });
  return presentView(row);
}

export async function updateView(db: Database, scope: ViewerScope, id: number, patch: ViewPatch): Promise<ViewView> {
  const [row] = await db.prisma.customView.updateManyAndReturn({
    where: { id, org_id: scope.orgId, AND: [await editableBy(db, scope)] },
    data: { ...patch, ...jsonColumns(patch) },
  });
  if (!row) throw await refusal(db, scope, id);
  return presentView(row);
}

export async function deleteView(db: Database, scope: ViewerScope, id: number): Promise<void> {
  const { count } = await db.prisma.customView.deleteMany({ where: { id, org_id: scope.orgId, AND: [await editableBy(db, scope)] } });
  if (count === 0) throw await refusal(db, scope, id);
}

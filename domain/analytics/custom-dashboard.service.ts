// Dashboards (§6.10): a name, a scope and a definition of widgets
// (dashboard-definition.ts). LIO has no teams below the organization, so the
// scopes are:
// - personal: seen and changed by its owner only; to anyone else it does not
//   exist (404, never 403, so its existence is not leaked), Admins included;
// - team: seen by every member of the organization, changed or deleted by
//   its owner or an Admin (403 for other members);
// - workspace: seen by every member, created, changed and deleted by Admins
//   only (403 for other members); moving a dashboard to workspace is an
//   Admin's change too.
// Creating with `dashboard_id` copies a dashboard the caller can see (its
// definition; name and scope as given, else "Copy of …" and personal).
import type { Dashboard, Prisma } from '../../generated/prisma/client.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';
import {
  definitionProblems,
  invalidDefinition,
  savedQueryIdsOf,
  savedQueryWidgetProblems,
  type DashboardDefinition,
  type StoredQuery,
} from './dashboard-definition.js';
import { parseQuery, type ParameterDeclaration, type QueryDocument } from './query-language.js';
import { loadSavedQuery, runForWidget, storedQuery, type ExecuteAnswer, type MemberScope } from './saved-query.service.js';

export const DASHBOARD_SCOPES = ['personal', 'team', 'workspace'] as const;
export type DashboardScope = (typeof DASHBOARD_SCOPES)[number];

export interface DashboardInput {
  name: string;
  scope: DashboardScope;
  definition: unknown;
}

export interface CreateDashboardInput extends Partial<DashboardInput> {
  /** copy this dashboard (one the caller can see); the other fields override its values */
  dashboard_id?: number;
}

export interface DashboardOrigin {
  prompt: string;
  generator: 'llm' | 'offline';
  model: string;
}

export function presentDashboard(row: Dashboard) {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope as DashboardScope,
    owner_id: row.owner_id,
    definition: row.definition as unknown as DashboardDefinition,
    origin: (row.origin as DashboardOrigin | null) ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
export type DashboardView = ReturnType<typeof presentDashboard>;

/** The dashboards the caller may see: their own personal ones, and every team and workspace one. */
const visibleTo = (scope: MemberScope): Prisma.DashboardWhereInput => ({
  org_id: scope.orgId,
  OR: [{ scope: { in: ['team', 'workspace'] } }, { scope: 'personal', owner_id: scope.userId }],
});

export async function listDashboards(
  db: Database,
  scope: MemberScope,
  params: ListParams<'id' | 'name' | 'created_at' | 'updated_at'> & { scope?: DashboardScope },
) {
  const where: Prisma.DashboardWhereInput = {
    AND: [visibleTo(scope)],
    ...(params.scope && { scope: params.scope }),
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { name: containsText(params.search_value) }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.dashboard.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.dashboard.count({ where }),
  ]);
  return paged(rows.map(presentDashboard), total, params);
}

async function findVisible(db: Database, scope: MemberScope, id: number): Promise<Dashboard> {
  const row = await db.prisma.dashboard.findFirst({ where: { id, AND: [visibleTo(scope)] } });
  if (!row) throw notFound('Dashboard');
  return row;
}

export async function getDashboard(db: Database, scope: MemberScope, id: number): Promise<DashboardView> {
  return presentDashboard(await findVisible(db, scope, id));
}

/** 403 unless the caller may hold a dashboard in this scope as its author (workspace: Admins). */
export function assertMayUseScope(scope: MemberScope, target: DashboardScope) {
  if (target === 'workspace' && !isAdmin(scope)) throw new ApiError('forbidden', 'Only an Admin may create or change workspace dashboards');
}

/** 403 unless the caller may change this (visible) dashboard. */
function assertMayChange(scope: MemberScope, row: Dashboard) {
  if (row.scope === 'workspace') return assertMayUseScope(scope, 'workspace');
  // personal: only its owner sees it (findVisible); team: owner or Admin
  if (row.owner_id !== scope.userId && !isAdmin(scope)) throw new ApiError('forbidden', 'Only the owner of this dashboard or an Admin may change it');
}

/**
 * A definition checked by the schema and, for its saved-query widgets,
 * against the organization's saved queries (422 naming each problem).
 * Exported for the AI dashboard generator, which saves what it made.
 */
export async function checkedDefinition(db: Pick<Database, 'prisma'> | Prisma.TransactionClient, orgId: number, input: unknown): Promise<DashboardDefinition> {
  const parsed = definitionProblems(input);
  if (!parsed.definition) throw invalidDefinition(parsed.problems);
  const ids = savedQueryIdsOf(parsed.definition);
  if (ids.length > 0) {
    const client = 'prisma' in db ? db.prisma : db;
    const rows = await client.savedQuery.findMany({ where: { org_id: orgId, id: { in: ids } } });
    const stored = new Map<number, StoredQuery>(
      rows.map((r) => [r.id, { id: r.id, definition: r.definition as QueryDocument, parameters: r.parameters as unknown as ParameterDeclaration[] }]),
    );
    const problems = savedQueryWidgetProblems(parsed.definition, stored);
    if (problems.length > 0) throw invalidDefinition(problems);
  }
  return parsed.definition;
}

export const asJson = (definition: DashboardDefinition) => definition as unknown as Prisma.InputJsonObject;

export async function createDashboard(db: Database, scope: MemberScope, input: CreateDashboardInput): Promise<DashboardView> {
  const source = input.dashboard_id === undefined ? null : await findVisible(db, scope, input.dashboard_id);
  const name = input.name ?? (source ? `Copy of ${source.name}`.slice(0, 120) : undefined);
  const definitionInput = input.definition ?? source?.definition;
  if (name === undefined || definitionInput === undefined) {
    const missing = [...(name === undefined ? ['name'] : []), ...(definitionInput === undefined ? ['definition'] : [])];
    throw new ApiError('validation_error', `${missing.join(' and ')} required unless copying a dashboard (dashboard_id)`, {
      details: missing.map((path) => ({ path, message: 'required' })),
    });
  }
  const target = input.scope ?? 'personal';
  assertMayUseScope(scope, target);
  const definition = await checkedDefinition(db, scope.orgId, definitionInput);
  const row = await db.prisma.dashboard.create({
    data: { org_id: scope.orgId, owner_id: scope.userId, name, scope: target, definition: asJson(definition) },
  });
  return presentDashboard(row);
}

export async function updateDashboard(db: Database, scope: MemberScope, id: number, patch: Partial<DashboardInput>): Promise<DashboardView> {
  const current = await findVisible(db, scope, id);
  assertMayChange(scope, current);
  if (patch.scope !== undefined) assertMayUseScope(scope, patch.scope);
  const definition = patch.definition === undefined ? undefined : asJson(await checkedDefinition(db, scope.orgId, patch.definition));
  // the row as it was checked: a concurrent change (say, to personal by its owner) makes this one retry
  const [row] = await db.prisma.dashboard.updateManyAndReturn({
    where: { id, org_id: scope.orgId, updated_at: current.updated_at },
    data: { name: patch.name, scope: patch.scope, definition },
  });
  if (!row) throw new ApiError('conflict', 'The dashboard changed while it was being updated; read it again and retry', { code: 'concurrent_update' });
  return presentDashboard(row);
}

export async function deleteDashboard(db: Database, scope: MemberScope, id: number): Promise<void> {
  const current = await findVisible(db, scope, id);
  assertMayChange(scope, current);
  await db.prisma.dashboard.deleteMany({ where: { id, org_id: scope.orgId } });
}

export interface WidgetAnswer extends Omit<ExecuteAnswer, 'query_id'> {
  widget_id: string;
  /** the saved query it ran, or null for an inline query */
  query_id: number | null;
}

/**
 * The data of one widget of a dashboard the caller can see (404 otherwise, and
 * for a widget id it does not have): its inline query, or its saved query with
 * the widget's parameters, shaped for the widget's type. A saved query changed
 * since the dashboard was saved is checked again (422 when it no longer suits).
 */
export async function dashboardWidgetData(db: Database, scope: MemberScope, id: number, widgetId: string, timeoutMs: number): Promise<WidgetAnswer> {
  const row = await findVisible(db, scope, id);
  const widget = (row.definition as unknown as DashboardDefinition).widgets.find((w) => w.id === widgetId);
  if (!widget) throw notFound('Widget');
  if ('saved_query_id' in widget.query) {
    const saved = await loadSavedQuery(db, scope.orgId, widget.query.saved_query_id);
    const answer = await runForWidget(db, scope.orgId, storedQuery(saved), widget.parameters, widget.type, timeoutMs);
    return { widget_id: widget.id, query_id: saved.id, ...answer };
  }
  const query = parseQuery(widget.query, null, `widgets.${widget.id}.query`);
  return { widget_id: widget.id, query_id: null, ...(await runForWidget(db, scope.orgId, { query, declarations: [] }, undefined, widget.type, timeoutMs)) };
}

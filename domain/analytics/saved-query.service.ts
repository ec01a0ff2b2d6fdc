// Saved queries (§6.10): query-language documents (query-language.ts) kept
// by the organization, with their declared parameters. Every member sees and
// runs the organization's saved queries and may create one; only its owner
// or an Admin changes or deletes it (others 403; another organization's id is
// 404). A definition is checked when it is saved — names against the
// catalogue, every { param } declared with a fitting type — and run with the
// caller's parameter values, compiled for the caller's organization.
import type { Prisma, SavedQuery } from '../../generated/prisma/client.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';
import { compileQuery, parseQuery, resolveParameters, type ParameterDeclaration, type QueryDocument } from './query-language.js';
import { assertWidgetShape, runQuery, shapeForWidget, type WidgetData, type WidgetType } from './query-runner.js';

/** Saved queries belong to users, so only a signed-in user (never an API key) works with them. */
export type MemberScope = Omit<Scope, 'userId'> & { userId: number };

export interface SavedQueryInput {
  name: string;
  description?: string | null;
  definition: unknown;
  parameters?: ParameterDeclaration[];
}

export function presentSavedQuery(row: SavedQuery) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    definition: row.definition as QueryDocument,
    parameters: row.parameters as unknown as ParameterDeclaration[],
    owner_id: row.owner_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
export type SavedQueryView = ReturnType<typeof presentSavedQuery>;

export async function listSavedQueries(db: Database, scope: Pick<Scope, 'orgId'>, params: ListParams<'id' | 'name' | 'created_at' | 'updated_at'>) {
  const where: Prisma.SavedQueryWhereInput = {
    org_id: scope.orgId,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { name: containsText(params.search_value) }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.savedQuery.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.savedQuery.count({ where }),
  ]);
  return paged(rows.map(presentSavedQuery), total, params);
}

async function findSavedQuery(db: Database, orgId: number, id: number): Promise<SavedQuery> {
  const row = await db.prisma.savedQuery.findFirst({ where: { id, org_id: orgId } });
  if (!row) throw notFound('Saved query');
  return row;
}

export async function getSavedQuery(db: Database, scope: Pick<Scope, 'orgId'>, id: number): Promise<SavedQueryView> {
  return presentSavedQuery(await findSavedQuery(db, scope.orgId, id));
}

/** The document checked against the catalogue and the declarations (422 naming each problem). */
const checkedDefinition = (definition: unknown, parameters: ParameterDeclaration[]) =>
  parseQuery(definition, parameters) as unknown as Prisma.InputJsonObject;

export async function createSavedQuery(db: Database, scope: MemberScope, input: SavedQueryInput): Promise<SavedQueryView> {
  const parameters = input.parameters ?? [];
  const row = await db.prisma.savedQuery.create({
    data: {
      org_id: scope.orgId,
      owner_id: scope.userId,
      name: input.name,
      description: input.description ?? null,
      definition: checkedDefinition(input.definition, parameters),
      parameters: parameters as unknown as Prisma.InputJsonArray,
    },
  });
  return presentSavedQuery(row);
}

/** 403 unless the caller owns the query or is an Admin (a query without an owner: Admins only). */
function assertMayChange(scope: MemberScope, row: SavedQuery) {
  if (row.owner_id !== scope.userId && !isAdmin(scope)) throw new ApiError('forbidden', 'Only the owner of this saved query or an Admin may change it');
}

export async function updateSavedQuery(db: Database, scope: MemberScope, id: number, patch: Partial<SavedQueryInput>): Promise<SavedQueryView> {
  const current = await findSavedQuery(db, scope.orgId, id);
  assertMayChange(scope, current);
  // a new definition or new declarations are checked together: each must still fit the other
  const parameters = patch.parameters ?? (current.parameters as unknown as ParameterDeclaration[]);
  const definition = checkedDefinition(patch.definition ?? current.definition, parameters);
  const [row] = await db.prisma.savedQuery.updateManyAndReturn({
    where: { id, org_id: scope.orgId, updated_at: current.updated_at },
    data: {
      name: patch.name,
      description: patch.description,
      definition,
      parameters: parameters as unknown as Prisma.InputJsonArray,
    },
  });
  if (!row) throw new ApiError('conflict', 'The saved query changed while it was being updated; read it again and retry', { code: 'concurrent_update' });
  return presentSavedQuery(row);
}

export async function deleteSavedQuery(db: Database, scope: MemberScope, id: number): Promise<void> {
  const current = await findSavedQuery(db, scope.orgId, id);
  assertMayChange(scope, current);
  await db.prisma.savedQuery.deleteMany({ where: { id, org_id: scope.orgId } });
}

export interface ExecuteInput {
  parameters?: Record<string, unknown>;
  widgetType?: WidgetType;
}

export interface ExecuteAnswer {
  query_id: number;
  widget_type: WidgetType;
  data: WidgetData;
  meta: { row_count: number; truncated: boolean; duration_ms: number };
}

/**
 * Runs a saved query for the caller's organization with the given parameter
 * values, shaped for the widget (table by default): 422 for unknown, missing
 * or mistyped parameters and for a widget the query's shape cannot feed.
 */
export async function executeSavedQuery(db: Database, scope: Pick<Scope, 'orgId'>, id: number, input: ExecuteInput, timeoutMs: number): Promise<ExecuteAnswer> {
  const row = await findSavedQuery(db, scope.orgId, id);
  const widgetType = input.widgetType ?? 'table';
  return { query_id: row.id, ...(await runForWidget(db, scope.orgId, storedQuery(row), input.parameters, widgetType, timeoutMs)) };
}

/** A stored query's document and declarations; the document parsed again, so a stored row is never trusted as code. */
export function storedQuery(row: Pick<SavedQuery, 'definition' | 'parameters'>): { query: QueryDocument; declarations: ParameterDeclaration[] } {
  const declarations = row.parameters as unknown as ParameterDeclaration[];
  return { query: parseQuery(row.definition, declarations), declarations };
}

/** Loads the organization's saved query (404 for any other). */
export const loadSavedQuery = (db: Database, orgId: number, id: number) => findSavedQuery(db, orgId, id);

/**
 * Runs a checked document for the organization, shaped for the widget: the
 * shape checked first (422), parameters resolved against the declarations
 * (422), then compiled and run within its bounds.
 */
export async function runForWidget(
  db: Database,
  orgId: number,
  { query, declarations }: { query: QueryDocument; declarations: ParameterDeclaration[] },
  parameters: Record<string, unknown> | undefined,
  widgetType: WidgetType,
  timeoutMs: number,
): Promise<Omit<ExecuteAnswer, 'query_id'>> {
  assertWidgetShape(query, widgetType);
  const values = resolveParameters(declarations, parameters);
  const result = await runQuery(db, compileQuery(orgId, query, values), timeoutMs);
  return {
    widget_type: widgetType,
    data: shapeForWidget(query, result, widgetType),
    meta: { row_count: result.rows.length, truncated: result.truncated, duration_ms: result.duration_ms },
  };
}

// Roles of an organization, and the role-based permission checks the user and
// role services share.
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { anyFieldContains, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

/** 403 unless the caller's role is one of `allowed`; `action` completes "Only ... may <action>". */
export function requireRole(scope: Pick<Scope, 'roleName'>, allowed: readonly string[], action: string): void {
  if (!scope.roleName || !allowed.includes(scope.roleName)) {
    throw new ApiError('forbidden', `Only ${allowed.join(' or ')} users may ${action}`);
  }
}

export type RoleSortField = 'id' | 'name' | 'created_at';

export interface RoleListParams extends ListParams<RoleSortField> {
  state_id?: number[];
}

const roleColumns = { id: true, name: true, description: true, state_id: true, is_system: true, created_at: true } as const;

export async function listRoles(db: Database, scope: { orgId: number }, params: RoleListParams) {
  const where = {
    org_id: scope.orgId,
    ...(params.state_id && { state_id: { in: params.state_id } }),
    ...(params.search_value && anyFieldContains(['name', 'description'], params.search_value)),
    created_at: dateRangeFilter(params.start_date, params.end_date),
  };
  const [total, roles] = await Promise.all([
    db.prisma.role.count({ where }),
    db.prisma.role.findMany({ where, select: roleColumns, orderBy: orderArgs(params), ...pageArgs(params) }),
  ]);
  return paged(roles, total, params);
}

export interface NewRole {
  name: string;
  description?: string | null;
}

export async function addRole(db: Database, scope: Scope, input: NewRole) {
  requireRole(scope, ['Admin'], 'add roles');
  // Permissions are granted by role name, so "admin" beside "Admin" would only
  // mislead; the unique (org_id, name) index still settles concurrent adds.
  const clash = await db.prisma.role.findFirst({
    where: { org_id: scope.orgId, name: { equals: input.name, mode: 'insensitive' } },
    select: { name: true },
  });
  if (clash) throw new ApiError('conflict', `A role named "${clash.name}" already exists`);
  return db.prisma.role.create({
    data: { org_id: scope.orgId, name: input.name, description: input.description ?? null },
    select: roleColumns,
  });
}

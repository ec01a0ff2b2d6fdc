// Lookup values per module (§6.5): the coded types (lead status, priority,
// lead_source) carry the number records store; tags and every other type are
// referenced by lookup id and have no code.
import { Prisma, type CustomLookup } from '../../generated/prisma/client.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { LEAD_CODED_LOOKUPS } from './lead-lookups.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

/** The lookup types whose rows carry a `code`, per module. */
const CODED_LOOKUP_TYPES: Record<string, readonly string[]> = { lead: LEAD_CODED_LOOKUPS };

const carriesCode = (moduleName: string, type: string) => CODED_LOOKUP_TYPES[moduleName]?.includes(type) ?? false;

export interface LookupFilters {
  module_name?: string;
  type?: string;
  is_active?: boolean;
  parent_id?: number;
}

export interface NewLookup {
  module_name: string;
  type: string;
  name: string;
  value?: string | null;
  color_code?: string | null;
  parent_id?: number | null;
}

export interface LookupPatch {
  name?: string;
  value?: string | null;
  color_code?: string | null;
  is_active?: boolean;
}

/** Concurrent adds of one type race for the next code; each lost race is retried with a fresh max. */
const CODE_ATTEMPTS = 5;

const duplicateName = (name: string) =>
  new ApiError('conflict', `A lookup named "${name}" already exists for this module and type`, { code: 'duplicate_lookup' });

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

export function presentLookup(row: CustomLookup) {
  return {
    id: row.id,
    module_name: row.module_name,
    type: row.type,
    code: row.code,
    name: row.name,
    value: row.value,
    color_code: row.color_code,
    parent_id: row.parent_id,
    is_active: row.is_active,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type LookupView = ReturnType<typeof presentLookup>;

export async function listLookups(
  db: Database,
  scope: { orgId: number },
  params: ListParams<'id' | 'name' | 'code' | 'created_at'> & LookupFilters,
) {
  const where: Prisma.CustomLookupWhereInput = {
    org_id: scope.orgId,
    module_name: params.module_name,
    type: params.type,
    is_active: params.is_active,
    parent_id: params.parent_id,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { name: containsText(params.search_value) }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.customLookup.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.customLookup.count({ where }),
  ]);
  return paged(rows.map(presentLookup), total, params);
}

/**
 * One INSERT ... SELECT computes the next code and inserts the row; the
 * unique indexes decide races. ON CONFLICT DO NOTHING answers both a taken
 * code and a taken name with no row: a name that now exists is the caller's
 * duplicate (409), otherwise another request took the code and we retry.
 */
export async function addLookup(db: Database, scope: { orgId: number }, input: NewLookup): Promise<LookupView> {
  if (input.parent_id !== undefined && input.parent_id !== null) {
    const parent = await db.prisma.customLookup.count({ where: { id: input.parent_id, org_id: scope.orgId } });
    if (parent === 0) {
      throw new ApiError('validation_error', `parent_id: lookup ${input.parent_id} does not exist`, {
        details: [{ path: 'parent_id', message: 'unknown lookup' }],
      });
    }
  }
  const coded = carriesCode(input.module_name, input.type);
  const nameKey = input.name.toLowerCase();
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const rows = await db.prisma.$queryRaw<CustomLookup[]>`
      INSERT INTO custom_lookups (org_id, module_name, type, code, name, name_key, value, color_code, parent_id, updated_at)
      SELECT ${scope.orgId}, ${input.module_name}, ${input.type},
             CASE WHEN ${coded} THEN COALESCE(MAX(code), 0) + 1 END,
             ${input.name}, ${nameKey}, ${input.value ?? null}, ${input.color_code ?? null}, ${input.parent_id ?? null}::int, now()
        FROM custom_lookups
       WHERE org_id = ${scope.orgId} AND module_name = ${input.module_name} AND type = ${input.type}
      ON CONFLICT DO NOTHING
      RETURNING *`;
    if (rows[0]) return presentLookup(rows[0]);
    const sameName = await db.prisma.customLookup.count({
      where: { org_id: scope.orgId, module_name: input.module_name, type: input.type, name_key: nameKey },
    });
    if (sameName > 0) throw duplicateName(input.name);
  }
  throw new ApiError('conflict', 'The lookup could not be created because of concurrent changes; retry the request');
}

export async function updateLookup(db: Database, scope: { orgId: number }, id: number, patch: LookupPatch): Promise<LookupView> {
  let rows: CustomLookup[];
  try {
    rows = await db.prisma.customLookup.updateManyAndReturn({
      where: { id, org_id: scope.orgId },
      data: { ...patch, ...(patch.name !== undefined && { name_key: patch.name.toLowerCase() }) },
    });
  } catch (err) {
    // name_key is the only unique key an update can touch
    throw isUniqueViolation(err) && patch.name !== undefined ? duplicateName(patch.name) : err;
  }
  if (!rows[0]) throw notFound('Lookup');
  return presentLookup(rows[0]);
}

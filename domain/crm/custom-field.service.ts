// Custom fields (§6.5): a definition per organization, module and name, and
// the values records keep in their custom_fields object.
import type { CustomFieldDefinition, Prisma } from '../../generated/prisma/client.js';
import { transaction } from '../platform/transaction.js';
import type { Database } from '../platform/db.js';
import { notFound } from '../platform/errors.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

export type CustomFieldValue = string | number | boolean | null;

export interface LeadCustomFieldInput {
  lead_id: number;
  field_name: string;
  /** undefined defines the field and keeps the lead's current value (null when it has none) */
  field_value?: CustomFieldValue;
}

type Definition = Omit<CustomFieldDefinition, 'org_id'>;

interface SavedLeadField extends Definition {
  lead_id: number;
  custom_fields: Record<string, unknown>;
}

const presentDefinition = (row: Definition) => ({
  id: row.id,
  module_name: row.module_name,
  field_name: row.field_name,
  field_type: row.field_type,
  created_at: row.created_at.toISOString(),
});

/**
 * One statement: merges the value into the lead's custom_fields (scoped by
 * organization) and defines the field only when that lead was found, so an
 * unknown lead neither changes anything nor leaves a definition behind. An
 * existing definition is kept (the no-op DO UPDATE makes RETURNING yield it).
 */
export async function setLeadCustomField(db: Database, scope: { orgId: number; userId: number | null }, input: LeadCustomFieldInput) {
  const value = input.field_value === undefined ? null : JSON.stringify(input.field_value);
  const rows = await transaction(db.prisma, { actorId: scope.userId }, (tx) => tx.$queryRaw<SavedLeadField[]>`
    WITH lead AS (
      UPDATE leads
         SET custom_fields = custom_fields
               || jsonb_build_object(${input.field_name}::text, COALESCE(${value}::jsonb, custom_fields -> ${input.field_name}::text, 'null'::jsonb)),
             updated_at = now()
       WHERE id = ${input.lead_id} AND org_id = ${scope.orgId}
      RETURNING id, custom_fields
    ), definition AS (
      INSERT INTO custom_field_definitions (org_id, module_name, field_name)
      SELECT ${scope.orgId}, 'lead', ${input.field_name} FROM lead
      ON CONFLICT (org_id, module_name, field_name) DO UPDATE SET field_name = EXCLUDED.field_name
      RETURNING id, module_name, field_name, field_type, created_at
    )
    SELECT definition.*, lead.id AS lead_id, lead.custom_fields
      FROM lead, definition`);
  const saved = rows[0];
  if (!saved) throw notFound('Lead');
  return {
    ...presentDefinition(saved),
    lead_id: saved.lead_id,
    field_value: (saved.custom_fields[input.field_name] ?? null) as CustomFieldValue,
    custom_fields: saved.custom_fields,
  };
}

export async function listCustomFields(
  db: Database,
  scope: { orgId: number },
  params: ListParams<'id' | 'field_name' | 'created_at'> & { module_name: string },
) {
  const where: Prisma.CustomFieldDefinitionWhereInput = {
    org_id: scope.orgId,
    module_name: params.module_name,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { field_name: containsText(params.search_value) }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.customFieldDefinition.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.customFieldDefinition.count({ where }),
  ]);
  return paged(rows.map(presentDefinition), total, params);
}

// Bulk actions on leads (§7.1): status change, assignment and tagging of an
// explicit list of ids or of every lead matching a list filter, each as one
// scoped UPDATE so the selection and the change cannot drift apart.
import { Prisma } from '../../generated/prisma/client.js';
import { transaction } from '../platform/transaction.js';
import type { Database } from '../platform/db.js';
import type { Scope } from '../platform/auth-context.js';
import { notFound } from '../platform/errors.js';
import { leadFilterCondition, type LeadFilters } from './lead-query.service.js';
import { prepareLeadInput, tagsWithAdded } from './lead.service.js';

/** Which leads a bulk action changes: the organization's among `ids`, or all it has matching `filters`. */
export type LeadSelection = { ids: number[] } | { filters: LeadFilters };

type BulkScope = Pick<Scope, 'orgId' | 'userId'>;

/**
 * Applies `assignment` to the selected leads and answers how many changed.
 * Explicit ids none of which is the organization's are a 404, like a
 * single id of another organization; a filter matching nothing changes nothing.
 */
async function updateSelection(db: Database, scope: BulkScope, selection: LeadSelection, assignment: Prisma.Sql): Promise<number> {
  const where =
    'ids' in selection
      ? Prisma.sql`org_id = ${scope.orgId} AND id = ANY(${selection.ids}::int[])`
      : leadFilterCondition(scope, selection.filters);
  const statement = Prisma.sql`UPDATE leads SET ${assignment}, updated_at = now() WHERE ${where}`;
  const { rowCount } = await transaction(db.pool, { actorId: scope.userId }, (client) => client.query(statement.text, statement.values));
  const updated = rowCount ?? 0;
  if (updated === 0 && 'ids' in selection) throw notFound('Lead');
  return updated;
}

export async function changeLeadStatus(db: Database, scope: BulkScope, selection: LeadSelection, status: number) {
  await prepareLeadInput(db, scope, { status });
  return updateSelection(db, scope, selection, Prisma.sql`status = ${status}`);
}

/** `assignedTo` null unassigns. */
export async function assignLeads(db: Database, scope: BulkScope, selection: LeadSelection, assignedTo: number | null) {
  await prepareLeadInput(db, scope, { assigned_to: assignedTo });
  return updateSelection(db, scope, selection, Prisma.sql`assigned_to = ${assignedTo}`);
}

/** Tags by lookup id or name (unknown names are created), added to each lead's tags. */
export async function addLeadTags(db: Database, scope: BulkScope, selection: LeadSelection, tags: (number | string)[]) {
  const { tags: tagIds = [] } = await prepareLeadInput(db, scope, { tags });
  return updateSelection(db, scope, selection, Prisma.sql`tags = ${tagsWithAdded(tagIds)}`);
}

/** Tags by lookup id or name, replacing each lead's tags; an empty list clears them. */
export async function replaceLeadTags(db: Database, scope: BulkScope, selection: LeadSelection, tags: (number | string)[]) {
  const { tags: tagIds = [] } = await prepareLeadInput(db, scope, { tags });
  return updateSelection(db, scope, selection, Prisma.sql`tags = ${tagIds}::int[]`);
}

// Contacts (§6.4, §11): people at the organization's companies. A contact's
// company and lead must be the organization's (422 otherwise); its status is
// a code of the organization's status lookups and its tags are the
// organization's tag lookups, both shared with leads so that one vocabulary
// labels a lead and the contacts it becomes. The list filters are one Prisma
// condition shared by the list, the bulk update and the bulk delete, so
// "every contact matching the filters" is exactly the rows the list shows.
import { Prisma } from '../../generated/prisma/client.js';
import { transaction } from '../platform/transaction.js';
import type { Scope } from '../platform/auth-context.js';
import { assertCompanyOfOrg } from './company.service.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { assertKnownCodes, loadLeadLabels, resolveTagIds, type LeadLabels } from './lead-lookups.js';
import { anyFieldContains, dateRangeFilter, orderArgs, pageArgs, paged, type DateBound, type ListParams } from '../platform/list-query.js';

export const CONTACT_SORTABLE_FIELDS = ['id', 'name', 'email', 'lead_score', 'created_at'] as const;
export type ContactSortField = (typeof CONTACT_SORTABLE_FIELDS)[number];

const CONTACT_SEARCH_FIELDS = ['name', 'email', 'phone_number', 'designation'] as const;

export interface ContactInput {
  name: string;
  company_id: number;
  email?: string | null;
  phone_number?: string | null;
  designation?: string | null;
  seniority?: string | null;
  decision_maker?: string | null;
  linkedin_url?: string | null;
  lead_score?: number | null;
  status?: number | null;
  lead_id?: number | null;
  /** tag lookup ids or names; unknown names are created */
  tags?: (number | string)[];
}

export type ContactPatch = Partial<ContactInput>;

/** What a bulk update sets on every selected contact; tags replace the contacts' tags. */
export type ContactBulkChange = Pick<ContactPatch, 'company_id' | 'lead_score' | 'tags'>;

export interface ContactFilters {
  /** contains, case-insensitively, in the name, email, phone number or designation */
  search_value?: string;
  /** on created_at */
  start_date?: DateBound;
  end_date?: DateBound;
  /** true: only contacts the caller created */
  my?: boolean;
  company_id?: number[];
  lead_id?: number[];
  status?: number[];
}

/** Which contacts a bulk update changes: the organization's among `ids`, or all it has matching `filters`. */
export type ContactSelection = { ids: number[] } | { filters: ContactFilters };

/** What a delete removes: the contacts among `ids`, and with `filters` every contact matching them too. */
export interface ContactDeletion {
  ids: number[];
  filters?: ContactFilters;
}

type ContactScope = Pick<Scope, 'orgId' | 'userId'>;

export const withCompanyName = { company: { select: { company_name: true } } } satisfies Prisma.ContactInclude;
type ContactWithCompany = Prisma.ContactGetPayload<{ include: typeof withCompanyName }>;

/** The API shape of a contact (§11), with its company's name and its status and tag labels. */
export function presentContact(contact: ContactWithCompany, labels: LeadLabels) {
  return {
    id: contact.id,
    name: contact.name,
    email: contact.email,
    phone_number: contact.phone_number,
    company_id: contact.company_id,
    company_name: contact.company?.company_name ?? null,
    lead_id: contact.lead_id,
    designation: contact.designation,
    seniority: contact.seniority,
    decision_maker: contact.decision_maker,
    linkedin_url: contact.linkedin_url,
    lead_score: contact.lead_score,
    status: contact.status,
    status_text: contact.status === null ? null : (labels.code.status.get(contact.status) ?? null),
    tags: contact.tags,
    tag_names: contact.tags.map((id) => labels.tags.get(id)).filter((name): name is string => name !== undefined),
    created_by: contact.created_by,
    created_at: contact.created_at.toISOString(),
    updated_at: contact.updated_at.toISOString(),
  };
}

export type ContactView = ReturnType<typeof presentContact>;

export function contactWhere(scope: ContactScope, filters: ContactFilters): Prisma.ContactWhereInput {
  return {
    org_id: scope.orgId,
    // an API-key caller is no user: it created nothing
    ...(filters.my && { created_by: scope.userId ?? { in: [] } }),
    ...(filters.company_id && { company_id: { in: filters.company_id } }),
    ...(filters.lead_id && { lead_id: { in: filters.lead_id } }),
    ...(filters.status && { status: { in: filters.status } }),
    created_at: dateRangeFilter(filters.start_date, filters.end_date),
    ...(filters.search_value && anyFieldContains(CONTACT_SEARCH_FIELDS, filters.search_value)),
  };
}

/** Contacts without an email or a score sort last in both directions; ties by id keep pages stable. */
function contactOrder(p: Pick<ListParams<ContactSortField>, 'order_by' | 'order_in'>) {
  if (p.order_by !== 'email' && p.order_by !== 'lead_score') return orderArgs(p);
  const sort = p.order_in === 'ASC' ? ('asc' as const) : ('desc' as const);
  return [{ [p.order_by]: { sort, nulls: 'last' as const } }, { id: sort }];
}

const invalid = (path: string, message: string) => new ApiError('validation_error', `${path}: ${message}`, { details: [{ path, message }] });

/** Checks the company, lead and status against the organization and turns tag names into ids. */
async function prepareContactInput<T extends ContactPatch>(db: Database, scope: ContactScope, input: T) {
  const { prisma, pool } = db;
  if (input.status !== undefined && input.status !== null) assertKnownCodes(await loadLeadLabels(pool, scope.orgId), { status: input.status });
  if (input.company_id !== undefined) await assertCompanyOfOrg(db, scope, input.company_id);
  if (input.lead_id !== undefined && input.lead_id !== null) {
    if ((await prisma.lead.count({ where: { id: input.lead_id, org_id: scope.orgId } })) === 0) {
      throw invalid('lead_id', `lead ${input.lead_id} does not exist in this organization`);
    }
  }
  const { tags, ...fields } = input;
  return { ...fields, ...(tags && { tags: await resolveTagIds(pool, scope.orgId, tags) }) };
}

export async function listContacts(
  db: Database,
  scope: ContactScope,
  params: Pick<ListParams<ContactSortField>, 'page' | 'limit' | 'order_by' | 'order_in'>,
  filters: ContactFilters,
) {
  const where = contactWhere(scope, filters);
  const [rows, total, labels] = await Promise.all([
    db.prisma.contact.findMany({ where, include: withCompanyName, orderBy: contactOrder(params), ...pageArgs(params) }),
    db.prisma.contact.count({ where }),
    loadLeadLabels(db.pool, scope.orgId),
  ]);
  return paged(
    rows.map((row) => presentContact(row, labels)),
    total,
    params,
  );
}

export async function getContact(db: Database, scope: ContactScope, id: number): Promise<ContactView> {
  const [contact, labels] = await Promise.all([
    db.prisma.contact.findFirst({ where: { id, org_id: scope.orgId }, include: withCompanyName }),
    loadLeadLabels(db.pool, scope.orgId),
  ]);
  if (!contact) throw notFound('Contact');
  return presentContact(contact, labels);
}

export async function createContact(db: Database, scope: ContactScope, input: ContactInput): Promise<ContactView> {
  const contact = await prepareContactInput(db, scope, input);
  const created = await transaction(db.prisma, { actorId: scope.userId }, (tx) =>
    tx.contact.create({ data: { ...contact, org_id: scope.orgId, created_by: scope.userId }, include: withCompanyName }),
  );
  // loaded after the write: the labels include tags the input created
  return presentContact(created, await loadLeadLabels(db.pool, scope.orgId));
}

/** Sets the given fields (tags replaced) in one scoped statement. */
export async function updateContact(db: Database, scope: ContactScope, id: number, patch: ContactPatch): Promise<ContactView> {
  const data = await prepareContactInput(db, scope, patch);
  const [updated] = await transaction(db.prisma, { actorId: scope.userId }, (tx) =>
    tx.contact.updateManyAndReturn({ where: { id, org_id: scope.orgId }, data, include: withCompanyName }),
  );
  if (!updated) throw notFound('Contact');
  return presentContact(updated, await loadLeadLabels(db.pool, scope.orgId));
}

/**
 * Sets company_id, lead_score and/or tags on the selected contacts in one
 * UPDATE, and answers how many changed. Explicit ids none of which is the
 * organization's are a 404; a filter matching nothing changes nothing.
 */
export async function bulkUpdateContacts(
  db: Database,
  scope: ContactScope,
  selection: ContactSelection,
  change: ContactBulkChange,
): Promise<number> {
  const data = await prepareContactInput(db, scope, change);
  const where: Prisma.ContactWhereInput =
    'ids' in selection ? { org_id: scope.orgId, id: { in: selection.ids } } : contactWhere(scope, selection.filters);
  const { count } = await transaction(db.prisma, { actorId: scope.userId }, (tx) => tx.contact.updateMany({ where, data }));
  if (count === 0 && 'ids' in selection) throw notFound('Contact');
  return count;
}

/** Deletes the selected contacts of the organization in one statement; 404 when none matched. */
export async function deleteContacts(db: Database, scope: ContactScope, deletion: ContactDeletion): Promise<number> {
  const { count } = await transaction(db.prisma, { actorId: scope.userId }, (tx) =>
    tx.contact.deleteMany({
      where: {
        org_id: scope.orgId,
        OR: [{ id: { in: deletion.ids } }, ...(deletion.filters ? [contactWhere(scope, deletion.filters)] : [])],
      },
    }),
  );
  if (count === 0) throw notFound('Contact');
  return count;
}

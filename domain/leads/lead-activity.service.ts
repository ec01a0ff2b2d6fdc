// What happens around a lead: notes, follow-ups and attached documents. Each
// belongs to a lead of the caller's organization; adding one locks that lead
// row (FOR KEY SHARE, or the UPDATE of a note) so it cannot race the lead's
// deletion into an orphan.
import { Prisma, type FollowUp, type LeadDocument, type LeadNote } from '../../generated/prisma/client.js';
import { outboxInsert } from '../platform/outbox-events.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { notFound } from '../platform/errors.js';
import { DOCUMENT_TYPES, type FileStorage } from '../platform/file-storage.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

type ActivityScope = Pick<Scope, 'orgId' | 'userId'>;

/** The status of a follow-up still to be done: the only one the follow-up-due reminder fires for. */
export const FOLLOW_UP_PENDING = 1;

/** Follow-up status codes (§6.2: 1–6). */
export const FOLLOW_UP_STATUSES: Record<number, string> = {
  1: 'Pending',
  2: 'Completed',
  3: 'Cancelled',
  4: 'Rescheduled',
  5: 'Missed',
  6: 'In progress',
};

export const NOTE_SORTABLE_FIELDS = ['id', 'title', 'created_at'] as const;
export const FOLLOW_UP_SORTABLE_FIELDS = ['id', 'follow_up_date', 'status', 'created_at'] as const;
export const DOCUMENT_SORTABLE_FIELDS = ['id', 'file_name', 'size', 'created_at'] as const;

/** Reading another organization's lead's activity is a 404 for that lead, not an empty list. */
async function assertLeadOfOrg(db: Database, scope: ActivityScope, leadId: number) {
  if ((await db.prisma.lead.count({ where: { id: leadId, org_id: scope.orgId } })) === 0) throw notFound('Lead');
}

export async function listNotes(db: Database, scope: ActivityScope, leadId: number, params: ListParams<(typeof NOTE_SORTABLE_FIELDS)[number]>) {
  await assertLeadOfOrg(db, scope, leadId);
  const where: Prisma.LeadNoteWhereInput = {
    org_id: scope.orgId,
    lead_id: leadId,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { OR: [{ title: containsText(params.search_value) }, { note: containsText(params.search_value) }] }),
  };
  const [data, total] = await Promise.all([
    db.prisma.leadNote.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.leadNote.count({ where }),
  ]);
  return paged(data, total, params);
}

/** Adds the note and marks the lead as just worked on (last_activity_at), in one statement. */
export async function addNote(db: Database, scope: ActivityScope, input: { lead_id: number; title: string; note?: string | null }): Promise<LeadNote> {
  const rows = await db.prisma.$queryRaw<LeadNote[]>`
    WITH lead AS (
      UPDATE leads SET last_activity_at = now() WHERE id = ${input.lead_id} AND org_id = ${scope.orgId} RETURNING id, org_id
    )
    INSERT INTO lead_notes (org_id, lead_id, title, note, created_by)
    SELECT org_id, id, ${input.title}, ${input.note ?? null}, ${scope.userId} FROM lead
    RETURNING *`;
  if (!rows[0]) throw notFound('Lead');
  return rows[0];
}

export async function listFollowUps(
  db: Database,
  scope: ActivityScope,
  params: ListParams<(typeof FOLLOW_UP_SORTABLE_FIELDS)[number]> & { lead_id?: number; status?: number },
) {
  if (params.lead_id !== undefined) await assertLeadOfOrg(db, scope, params.lead_id);
  const where: Prisma.FollowUpWhereInput = {
    org_id: scope.orgId,
    lead_id: params.lead_id,
    status: params.status,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { notes: containsText(params.search_value) }),
  };
  const [data, total] = await Promise.all([
    db.prisma.followUp.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.followUp.count({ where }),
  ]);
  return paged(data, total, params);
}

export async function addFollowUp(
  db: Database,
  scope: ActivityScope,
  input: { lead_id: number; follow_up_date: Date; notes?: string | null; status: number },
): Promise<FollowUp> {
  // the outbox row in the same statement: the reminder is scheduled if and only if the follow-up exists
  const rows = await db.prisma.$queryRaw<FollowUp[]>`
    WITH follow_up AS (
      INSERT INTO follow_ups (org_id, lead_id, follow_up_date, notes, status, created_by)
      SELECT org_id, id, ${input.follow_up_date}, ${input.notes ?? null}, ${input.status}, ${scope.userId}
        FROM leads WHERE id = ${input.lead_id} AND org_id = ${scope.orgId} FOR KEY SHARE
      RETURNING *
    ), outbox AS (
      ${Prisma.raw(outboxInsert({ kind: 'follow_up.due', orgId: 'org_id', payload: { followUpId: 'id' }, from: 'follow_up' }))}
    )
    SELECT * FROM follow_up`;
  if (!rows[0]) throw notFound('Lead');
  return rows[0];
}

export async function listDocuments(
  db: Database,
  scope: ActivityScope,
  leadId: number,
  params: ListParams<(typeof DOCUMENT_SORTABLE_FIELDS)[number]>,
) {
  await assertLeadOfOrg(db, scope, leadId);
  const search = params.search_value;
  const where: Prisma.LeadDocumentWhereInput = {
    org_id: scope.orgId,
    lead_id: leadId,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(search && { OR: [{ file_name: containsText(search) }, { description: containsText(search) }, { document_type: containsText(search) }] }),
  };
  const [data, total] = await Promise.all([
    db.prisma.leadDocument.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.leadDocument.count({ where }),
  ]);
  return paged(data, total, params);
}

/** Stores the file (PDF, image, text/CSV or Office document by its bytes) and attaches it to the lead. */
export async function addDocument(
  db: Database,
  storage: FileStorage,
  scope: ActivityScope,
  input: { lead_id: number; file: File; document_type?: string; description?: string },
  maxBytes: number,
): Promise<LeadDocument> {
  const stored = await storage.store(scope.orgId, input.file, { allowedTypes: DOCUMENT_TYPES, maxBytes, label: 'file' });
  const document = await storage.recordOrDiscard(stored, async () => {
    const rows = await db.prisma.$queryRaw<LeadDocument[]>`
      INSERT INTO lead_documents (org_id, lead_id, file_name, mime_type, size, storage_key, document_type, description, created_by)
      SELECT org_id, id, ${stored.fileName}, ${stored.mimeType}, ${stored.size}, ${stored.key},
             ${input.document_type ?? null}, ${input.description ?? null}, ${scope.userId}
        FROM leads WHERE id = ${input.lead_id} AND org_id = ${scope.orgId} FOR KEY SHARE
      RETURNING *`;
    return rows[0];
  });
  if (!document) throw notFound('Lead');
  return document;
}

export async function openDocument(db: Database, storage: FileStorage, scope: ActivityScope, id: number) {
  const document = await db.prisma.leadDocument.findFirst({ where: { id, org_id: scope.orgId } });
  if (!document) throw notFound('Document');
  return { ...(await storage.open(document.storage_key)), mimeType: document.mime_type, fileName: document.file_name };
}

// §6.15 files: uploads kept here (storage-file/add), and attachments of
// cloud or stored files to a lead, contact, company or deal (file/attach).
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { DOCUMENT_TYPES, type FileStorage } from '../platform/file-storage.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';
import type { Scope } from '../platform/auth-context.js';

export const ATTACHMENT_SUBJECTS = ['lead', 'contact', 'company', 'deal'] as const;
export type AttachmentSubject = (typeof ATTACHMENT_SUBJECTS)[number];

/** Cloud providers a file can live with; "lio" is a file uploaded through storage-file/add. */
export const FILE_PROVIDERS = ['google_drive', 'onedrive', 'sharepoint', 'dropbox', 'box', 'lio'] as const;
export type FileProvider = (typeof FILE_PROVIDERS)[number];

export const ATTACHMENT_SORTABLE_FIELDS = ['id', 'name', 'created_at'] as const;

export const storedFileUrl = (id: number) => `/api/storage-file/${id}/download`;

export function presentStoredFile(file: { id: number; file_name: string; mime_type: string; size: number; created_at: Date }) {
  return {
    id: file.id,
    file_name: file.file_name,
    mime_type: file.mime_type,
    size: file.size,
    url: storedFileUrl(file.id),
    created_at: file.created_at.toISOString(),
  };
}

export async function storeUploadedFile(db: Database, storage: FileStorage, scope: Scope, upload: File, maxBytes: number) {
  const stored = await storage.store(scope.orgId, upload, { allowedTypes: DOCUMENT_TYPES, maxBytes, label: 'file' });
  const row = await storage.recordOrDiscard(stored, () =>
    db.prisma.storedFile.create({
      data: {
        org_id: scope.orgId,
        file_name: stored.fileName,
        mime_type: stored.mimeType,
        size: stored.size,
        storage_key: stored.key,
        created_by: scope.userId,
      },
    }),
  );
  return presentStoredFile(row!);
}

export async function openStoredFile(db: Database, storage: FileStorage, scope: Pick<Scope, 'orgId'>, id: number) {
  const file = await db.prisma.storedFile.findFirst({ where: { id, org_id: scope.orgId } });
  if (!file) throw notFound('File');
  const { body, size } = await storage.open(file.storage_key);
  return { body, size, mimeType: file.mime_type, fileName: file.file_name };
}

/** 404 unless the subject is a row of the caller's organization. */
async function assertSubjectOfOrg(db: Database, orgId: number, type: AttachmentSubject, id: number) {
  const where = { where: { id, org_id: orgId } };
  const count =
    type === 'lead' ? await db.prisma.lead.count(where)
    : type === 'contact' ? await db.prisma.contact.count(where)
    : type === 'company' ? await db.prisma.company.count(where)
    : await db.prisma.deal.count(where);
  if (count === 0) throw notFound(type[0]!.toUpperCase() + type.slice(1));
}

export interface AttachInput {
  provider: FileProvider;
  subject_type: AttachmentSubject;
  subject_id: number;
  file: { id: string; name: string; mime_type?: string | null; web_url?: string | null };
  category?: string | null;
}

type AttachmentRow = Awaited<ReturnType<Database['prisma']['fileAttachment']['create']>>;

export function presentAttachment(row: AttachmentRow) {
  return {
    id: row.id,
    // text columns written only from FILE_PROVIDERS and ATTACHMENT_SUBJECTS (attachFile's validated input)
    provider: row.provider as FileProvider,
    subject_type: row.subject_type as AttachmentSubject,
    subject_id: row.subject_id,
    category: row.category,
    file: { id: row.external_id, name: row.name, mime_type: row.mime_type, web_url: row.web_url },
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
  };
}

export async function attachFile(db: Database, scope: Scope, input: AttachInput) {
  await assertSubjectOfOrg(db, scope.orgId, input.subject_type, input.subject_id);
  let { web_url: webUrl, mime_type: mimeType } = input.file;
  if (input.provider === 'lio') {
    // a stored file is attached by its id; its address and type are ours, not the caller's
    const storedId = Number(input.file.id);
    const stored = Number.isInteger(storedId) ? await db.prisma.storedFile.findFirst({ where: { id: storedId, org_id: scope.orgId } }) : null;
    if (!stored) {
      throw new ApiError('validation_error', `file.id: ${input.file.id} is not a file uploaded to this organization`, {
        details: [{ path: 'file.id', message: 'unknown stored file' }],
      });
    }
    webUrl = storedFileUrl(stored.id);
    mimeType = stored.mime_type;
  } else if (!webUrl) {
    throw new ApiError('validation_error', 'file.web_url is required for cloud files', { details: [{ path: 'file.web_url', message: 'required' }] });
  }
  const row = await db.prisma.fileAttachment.create({
    data: {
      org_id: scope.orgId,
      provider: input.provider,
      subject_type: input.subject_type,
      subject_id: input.subject_id,
      external_id: input.file.id,
      name: input.file.name,
      mime_type: mimeType ?? null,
      web_url: webUrl,
      category: input.category ?? null,
      created_by: scope.userId,
    },
  });
  return presentAttachment(row);
}

export interface AttachmentListParams extends ListParams<(typeof ATTACHMENT_SORTABLE_FIELDS)[number]> {
  subject_type: AttachmentSubject;
  subject_id: number;
  category?: string;
  provider?: FileProvider;
}

export async function listAttachments(db: Database, scope: Pick<Scope, 'orgId'>, params: AttachmentListParams) {
  await assertSubjectOfOrg(db, scope.orgId, params.subject_type, params.subject_id);
  const where = {
    org_id: scope.orgId,
    subject_type: params.subject_type,
    subject_id: params.subject_id,
    ...(params.category && { category: params.category }),
    ...(params.provider && { provider: params.provider }),
    ...(params.search_value && { name: containsText(params.search_value) }),
    created_at: dateRangeFilter(params.start_date, params.end_date),
  };
  const [rows, total] = await Promise.all([
    db.prisma.fileAttachment.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.fileAttachment.count({ where }),
  ]);
  return paged(rows.map(presentAttachment), total, params);
}

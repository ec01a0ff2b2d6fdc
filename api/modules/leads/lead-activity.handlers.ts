import type { RouteHandler, z } from '@hono/zod-openapi';
import type { FollowUp, LeadDocument, LeadNote } from '../../../generated/prisma/client.js';
import {
  addDocument,
  addFollowUp,
  addNote,
  FOLLOW_UP_STATUSES,
  listDocuments,
  listFollowUps,
  listNotes,
  openDocument,
} from '../../../domain/leads/lead-activity.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { attachmentDisposition, fileStorageOf, sendStoredFile } from '../../openapi/uploads.js';
import type {
  addDocumentRoute,
  addFollowUpRoute,
  addNoteRoute,
  documentSchema,
  downloadDocumentRoute,
  followUpSchema,
  listDocumentsRoute,
  listFollowUpsRoute,
  listNotesRoute,
  noteSchema,
} from './lead-activity.routes.js';

function presentNote(note: LeadNote): z.infer<typeof noteSchema> {
  return {
    id: note.id,
    lead_id: note.lead_id,
    title: note.title,
    note: note.note,
    created_by: note.created_by,
    created_at: note.created_at.toISOString(),
  };
}

function presentFollowUp(followUp: FollowUp): z.infer<typeof followUpSchema> {
  return {
    id: followUp.id,
    lead_id: followUp.lead_id,
    follow_up_date: followUp.follow_up_date.toISOString(),
    notes: followUp.notes,
    status: followUp.status,
    status_text: FOLLOW_UP_STATUSES[followUp.status] ?? String(followUp.status),
    created_by: followUp.created_by,
    created_at: followUp.created_at.toISOString(),
  };
}

/** Never the storage key: a document is reached only through its download route. */
function presentDocument(document: LeadDocument): z.infer<typeof documentSchema> {
  return {
    id: document.id,
    lead_id: document.lead_id,
    file_name: document.file_name,
    mime_type: document.mime_type,
    size: document.size,
    document_type: document.document_type,
    description: document.description,
    download_url: `/api/lead/document/${document.id}/download`,
    created_by: document.created_by,
    created_at: document.created_at.toISOString(),
  };
}

export const listNotesHandler: RouteHandler<typeof listNotesRoute, AppEnv> = async (c) => {
  const { lead_id, ...params } = c.req.valid('query');
  const page = await listNotes(c.var.deps.database, c.var.auth, lead_id, params);
  return okList(c, { ...page, data: page.data.map(presentNote) });
};

export const addNoteHandler: RouteHandler<typeof addNoteRoute, AppEnv> = async (c) => {
  const note = await addNote(c.var.deps.database, c.var.auth, c.req.valid('json'));
  return ok(c, presentNote(note), 'Note added successfully', 201);
};

export const listFollowUpsHandler: RouteHandler<typeof listFollowUpsRoute, AppEnv> = async (c) => {
  const page = await listFollowUps(c.var.deps.database, c.var.auth, c.req.valid('query'));
  return okList(c, { ...page, data: page.data.map(presentFollowUp) });
};

export const addFollowUpHandler: RouteHandler<typeof addFollowUpRoute, AppEnv> = async (c) => {
  const followUp = await addFollowUp(c.var.deps.database, c.var.auth, c.req.valid('json'));
  return ok(c, presentFollowUp(followUp), 'Follow-up created successfully', 201);
};

export const listDocumentsHandler: RouteHandler<typeof listDocumentsRoute, AppEnv> = async (c) => {
  const { lead_id, ...params } = c.req.valid('query');
  const page = await listDocuments(c.var.deps.database, c.var.auth, lead_id, params);
  return okList(c, { ...page, data: page.data.map(presentDocument) });
};

export const addDocumentHandler: RouteHandler<typeof addDocumentRoute, AppEnv> = async (c) => {
  const document = await addDocument(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('form'), c.var.deps.config.UPLOAD_MAX_BYTES);
  return ok(c, presentDocument(document), 'Document attached successfully', 201);
};

export const downloadDocumentHandler: RouteHandler<typeof downloadDocumentRoute, AppEnv> = async (c) => {
  const document = await openDocument(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('param').id);
  return sendStoredFile(c, document, attachmentDisposition(document.fileName));
};

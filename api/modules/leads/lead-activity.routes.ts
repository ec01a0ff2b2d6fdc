import { z } from '@hono/zod-openapi';
import {
  DOCUMENT_SORTABLE_FIELDS,
  FOLLOW_UP_SORTABLE_FIELDS,
  FOLLOW_UP_STATUSES,
  NOTE_SORTABLE_FIELDS,
} from '../../../domain/leads/lead-activity.service.js';
import { DOCUMENT_TYPES } from '../../../domain/platform/file-storage.js';
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { boundedInt, boundedIntParam, dateOrDateTime, idParam, listQuery, recordId, recordIdParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { fileBytes, uploadedFile } from '../../openapi/uploads.js';

const leadIdQuery = recordIdParam.openapi({ description: 'The lead' });
const leadIdField = recordId.openapi({ description: 'The lead' });

export const noteSchema = z
  .object({
    id: z.number().int(),
    lead_id: z.number().int(),
    title: z.string(),
    note: z.string().nullable(),
    created_by: z.number().int().nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('LeadNote');

export const listNotesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/note/list',
  tags: ['Lead activity'],
  summary: "List a lead's notes (search over title and note)",
  request: { query: listQuery(NOTE_SORTABLE_FIELDS).extend({ lead_id: leadIdQuery }) },
  responses: { 200: { description: 'A page of notes', content: jsonContent(listEnvelope(noteSchema)) } },
});

export const addNoteBody = z
  .object({ lead_id: leadIdField, title: z.string().trim().min(2).max(100), note: z.string().trim().max(10_000).nullable().optional() })
  .openapi('AddLeadNoteRequest');

export const addNoteRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/note/add',
  tags: ['Lead activity'],
  summary: "Add a note (sets the lead's last_activity_at)",
  request: { body: { required: true, content: jsonContent(addNoteBody) } },
  responses: { 201: { description: 'The new note', content: jsonContent(okEnvelope(noteSchema)) } },
});

const followUpStatusDescription = `Follow-up status: ${Object.entries(FOLLOW_UP_STATUSES)
  .map(([code, name]) => `${code} ${name}`)
  .join(', ')}`;

export const followUpSchema = z
  .object({
    id: z.number().int(),
    lead_id: z.number().int(),
    follow_up_date: z.string().openapi({ format: 'date-time' }),
    notes: z.string().nullable(),
    status: z.number().int().openapi({ description: followUpStatusDescription }),
    status_text: z.string(),
    created_by: z.number().int().nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('FollowUp');

const followUpStatus = boundedInt(1, 6).openapi({ description: followUpStatusDescription });

export const listFollowUpsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/follow-up/list',
  tags: ['Lead activity'],
  summary: "List follow-ups: one lead's, or the organization's (search over notes)",
  request: {
    query: listQuery(FOLLOW_UP_SORTABLE_FIELDS).extend({
      lead_id: leadIdQuery.optional(),
      status: boundedIntParam(1, 6).optional().openapi({ description: followUpStatusDescription }),
    }),
  },
  responses: { 200: { description: 'A page of follow-ups', content: jsonContent(listEnvelope(followUpSchema)) } },
});

export const addFollowUpBody = z
  .object({
    lead_id: leadIdField,
    follow_up_date: z
      .union([z.iso.datetime({ offset: true }), z.iso.date()])
      .transform((v) => new Date(v))
      .openapi({ ...dateOrDateTime, description: 'An RFC 3339 date-time with its offset, or a date alone (00:00 UTC)' }),
    notes: z.string().trim().max(10_000).nullable().optional(),
    status: followUpStatus.default(1),
  })
  .openapi('AddFollowUpRequest');

export const addFollowUpRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/follow-up/add',
  tags: ['Lead activity'],
  summary: 'Create a follow-up',
  request: { body: { required: true, content: jsonContent(addFollowUpBody) } },
  responses: { 201: { description: 'The new follow-up', content: jsonContent(okEnvelope(followUpSchema)) } },
});

export const documentSchema = z
  .object({
    id: z.number().int(),
    lead_id: z.number().int(),
    file_name: z.string().openapi({ description: 'The uploaded file’s name, for display' }),
    mime_type: z.string().openapi({ description: 'Detected from the file’s content' }),
    size: z.number().int(),
    document_type: z.string().nullable(),
    description: z.string().nullable(),
    download_url: z.string().openapi({ example: '/api/lead/document/7/download' }),
    created_by: z.number().int().nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('LeadDocument');

export const listDocumentsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/document/list',
  tags: ['Lead activity'],
  summary: "List a lead's documents (search over file name, type and description)",
  request: { query: listQuery(DOCUMENT_SORTABLE_FIELDS).extend({ lead_id: leadIdQuery }) },
  responses: { 200: { description: 'A page of documents', content: jsonContent(listEnvelope(documentSchema)) } },
});

export const addDocumentForm = z.object({
  lead_id: recordIdParam.openapi({ type: 'integer', description: 'The lead' }),
  file: uploadedFile,
  document_type: z.string().trim().min(1).max(100).optional().openapi({ example: 'proposal' }),
  description: z.string().trim().max(1000).optional(),
});

export const addDocumentRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/document/add',
  tags: ['Lead activity'],
  summary: 'Attach a document',
  description:
    'PDF, JPEG/PNG/GIF/WebP, plain text or CSV, and Office documents (doc, docx, xls, xlsx, ppt, pptx), recognised by content ' +
    '(Office formats by their container plus the file extension); at most UPLOAD_MAX_BYTES (10 MB by default).',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: addDocumentForm } } } },
  responses: {
    201: { description: 'The attached document', content: jsonContent(okEnvelope(documentSchema)) },
    413: { description: 'The file is larger than the limit', content: jsonContent(errorEnvelopeSchema) },
    422: { description: 'Empty file or not an accepted document type (error.code unsupported_file_type)', content: jsonContent(errorEnvelopeSchema) },
  },
});

export const downloadDocumentRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead/document/{id}/download',
  tags: ['Lead activity'],
  summary: 'Download a document',
  request: { params: idParam },
  responses: {
    200: {
      description: 'The file, as an attachment with its detected content type',
      content: Object.fromEntries(DOCUMENT_TYPES.map((type) => [type, { schema: fileBytes }])),
    },
  },
});

import { z } from '@hono/zod-openapi';
import { ATTACHMENT_SORTABLE_FIELDS, ATTACHMENT_SUBJECTS, FILE_PROVIDERS } from '../../../domain/crm/file-attachment.service.js';
import { DOCUMENT_TYPES } from '../../../domain/platform/file-storage.js';
import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam, listQuery, recordId, recordIdParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { fileBytes, uploadedFile } from '../../openapi/uploads.js';


const storedFileSchema = z
  .object({
    id: z.number().int(),
    file_name: z.string(),
    mime_type: z.string(),
    size: z.number().int(),
    url: z.string().openapi({ description: 'Download path (bearer auth, same organization)' }),
    created_at: z.string(),
  })
  .openapi('StoredFile');

const attachmentSchema = z
  .object({
    id: z.number().int(),
    provider: z.enum(FILE_PROVIDERS),
    subject_type: z.enum(ATTACHMENT_SUBJECTS),
    subject_id: z.number().int(),
    category: z.string().nullable(),
    file: z.object({ id: z.string(), name: z.string(), mime_type: z.string().nullable(), web_url: z.string() }),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
  })
  .openapi('FileAttachment');

export const uploadFileRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/storage-file/add',
  tags: ['Files'],
  summary: 'Upload a file',
  description:
    'PDF, images, plain text/CSV and Office documents, recognised by content; at most UPLOAD_MAX_BYTES. ' +
    'Attach it to a record with POST /api/file/attach (provider "lio", file.id = this id).',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: z.object({ file: uploadedFile }) } } } },
  responses: {
    201: { description: 'The stored file', content: jsonContent(okEnvelope(storedFileSchema)) },
    413: errorResponse('The file is larger than the limit'),
  },
});

export const downloadFileRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/storage-file/{id}/download',
  tags: ['Files'],
  summary: 'Download an uploaded file',
  request: { params: idParam },
  responses: {
    200: { description: 'The file bytes', content: Object.fromEntries(DOCUMENT_TYPES.map((type) => [type, { schema: fileBytes }])) },
  },
});

export const attachFileBody = z
  .object({
    provider: z.enum(FILE_PROVIDERS),
    subject_type: z.enum(ATTACHMENT_SUBJECTS),
    subject_id: recordId,
    file: z.object({
      id: z.string().trim().min(1).max(500),
      name: z.string().trim().min(1).max(255),
      mime_type: z.string().trim().max(255).nullish(),
      web_url: z
        .url({ protocol: /^https?$/ })
        .max(2000)
        .nullish()
        .openapi({ description: 'Required for cloud providers; ignored for provider "lio"' }),
    }),
    category: z.string().trim().min(1).max(100).nullish(),
  })
  .openapi('AttachFileRequest');

export const attachFileRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/file/attach',
  tags: ['Files'],
  summary: 'Attach a cloud file (or an uploaded one) to a lead, contact, company or deal',
  request: { body: { required: true, content: jsonContent(attachFileBody) } },
  responses: { 201: { description: 'The attachment', content: jsonContent(okEnvelope(attachmentSchema)) } },
});

export const listFilesQuery = listQuery(ATTACHMENT_SORTABLE_FIELDS).extend({
  subject_type: z.enum(ATTACHMENT_SUBJECTS),
  subject_id: recordIdParam,
  category: z.string().trim().min(1).max(100).optional(),
  provider: z.enum(FILE_PROVIDERS).optional(),
});

export const listFilesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/file/list',
  tags: ['Files'],
  summary: 'List the files attached to a record',
  request: { query: listFilesQuery },
  responses: { 200: { description: 'Attachments, newest first by default', content: jsonContent(listEnvelope(attachmentSchema)) } },
});

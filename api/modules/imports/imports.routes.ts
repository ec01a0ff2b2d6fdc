import { z } from '@hono/zod-openapi';
import { JOB_SORTABLE_FIELDS, JOB_STATUSES } from '../../../domain/jobs/job.service.js';
import { IMPORT_COLUMN_GUIDE, IMPORT_DUPLICATE_POLICIES } from '../../../domain/jobs/lead-import.js';
import { IMPORT_JOB_TYPES } from '../../../domain/jobs/lead-import.service.js';
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { csvOf, idParam, listQuery } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { fileBytes } from '../../openapi/uploads.js';
import { jobSchema } from '../jobs/job.schemas.js';


export const importJobSchema = jobSchema
  .extend({
    error_report_url: z
      .string()
      .nullable()
      .openapi({ description: 'GET it for the per-row error report (CSV: row_number, column, reason); null while no row failed' }),
  })
  .openapi('ImportJob');

/** The import's form fields next to the file (the file itself is streamed, never parsed by a schema). */
export const importOptions = z.object({
  duplicates: z.enum(IMPORT_DUPLICATE_POLICIES).default('skip'),
});

export const importLeadsRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead/lead-imports',
  tags: ['Leads'],
  summary: 'Bulk import leads from CSV/XLSX',
  description:
    'Uploads a CSV or XLSX file (recognised by its content, not its name or declared type; at most IMPORT_MAX_BYTES, ' +
    'default 100 MiB, streamed to disk) and answers at once with the import job (status queued); follow it with ' +
    'GET /api/import-job/list or GET /api/jobs/{id}, pause, resume or cancel it with POST /api/jobs/{id}/pause|resume|cancel. ' +
    'The first row names the columns; headers are matched ignoring case, spaces and punctuation ("First Name", ' +
    '"first_name" and "FIRST-NAME" are one header). Headers each lead field answers to — ' +
    `${IMPORT_COLUMN_GUIDE}. ` +
    'Any other column is stored in custom_fields under its header. A full-name column fills first and last name (split at ' +
    'the first space) where those are not given. Each row is checked with the rules of POST /api/lead/add: first_name and ' +
    'last_name 2–50 characters when given, a valid email and phone number, status/priority/lead_source as a code or label ' +
    'of the organization, assigned_to as a member\'s user id or email, tags as names separated by , ; or | (unknown names ' +
    'are created), company linked by name (created if new); a row must name a lead (a name, email, phone or LinkedIn URL). ' +
    'A row that fails is left out, counted `failed` and listed in the error report with its row number (the header is row 1) ' +
    'and column; blank rows are ignored. `duplicates` decides rows whose email or LinkedIn URL already belongs to a lead ' +
    '(as §8.1): skip (default, counted `skipped`), merge (the existing lead is updated with the row\'s non-empty values, ' +
    'custom fields merged and tags added; counted `merged`) or accept (created as a duplicate of it). CSV may be UTF-8, ' +
    'Windows-1252 or a mix (decoded per byte sequence); stray quotes are kept as text; a record that cannot be parsed ' +
    'becomes a row error and the import goes on. Of an XLSX workbook the first worksheet is read. Imported leads are scored at once.',
  request: {
    body: {
      required: true,
      content: {
        // a plain OpenAPI schema, not zod: the body is streamed by the handler, not parsed and buffered by a validator
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: {
              file: { type: 'string', format: 'binary', description: 'The CSV or XLSX file' },
              duplicates: { type: 'string', enum: [...IMPORT_DUPLICATE_POLICIES], default: 'skip' },
            },
          },
        },
      },
    },
  },
  responses: {
    202: { description: 'The import job, queued', content: jsonContent(okEnvelope(importJobSchema)) },
    413: { description: 'The file is larger than IMPORT_MAX_BYTES', content: jsonContent(errorEnvelopeSchema) },
    422: {
      description:
        'Empty file, not a CSV or XLSX (error.code unsupported_file_type; also a damaged workbook), a CSV whose first row names ' +
        'no lead field (no_header_row), or an invalid `duplicates`',
      content: jsonContent(errorEnvelopeSchema),
    },
  },
});

export const listImportJobsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/import-job/list',
  tags: ['Leads'],
  summary: 'Track import job status',
  description:
    'The organization\'s import jobs (lead imports and HubSpot imports), newest first by default, with progress and the ' +
    'link to each one\'s error report. search_value matches the workflow id; start_date/end_date filter on created_at.',
  request: {
    query: listQuery(JOB_SORTABLE_FIELDS).extend({
      type: csvOf(IMPORT_JOB_TYPES).optional(),
      status: csvOf(JOB_STATUSES).optional(),
    }),
  },
  responses: { 200: { description: 'A page of import jobs', content: jsonContent(listEnvelope(importJobSchema)) } },
});

export const importErrorsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/import-job/{id}/errors',
  tags: ['Leads'],
  summary: "An import's per-row error report",
  description: 'CSV with the columns row_number, column (the header of the offending column; empty for the row as a whole) and reason, in row order.',
  request: { params: idParam },
  responses: { 200: { description: 'The error report', content: { 'text/csv': { schema: fileBytes } } } },
});

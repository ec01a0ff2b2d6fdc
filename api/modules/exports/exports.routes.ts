import { JOB_SORTABLE_FIELDS } from '../../../domain/jobs/job.service.js';
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam, listQuery } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { fileBytes } from '../../openapi/uploads.js';
import { createExportBody, exportJobSchema } from './export.schemas.js';


export const createExportRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/exports/create',
  tags: ['Exports'],
  summary: 'Start an export job',
  description:
    'Starts a CSV export of the organization\'s leads, companies, contacts or clients and answers at once with the job ' +
    '(status queued); follow it with GET /api/exports/list or GET /api/jobs/{id}, pause, resume or cancel it with ' +
    'POST /api/jobs/{id}/pause|resume|cancel, and download it from download_url once completed. `filters` takes the same ' +
    'keys and values as the query parameters of the type\'s list endpoint (none: every row); unknown keys are a 422. ' +
    '"clients" are the leads that became customers: leads with at least one deal in a won stage of any pipeline; they ' +
    'take the lead list\'s filters and add the columns won_deals and won_value. The file has the §11 fields of the type ' +
    '(leads with status_text, priority_text and lead_source_text; tags as names), lead custom_fields as one ' +
    '`custom.<key>` column per key, objects as JSON; text starting with = + - @ (or a tab or carriage return) is ' +
    'prefixed with \' so spreadsheets show it rather than run it. The rows are those matching when the export begins.',
  request: { body: { required: true, content: jsonContent(createExportBody) } },
  responses: { 202: { description: 'The export job, queued', content: jsonContent(okEnvelope(exportJobSchema)) } },
});

export const listExportsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/exports/list',
  tags: ['Exports'],
  summary: 'List exports',
  description: 'The organization\'s export jobs, newest first by default. search_value matches the workflow id; start_date/end_date filter on created_at.',
  request: { query: listQuery(JOB_SORTABLE_FIELDS) },
  responses: { 200: { description: 'A page of export jobs', content: jsonContent(listEnvelope(exportJobSchema)) } },
});

export const downloadExportRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/exports/download/{id}',
  tags: ['Exports'],
  summary: 'Download an export',
  description: 'The CSV (UTF-8 with a byte order mark) as an attachment. 409 while the export has not completed (queued, running, paused, failed or cancelled).',
  request: { params: idParam },
  responses: {
    200: { description: 'The CSV file', content: { 'text/csv': { schema: fileBytes } } },
    409: { description: 'The export has not completed (error code export_not_ready)', content: jsonContent(errorEnvelopeSchema) },
  },
});

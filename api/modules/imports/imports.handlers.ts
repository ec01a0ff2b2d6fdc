import { Readable } from 'node:stream';
import type { RouteHandler } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify';
import { ApiError } from '../../../domain/platform/errors.js';
import type { LeadImportParams } from '../../../domain/jobs/lead-import.js';
import { classifyImportFile, IMPORT_MIME_TYPES, inspectImportFile, xlsxInflationLimits } from '../../../domain/jobs/lead-import-file.js';
import { importErrorRows, listImportJobs, presentImportJob, startLeadImport } from '../../../domain/jobs/lead-import.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { attachmentDisposition, fileStorageOf, receiveStreamedUpload, sendStoredFile } from '../../openapi/uploads.js';
import { importOptions, type importErrorsRoute, type importLeadsRoute, type listImportJobsRoute } from './imports.routes.js';

export const importLeadsHandler: RouteHandler<typeof importLeadsRoute, AppEnv> = async (c) => {
  const { config, database } = c.var.deps;
  const storage = fileStorageOf(c);
  const scope = c.var.auth;
  const { stored, fields } = await receiveStreamedUpload(c, {
    fileField: 'file',
    maxBytes: config.IMPORT_MAX_BYTES,
    store: (file, fileName) =>
      storage.storeStream(scope.orgId, file, { maxBytes: config.IMPORT_MAX_BYTES, label: 'import file', fileName, classify: classifyImportFile }),
    discard: (file) => storage.remove([file.key]),
  });
  const job = await storage.recordOrDiscard(stored, async () => {
    const options = importOptions.safeParse(fields);
    if (!options.success) {
      const details = options.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new ApiError('validation_error', details.map((d) => `${d.path}: ${d.message}`).join('; '), { details });
    }
    const format = stored.mimeType === IMPORT_MIME_TYPES.xlsx ? 'xlsx' : 'csv';
    await inspectImportFile(storage, stored, format, xlsxInflationLimits(config));
    const params: LeadImportParams = { file_name: stored.fileName, format, size: stored.size, duplicates: options.data.duplicates };
    return startLeadImport(database, scope, params, stored.key);
  });
  return ok(c, presentImportJob(job!), 'Import started', 202);
};

export const listImportJobsHandler: RouteHandler<typeof listImportJobsRoute, AppEnv> = async (c) => {
  const { type, status, ...params } = c.req.valid('query');
  return okList(c, await listImportJobs(c.var.deps.database, c.var.auth, params, { type, status }), 'Import jobs retrieved');
};

export const importErrorsHandler: RouteHandler<typeof importErrorsRoute, AppEnv> = async (c) => {
  const { job, rows } = await importErrorRows(c.var.deps.database, c.var.auth, c.req.valid('param').id);
  const csv = Readable.from(rows).pipe(stringify({ header: true, columns: ['row_number', 'column', 'reason'] }));
  return sendStoredFile(
    c,
    { body: Readable.toWeb(csv) as ReadableStream<Uint8Array>, mimeType: 'text/csv; charset=utf-8' },
    attachmentDisposition(`import-${job.id}-errors.csv`),
  );
};

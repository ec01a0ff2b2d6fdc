import type { RouteHandler } from '@hono/zod-openapi';
import { listExports, openExportFile, presentExport, startExport } from '../../../domain/jobs/export.service.js';
import { presentJob } from '../../../domain/jobs/job.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { attachmentDisposition, fileStorageOf, sendStoredFile } from '../../openapi/uploads.js';
import type { createExportRoute, downloadExportRoute, listExportsRoute } from './exports.routes.js';

export const createExportHandler: RouteHandler<typeof createExportRoute, AppEnv> = async (c) => {
  const job = await startExport(c.var.deps.database, c.var.auth, c.req.valid('json'));
  return ok(c, presentExport(presentJob(job)), 'Export started', 202);
};

export const listExportsHandler: RouteHandler<typeof listExportsRoute, AppEnv> = async (c) =>
  okList(c, await listExports(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Exports retrieved');

export const downloadExportHandler: RouteHandler<typeof downloadExportRoute, AppEnv> = async (c) => {
  const file = await openExportFile(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('param').id);
  return sendStoredFile(c, file, attachmentDisposition(file.fileName));
};

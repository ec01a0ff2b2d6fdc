import type { RouteHandler } from '@hono/zod-openapi';
import { attachFile, listAttachments, openStoredFile, storeUploadedFile } from '../../../domain/crm/file-attachment.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { attachmentDisposition, fileStorageOf, sendStoredFile } from '../../openapi/uploads.js';
import type { attachFileRoute, downloadFileRoute, listFilesRoute, uploadFileRoute } from './files.routes.js';

export const uploadFileHandler: RouteHandler<typeof uploadFileRoute, AppEnv> = async (c) => {
  const { file } = c.req.valid('form');
  const stored = await storeUploadedFile(c.var.deps.database, fileStorageOf(c), c.var.auth, file, c.var.deps.config.UPLOAD_MAX_BYTES);
  return ok(c, stored, 'File uploaded', 201);
};

export const downloadFileHandler: RouteHandler<typeof downloadFileRoute, AppEnv> = async (c) => {
  const file = await openStoredFile(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('param').id);
  return sendStoredFile(c, file, attachmentDisposition(file.fileName));
};

export const attachFileHandler: RouteHandler<typeof attachFileRoute, AppEnv> = async (c) => {
  const attachment = await attachFile(c.var.deps.database, c.var.auth, c.req.valid('json'));
  return ok(c, attachment, 'File attached', 201);
};

export const listFilesHandler: RouteHandler<typeof listFilesRoute, AppEnv> = async (c) =>
  okList(c, await listAttachments(c.var.deps.database, c.var.auth, c.req.valid('query')));

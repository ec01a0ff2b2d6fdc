import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { uploadBodyLimit } from '../../openapi/uploads.js';
import { attachFileHandler, downloadFileHandler, listFilesHandler, uploadFileHandler } from './files.handlers.js';
import { attachFileRoute, downloadFileRoute, listFilesRoute, uploadFileRoute } from './files.routes.js';

export function mountFiles(app: OpenAPIHono<AppEnv>) {
  app.use('/api/storage-file/add', uploadBodyLimit);
  app.openapi(uploadFileRoute, uploadFileHandler);
  app.openapi(downloadFileRoute, downloadFileHandler);
  app.openapi(attachFileRoute, attachFileHandler);
  app.openapi(listFilesRoute, listFilesHandler);
}

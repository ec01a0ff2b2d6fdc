import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import { uploadBodyLimit } from '../../openapi/uploads.js';
import * as handlers from './files.handlers.js';
import * as routes from './files.routes.js';

export function mountFiles(app: OpenAPIHono<AppEnv>) {
  app.use('/api/storage-file/add', uploadBodyLimit);
  mountRoutes(app, routes, handlers, ['uploadFile', 'downloadFile', 'attachFile', 'listFiles']);
}

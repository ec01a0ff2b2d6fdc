// Exports (§6.15): CSV export jobs of leads, companies, contacts and clients
// (domain/jobs/export.service.ts, workflows/export.workflow.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { createExportHandler, downloadExportHandler, listExportsHandler } from './exports.handlers.js';
import { createExportRoute, downloadExportRoute, listExportsRoute } from './exports.routes.js';

export function mountExports(app: OpenAPIHono<AppEnv>) {
  app.openapi(createExportRoute, createExportHandler);
  app.openapi(listExportsRoute, listExportsHandler);
  app.openapi(downloadExportRoute, downloadExportHandler);
}

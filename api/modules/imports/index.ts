// Lead imports (§6.2 POST /api/lead/lead-imports, GET /api/import-job/list):
// the upload is streamed to disk and imported by a durable job
// (workflows/lead-import.workflow.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { importErrorsHandler, importLeadsHandler, listImportJobsHandler } from './imports.handlers.js';
import { importErrorsRoute, importLeadsRoute, listImportJobsRoute } from './imports.routes.js';

export function mountImports(app: OpenAPIHono<AppEnv>) {
  app.openapi(importLeadsRoute, importLeadsHandler);
  app.openapi(listImportJobsRoute, listImportJobsHandler);
  app.openapi(importErrorsRoute, importErrorsHandler);
}

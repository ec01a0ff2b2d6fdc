// Lead imports (§6.2 POST /api/lead/lead-imports, GET /api/import-job/list):
// the upload is streamed to disk and imported by a durable job
// (workflows/lead-import.workflow.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './imports.handlers.js';
import * as routes from './imports.routes.js';

export function mountImports(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['importLeads', 'listImportJobs', 'importErrors']);
}

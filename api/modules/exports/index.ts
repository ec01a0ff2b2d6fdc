// Exports (§6.15): CSV export jobs of leads, companies, contacts and clients
// (domain/jobs/export.service.ts, workflows/export.workflow.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './exports.handlers.js';
import * as routes from './exports.routes.js';

export function mountExports(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['createExport', 'listExports', 'downloadExport']);
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { ingestLeadHandler, ingestLeadListHandler } from './ingestion.handlers.js';
import { ingestLeadListRoute, ingestLeadRoute } from './ingestion.routes.js';

export function mountIngestion(app: OpenAPIHono<AppEnv>) {
  app.openapi(ingestLeadRoute, ingestLeadHandler);
  app.openapi(ingestLeadListRoute, ingestLeadListHandler);
}

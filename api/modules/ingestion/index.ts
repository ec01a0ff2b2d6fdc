import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './ingestion.handlers.js';
import * as routes from './ingestion.routes.js';

export function mountIngestion(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['ingestLead', 'ingestLeadList']);
}

// Lead enrichment (§6.3) and company enrichment (§6.4 POST /api/company/enrich,
// mounted here with the same path: it shares the waterfall, credits and jobs).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import {
  bulkEnrichHandler,
  enrichCompanyHandler,
  enrichLeadHandler,
  enrichmentJobHandler,
  recentLinkedinLeadsHandler,
  viewLinkedinLeadHandler,
} from './lead-enrichment.handlers.js';
import {
  bulkEnrichRoute,
  enrichCompanyRoute,
  enrichLeadRoute,
  enrichmentJobRoute,
  recentLinkedinLeadsRoute,
  viewLinkedinLeadRoute,
} from './lead-enrichment.routes.js';

export function mountLeadEnrichment(app: OpenAPIHono<AppEnv>) {
  app.openapi(enrichLeadRoute, enrichLeadHandler);
  app.openapi(bulkEnrichRoute, bulkEnrichHandler);
  app.openapi(enrichmentJobRoute, enrichmentJobHandler);
  // "recent" ahead of {id}, which would otherwise take it as an id
  app.openapi(recentLinkedinLeadsRoute, recentLinkedinLeadsHandler);
  app.openapi(viewLinkedinLeadRoute, viewLinkedinLeadHandler);
  app.openapi(enrichCompanyRoute, enrichCompanyHandler);
}

// Lead enrichment (§6.3) and company enrichment (§6.4 POST /api/company/enrich,
// mounted here with the same path: it shares the waterfall, credits and jobs).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './lead-enrichment.handlers.js';
import * as routes from './lead-enrichment.routes.js';

export function mountLeadEnrichment(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'enrichLead',
    'bulkEnrich',
    'enrichmentJob',
    // "recent" ahead of {id}, which would otherwise take it as an id
    'recentLinkedinLeads',
    'viewLinkedinLead',
    'enrichCompany',
  ]);
}

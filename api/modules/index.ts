import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { mountAuth } from './auth/index.js';
import { mountCompanies } from './companies/index.js';
import { mountConnectedApps } from './connected-apps/index.js';
import { mountContacts } from './contacts/index.js';
import { mountCustomFields } from './custom-fields/index.js';
import { mountCustomLookups } from './custom-lookups/index.js';
import { mountCustomViews } from './custom-views/index.js';
import { mountDashboard } from './dashboard/index.js';
import { mountDeals } from './deals/index.js';
import { mountExports } from './exports/index.js';
import { mountFiles } from './files/index.js';
import { mountImports } from './imports/index.js';
import { mountPipelines } from './pipelines/index.js';
import { mountIngestion } from './ingestion/index.js';
import { mountJobs } from './jobs/index.js';
import { mountLeadEnrichment } from './lead-enrichment/index.js';
import { mountLeads } from './leads/index.js';
import { mountNotifications } from './notifications/index.js';
import { mountRoles } from './roles/index.js';
import { mountSearch } from './search/index.js';
import { mountUsers } from './users/index.js';

/** Every resource module, mounted in one place. */
export function mountModules(app: OpenAPIHono<AppEnv>) {
  mountAuth(app);
  mountCustomFields(app);
  mountCustomLookups(app);
  mountCustomViews(app);
  mountPipelines(app);
  mountDeals(app);
  mountIngestion(app);
  mountLeads(app);
  mountUsers(app);
  mountRoles(app);
  mountSearch(app);
  mountContacts(app);
  mountCompanies(app);
  mountLeadEnrichment(app);
  mountDashboard(app);
  mountFiles(app);
  mountNotifications(app);
  mountJobs(app);
  mountConnectedApps(app);
  mountExports(app);
  mountImports(app);
}

// Export requests and the export job as the exports endpoints show it. The
// filters of each export type are the list filters of its list endpoint,
// reused from those modules (ENGINEERING.md §7), never restated here.
import { z } from '@hono/zod-openapi';
import { listFiltersBody } from '../../openapi/selection.js';
import { companyFilterQuery } from '../companies/company.schemas.js';
import { contactFilters } from '../contacts/contact.schemas.js';
import { jobSchema } from '../jobs/job.schemas.js';
import { leadFiltersBody } from '../leads/lead.schemas.js';

const exportOf = <T extends string, F extends z.ZodType>(type: T, filters: F, description: string) =>
  z.object({
    export_type: z.literal(type).openapi({ description }),
    filters: filters.optional(),
  });

export const createExportBody = z
  .discriminatedUnion('export_type', [
    exportOf('leads', leadFiltersBody, 'Leads; filters as GET /api/lead/list'),
    exportOf('companies', listFiltersBody(companyFilterQuery, '/api/company/list'), 'Companies; filters as GET /api/company/list'),
    exportOf('contacts', contactFilters, 'Contacts; filters as GET /api/contact/list'),
    exportOf(
      'clients',
      leadFiltersBody,
      'Clients: leads with at least one deal in a won stage, with won_deals and won_value; filters as GET /api/lead/list',
    ),
  ])
  .openapi('CreateExportRequest');

export const exportJobSchema = jobSchema
  .extend({
    download_url: z
      .string()
      .nullable()
      .openapi({ description: 'GET this path for the CSV once the export has completed; null before', example: '/api/exports/download/42' }),
  })
  .openapi('ExportJob');

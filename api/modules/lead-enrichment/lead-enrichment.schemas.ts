// Request and response schemas of lead and company enrichment (§6.3, §6.4).
import { z } from '@hono/zod-openapi';
import { bareDomain } from '../../../domain/jobs/enrichment-derived.js';
import { LEAD_SORTABLE_FIELDS } from '../../../domain/leads/lead-query.service.js';
import { dedupeLinkedin } from '../../../domain/leads/lead.service.js';
import { companySchema } from '../companies/company.schemas.js';
import { leadSchema } from '../leads/lead.schemas.js';
import { boundedInt, listQuery, PG_INT_MAX, recordId, recordIdParam } from '../../openapi/params.js';

/** Bulk requests are cut into batches by the job; this bounds one request's size. */
export const BULK_ENRICH_MAX_LEADS = 10_000;

const IDENTIFYING_FIELDS = ['email', 'linkedin_url', 'name', 'company', 'domain'] as const;

const inputFields = {
  email: z.string().trim().toLowerCase().email().max(254).optional(),
  linkedin_url: z
    .string()
    .trim()
    .max(500)
    .refine((v) => dedupeLinkedin(v)?.startsWith('linkedin.com/') ?? false, 'must be a LinkedIn URL')
    .optional()
    .openapi({ example: 'https://www.linkedin.com/in/jane-van-der-berg' }),
  name: z.string().trim().min(1).max(200).optional().openapi({ description: 'Full name; split into first and last name', example: 'Jane van der Berg' }),
  company: z.string().trim().min(1).max(200).optional(),
  domain: z.string().trim().max(253).refine((v) => bareDomain(v) !== null, 'must be a domain such as acme.com').optional(),
};

const hasIdentifyingField = (input: Partial<Record<(typeof IDENTIFYING_FIELDS)[number], unknown>>) =>
  IDENTIFYING_FIELDS.some((field) => input[field] !== undefined);

export const enrichLeadBody = z
  .object({ lead_id: recordId.optional().openapi({ description: 'Enrich this lead; the other fields are then ignored' }), ...inputFields })
  .refine((b) => b.lead_id !== undefined || hasIdentifyingField(b), 'give at least one of: lead_id, email, linkedin_url, name, company, domain')
  .openapi('EnrichLeadRequest');

const bulkLead = z
  .object(inputFields)
  .refine(hasIdentifyingField, 'give at least one of: email, linkedin_url, name, company, domain');

export const bulkEnrichBody = z
  .object({
    leads: z.array(bulkLead).min(1).max(BULK_ENRICH_MAX_LEADS),
    group_id: z
      .union([boundedInt(-PG_INT_MAX, PG_INT_MAX), z.string().trim().min(1).max(100)])
      .optional()
      .openapi({ description: "Your label for this batch: kept in the job's params and in each lead's ai_information.enrichment.group_id" }),
  })
  .openapi('BulkEnrichRequest');

export const enrichCompanyBody = z.object({ company_id: recordId }).openapi('EnrichCompanyRequest');

export const enrichmentRecordSchema = z
  .object({
    provider: z.string().nullable().openapi({ description: 'The provider that supplied the most fields', example: 'http' }),
    fetched_at: z.string().openapi({ format: 'date-time' }),
    found: z.record(z.string(), z.string()).openapi({ description: 'Every field the providers found for the empty columns, with its value' }),
    sources: z.record(z.string(), z.string()).openapi({ description: 'Which provider supplied each found field' }),
    filled: z.array(z.string()).openapi({ description: 'The columns written; values already present were kept' }),
    rejected: z.record(z.string(), z.string()).optional().openapi({ description: 'Providers that refused the lookup, with their answer' }),
    job_id: z.number().int().optional(),
    group_id: z.union([z.number(), z.string()]).optional(),
  })
  .openapi('EnrichmentRecord');

export const enrichedLeadSchema = z
  .object({
    lead: leadSchema,
    lead_created: z.boolean().openapi({ description: 'true when no lead matched the input and one was created' }),
    enrichment: enrichmentRecordSchema.nullable().openapi({ description: 'null when nothing was found for the empty fields' }),
    credits_remaining: z.number().int(),
  })
  .openapi('EnrichedLead');

export const enrichedCompanySchema = z
  .object({
    company: companySchema,
    enrichment: enrichmentRecordSchema.nullable(),
    credits_remaining: z.number().int(),
  })
  .openapi('EnrichedCompany');

export const linkedinLeadSchema = leadSchema
  .extend({ enrichment: enrichmentRecordSchema.nullable().openapi({ description: "The lead's ai_information.enrichment" }) })
  .openapi('LinkedinLead');

export const linkedinLeadsQuery = listQuery(LEAD_SORTABLE_FIELDS).extend({
  search: z.string().trim().max(200).optional().openapi({ description: 'Contained in the name, email, company or LinkedIn URL' }),
  search_value: z.string().trim().max(200).optional().openapi({ description: 'The §5 name of `search`' }),
});

export const jobIdParam = z.object({
  jobId: recordIdParam.openapi({ param: { name: 'jobId', in: 'path' }, example: 1 }),
});

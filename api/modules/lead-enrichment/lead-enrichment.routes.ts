import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { jobSchema } from '../jobs/job.schemas.js';
import {
  BULK_ENRICH_MAX_LEADS,
  bulkEnrichBody,
  enrichCompanyBody,
  enrichedCompanySchema,
  enrichedLeadSchema,
  enrichLeadBody,
  jobIdParam,
  linkedinLeadSchema,
  linkedinLeadsQuery,
} from './lead-enrichment.schemas.js';

const jobResponse = (description: string) => ({ description, content: jsonContent(okEnvelope(jobSchema)) });
const noCreditsResponse = errorResponse('The organization has no enrichment credits left (error.code no_enrichment_credits)');
const providerFailedResponse = errorResponse('An enrichment provider refused the request or its address is not an allowed destination');

const PRECEDENCE =
  'Only empty columns are filled: a value already there (entered by a user or by an earlier enrichment) is never overwritten. ' +
  'Among providers, each field takes the first answer in the configured order (ENRICHMENT_PROVIDERS, default: the outside ' +
  'provider, then values derived offline from the email domain, the name and the LinkedIn URL), so the precedence is ' +
  'user-entered > enrichment > derived. One enrichment credit is debited per lead or company for which an outside provider found ' +
  'something; values derived offline cost nothing.';

export const enrichLeadRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead-enrichment/enrich',
  tags: ['Lead enrichment'],
  summary: 'Enrich a single lead',
  description:
    'The lead is lead_id, else the lead owning the email or LinkedIn URL, else one of the same name at the same company, else a new ' +
    'lead created from the input (lead_source 3 LinkedIn when a LinkedIn URL is given). When the providers answer within the time ' +
    'budget (ENRICHMENT_SYNC_BUDGET_MS, 3 s) the answer is 200 with the enriched lead; otherwise an enrichment job finishes the work ' +
    `and the answer is 202 with the job (poll GET /api/lead-enrichment/job/{jobId}). ${PRECEDENCE} ` +
    'The result is kept in ai_information.enrichment (written by the system only).',
  request: { body: { required: true, content: jsonContent(enrichLeadBody) } },
  responses: {
    200: { description: 'The enriched lead', content: jsonContent(okEnvelope(enrichedLeadSchema)) },
    202: jobResponse('The providers did not answer in time: a job enriches the lead'),
    403: noCreditsResponse,
    502: providerFailedResponse,
  },
});

export const bulkEnrichRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/lead-enrichment/enrich/bulk',
  tags: ['Lead enrichment'],
  summary: 'Bulk enrich (asynchronous)',
  description:
    `Up to ${BULK_ENRICH_MAX_LEADS.toLocaleString('en')} leads, each matched to an existing lead (email, LinkedIn URL) or created, then enriched by a ` +
    'job in batches. Progress: total, processed, created (= enriched), skipped (nothing found, or the same person twice), failed ' +
    `(reasons in the job's row errors). ${PRECEDENCE}`,
  request: { body: { required: true, content: jsonContent(bulkEnrichBody) } },
  responses: { 202: jobResponse('The enrichment job, queued'), 403: noCreditsResponse },
});

export const enrichmentJobRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead-enrichment/job/{jobId}',
  tags: ['Lead enrichment'],
  summary: 'Enrichment job status',
  description: 'Only jobs of type enrichment; any other id is a 404. progress.created counts the leads enriched.',
  request: { params: jobIdParam },
  responses: { 200: jobResponse('The job with its progress counts') },
});

export const recentLinkedinLeadsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead-enrichment/linkedin-leads/recent',
  tags: ['Lead enrichment'],
  summary: 'Recent LinkedIn leads',
  description:
    'Leads captured from LinkedIn URLs (every lead with a linkedin_url), each with its enrichment; sorted by order_by / order_in ' +
    '(default id DESC: newest first), search in name, email, company or URL, start_date / end_date on created_at.',
  request: { query: linkedinLeadsQuery },
  responses: { 200: { description: 'A page of LinkedIn leads', content: jsonContent(listEnvelope(linkedinLeadSchema)) } },
});

export const viewLinkedinLeadRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/lead-enrichment/linkedin-leads/{id}',
  tags: ['Lead enrichment'],
  summary: 'One LinkedIn lead',
  description: 'A lead with a linkedin_url, with its enrichment; 404 for a lead without one.',
  request: { params: idParam },
  responses: { 200: { description: 'The LinkedIn lead', content: jsonContent(okEnvelope(linkedinLeadSchema)) } },
});

export const enrichCompanyRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/company/enrich',
  tags: ['Companies'],
  summary: 'Enrich company data',
  description:
    "Fills the company's empty firmographics (industry_type, employee_size, website, city, country, summary, company_logo), looked up " +
    'by its website\'s domain, else its name. 200 with the company when the providers answer within the time budget, else 202 with an ' +
    `enrichment job. ${PRECEDENCE}`,
  request: { body: { required: true, content: jsonContent(enrichCompanyBody) } },
  responses: {
    200: { description: 'The enriched company', content: jsonContent(okEnvelope(enrichedCompanySchema)) },
    202: jobResponse('The providers did not answer in time: a job enriches the company'),
    403: noCreditsResponse,
    502: providerFailedResponse,
  },
});

import { z } from '@hono/zod-openapi';
import { IMAGE_TYPES } from '../../../domain/platform/file-storage.js';
import { errorEnvelopeSchema, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { deletionNote } from '../../openapi/selection.js';
import { fileBytes } from '../../openapi/uploads.js';
import {
  companyFilterQuery,
  companyListQuery,
  companySchema,
  companyStatsSchema,
  createCompanyForm,
  createCompanyJson,
  deleteCompaniesBody,
  similarCompaniesQuery,
  similarCompanySchema,
  updateCompanyForm,
  updateCompanyJson,
} from './company.schemas.js';

const companyResponse = (description: string) => ({ description, content: jsonContent(okEnvelope(companySchema)) });

const FILTERS_NOTE =
  'search_value matches (case-insensitively) the name, website, city or country; industry takes industry_type values (case-insensitive); ' +
  'start_date/end_date filter on created_at (date-only values are whole UTC days, both ends inclusive). All filters combine with AND.';

// Each content type is validated only when it is the one sent, so the body is
// declared optional here and its presence is checked by the handler (400).
const BOTH_CONTENT_TYPES_NOTE =
  'Send application/json, or multipart/form-data with the same fields to upload company_logo (JPEG, PNG, GIF or WebP, recognised ' +
  'by its content; at most 2 MB). In both, an empty value clears a field like null. A body is required.';

const logoErrors = {
  413: { description: 'The logo is larger than the limit', content: jsonContent(errorEnvelopeSchema) },
};

export const listCompaniesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/company/list',
  tags: ['Companies'],
  summary: 'List companies',
  description: `${FILTERS_NOTE} employee_size sorts by band size. Each company carries its contact_count and lead_count.`,
  request: { query: companyListQuery },
  responses: { 200: { description: 'A page of companies', content: jsonContent(listEnvelope(companySchema)) } },
});

export const companyStatsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/company/stats',
  tags: ['Companies'],
  summary: 'Company statistics',
  description: `Totals and counts by industry, employee size band and country of the companies matching the list filters. ${FILTERS_NOTE}`,
  request: { query: companyFilterQuery },
  responses: { 200: { description: 'The statistics', content: jsonContent(okEnvelope(companyStatsSchema)) } },
});

export const viewCompanyRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/company/view/{id}',
  tags: ['Companies'],
  summary: 'Get one company',
  request: { params: idParam },
  responses: { 200: companyResponse('The company with its contact_count and lead_count') },
});

export const similarCompaniesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/company/similar/{id}',
  tags: ['Companies'],
  summary: 'Similar companies',
  description:
    "The organization's other companies that share something with this one, most similar first (equal scores by ascending id). " +
    'The score weighs same industry (0.30), shared name words (0.25; legal forms such as Inc or GmbH ignored), same employee size band ' +
    '(0.20), same country (0.15) and shared website words (0.10); a factor this company has no value for is left out and the other ' +
    "weights rescaled to sum to 1. Each result explains its score in `reasons`. Candidates are the 1000 companies with the highest " +
    'score they could reach.',
  request: { params: idParam, query: similarCompaniesQuery },
  responses: { 200: { description: 'The similar companies', content: jsonContent(okEnvelope(z.array(similarCompanySchema))) } },
});

export const addCompanyRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/company/add',
  tags: ['Companies'],
  summary: 'Create a company',
  description: BOTH_CONTENT_TYPES_NOTE,
  request: {
    body: { required: false, content: { ...jsonContent(createCompanyJson), 'multipart/form-data': { schema: createCompanyForm } } },
  },
  responses: { 201: companyResponse('The new company'), ...logoErrors },
});

export const updateCompanyRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/company/update/{id}',
  tags: ['Companies'],
  summary: 'Update a company',
  description: `Accepts any company field. ${BOTH_CONTENT_TYPES_NOTE} A new logo replaces the old one, which is deleted.`,
  request: {
    params: idParam,
    body: { required: false, content: { ...jsonContent(updateCompanyJson), 'multipart/form-data': { schema: updateCompanyForm } } },
  },
  responses: { 200: companyResponse('The updated company'), ...logoErrors },
});

export const deleteCompaniesRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/company/delete/{id}',
  tags: ['Companies'],
  summary: 'Delete companies',
  description: `${deletionNote('company', 'companies', '/api/company/list')} Their contacts and leads stay, unlinked (company_id null).`,
  request: { params: idParam, body: { required: false, content: jsonContent(deleteCompaniesBody) } },
  responses: {
    200: { description: 'How many companies were deleted', content: jsonContent(okEnvelope(z.object({ deleted: z.number().int() }))) },
  },
});

export const companyLogoRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/company/{id}/logo',
  tags: ['Companies'],
  summary: "The company's uploaded logo",
  request: { params: idParam },
  responses: {
    200: {
      description: 'The image bytes, with their content type',
      content: Object.fromEntries(IMAGE_TYPES.map((type) => [type, { schema: fileBytes }])),
    },
  },
});

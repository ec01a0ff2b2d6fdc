// Company request and response schemas (spec §6.4, §11). A company is sent
// as JSON or, to carry a logo file, as multipart/form-data with the same
// fields; in both an empty value clears a field, like null.
import { z } from '@hono/zod-openapi';
import { EMPLOYEE_SIZE_BANDS } from '../../../domain/crm/company-fields.js';
import { COMPANY_SORTABLE_FIELDS } from '../../../domain/crm/company.service.js';
import { normaliseWebsite } from '../../../domain/platform/web-address.js';
import { booleanQuery, csvIds, csvText, limitParam, listQuery, phoneNumber } from '../../openapi/params.js';
import { deletionBody, listFiltersBody } from '../../openapi/selection.js';
import { uploadedFile } from '../../openapi/uploads.js';

const nullableString = z.string().nullable();

export const companySchema = z
  .object({
    id: z.number().int(),
    company_name: z.string(),
    industry_type: nullableString,
    company_logo: nullableString.openapi({ description: 'Logo URL: GET /api/company/{id}/logo for an uploaded logo', example: '/api/company/7/logo' }),
    address: nullableString,
    city: nullableString,
    country: nullableString,
    employee_size: z.enum(EMPLOYEE_SIZE_BANDS).nullable().openapi({ description: 'Headcount range' }),
    rating: z.number().int().nullable().openapi({ description: '1-5' }),
    contact_email: nullableString,
    phone_number: nullableString,
    website: nullableString,
    summary: nullableString,
    contact_count: z.number().int().openapi({ description: "How many of the organization's contacts are linked to the company" }),
    lead_count: z.number().int().openapi({ description: "How many of the organization's leads are linked to the company" }),
    created_by: z.number().int().nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Company');

export const similarityReasonSchema = z
  .object({
    factor: z.enum(['industry', 'employee_size', 'country', 'name', 'website']),
    weight: z.number().openapi({ description: "The factor's share of the score; the reasons' weights sum to 1" }),
    matched: z.boolean(),
    score: z.number().openapi({ description: 'How well it matched, 0-1 (name and website: the share of words in common)' }),
    detail: nullableString.openapi({ description: 'What the companies share: the industry, band or country, or the common words' }),
  })
  .openapi('SimilarityReason');

export const similarCompanySchema = companySchema
  .extend({
    similarity: z.number().openapi({ description: '0-1: the sum of weight × score over the reasons' }),
    reasons: z.array(similarityReasonSchema),
  })
  .openapi('SimilarCompany');

const groupCount = <K extends string>(key: K) => z.object({ [key]: nullableString, count: z.number().int() } as Record<K, typeof nullableString> & { count: z.ZodNumber });

export const companyStatsSchema = z
  .object({
    totals: z.object({
      companies: z.number().int(),
      with_website: z.number().int(),
      with_contacts: z.number().int().openapi({ description: 'Companies with at least one contact' }),
      rated: z.number().int().openapi({ description: 'Companies with a rating' }),
      average_rating: z.number().nullable().openapi({ description: 'Over the rated companies, 2 decimals; null when none is rated' }),
    }),
    by_industry: z.array(groupCount('industry_type')).openapi({ description: 'Case-insensitive groups, most companies first; null: no industry' }),
    by_employee_size: z.array(groupCount('employee_size')).openapi({ description: 'The bands that occur, smallest first; null: no headcount' }),
    by_country: z.array(groupCount('country')).openapi({ description: 'Case-insensitive groups, most companies first; null: no country' }),
  })
  .openapi('CompanyStats');

const text = (max: number) => z.string().trim().max(max).nullable().optional();

const website = z
  .string()
  .trim()
  .max(500)
  .transform((value, ctx) => {
    const normalised = normaliseWebsite(value);
    if (normalised === null) ctx.addIssue({ code: 'custom', message: 'must be a web address or a domain name, e.g. acme.com' });
    return normalised ?? z.NEVER;
  })
  .openapi({ type: 'string', description: 'A URL or a bare domain; stored normalised (https:// added, host lower-cased)', example: 'acme.com' });

const rating = z.number().int().min(1).max(5);

const companyFields = {
  company_name: z.string().trim().min(2).max(100).openapi({ example: 'Acme Robotics' }),
  industry_type: text(100).openapi({ example: 'Software' }),
  address: text(500),
  city: text(100),
  country: text(100),
  employee_size: z.enum(EMPLOYEE_SIZE_BANDS).nullable().optional().openapi({ description: 'Headcount range' }),
  rating: rating.nullable().optional().openapi({ description: '1-5' }),
  contact_email: z.string().trim().email().max(254).nullable().optional(),
  phone_number: phoneNumber.nullable().optional(),
  website: website.nullable().optional(),
  summary: text(5000),
};

/** Form fields arrive as text: the rating as digits. */
const formRating = z
  .string()
  .regex(/^\d+$/, 'must be a whole number from 1 to 5')
  .transform(Number)
  .pipe(rating)
  .nullable()
  .optional()
  .openapi({ type: 'integer', minimum: 1, maximum: 5, description: '1-5' });

const logoFile = uploadedFile.openapi({ description: 'JPEG, PNG, GIF or WebP, at most 2 MB' });

/** An empty (or blank) value clears a field, like null: a form cannot send null. */
function blankAsNull<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (body) =>
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? Object.fromEntries(Object.entries(body).map(([key, value]) => [key, typeof value === 'string' && value.trim() === '' ? null : value]))
        : body,
    schema,
  );
}

const atLeastOneField = (body: object) => Object.values(body).some((v) => v !== undefined);

const optionalFields = Object.fromEntries(Object.entries(companyFields).map(([key, schema]) => [key, schema.optional()])) as {
  [K in keyof typeof companyFields]: z.ZodOptional<(typeof companyFields)[K]>;
};

export const createCompanyJson = blankAsNull(z.object(companyFields)).openapi('CreateCompanyRequest');
export const createCompanyForm = blankAsNull(
  z.object({ ...companyFields, rating: formRating, company_logo: logoFile.optional() }),
).openapi('CreateCompanyForm');

export const updateCompanyJson = blankAsNull(
  z
    .object({ ...optionalFields, company_logo: z.null().optional().openapi({ description: 'null removes the logo' }) })
    .refine(atLeastOneField, 'give at least one field to update'),
).openapi('UpdateCompanyRequest');
export const updateCompanyForm = blankAsNull(
  z
    .object({ ...optionalFields, rating: formRating, company_logo: logoFile.nullable().optional().openapi({ description: 'A new logo; empty removes the logo' }) })
    .refine(atLeastOneField, 'give at least one field to update'),
).openapi('UpdateCompanyForm');

export const companyListQuery = listQuery(COMPANY_SORTABLE_FIELDS).extend({
  my: booleanQuery.optional().openapi({ description: '`true`: only companies you created' }),
  company_id: csvIds.optional().openapi({ description: 'Comma-separated company ids' }),
  industry: csvText.optional().openapi({ description: 'Comma-separated industry_type values (case-insensitive)' }),
});

export const companyFilterQuery = companyListQuery.omit({ page: true, limit: true, order_by: true, order_in: true });

export const similarCompaniesQuery = z.object({
  limit: limitParam(50).openapi({ description: 'At most 50' }),
});

export const deleteCompaniesBody = deletionBody('DeleteCompaniesRequest', 'companies', listFiltersBody(companyFilterQuery, '/api/company/list'));

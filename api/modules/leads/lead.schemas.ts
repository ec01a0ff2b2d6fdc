// Lead request and response schemas (spec §7.1, §11), shared by the lead,
// bulk-action and activity routes. The list filters are declared once: as
// query parameters of the list and as the `filters` object of select_all.
import { z } from '@hono/zod-openapi';
import { LEAD_SORTABLE_FIELDS } from '../../../domain/leads/lead-query.service.js';
import { SYSTEM_AI_INFORMATION_KEYS } from '../../../domain/leads/lead.service.js';
import { booleanQuery, boundedIntParam, csvIds, dateBound, idList, listQuery, phoneNumber, recordId } from '../../openapi/params.js';
import { listFiltersBody } from '../../openapi/selection.js';

const SYSTEM_KEYS = SYSTEM_AI_INFORMATION_KEYS.map((key) => `\`${key}\``).join(' and ');

/** custom_fields, ai_information: a JSON object. */
export const jsonObject = z.record(z.string().min(1).max(100), z.unknown());

/** A multipart file field (parsed by the form validator into a File). */

export const leadSchema = z
  .object({
    id: z.number().int(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    email: z.string().nullable(),
    phone_number: z.string().nullable(),
    company: z.string().nullable(),
    company_id: z.number().int().nullable(),
    job_title: z.string().nullable(),
    industry: z.string().nullable(),
    website: z.string().nullable(),
    address: z.string().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
    country: z.string().nullable(),
    pin_code: z.string().nullable(),
    status: z.number().int().openapi({ description: 'Status lookup code' }),
    status_text: z.string().nullable(),
    priority: z.number().int().openapi({ description: '1=Low, 2=Medium, 3=High, 4=Urgent' }),
    priority_text: z.string().nullable(),
    lead_source: z.number().int().nullable().openapi({ description: '1=Website, 2=Referral, 3=LinkedIn, 4=Email, 5=Direct' }),
    lead_source_text: z.string().nullable(),
    score: z.number().int().openapi({ description: 'Lead score (read-only)' }),
    estimated_value: z.number().nullable(),
    assigned_to: z.number().int().nullable(),
    linkedin_url: z.string().nullable(),
    tags: z.array(z.number().int()).openapi({ description: 'Tag lookup ids' }),
    tag_names: z.array(z.string()),
    custom_fields: jsonObject,
    notes: z.string().nullable(),
    ai_information: jsonObject.openapi({ description: `AI enrichment; the ${SYSTEM_KEYS} keys are written by the system only` }),
    profile_image: z.string().nullable().openapi({ description: 'URL path serving the profile image', example: '/api/lead/42/profile-image' }),
    duplicate_of: z.number().int().nullable(),
    created_by: z.number().int().nullable(),
    last_activity_at: z.string().nullable().openapi({ format: 'date-time' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Lead');

const personName = z.string().trim().min(2).max(50);
const text = (max: number) => z.string().trim().max(max).nullable().optional();
const lookupCode = (description: string) => recordId.openapi({ description });

/** Tag lookup ids or names; unknown names are created (ENGINEERING.md §7). */
export const tagRefs = z
  .array(z.union([recordId, z.string().trim().min(1).max(50)]))
  .max(100)
  .openapi({ description: 'Tag lookup ids or tag names (unknown names are created)', example: [3, 'enterprise'] });

const leadFields = {
  first_name: personName.openapi({ example: 'Jane' }),
  last_name: personName.openapi({ example: 'Doe' }),
  email: z.string().trim().email().max(254).nullable().optional().openapi({ description: 'Unique within your organization' }),
  phone_number: phoneNumber.nullable().optional(),
  company: text(200).openapi({ description: "Company name: links the organization's company of that name, creating it if new" }),
  company_id: recordId.nullable().optional(),
  job_title: text(200),
  industry: text(200),
  website: text(500),
  address: text(500),
  city: text(100),
  state: text(100),
  country: text(100),
  pin_code: text(20),
  status: lookupCode("A status code of the organization (auto-assigned if omitted: 1 = New)").optional(),
  priority: lookupCode('1=Low, 2=Medium, 3=High, 4=Urgent').optional(),
  lead_source: lookupCode('1=Website, 2=Referral, 3=LinkedIn, 4=Email, 5=Direct').nullable().optional(),
  estimated_value: z.number().min(0).max(999_999_999_999.99).nullable().optional(),
  assigned_to: recordId.nullable().optional().openapi({ description: 'User id of the assigned rep' }),
  linkedin_url: z.url({ protocol: /^https?$/ }).max(500).nullable().optional(),
  tags: tagRefs.optional(),
  custom_fields: jsonObject.optional(),
  notes: text(10_000),
};

export const createLeadBody = z.object(leadFields).openapi('CreateLeadRequest');

export const updateLeadBody = z
  .object({
    ...leadFields,
    first_name: personName.optional(),
    last_name: personName.optional(),
    custom_fields: jsonObject.optional().openapi({ description: 'Merged into the existing values key by key' }),
    ai_information: jsonObject
      .optional()
      .openapi({ description: `Merged into the existing values key by key; ${SYSTEM_KEYS} keys are ignored (the system computes them)` }),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'give at least one field to update')
  .openapi('UpdateLeadRequest');

export const leadListQuery = listQuery(LEAD_SORTABLE_FIELDS).extend({
  score_min: boundedIntParam(0, 100).optional().openapi({ description: 'Score at least' }),
  score_max: boundedIntParam(0, 100).optional().openapi({ description: 'Score at most' }),
  assigned_to: z
    .union([z.literal('true').transform(() => 'caller' as const), csvIds])
    .optional()
    .openapi({ type: 'string', description: 'A user id, comma-separated user ids, or `true` for the calling user', example: '12,15' }),
  unassigned: booleanQuery.optional().openapi({ description: '`true`: only leads assigned to nobody' }),
  lead_source: csvIds.optional().openapi({ description: 'Comma-separated lead source codes' }),
  priority: csvIds.optional().openapi({ description: 'Comma-separated priority codes' }),
  state_id: csvIds.optional().openapi({ description: 'Comma-separated status codes' }),
  company: z.string().trim().min(1).max(200).optional().openapi({ description: 'Company name contains (case-insensitive)' }),
  city: z.string().trim().min(1).max(100).optional().openapi({ description: 'City contains (case-insensitive)' }),
  state: z.string().trim().min(1).max(100).optional().openapi({ description: 'State contains (case-insensitive)' }),
  country: z.string().trim().min(1).max(100).optional().openapi({ description: 'Country contains (case-insensitive)' }),
  created_from: dateBound.optional().openapi({ description: 'Created on or after this day (YYYY-MM-DD, UTC)' }),
  created_to: dateBound.optional().openapi({ description: 'Created on or before this day (YYYY-MM-DD, UTC, inclusive)' }),
});

/** The list's filter parameters without paging and sorting: what select_all acts on. */
const leadFilterParams = leadListQuery.omit({ page: true, limit: true, order_by: true, order_in: true });

export const leadFiltersBody = listFiltersBody(leadFilterParams, '/api/lead/list');

const selectionFields = {
  ids: idList.optional().openapi({ description: 'The leads to change; or select_all with filters' }),
  select_all: z.boolean().optional().openapi({ description: '`true`: change every lead matching `filters` (all leads when filters is omitted)' }),
  filters: leadFiltersBody.optional(),
};

/** A bulk action's body: its own fields, and either `ids` or `select_all: true` (+ `filters`). */
export function bulkActionBody<S extends z.ZodRawShape>(name: string, action: S) {
  return z
    .object({ ...action, ...selectionFields })
    .superRefine((body, ctx) => {
      // the generic action fields hide the selection fields' types from the compiler
      const { ids, select_all, filters } = body as { ids?: number[]; select_all?: boolean; filters?: object };
      const byFilters = select_all === true;
      // path [] points at the body, so the error is a 422 (not a missing-parameter 400)
      if (ids && byFilters) ctx.addIssue({ code: 'custom', message: 'give either ids or select_all: true, not both', path: [] });
      else if (!ids && !byFilters) ctx.addIssue({ code: 'custom', message: 'give ids, or select_all: true with filters', path: [] });
      else if (filters && !byFilters) ctx.addIssue({ code: 'custom', message: 'filters apply only with select_all: true', path: [] });
    })
    .openapi(name);
}

export const bulkResultSchema = z.object({ updated: z.number().int().openapi({ description: 'How many leads were changed' }) });

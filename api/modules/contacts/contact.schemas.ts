// Contact request and response schemas (spec §6.4, §11). The list filters
// are declared once: as query parameters of the list and as the `filters`
// object of the bulk update and the bulk delete.
import { z } from '@hono/zod-openapi';
import { CONTACT_SORTABLE_FIELDS } from '../../../domain/crm/contact.service.js';
import { booleanQuery, csvIds, idList, listQuery, phoneNumber, recordId } from '../../openapi/params.js';
import { tagRefs } from '../leads/lead.schemas.js';
import { deletionBody, listFiltersBody } from '../../openapi/selection.js';

export const contactSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    email: z.string().nullable(),
    phone_number: z.string().nullable(),
    company_id: z.number().int().nullable().openapi({ description: 'null once the company was deleted' }),
    company_name: z.string().nullable(),
    lead_id: z.number().int().nullable(),
    designation: z.string().nullable(),
    seniority: z.string().nullable(),
    decision_maker: z.string().nullable(),
    linkedin_url: z.string().nullable(),
    lead_score: z.number().int().nullable().openapi({ description: 'Contact score, 0-100' }),
    status: z.number().int().nullable().openapi({ description: "A status code of the organization's lead status lookups" }),
    status_text: z.string().nullable(),
    tags: z.array(z.number().int()).openapi({ description: 'Tag lookup ids (the tags leads use)' }),
    tag_names: z.array(z.string()),
    created_by: z.number().int().nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Contact');

const text = (max: number) => z.string().trim().max(max).nullable().optional();
const companyId = recordId.openapi({ description: "One of the organization's companies" });
const leadScore = z.number().int().min(0).max(100).nullable().optional().openapi({ description: 'Contact score, 0-100' });

const contactFields = {
  name: z.string().trim().min(2).max(100).openapi({ example: 'Jane Doe' }),
  company_id: companyId,
  email: z.string().trim().email().max(254).nullable().optional(),
  phone_number: phoneNumber.nullable().optional(),
  designation: text(200).openapi({ example: 'Head of Procurement' }),
  seniority: text(100).openapi({ example: 'Director' }),
  decision_maker: text(100).openapi({ description: 'Buyer signal, e.g. "yes", "no", "economic buyer"' }),
  linkedin_url: z.url({ protocol: /^https?$/ }).max(500).nullable().optional(),
  lead_score: leadScore,
  status: recordId
    .nullable()
    .optional()
    .openapi({ description: "A status code of the organization's lead status lookups (1 = New ...)" }),
  lead_id: recordId.nullable().optional().openapi({ description: "One of the organization's leads" }),
  tags: tagRefs.optional().openapi({ description: 'Tag lookup ids or names (the tags leads use; unknown names are created); replaces the tags' }),
};

export const createContactBody = z.object(contactFields).openapi('CreateContactRequest');

export const updateContactBody = z
  .object({ ...contactFields, name: contactFields.name.optional(), company_id: companyId.optional() })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'give at least one field to update')
  .openapi('UpdateContactRequest');

export const contactListQuery = listQuery(CONTACT_SORTABLE_FIELDS).extend({
  my: booleanQuery.optional().openapi({ description: '`true`: only contacts you created' }),
  company_id: csvIds.optional().openapi({ description: 'Comma-separated company ids' }),
  lead_id: csvIds.optional().openapi({ description: 'Comma-separated lead ids' }),
  status: csvIds.optional().openapi({ description: 'Comma-separated status codes' }),
});

export const contactFilters = listFiltersBody(
  contactListQuery.omit({ page: true, limit: true, order_by: true, order_in: true }),
  '/api/contact/list',
);

export const bulkUpdateContactsBody = z
  .object({
    contact_ids: idList.optional().openapi({ description: 'The contacts to change; or select_all with filters' }),
    select_all: z.boolean().optional().openapi({ description: '`true`: change every contact matching `filters` (all contacts when filters is omitted)' }),
    filters: contactFilters.optional(),
    company_id: companyId.optional(),
    lead_score: leadScore,
    tags: tagRefs.optional().openapi({ description: 'Tag lookup ids or names that replace the contacts’ tags; [] clears them' }),
  })
  .superRefine((body, ctx) => {
    const byFilters = body.select_all === true;
    // path [] points at the body, so the error is a 422 (not a missing-parameter 400)
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message, path: [] });
    if (body.contact_ids && byFilters) problem('give either contact_ids or select_all: true, not both');
    else if (!body.contact_ids && !byFilters) problem('give contact_ids, or select_all: true with filters');
    else if (body.filters && !byFilters) problem('filters apply only with select_all: true');
    if (body.company_id === undefined && body.lead_score === undefined && body.tags === undefined) {
      problem('give at least one of company_id, lead_score, tags');
    }
  })
  .openapi('BulkUpdateContactsRequest');

export const deleteContactsBody = deletionBody('DeleteContactsRequest', 'contacts', contactFilters);

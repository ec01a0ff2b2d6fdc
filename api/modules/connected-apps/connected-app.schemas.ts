// Request and response shapes of the connected-apps module (§6.14).
import { z } from '@hono/zod-openapi';
import { CONNECTED_APP_PROVIDERS } from '../../../domain/integrations/connected-app.service.js';
import { COMPANY_IMPORT_FIELDS, LEAD_IMPORT_FIELDS } from '../../../domain/jobs/hubspot-import.js';
import { serviceUrlProblem } from '../../../domain/platform/web-address.js';
import { dateBound, listQuery } from '../../openapi/params.js';

export const connectedAppSchema = z
  .object({
    provider: z.enum(CONNECTED_APP_PROVIDERS),
    name: z.string(),
    connected: z.boolean(),
    token_hint: z.string().nullable().openapi({ description: 'The stored token masked to its last four characters; the token itself is never returned' }),
    base_path: z.string().nullable().openapi({ description: "The provider's API base URL when it was set at connection (else the server's default)" }),
    needs_reauth: z.boolean().openapi({ description: 'The provider refused the stored credentials (revoked, or a refresh failed): an admin must connect it again' }),
    last_error: z.string().nullable().openapi({ description: 'What the provider said when it refused them' }),
    connected_by: z.number().int().nullable(),
    connected_at: z.string().nullable(),
  })
  .openapi('ConnectedApp');

export const hubspotConnectBody = z.object({
  access_token: z.string().trim().min(1).max(1000).openapi({ description: 'A HubSpot private app access token (scopes: crm.objects.contacts.read, crm.objects.companies.read, crm.schemas.*.read)' }),
  base_path: z
    .string()
    .trim()
    .max(2000)
    .superRefine((value, ctx) => {
      const problem = serviceUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .openapi({
      format: 'uri',
      description:
        "Another HubSpot API base URL (http/https, no credentials, query or fragment), accepted only where the operator set HUBSPOT_ALLOW_TENANT_BASE_PATH " +
        "and only when it resolves to a public address (422 base_path_not_allowed / base_path_refused otherwise); absent: the server's HUBSPOT_BASE_PATH",
    }),
});

export const connectedAppsListQuery = listQuery(['id']).pick({ page: true, limit: true });

const hubspotPropertySchema = z
  .object({
    name: z.string(),
    label: z.string(),
    type: z.string(),
    field_type: z.string(),
    group_name: z.string(),
    description: z.string(),
    modifiable: z.boolean(),
  })
  .openapi('HubspotProperty');

const mappingSchema = z.object({
  lead: z.record(z.string().min(1).max(200), z.enum(LEAD_IMPORT_FIELDS)),
  company: z.record(z.string().min(1).max(200), z.enum(COMPANY_IMPORT_FIELDS)),
});

export const hubspotPropertiesSchema = z
  .object({
    contacts: z.array(hubspotPropertySchema),
    companies: z.array(hubspotPropertySchema),
    mapping_targets: z.object({ lead: z.array(z.enum(LEAD_IMPORT_FIELDS)), company: z.array(z.enum(COMPANY_IMPORT_FIELDS)) }),
    default_mapping: mappingSchema,
  })
  .openapi('HubspotProperties');

export const hubspotPropertiesQuery = z.object({
  all: z.enum(['0', '1']).default('0').openapi({ description: '1: every HubSpot property; 0: the ones commonly mapped' }),
});

/** Each LIO field is filled from one HubSpot property at most. */
const oneSourcePerField = (mapping: Record<string, string>, ctx: z.RefinementCtx, object: 'lead' | 'company') => {
  const seen = new Map<string, string>();
  for (const [property, field] of Object.entries(mapping)) {
    const other = seen.get(field);
    if (other) ctx.addIssue({ code: 'custom', path: ['mapping', object, property], message: `${field} is already mapped from ${other}` });
    seen.set(field, property);
  }
};

export const hubspotImportBody = z
  .object({
    mapping: z
      .object({
        lead: mappingSchema.shape.lead.optional().openapi({ description: 'HubSpot contact property → lead field; absent: the default mapping' }),
        company: mappingSchema.shape.company
          .optional()
          .openapi({ description: 'HubSpot company property → company field; absent: the default mapping; {} imports no companies' }),
      })
      .optional(),
    from: dateBound.optional().openapi({ description: "Only records HubSpot last modified at or after this date (ISO)" }),
    to: dateBound.optional().openapi({ description: 'Only records HubSpot last modified at or before this date (a date-only value includes the whole day)' }),
    limit: z.number().int().min(1).max(1_000_000).optional().openapi({ description: 'At most this many companies and this many contacts' }),
  })
  .superRefine((body, ctx) => {
    if (body.mapping?.lead) oneSourcePerField(body.mapping.lead, ctx, 'lead');
    if (body.mapping?.company) {
      oneSourcePerField(body.mapping.company, ctx, 'company');
      const fields = Object.values(body.mapping.company);
      if (fields.length > 0 && !fields.includes('company_name')) {
        ctx.addIssue({ code: 'custom', path: ['mapping', 'company'], message: 'companies are matched by name: map a HubSpot property to company_name' });
      }
    }
    if (body.mapping?.lead && Object.keys(body.mapping.lead).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['mapping', 'lead'], message: 'map at least one HubSpot contact property to a lead field' });
    }
    if (body.from && body.to && body.from.at > body.to.at) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from' });
  });

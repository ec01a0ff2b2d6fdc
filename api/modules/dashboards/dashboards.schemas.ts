import { z } from '@hono/zod-openapi';
import { DASHBOARD_SCOPES } from '../../../domain/analytics/custom-dashboard.service.js';
import { dashboardDefinitionSchema } from '../../../domain/analytics/dashboard-definition.js';
import { listQuery, recordId } from '../../openapi/params.js';

export const listDashboardsQuery = listQuery(['id', 'name', 'created_at', 'updated_at']).extend({
  scope: z.enum(DASHBOARD_SCOPES).optional().openapi({ description: 'Only dashboards of this scope; absent: every dashboard you can see' }),
});

const scope = z.enum(DASHBOARD_SCOPES).openapi({
  description: 'personal: only you; team: every member sees it, its owner or an Admin changes it; workspace: every member sees it, only Admins create or change it',
});

export const dashboardDefinition = dashboardDefinitionSchema.openapi('DashboardDefinition', {
  description: 'Widgets, each a saved query ({ saved_query_id }) or an inline query-language document, and the widget type that draws it (docs/queries.md)',
  example: {
    version: 1,
    widgets: [{ id: 'leads-by-source', title: 'Leads by source', type: 'pie', query: { entity: 'leads', group_by: ['lead_source_text'], aggregates: [{ fn: 'count', alias: 'leads' }] } }],
  },
});

const name = z.string().trim().min(1).max(120);

export const createDashboardBody = z.object({
  dashboard_id: recordId.optional().openapi({ description: 'Copy this dashboard (one you can see): its definition, unless definition is given; name defaults to "Copy of …"' }),
  name: name.optional().openapi({ description: 'Required unless copying' }),
  scope: scope.optional().openapi({ description: 'personal when absent' }),
  definition: dashboardDefinition.optional().openapi({ description: 'Required unless copying' }),
});

export const updateDashboardBody = z.object({ name, scope, definition: dashboardDefinition }).partial();

export const dashboardSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    scope: z.enum(DASHBOARD_SCOPES),
    owner_id: z.number().int(),
    definition: z.record(z.string(), z.unknown()),
    origin: z.object({ prompt: z.string(), generator: z.enum(['llm', 'offline']), model: z.string() }).passthrough().nullable().openapi({ description: 'Set when AI dashboards generated it' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Dashboard');

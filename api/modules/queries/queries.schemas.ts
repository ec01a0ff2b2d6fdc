import { z } from '@hono/zod-openapi';
import { PARAMETER_TYPES, parameterDeclarationsSchema, queryDocumentSchema } from '../../../domain/analytics/query-language.js';
import { WIDGET_TYPES } from '../../../domain/analytics/query-runner.js';
import { listQuery, recordIdParam } from '../../openapi/params.js';

export const queryIdParam = z.object({
  queryId: recordIdParam.openapi({ param: { name: 'queryId', in: 'path' }, example: 1 }),
});

export const listQueriesQuery = listQuery(['id', 'name', 'created_at', 'updated_at']);

/** The document as the API declares it; the catalogue and parameter checks follow in the service (422 naming each problem). */
export const queryDefinition = queryDocumentSchema.openapi('QueryDocument', {
  description: 'A query-language document (docs/queries.md): entity, filters, group_by, aggregates, order_by, limit. Never SQL.',
  example: { entity: 'leads', filters: [{ field: 'created_at', op: 'in_last_days', value: 90 }], group_by: ['lead_source_text'], aggregates: [{ fn: 'count', alias: 'leads' }] },
});

const savedQueryFields = {
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(1000).nullable(),
  definition: queryDefinition,
  parameters: parameterDeclarationsSchema.openapi({
    description: `Declared parameters: [{ name, type (${PARAMETER_TYPES.join(', ')}), required, default }]; every { "param": name } in the definition must be declared`,
  }),
};

export const createQueryBody = z.object(savedQueryFields).partial({ description: true, parameters: true });
export const updateQueryBody = z.object(savedQueryFields).partial();

export const executeQueryBody = z.object({
  parameters: z.record(z.string().max(40), z.unknown()).optional().openapi({ description: 'Values for the declared parameters, by name', example: { days: 30 } }),
  widgetType: z.enum(WIDGET_TYPES).optional().openapi({ description: 'The shape of the answer (table when absent)' }),
});

export const savedQuerySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    definition: z.record(z.string(), z.unknown()),
    parameters: z.array(z.object({ name: z.string(), type: z.enum(PARAMETER_TYPES), required: z.boolean(), default: z.unknown().optional() })),
    owner_id: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('SavedQuery');

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const widgetData = z.union([
  z.object({ value: cell, label: z.string() }).openapi({ description: 'kpi' }),
  z.object({ labels: z.array(z.string()), series: z.array(z.object({ name: z.string(), data: z.array(z.number().nullable()) })) }).openapi({ description: 'line, bar' }),
  z.object({ slices: z.array(z.object({ label: z.string(), value: z.number().nullable() })) }).openapi({ description: 'pie, funnel' }),
  z.object({ columns: z.array(z.object({ name: z.string(), type: z.string() })), rows: z.array(z.array(cell)) }).openapi({ description: 'table' }),
]);

const resultFields = {
  widget_type: z.enum(WIDGET_TYPES),
  data: widgetData,
  meta: z.object({ row_count: z.number().int(), truncated: z.boolean(), duration_ms: z.number() }),
};

export const executeAnswerSchema = z.object({ query_id: z.number().int(), ...resultFields }).openapi('QueryResult');

export const widgetAnswerSchema = z
  .object({ widget_id: z.string(), query_id: z.number().int().nullable().openapi({ description: 'The saved query it ran; null for an inline query' }), ...resultFields })
  .openapi('WidgetResult');

import { z } from '@hono/zod-openapi';
import { FEED_ACTIONS, FEED_MODEL_TYPES, FEED_SORTABLE_FIELDS } from '../../../domain/notifications/activity-feed.service.js';
import { listEnvelope } from '../../openapi/envelopes.js';
import { listQuery, recordIdParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';

const feedEntrySchema = z
  .object({
    id: z.number().int(),
    model_type: z.enum(FEED_MODEL_TYPES),
    model_id: z.number().int(),
    action: z.enum(FEED_ACTIONS),
    actor: z
      .object({ id: z.number().int(), name: z.string().nullable() })
      .nullable()
      .openapi({ description: 'Who made the change; null for the system and API-key writes' }),
    changes: z
      .record(z.string(), z.object({ from: z.unknown(), to: z.unknown() }))
      .nullable()
      .openapi({ description: 'For updates: each changed field with its old and new value', example: { status: { from: 1, to: 2 } } }),
    created_at: z.string(),
  })
  .openapi('ActivityFeedEntry');

export const listFeedRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/feed/list',
  tags: ['Activity feed'],
  summary: 'Activity feed',
  description:
    "What happened to the organization's leads, deals, contacts and companies, newest first by default: one entry per created, " +
    'changed or deleted record, bulk actions included. An update is named by its most telling change (stage_changed, ' +
    'status_changed, assigned, else updated); `changes` lists every changed field. model_type alone filters by kind, with model_id ' +
    "one record's history (which outlives the record). search_value matches a changed field's name or old or new value; " +
    'start_date/end_date filter on created_at.',
  request: {
    query: listQuery(FEED_SORTABLE_FIELDS)
      .extend({
        model_type: z.enum(FEED_MODEL_TYPES).optional(),
        model_id: recordIdParam.optional().openapi({ description: 'With model_type' }),
      })
      .refine((query) => query.model_id === undefined || query.model_type !== undefined, {
        message: 'model_id needs model_type',
        path: ['model_id'],
      }),
  },
  responses: { 200: { description: 'A page of feed entries', content: { 'application/json': { schema: listEnvelope(feedEntrySchema) } } } },
});

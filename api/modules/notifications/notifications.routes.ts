import { z } from '@hono/zod-openapi';
import { NOTIFICATION_SORTABLE_FIELDS, NOTIFICATION_TYPE_IDS, NOTIFICATION_TYPES } from '../../../domain/notifications/notification.service.js';
import { jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { booleanQuery, csvIds, idList, listQuery } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';


const TYPES_NOTE = Object.entries(NOTIFICATION_TYPES)
  .map(([name, id]) => `${id} ${name}`)
  .join(', ');

const notificationSchema = z
  .object({
    id: z.number().int(),
    type_id: z.number().int().openapi({ description: TYPES_NOTE }),
    type: z.enum(Object.keys(NOTIFICATION_TYPES) as [keyof typeof NOTIFICATION_TYPES]).nullable(),
    title: z.string(),
    message: z.string(),
    data: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'What it is about (model_type, model_id) and details of its type', example: { model_type: 'lead', model_id: 42 } }),
    is_read: z.boolean(),
    read_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Notification');

export const listNotificationsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/notification/list',
  tags: ['Notifications'],
  summary: 'List notifications',
  description:
    `The caller's own notifications. type_id: ${TYPES_NOTE}. search_value matches the title or message; ` +
    "start_date/end_date filter on created_at. `unread` counts all of the caller's unread notifications, whatever the filters.",
  request: {
    query: listQuery(NOTIFICATION_SORTABLE_FIELDS).extend({
      is_read: booleanQuery.optional(),
      type_id: csvIds
        .refine((ids) => ids.every((id) => NOTIFICATION_TYPE_IDS.includes(id)), `must be type ids among ${NOTIFICATION_TYPE_IDS.join(', ')}`)
        .optional()
        .openapi({ description: `Comma-separated: ${TYPES_NOTE}` }),
    }),
  },
  responses: {
    200: {
      description: 'A page of notifications, newest first by default',
      content: jsonContent(listEnvelope(notificationSchema).extend({ unread: z.number().int() })),
    },
  },
});

export const markReadBody = z
  .object({
    ids: idList.optional().openapi({ description: "Notification ids; ids that are not the caller's are ignored" }),
    all: z.literal(true).optional().openapi({ description: "`true`: every one of the caller's notifications" }),
  })
  .refine((body) => (body.ids === undefined) !== (body.all === undefined), 'give exactly one of ids and all: true')
  .openapi('NotificationReadRequest');

export const markReadRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/notification/read',
  tags: ['Notifications'],
  summary: 'Mark notifications read',
  description: 'Either `ids` or `all: true` (422 for both or neither). Answers how many unread notifications became read.',
  request: { body: { required: true, content: jsonContent(markReadBody) } },
  responses: { 200: { description: 'Marked', content: jsonContent(okEnvelope(z.object({ updated: z.number().int() }))) } },
});

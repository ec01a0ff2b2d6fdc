// Request and response shapes of intent signals and hot-lead alerts (§9.1, §6.13).
import { z } from '@hono/zod-openapi';
import { SIGNAL_TYPES } from '../../../domain/engagement/hot-leads.js';
import { ALERT_SORTABLE_FIELDS } from '../../../domain/engagement/intent-alerts.js';
import { dateBound, limitParam, pageParam, recordId, recordIdParam } from '../../openapi/params.js';

/** signal_detail bounds: what a client may attach to a signal (it is stored and shown, never interpreted). */
export const SIGNAL_DETAIL_LIMITS = { maxBytes: 8 * 1024, maxKeys: 50, maxDepth: 4 } as const;
/** How far in the future occurred_at may be (clocks of the caller and the server disagree a little). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Depth of nesting (an object of scalars is 1) and the count of keys at every level. */
function shapeOf(value: unknown, depth = 1): { depth: number; keys: number } {
  if (value === null || typeof value !== 'object') return { depth: depth - 1, keys: 0 };
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = depth;
  let keys = Array.isArray(value) ? 0 : children.length;
  for (const child of children) {
    const inner = shapeOf(child, depth + 1);
    deepest = Math.max(deepest, inner.depth);
    keys += inner.keys;
  }
  return { depth: deepest, keys };
}

export const signalDetail = z
  .record(z.string().max(100), z.unknown())
  .superRefine((detail, ctx) => {
    const bytes = Buffer.byteLength(JSON.stringify(detail), 'utf8');
    if (bytes > SIGNAL_DETAIL_LIMITS.maxBytes) ctx.addIssue({ code: 'custom', message: `must be at most ${SIGNAL_DETAIL_LIMITS.maxBytes} bytes as JSON (is ${bytes})` });
    const { depth, keys } = shapeOf(detail);
    if (depth > SIGNAL_DETAIL_LIMITS.maxDepth) ctx.addIssue({ code: 'custom', message: `must nest at most ${SIGNAL_DETAIL_LIMITS.maxDepth} levels deep` });
    if (keys > SIGNAL_DETAIL_LIMITS.maxKeys) ctx.addIssue({ code: 'custom', message: `must have at most ${SIGNAL_DETAIL_LIMITS.maxKeys} keys in all` });
  })
  .openapi({
    type: 'object',
    description: `Extra context, stored as given: at most ${SIGNAL_DETAIL_LIMITS.maxBytes} bytes as JSON, ${SIGNAL_DETAIL_LIMITS.maxKeys} keys in all, ${SIGNAL_DETAIL_LIMITS.maxDepth} levels deep`,
  });

export const signalBody = z
  .object({
    lead_id: recordId,
    signal_type: z.enum(SIGNAL_TYPES),
    signal_detail: signalDetail.optional(),
    source: z.string().trim().min(1).max(100).optional().openapi({ description: 'Where it came from, e.g. website, webinar (default: api)' }),
    occurred_at: z.iso
      .datetime({ offset: true })
      .transform((v) => new Date(v))
      .refine((at) => at.getTime() <= Date.now() + MAX_FUTURE_SKEW_MS, `must not be more than ${MAX_FUTURE_SKEW_MS / 60000} minutes in the future`)
      .optional()
      .openapi({ type: 'string', format: 'date-time', description: 'When it happened (RFC 3339; defaults to now)' }),
  })
  .openapi('IntentSignalRequest');

export const signalSchema = z
  .object({
    id: z.number().int(),
    lead_id: z.number().int(),
    signal_type: z.enum(SIGNAL_TYPES),
    signal_detail: z.record(z.string(), z.unknown()),
    source: z.string().nullable(),
    tracked_email_id: z.number().int().nullable(),
    occurred_at: z.string(),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
  })
  .openapi('IntentSignal');

export const recordedSignalSchema = z
  .object({
    signal: signalSchema,
    heat: z.number().openapi({ description: "The lead's heat after the signal (docs/engagement.md)" }),
    hot: z.boolean().openapi({ description: 'Whether the lead is in a hot episode after it' }),
    alert_id: z.number().int().nullable().openapi({ description: 'The alert it raised when it made the lead hot; null otherwise' }),
  })
  .openapi('RecordedIntentSignal');

const reasonSchema = z.object({
  signal_id: z.number().int(),
  signal_type: z.enum(SIGNAL_TYPES),
  weight: z.number(),
  occurred_at: z.string(),
  contribution: z.number(),
});

export const alertSchema = z
  .object({
    id: z.number().int(),
    lead_id: z.number().int(),
    lead_name: z.string(),
    assigned_to_id: z.number().int().nullable(),
    episode_started_at: z.string(),
    heat: z.number(),
    signal_id: z.number().int().nullable(),
    signal_types: z.array(z.string()),
    reasons: z.array(reasonSchema).openapi({ description: 'Each contributing signal, its weight and what it still added when the alert was raised' }),
    status: z.enum(['open', 'acknowledged']),
    acknowledged_by: z.number().int().nullable(),
    acknowledged_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('IntentAlert');

export const hotLeadSchema = z
  .object({
    lead_id: z.number().int(),
    lead_name: z.string(),
    company: z.string().nullable(),
    email: z.string().nullable(),
    assigned_to_id: z.number().int().nullable(),
    heat: z.number().openapi({ description: 'Decayed to the time of the request' }),
    hot_since: z.string(),
    recent_signal_types: z.array(z.string()),
    alert: z.object({ id: z.number().int(), status: z.string(), created_at: z.string() }).nullable(),
  })
  .openapi('HotLead');

const order_in = z
  .string()
  .transform((v) => v.toUpperCase())
  .pipe(z.enum(['ASC', 'DESC']))
  .default('DESC')
  .openapi({ type: 'string', pattern: '^([aA][sS][cC]|[dD][eE][sS][cC])$', description: 'ASC or DESC, in any case' });

export const alertListQuery = z.object({
  page: pageParam,
  limit: limitParam(),
  order_by: z.enum(ALERT_SORTABLE_FIELDS).default('id').openapi({ description: `One of: ${ALERT_SORTABLE_FIELDS.join(', ')}` }),
  order_in,
  lead_id: recordIdParam.optional(),
  assigned_to_id: recordIdParam.optional(),
  status: z.enum(['open', 'acknowledged']).optional(),
  from_date: dateBound.optional().openapi({ description: 'Raised on or after (a date: from its start)' }),
  to_date: dateBound.optional().openapi({ description: 'Raised on or before (a date: to its end)' }),
});

export const hotLeadsQuery = z.object({
  limit: limitParam(100, 20),
  assigned_to_id: recordIdParam.optional(),
  signal_type: z.enum(SIGNAL_TYPES).optional().openapi({ description: 'Only leads with a signal of this type in the last 7 days' }),
});

export const pagingQuery = z.object({ page: pageParam, limit: limitParam() });

export const leadIdParam = z.object({
  leadId: recordIdParam.openapi({ param: { name: 'leadId', in: 'path' }, example: 1 }),
});

export const settingsSchema = z
  .object({
    hot_lead_threshold: z.number().min(1).max(1000).openapi({ description: 'Heat from which a lead is hot (default 10); the episode ends below half of it' }),
  })
  .openapi('HotLeadSettings');

// The spec's §3 envelopes, as zod schemas (for the OpenAPI document) and as
// the only functions handlers use to answer.
import { z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const errorEnvelopeSchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      message: z.string(),
      type: z.string().openapi({ example: 'validation_error' }),
      code: z.string().nullable(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('ErrorEnvelope');

/** A documented error status: its description and the error envelope. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorEnvelopeSchema } },
});

export const okEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.literal(true), message: z.string(), data });

export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({
    success: z.literal(true),
    message: z.string(),
    data: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    limit: z.number().int(),
  });

export const messageEnvelope = z.object({ success: z.literal(true), message: z.string() });

// Handlers build their bodies through presenters whose types the route
// schemas describe; the OpenAPI document is generated from those schemas and
// API tests check the bodies, so the typed-response generics are not repeated here.
type AnyJson = TypedResponse<any, any, 'json'>;

export function ok(c: Context, data: unknown, message = 'Success', status: ContentfulStatusCode = 200): AnyJson {
  return c.json({ success: true, message, data }, status) as AnyJson;
}

export function okMessage(c: Context, message: string, extra: Record<string, unknown> = {}): AnyJson {
  return c.json({ success: true, message, ...extra }, 200) as AnyJson;
}

export function okList(c: Context, page: { data: unknown[]; total: number; page: number; limit: number }, message = 'Success'): AnyJson {
  return c.json({ success: true, message, ...page }, 200) as AnyJson;
}

// The spec's §3 envelopes, as zod schemas (for the OpenAPI document) and as
// the only functions handlers use to answer.
import { z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { SuccessStatusCode } from 'hono/utils/http-status';

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

/** A route's request or response `content` of one JSON schema. */
export const jsonContent = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** A documented error status: its description and the error envelope. */
export const errorResponse = (description: string) => ({
  description,
  content: jsonContent(errorEnvelopeSchema),
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

// Typed by what they are given: a handler typed `RouteHandler<typeof route,
// AppEnv>` may only return a body whose type the route declares for that
// status, so the compiler checks every answer against its schema (and
// test/helpers/app.ts checks the bodies the tests see at run time). The
// status is a literal of the call, never inferred from the handler's type.

/** What `c.json(body, status)` returns, for a body that is not yet known. */
type JsonAnswer<B, S extends SuccessStatusCode> = Response & TypedResponse<JSONParsed<B>, S, 'json'>;

type SuccessStatus = 200 | 201 | 202;

export function ok<T>(c: Context, data: T, message?: string): JsonAnswer<{ success: true; message: string; data: T }, 200>;
export function ok<T, S extends SuccessStatus>(
  c: Context,
  data: T,
  message: string,
  status: S,
): JsonAnswer<{ success: true; message: string; data: T }, S>;
export function ok(c: Context, data: unknown, message = 'Success', status: SuccessStatus = 200) {
  return c.json({ success: true, message, data }, status);
}

export function okMessage<X extends Record<string, unknown> = {}>(c: Context, message: string, extra?: X) {
  return c.json({ success: true, message, ...extra }, 200) as JsonAnswer<{ success: true; message: string } & X, 200>;
}

/** A page of a list, with what else the list answers beside it (e.g. notifications' `unread`). */
export function okList<P extends { data: unknown[]; total: number; page: number; limit: number }>(c: Context, page: P, message = 'Success') {
  return c.json({ success: true, message, ...page }, 200) as JsonAnswer<{ success: true; message: string } & P, 200>;
}

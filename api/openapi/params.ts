// Query and path parameter schemas shared by every resource (spec §5).
import { z } from '@hono/zod-openapi';
import type { DateBound } from '../../domain/list-query.js';
import { PHONE_NUMBER_PATTERN, PHONE_NUMBER_RULE } from '../../domain/phone-number.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export const dateBound = z
  .string()
  .trim()
  .refine((v) => !Number.isNaN(Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v)), 'must be an ISO date (YYYY-MM-DD) or date-time')
  .transform((v): DateBound => (DATE_ONLY.test(v) ? { at: new Date(`${v}T00:00:00Z`), dateOnly: true } : { at: new Date(v), dateOnly: false }))
  .openapi({ type: 'string', example: '2026-06-15' });

/** The standard list parameters; `sortable` is the allow-list for order_by (it must include "id"). */
export function listQuery<const S extends readonly ['id', ...string[]]>(sortable: S) {
  return z.object({
    page: z.coerce.number().int().min(1).default(1),
    limit: z.coerce.number().int().min(1).max(500).default(10),
    search_value: z.string().trim().max(200).optional(),
    order_by: z.enum(sortable).default('id' as S[number]).openapi({ description: `One of: ${sortable.join(', ')}` }),
    order_in: z
      .string()
      .transform((v) => v.toUpperCase())
      .pipe(z.enum(['ASC', 'DESC']))
      .default('DESC')
      .openapi({ type: 'string', enum: ['ASC', 'DESC'] }),
    start_date: dateBound.optional(),
    end_date: dateBound.optional(),
  });
}

export const idParam = z.object({
  id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
});

/** "1,2,3" -> [1, 2, 3]; every element must be a positive integer. */
export const csvIds = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^\d+$/, 'must be a comma-separated list of ids').transform(Number)).min(1))
  .openapi({ type: 'string', example: '1,2' });

/** "a,b" -> ["a", "b"], each one of `values`. */
export const csvOf = <const V extends readonly [string, ...string[]]>(values: V) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1))
    .openapi({ type: 'string', description: `Comma-separated, among: ${values.join(', ')}`, example: values[0] });

export const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .openapi({ type: 'string', enum: ['true', 'false'] });

export const idList = z.array(z.number().int().positive()).min(1).max(1000);

export const phoneNumber = z.string().trim().regex(PHONE_NUMBER_PATTERN, `must be a phone number (${PHONE_NUMBER_RULE})`);

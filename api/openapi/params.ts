// Query and path parameter schemas shared by every resource (spec §5).
import { z } from '@hono/zod-openapi';
import type { DateBound } from '../../domain/platform/list-query.js';
import { PHONE_NUMBER_PATTERN, PHONE_NUMBER_RULE } from '../../domain/platform/phone-number.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The largest value of a PostgreSQL `integer` column, which every id and
 * lookup code is. Larger numbers are refused where parameters are parsed
 * (422), never handed to the database ("value out of range", a 500).
 */
export const PG_INT_MAX = 2_147_483_647;

/** An integer between min and max, both declared in the OpenAPI document. */
export const boundedInt = (min: number, max: number) => z.number().int().min(min).max(max);

/** boundedInt for a query or path parameter (text, coerced to a number). */
export const boundedIntParam = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).openapi({ type: 'integer', minimum: min, maximum: max });

/** A record id or lookup code in a JSON body: 1 to PG_INT_MAX. */
export const recordId = boundedInt(1, PG_INT_MAX);

/** A record id or lookup code in the query string or path: 1 to PG_INT_MAX. */
export const recordIdParam = boundedIntParam(1, PG_INT_MAX);

/**
 * Pages beyond this are refused: the row offset (page - 1) × limit must stay
 * a PostgreSQL integer at the largest limit, and nobody pages a million deep.
 */
export const MAX_PAGE = 1_000_000;
export const MAX_LIMIT = 500;

/** The OpenAPI shape of a parameter that takes a date or a date-time. */
export const dateOrDateTime = {
  type: 'string' as const,
  anyOf: [
    { type: 'string' as const, format: 'date' },
    { type: 'string' as const, format: 'date-time' },
  ],
  example: '2026-06-15',
};

// Date.parse alone is lax ("0.5" is a date to it): the text must be ISO first.
const isoDateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be an ISO date (YYYY-MM-DD) or date-time' });

export const dateBound = z
  .string()
  .trim()
  .pipe(isoDateOrDateTime)
  .refine((v) => !Number.isNaN(Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v)), 'must be an ISO date (YYYY-MM-DD) or date-time')
  .transform((v): DateBound => (DATE_ONLY.test(v) ? { at: new Date(`${v}T00:00:00Z`), dateOnly: true } : { at: new Date(v), dateOnly: false }))
  .openapi({ ...dateOrDateTime, description: 'A date (YYYY-MM-DD, a whole UTC day) or an RFC 3339 date-time' });

/** The §5 paging parameters. */
export const pageParam = boundedIntParam(1, MAX_PAGE).default(1);
export const limitParam = (max = MAX_LIMIT, byDefault = 10) => boundedIntParam(1, max).default(byDefault);

/** The standard list parameters; `sortable` is the allow-list for order_by (it must include "id"). */
export function listQuery<const S extends readonly ['id', ...string[]]>(sortable: S) {
  return z.object({
    page: pageParam,
    limit: limitParam(),
    search_value: z.string().trim().max(200).optional(),
    order_by: z.enum(sortable).default('id' as S[number]).openapi({ description: `One of: ${sortable.join(', ')}` }),
    order_in: z
      .string()
      .transform((v) => v.toUpperCase())
      .pipe(z.enum(['ASC', 'DESC']))
      .default('DESC')
      .openapi({ type: 'string', pattern: '^([aA][sS][cC]|[dD][eE][sS][cC])$', description: 'ASC or DESC, in any case' }),
    start_date: dateBound.optional(),
    end_date: dateBound.optional(),
  });
}

export const idParam = z.object({
  id: recordIdParam.openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
});

/**
 * A regex source matching the decimal numbers 0..max (leading zeros allowed),
 * so that a documented `pattern` can say what a range check accepts.
 */
function decimalUpTo(max: number): string {
  const digits = String(max);
  const shorter = digits.length > 1 ? [`[0-9]{1,${digits.length - 1}}`] : [];
  const sameLength = [...digits].flatMap((digit, i) => {
    const rest = digits.length - i - 1;
    return digit === '0' ? [] : [`${digits.slice(0, i)}[0-${Number(digit) - 1}]${rest > 0 ? `[0-9]{${rest}}` : ''}`];
  });
  return `0*(?:${[...shorter, ...sameLength, digits].join('|')})`;
}

const LISTED_NUMBER = decimalUpTo(PG_INT_MAX);

/**
 * The documented pattern of a comma-separated list of `item`s: the server
 * splits on commas, trims and drops empty elements, so stray commas and
 * spaces are allowed but at least one element must remain (`status=,` is an
 * empty list, a 422).
 */
const commaSeparated = (item: string) => `^[\\s,]*(?:${item})(?:\\s*,[\\s,]*(?:${item}))*[\\s,]*$`;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const splitList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** "1,2,3" -> [1, 2, 3]; every element a whole number a PostgreSQL integer holds (0 is a state code, e.g. inactive). */
export const csvIds = z
  .string()
  .transform(splitList)
  .pipe(z.array(z.string().regex(/^\d+$/, 'must be a comma-separated list of ids').transform(Number).pipe(boundedInt(0, PG_INT_MAX))).min(1))
  .openapi({ type: 'string', pattern: commaSeparated(LISTED_NUMBER), description: `Comma-separated whole numbers (each at most ${PG_INT_MAX})`, example: '1,2' });

/** "a,b" -> ["a", "b"], each one of `values`. */
export const csvOf = <const V extends readonly [string, ...string[]]>(values: V) =>
  z
    .string()
    .transform(splitList)
    .pipe(z.array(z.enum(values)).min(1))
    .openapi({ type: 'string', pattern: commaSeparated(values.map(escapeRegex).join('|')), description: `Comma-separated, among: ${values.join(', ')}`, example: values[0] });

/** "Software, Retail" -> ["Software", "Retail"]: free text values, each at most 100 characters. */
export const csvText = z
  .string()
  .transform(splitList)
  .pipe(z.array(z.string().max(100)).min(1))
  .openapi({ type: 'string', pattern: commaSeparated('[^,]*[^\\s,][^,]*'), example: 'Software,Retail' });

export const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .openapi({ type: 'string', enum: ['true', 'false', '1', '0'], description: '`true` or `1`; `false` or `0`' });

export const idList = z.array(recordId).min(1).max(1000);

// Surrounding whitespace is trimmed before the rule applies, so the documented pattern allows it.
export const phoneNumber = z
  .string()
  .trim()
  .regex(PHONE_NUMBER_PATTERN, `must be a phone number (${PHONE_NUMBER_RULE})`)
  .openapi({ pattern: `^\\s*(?:${PHONE_NUMBER_PATTERN.source.slice(1, -1)})\\s*$`, example: '+1 (555) 010-0199' });

// Bounds on what a client may send, checked at the edge so that no input can
// make the server buffer without limit, overflow its stack or hand
// PostgreSQL a string it cannot store (which would answer 500).
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../../domain/platform/errors.js';
import type { AppEnv } from '../app-env.js';

/**
 * The deepest nesting of objects and arrays a JSON body may have. The API's
 * own bodies go 3 levels deep; `custom_fields`, `ai_information` and view
 * filters are free-form, and 32 leaves them room while keeping JSON.parse,
 * zod and every recursive walk of the value far from the stack limit.
 */
export const MAX_JSON_DEPTH = 32;

const MULTIPART = /^multipart\/form-data/i;
// the JSON media types Hono's validator parses (application/json, application/*+json)
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, read
 * as text in one pass without recursion (so that no depth can overflow the
 * stack) and before anything parses it. Brackets inside strings do not
 * count; malformed JSON is left for the parser to refuse.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c /* \ */) i++;
      else if (char === 0x22 /* " */) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b /* { */ || char === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) depth--;
  }
  return false;
}

/** Reads the JSON body as text (cached for the validators) and refuses it when it nests too deep. */
async function readBoundedJson(c: Context<AppEnv>): Promise<string> {
  const text = await c.req.text();
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new ApiError('bad_request', `The JSON body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`, { code: 'json_too_deep' });
  }
  return text;
}

/**
 * Every request body but a multipart upload is refused with a 413 once it
 * passes JSON_BODY_MAX_BYTES: at once from Content-Length, else while it is
 * read (a chunked body is never held beyond the limit). A JSON body is then
 * checked for nesting depth before any validator parses it.
 *
 * Multipart bodies are left to their routes, which bound them with their own,
 * larger limits (uploadBodyLimit, or the streamed import's IMPORT_MAX_BYTES);
 * any other route never reads one (its validator answers 400 for the content
 * type without touching the body).
 */
export const boundedRequestBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const contentType = c.req.header('content-type') ?? '';
  if (MULTIPART.test(contentType)) return next();
  const maxBytes = c.get('deps').config.JSON_BODY_MAX_BYTES;
  const tooLarge = () => {
    throw new ApiError('payload_too_large', `The request body is larger than the limit of ${maxBytes} bytes`, { meta: { max_bytes: maxBytes } });
  };
  const declaredLength = c.req.header('content-length');
  if (declaredLength !== undefined && c.req.header('transfer-encoding') === undefined) {
    // the usual request over HTTP: bounded by its declared length (Node's parser reads no more), read
    // straight from the socket; c.req.raw.body would build a full fetch Request and stream for it,
    // measured about a tenth of an ingestion request's CPU (docs/benchmarks.md, ingestion)
    if (Number(declaredLength) > maxBytes) tooLarge();
    if (JSON_MEDIA_TYPE.test(contentType)) await readBoundedJson(c);
    return next();
  }
  if (!c.req.raw.body) return next();
  return bodyLimit({ maxSize: maxBytes, onError: tooLarge })(c, async () => {
    if (JSON_MEDIA_TYPE.test(contentType)) {
      const text = await readBoundedJson(c);
      // validators read the cached text; a route's own reader of the raw stream (a route-level body limit) gets it afresh
      c.req.raw = new Request(c.req.raw, { body: text });
    }
    await next();
  });
};

// objects as JSON, zod and form parsing build them (not Dates, Files or class instances)
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * The path (`a.b.0`) of the first string or object key holding U+0000 in a
 * validated input, or null. PostgreSQL text and jsonb cannot store NUL, so
 * such input is refused up front instead of failing in the database. Walked
 * with an explicit stack: JSON depth is bounded above, but a query value or a
 * form field never needs recursion either.
 */
export function pathOfNulCharacter(input: unknown): string | null {
  const pending: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return path.join('.');
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: [...path, String(index)] }));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\0')) return [...path, key].join('.');
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
  return null;
}

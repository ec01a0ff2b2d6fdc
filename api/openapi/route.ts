// Every route is declared once, here-shaped: its contract (request and
// response schemas) feeds both validation and the OpenAPI document, and the
// auth mode adds the middleware, `security` and the standard error responses.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../domain/platform/errors.js';
import { requireAuth, type AuthMode } from '../middleware/auth.js';
import { limitOrganizationReads } from '../middleware/request-budget.js';
import { errorResponse } from './envelopes.js';

const standardErrors = {
  400: errorResponse('Bad request: malformed body or missing required parameters'),
  413: errorResponse('Request body larger than the limit (JSON_BODY_MAX_BYTES; uploads have their own limits)'),
  422: errorResponse('Validation error'),
  429: errorResponse('Too many requests, or too many reads of the organization in progress (see Retry-After)'),
  500: errorResponse('Server error'),
  503: errorResponse('The server is saturated (no database connection free in time, a query ran too long, or the request passed REQUEST_TIMEOUT_MS); retry after Retry-After'),
};

const authErrors = {
  401: errorResponse('Not authenticated'),
  403: errorResponse('Forbidden'),
  404: errorResponse('Not found (also for ids of another organization)'),
};

type RouteInput = Omit<RouteConfig, 'security' | 'middleware'>;

/**
 * A route whose contract requires a body refuses a request without one (400).
 * The validators see a request with neither a body nor a Content-Type as an
 * empty object, which a schema of optional fields (the update routes)
 * accepts: an update without a body would answer 200 and change nothing.
 */
const requireBody: MiddlewareHandler = async (c, next) => {
  if (!c.req.header('content-type') && !c.req.raw.body) throw new ApiError('bad_request', 'A request body is required', { code: 'missing_body' });
  await next();
};

/**
 * The responses a route of this auth mode declares, as one definite type: a
 * spread of `auth === 'public' ? {} : authErrors` would type 401/403/404 as
 * optional, and a route with an optional response lets its handler return any
 * Response, which would switch off the compiler's check of handler bodies.
 */
type DeclaredResponses<A extends AuthMode | 'public', R extends RouteInput> = typeof standardErrors &
  (A extends 'public' ? unknown : typeof authErrors) &
  R['responses'];

function declaredResponses<A extends AuthMode | 'public', R extends RouteInput>(auth: A, config: R) {
  // TypeScript cannot narrow the conditional type by the value of `auth`
  return { ...standardErrors, ...(auth === 'public' ? {} : authErrors), ...config.responses } as DeclaredResponses<A, R>;
}

export function defineRoute<const A extends AuthMode | 'public', const R extends RouteInput>(auth: A, config: R) {
  const security: Record<string, string[]>[] =
    auth === 'public' ? [] : auth === 'bearer' ? [{ bearerAuth: [] }] : [{ apiKeyAuth: [] }, { bearerAuth: [] }];
  return createRoute({
    ...config,
    security,
    middleware: [...(auth === 'public' ? [] : [requireAuth(auth), limitOrganizationReads]), ...(config.request?.body?.required ? [requireBody] : [])],
    responses: declaredResponses(auth, config),
  });
}

// The one app factory: request ids and logs, both path prefixes, zod
// validation errors and every thrown error formatted into the §3 envelope,
// and the OpenAPI document generated from the route definitions.
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { databaseSaturation } from '../domain/platform/db.js';
import { ApiError, errorStatus, type ErrorKind } from '../domain/platform/errors.js';
import type { AppDeps, AppEnv } from './app-env.js';
import { allowedMethodsOf } from './middleware/allowed-methods.js';
import { requestBudget } from './middleware/request-budget.js';
import { requestContext } from './middleware/request-context.js';
import { boundedRequestBody, pathOfNulCharacter } from './middleware/request-input.js';
import { mountModules } from './modules/index.js';
import { mountApiReference } from './pages/api-reference.js';
import { mountSandboxPage } from './pages/sandbox.js';

// Both documented prefixes are served by one route table: /api/v1/x is routed as /api/x.
const routedPath = (request: Request) => {
  const path = new URL(request.url).pathname;
  return path.startsWith('/api/v1/') || path === '/api/v1' ? `/api${path.slice('/api/v1'.length)}` : path;
};

/** The raw value an issue points at; a path that runs into a scalar (e.g. an element of a "1,x" list) was given. */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return value;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

async function rawInput(c: Context, target: string): Promise<unknown> {
  try {
    if (target === 'json') return await c.req.json();
    if (target === 'query') return c.req.query();
    if (target === 'param') return c.req.param();
    if (target === 'form') return await c.req.parseBody();
    if (target === 'header') return c.req.header();
  } catch {
    return undefined;
  }
  return undefined;
}

// §4 / ENGINEERING.md §7: a missing required parameter is a malformed request
// (400, as login's "email and password not both provided"); a present but
// invalid value is a validation error (422).
const validationHook: Hook<unknown, AppEnv, string, unknown> = async (result, c) => {
  if (result.success) {
    // every query, path parameter, JSON body and form field passes here: the one place NUL is refused
    const nulAt = pathOfNulCharacter(result.data);
    if (nulAt === null) return;
    const path = nulAt || result.target;
    throw new ApiError('validation_error', `${path}: must not contain NUL characters (U+0000)`, {
      code: 'nul_character',
      details: [{ path, message: 'must not contain NUL characters (U+0000)' }],
    });
  }
  const issues = result.error.issues;
  const input = await rawInput(c, result.target);
  const missing = issues.filter((i) => valueAt(input, i.path) === undefined).map((i) => i.path.join('.') || result.target);
  const details = issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  if (missing.length > 0) {
    throw new ApiError('bad_request', `Missing required parameter(s): ${[...new Set(missing)].join(', ')}`, { details });
  }
  throw new ApiError('validation_error', details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; '), { details });
};

/** Prisma and PostgreSQL errors that are the caller's doing, mapped onto API errors. */
function databaseError(err: unknown): ApiError | null {
  const code = (err as { code?: unknown })?.code;
  if (code === 'P2002' || code === '23505') return new ApiError('conflict', 'A record with these values already exists');
  if (code === 'P2025') return new ApiError('not_found', 'Record not found');
  if (code === 'P2003' || code === '23503') return new ApiError('validation_error', 'A referenced record does not exist');
  // saturation is temporary: the client is told when to retry instead of being queued without bound (issue 8 §5)
  const saturation = databaseSaturation(err);
  if (saturation === 'pool_exhausted') {
    return new ApiError('service_unavailable', 'The server is busy; retry shortly', { code: 'database_busy', retryAfterSeconds: 2 });
  }
  if (saturation === 'statement_timeout') {
    return new ApiError('service_unavailable', 'The query took too long and was cancelled; retry later or narrow it', { code: 'query_timeout', retryAfterSeconds: 5 });
  }
  if (saturation === 'deadline_exceeded') {
    return new ApiError('service_unavailable', 'The request could not be answered within its time limit; retry shortly', { code: 'request_timeout', retryAfterSeconds: 2 });
  }
  return null;
}

function errorBody(kind: ErrorKind, message: string, err?: ApiError) {
  return {
    success: false as const,
    error: {
      message,
      type: kind,
      code: err?.options.code ?? null,
      ...(err?.options.details && { details: err.options.details }),
      ...err?.options.meta,
    },
  };
}

const kindOfStatus = (status: number): ErrorKind =>
  (Object.entries(errorStatus).find(([, s]) => s === status)?.[0] as ErrorKind | undefined) ?? (status < 500 ? 'bad_request' : 'internal_error');

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, getPath: routedPath });

  app.use('*', requestContext(deps));
  app.use('*', requestBudget(deps.config));
  app.use('*', boundedRequestBody);

  app.onError((err, c) => {
    const apiError = err instanceof ApiError ? err : databaseError(err);
    if (apiError) {
      if (apiError.options.retryAfterSeconds) c.header('Retry-After', String(apiError.options.retryAfterSeconds));
      return c.json(errorBody(apiError.kind, apiError.message, apiError), apiError.status);
    }
    if (err instanceof HTTPException) {
      // Hono's own: malformed JSON (400), body limits (413); a body of an
      // undeclared content type is a malformed request (400, ENGINEERING.md §7)
      if (err.status === 415) return c.json(errorBody('bad_request', 'Unsupported Content-Type for this endpoint'), 400);
      return c.json(errorBody(kindOfStatus(err.status), err.message || 'Bad request'), err.status);
    }
    (c.var.logger ?? deps.logger).error({ err }, 'unhandled error');
    return c.json(errorBody('internal_error', 'Internal server error'), 500);
  });

  const allowedMethods = allowedMethodsOf(app);
  app.notFound((c) => {
    const route = `${c.req.method} ${new URL(c.req.url).pathname}`;
    const allowed = allowedMethods(routedPath(c.req.raw));
    // a route of this method that answers "not found" itself (c.notFound()) is a 404 too
    if (allowed.length === 0 || allowed.includes(c.req.method)) return c.json(errorBody('not_found', `No route for ${route}`), 404);
    c.header('Allow', allowed.join(', '));
    return c.json(errorBody('method_not_allowed', `No route for ${route}; this path is served with ${allowed.join(', ')}`), 405);
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyAuth', { type: 'apiKey', in: 'header', name: 'x-api-key' });

  mountModules(app);

  app.get('/api/openapi.json', (c) => c.json(openApiDocument(app)));
  mountApiReference(app, '/api/openapi.json');
  mountSandboxPage(app);
  app.get('/health', (c) => c.json({ success: true, message: 'ok' }));
  return app;
}

export type App = ReturnType<typeof createApp>;

export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'LIO API',
      version: '1.0.0',
      description:
        'Lead intelligence API. Every path is also served under /api/v1. Errors use the envelope {success:false,error:{message,type,code}}.',
    },
  });
}

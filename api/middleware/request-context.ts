import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.js';

const REQUEST_ID = /^[\w.-]{1,128}$/;

/** Request id (echoed as X-Request-Id), a per-request child logger, one access-log line. */
export const requestContext =
  (deps: AppDeps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const started = performance.now();
    c.set('deps', deps);
    c.set('requestId', requestId);
    c.set('logger', deps.logger.child({ requestId }));
    c.header('X-Request-Id', requestId);
    await next();
    // the path only: query strings may carry search terms, and headers carry secrets
    c.get('logger').info(
      { method: c.req.method, path: new URL(c.req.url).pathname, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  };

// Every answer a test receives is checked against the contract of the route
// that gave it (issue 9 §8): the status must be one the route declares, and a
// JSON body must parse with the zod schema declared for that status. The
// compiler checks what handlers return; this checks what reaches the wire,
// errors and middleware answers included.
import type { z } from '@hono/zod-openapi';
import type { App } from '../../api/app.js';

interface DeclaredResponse {
  content?: Record<string, { schema?: unknown }>;
}

interface DocumentedRoute {
  method: string;
  path: string;
  pattern: RegExp;
  /** path segments without a {param}: the more, the more specific the route */
  literalSegments: number;
  responses: Record<string, DeclaredResponse>;
}

function documentedRoutes(app: App): DocumentedRoute[] {
  return app.openAPIRegistry.definitions.flatMap((definition) => {
    if (definition.type !== 'route') return [];
    const { method, path, responses } = definition.route;
    const source = path.split('/').map((segment) => (/^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
    return [
      {
        method: method.toUpperCase(),
        path,
        pattern: new RegExp(`^${source.join('/')}/?$`),
        literalSegments: path.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
        responses: responses as Record<string, DeclaredResponse>,
      },
    ];
  });
}

/** The documented route that serves `method path` (/api/v1 is /api), as Hono would pick it; undefined for undocumented paths. */
function routeOf(routes: DocumentedRoute[], method: string, path: string): DocumentedRoute | undefined {
  const routed = path.startsWith('/api/v1/') ? `/api${path.slice('/api/v1'.length)}` : path;
  return routes
    .filter((route) => route.method === method && route.pattern.test(routed))
    .sort((a, b) => b.literalSegments - a.literalSegments)[0];
}

const isZodSchema = (value: unknown): value is z.ZodType => typeof (value as z.ZodType | undefined)?.safeParse === 'function';

/** Throws when the answer does not match its route's declared response. */
async function checkAnswer(route: DocumentedRoute, response: Response): Promise<void> {
  const where = `${route.method} ${route.path} answered ${response.status}`;
  const declared = route.responses[String(response.status)];
  if (!declared) throw new Error(`${where}, a status its route does not declare (declared: ${Object.keys(route.responses).join(', ')})`);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) return;
  const schema = declared.content?.['application/json']?.schema;
  if (!isZodSchema(schema)) throw new Error(`${where} with a JSON body, but the route declares no JSON body for that status`);
  const text = await response.clone().text();
  const parsed = schema.safeParse(text ? JSON.parse(text) : null);
  if (!parsed.success) throw new Error(`${where} with a body its schema refuses:\n${JSON.stringify(parsed.error.issues, null, 2)}\nbody: ${text.slice(0, 2000)}`);
}

/**
 * Wraps `app.request` (which the tests' `call` and direct requests both use)
 * so that an answer of a documented route that breaks its contract fails the
 * request with the route, status and zod issues.
 */
export function checkResponsesAgainstSchemas(app: App): void {
  const routes = documentedRoutes(app);
  const request = app.request.bind(app);
  app.request = (async (...args: Parameters<typeof request>) => {
    const response = await request(...args);
    const [input, init] = args;
    const asRequest = input instanceof Request ? input : undefined;
    const method = (init?.method ?? asRequest?.method ?? 'GET').toUpperCase();
    const path = new URL(asRequest?.url ?? String(input), 'http://lio.test').pathname;
    const route = routeOf(routes, method, path);
    if (route) await checkAnswer(route, response);
    return response;
  }) as typeof app.request;
}

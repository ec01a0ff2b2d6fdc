// A module mounts its routes by name: each `<name>Route` of its routes file
// with the `<name>Handler` of its handlers file (which the handler's
// RouteHandler<typeof route> type already ties to that route).
import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';

export function mountRoutes<const N extends string>(
  app: OpenAPIHono<AppEnv>,
  routes: Record<`${N}Route`, RouteConfig>,
  handlers: Record<`${N}Handler`, RouteHandler<any, AppEnv>>,
  /** in mounting order, which decides between overlapping paths */
  names: readonly N[],
) {
  for (const name of names) app.openapi(routes[`${name}Route`], handlers[`${name}Handler`]);
}

// Which methods a path is served with, read from the app's own route table,
// so that a known path asked with another method is a 405 with `Allow`
// (RFC 9110 §15.5.6) and the list can never drift from the routes.
import type { RouterRoute } from 'hono/types';
import { TrieRouter } from 'hono/router/trie-router';

/**
 * A lookup from a (routed) path to the methods its routes serve, sorted;
 * HEAD is listed beside GET because Hono answers HEAD with the GET route.
 * Empty when no route has the path. The route table is read on first use,
 * once every route is mounted; middleware (method ALL) is not a route.
 */
export function allowedMethodsOf(app: { routes: RouterRoute[] }): (path: string) => string[] {
  let router: TrieRouter<string> | undefined;
  const build = () => {
    const built = new TrieRouter<string>();
    for (const route of app.routes) if (route.method !== 'ALL') built.add('ALL', route.path, route.method);
    return built;
  };
  return (path) => {
    router ??= build();
    const methods = new Set(router.match('GET', path)[0].map(([method]) => method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

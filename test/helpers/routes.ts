// The route table, read from the same registry that produces the OpenAPI
// document: suites generated from it cover every route, including new ones.
import type { App } from '../../api/app.js';

export interface RouteEntry {
  method: string;
  /** OpenAPI-style path, e.g. /api/lead/view/{id} */
  path: string;
  authenticated: boolean;
  pathParams: string[];
}

export function routeTable(app: App): RouteEntry[] {
  return app.openAPIRegistry.definitions.flatMap((definition) => {
    if (definition.type !== 'route') return [];
    const { method, path, security } = definition.route;
    return [
      {
        method: method.toUpperCase(),
        path,
        authenticated: (security ?? []).length > 0,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
      },
    ];
  });
}

/** Fills the path's {params} from `values`; every param must be given. */
export function fillPath(path: string, values: Record<string, string | number>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (values[name] === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return String(values[name]);
  });
}

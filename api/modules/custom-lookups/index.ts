import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { addLookupHandler, listLookupsHandler, updateLookupHandler } from './custom-lookups.handlers.js';
import { addLookupRoute, listLookupsRoute, updateLookupRoute } from './custom-lookups.routes.js';

export function mountCustomLookups(app: OpenAPIHono<AppEnv>) {
  app.openapi(listLookupsRoute, listLookupsHandler);
  app.openapi(addLookupRoute, addLookupHandler);
  app.openapi(updateLookupRoute, updateLookupHandler);
}

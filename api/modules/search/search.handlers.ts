import type { RouteHandler } from '@hono/zod-openapi';
import { globalSearch } from '../../../domain/crm/global-search.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import type { globalSearchRoute } from './search.routes.js';

export const globalSearchHandler: RouteHandler<typeof globalSearchRoute, AppEnv> = async (c) => {
  const { search_value, limit } = c.req.valid('query');
  return ok(c, await globalSearch(c.var.deps.database, c.var.auth, { text: search_value, limit }));
};

import type { RouteHandler } from '@hono/zod-openapi';
import {
  createSavedQuery,
  deleteSavedQuery,
  executeSavedQuery,
  getSavedQuery,
  listSavedQueries,
  updateSavedQuery,
} from '../../../domain/analytics/saved-query.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList, okMessage } from '../../openapi/envelopes.js';
import { member } from './member-scope.js';
import type { createQueryRoute, deleteQueryRoute, executeQueryRoute, getQueryRoute, listQueriesRoute, updateQueryRoute } from './queries.routes.js';

export const listQueriesHandler: RouteHandler<typeof listQueriesRoute, AppEnv> = async (c) =>
  okList(c, await listSavedQueries(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Saved queries retrieved');

export const createQueryHandler: RouteHandler<typeof createQueryRoute, AppEnv> = async (c) =>
  ok(c, await createSavedQuery(c.var.deps.database, member(c.var.auth), c.req.valid('json')), 'Query saved', 201);

export const getQueryHandler: RouteHandler<typeof getQueryRoute, AppEnv> = async (c) =>
  ok(c, await getSavedQuery(c.var.deps.database, c.var.auth, c.req.valid('param').queryId), 'Saved query retrieved');

export const updateQueryHandler: RouteHandler<typeof updateQueryRoute, AppEnv> = async (c) =>
  ok(c, await updateSavedQuery(c.var.deps.database, member(c.var.auth), c.req.valid('param').queryId, c.req.valid('json')), 'Query updated');

export const deleteQueryHandler: RouteHandler<typeof deleteQueryRoute, AppEnv> = async (c) => {
  await deleteSavedQuery(c.var.deps.database, member(c.var.auth), c.req.valid('param').queryId);
  return okMessage(c, 'Query deleted');
};

export const executeQueryHandler: RouteHandler<typeof executeQueryRoute, AppEnv> = async (c) => {
  const { deps } = c.var;
  const answer = await executeSavedQuery(deps.database, c.var.auth, c.req.valid('param').queryId, c.req.valid('json') ?? {}, deps.config.SAVED_QUERY_TIMEOUT_MS);
  return ok(c, answer, 'Query executed');
};

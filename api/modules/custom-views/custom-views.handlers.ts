import type { RouteHandler } from '@hono/zod-openapi';
import type { AuthContext } from '../../../domain/platform/auth-context.js';
import { addView, deleteView, listViews, updateView, type ViewerScope } from '../../../domain/crm/custom-view.service.js';
import { ApiError } from '../../../domain/platform/errors.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList, okMessage } from '../../openapi/envelopes.js';
import type { addViewRoute, deleteViewRoute, listViewsRoute, updateViewRoute } from './custom-views.routes.js';

/** Bearer routes always carry a user; the check narrows the type for the service. */
function viewer(auth: AuthContext): ViewerScope {
  if (auth.userId === null) throw new ApiError('unauthorized', 'Saved views need a signed-in user');
  return { ...auth, userId: auth.userId };
}

export const listViewsHandler: RouteHandler<typeof listViewsRoute, AppEnv> = async (c) =>
  okList(c, await listViews(c.var.deps.database, viewer(c.var.auth), c.req.valid('query')), 'Views retrieved');

export const addViewHandler: RouteHandler<typeof addViewRoute, AppEnv> = async (c) =>
  ok(c, await addView(c.var.deps.database, viewer(c.var.auth), c.req.valid('json')), 'View created', 201);

export const updateViewHandler: RouteHandler<typeof updateViewRoute, AppEnv> = async (c) =>
  ok(c, await updateView(c.var.deps.database, viewer(c.var.auth), c.req.valid('param').id, c.req.valid('json')), 'View updated');

export const deleteViewHandler: RouteHandler<typeof deleteViewRoute, AppEnv> = async (c) => {
  await deleteView(c.var.deps.database, viewer(c.var.auth), c.req.valid('param').id);
  return okMessage(c, 'View deleted');
};

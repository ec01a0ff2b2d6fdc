import type { RouteHandler } from '@hono/zod-openapi';
import { listActivityFeed } from '../../../domain/notifications/activity-feed.service.js';
import type { AppEnv } from '../../app-env.js';
import { okList } from '../../openapi/envelopes.js';
import type { listFeedRoute } from './feed.routes.js';

export const listFeedHandler: RouteHandler<typeof listFeedRoute, AppEnv> = async (c) => {
  const { model_type, model_id, ...params } = c.req.valid('query');
  return okList(c, await listActivityFeed(c.var.deps.database, c.var.auth, params, { model_type, model_id }), 'Activity feed retrieved');
};

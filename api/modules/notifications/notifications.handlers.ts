import type { RouteHandler } from '@hono/zod-openapi';
import { listNotifications, markNotificationsRead } from '../../../domain/notifications/notification.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { listNotificationsRoute, markReadRoute } from './notifications.routes.js';

export const listNotificationsHandler: RouteHandler<typeof listNotificationsRoute, AppEnv> = async (c) => {
  const { is_read, type_id, ...params } = c.req.valid('query');
  return okList(c, await listNotifications(c.var.deps.database, c.var.auth, params, { is_read, type_id }), 'Notifications retrieved');
};

export const markReadHandler: RouteHandler<typeof markReadRoute, AppEnv> = async (c) => {
  const { ids } = c.req.valid('json');
  const updated = await markNotificationsRead(c.var.deps.database, c.var.auth, ids ? { ids } : { all: true });
  return ok(c, { updated }, `${updated} notification(s) marked read`);
};

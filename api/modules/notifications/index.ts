// §6.15: the caller's notifications and the organization's activity feed,
// both produced by real events (see domain/notifications/notification.service.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { listFeedHandler } from './feed.handlers.js';
import { listFeedRoute } from './feed.routes.js';
import { listNotificationsHandler, markReadHandler } from './notifications.handlers.js';
import { listNotificationsRoute, markReadRoute } from './notifications.routes.js';

export function mountNotifications(app: OpenAPIHono<AppEnv>) {
  app.openapi(listNotificationsRoute, listNotificationsHandler);
  app.openapi(markReadRoute, markReadHandler);
  app.openapi(listFeedRoute, listFeedHandler);
}

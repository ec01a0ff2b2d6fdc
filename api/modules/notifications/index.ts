// §6.15: the caller's notifications and the organization's activity feed,
// both produced by real events (see domain/notifications/notification.service.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as feedHandlers from './feed.handlers.js';
import * as feedRoutes from './feed.routes.js';
import * as handlers from './notifications.handlers.js';
import * as routes from './notifications.routes.js';

export function mountNotifications(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listNotifications', 'markRead']);
  mountRoutes(app, feedRoutes, feedHandlers, ['listFeed']);
}

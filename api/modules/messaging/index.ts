// Slack and Teams (§6.14): their connections beside HubSpot's, their channels,
// a test notification through the durable delivery
// (workflows/notification-delivery.workflow.ts), and which channels each
// event type is announced to.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './messaging.handlers.js';
import * as routes from './messaging.routes.js';

export function mountMessaging(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'connectSlack',
    'disconnectSlack',
    'connectTeams',
    'disconnectTeams',
    'slackChannels',
    'slackTestNotification',
    'teamsChannels',
    'listNotificationRoutes',
    'replaceNotificationRoutes',
  ]);
}

// AI credits (§6.9): the organization's balance and the price of each AI feature.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './credits.handlers.js';
import * as routes from './credits.routes.js';

export function mountCredits(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['creditBalance', 'aiFeatures']);
}

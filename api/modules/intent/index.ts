import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './intent.handlers.js';
import * as routes from './intent.routes.js';

export function mountIntent(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'logSignal',
    'alertSignal',
    'alertList',
    'hotLeads',
    'leadAlerts',
    'acknowledgeAlert',
    'hotLeadSettings',
    'updateHotLeadSettings',
  ]);
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './custom-fields.handlers.js';
import * as routes from './custom-fields.routes.js';

export function mountCustomFields(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['setLeadCustomField', 'listCustomFields']);
}

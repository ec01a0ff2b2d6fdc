import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './web-forms.handlers.js';
import * as routes from './web-forms.routes.js';

export function mountWebForms(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['listWebForms', 'createWebForm', 'viewWebForm', 'updateWebForm', 'deleteWebForm', 'listWebFormSubmissions']);
}

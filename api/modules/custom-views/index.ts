import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { addViewHandler, deleteViewHandler, listViewsHandler, updateViewHandler } from './custom-views.handlers.js';
import { addViewRoute, deleteViewRoute, listViewsRoute, updateViewRoute } from './custom-views.routes.js';

export function mountCustomViews(app: OpenAPIHono<AppEnv>) {
  app.openapi(listViewsRoute, listViewsHandler);
  app.openapi(addViewRoute, addViewHandler);
  app.openapi(updateViewRoute, updateViewHandler);
  app.openapi(deleteViewRoute, deleteViewHandler);
}

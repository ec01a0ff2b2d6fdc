import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { addDealHandler, deleteDealsHandler, listDealsHandler, updateDealHandler } from './deals.handlers.js';
import { addDealRoute, deleteDealsRoute, listDealsRoute, updateDealRoute } from './deals.routes.js';

export function mountDeals(app: OpenAPIHono<AppEnv>) {
  app.openapi(listDealsRoute, listDealsHandler);
  app.openapi(addDealRoute, addDealHandler);
  app.openapi(updateDealRoute, updateDealHandler);
  app.openapi(deleteDealsRoute, deleteDealsHandler);
}

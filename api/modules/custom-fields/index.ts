import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { listCustomFieldsHandler, setLeadCustomFieldHandler } from './custom-fields.handlers.js';
import { listCustomFieldsRoute, setLeadCustomFieldRoute } from './custom-fields.routes.js';

export function mountCustomFields(app: OpenAPIHono<AppEnv>) {
  app.openapi(setLeadCustomFieldRoute, setLeadCustomFieldHandler);
  app.openapi(listCustomFieldsRoute, listCustomFieldsHandler);
}

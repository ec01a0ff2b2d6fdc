import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import { uploadBodyLimit } from '../../openapi/uploads.js';
import * as activityHandlers from './lead-activity.handlers.js';
import * as activityRoutes from './lead-activity.routes.js';
import * as bulkHandlers from './lead-bulk.handlers.js';
import * as bulkRoutes from './lead-bulk.routes.js';
import * as handlers from './leads.handlers.js';
import * as routes from './leads.routes.js';

/** OpenAPI `{param}` paths in Hono's `:param` form, for plain middleware. */
const honoPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

export function mountLeads(app: OpenAPIHono<AppEnv>) {
  // ahead of the routes, so the size guard runs before anything reads the body
  for (const route of [routes.uploadProfileImageRoute, activityRoutes.addDocumentRoute]) app.use(honoPath(route.path), uploadBodyLimit);

  mountRoutes(app, routes, handlers, [
    'listLeads',
    'addLead',
    'viewLead',
    'updateLead',
    'deleteLeads',
    'updateCustomFields',
    'uploadProfileImage',
    'profileImage',
  ]);
  mountRoutes(app, bulkRoutes, bulkHandlers, ['changeStatus', 'assignUser', 'addTags', 'replaceTags']);
  mountRoutes(app, activityRoutes, activityHandlers, [
    'listNotes',
    'addNote',
    'listFollowUps',
    'addFollowUp',
    'listDocuments',
    'addDocument',
    'downloadDocument',
  ]);
}

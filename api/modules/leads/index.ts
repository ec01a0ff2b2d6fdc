import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import {
  addDocumentHandler,
  addFollowUpHandler,
  addNoteHandler,
  downloadDocumentHandler,
  listDocumentsHandler,
  listFollowUpsHandler,
  listNotesHandler,
} from './lead-activity.handlers.js';
import {
  addDocumentRoute,
  addFollowUpRoute,
  addNoteRoute,
  downloadDocumentRoute,
  listDocumentsRoute,
  listFollowUpsRoute,
  listNotesRoute,
} from './lead-activity.routes.js';
import { addTagsHandler, assignUserHandler, changeStatusHandler, replaceTagsHandler } from './lead-bulk.handlers.js';
import { addTagsRoute, assignUserRoute, changeStatusRoute, replaceTagsRoute } from './lead-bulk.routes.js';
import { uploadBodyLimit } from '../../openapi/uploads.js';
import {
  addLeadHandler,
  deleteLeadsHandler,
  listLeadsHandler,
  profileImageHandler,
  updateCustomFieldsHandler,
  updateLeadHandler,
  uploadProfileImageHandler,
  viewLeadHandler,
} from './leads.handlers.js';
import {
  addLeadRoute,
  deleteLeadsRoute,
  listLeadsRoute,
  profileImageRoute,
  updateCustomFieldsRoute,
  updateLeadRoute,
  uploadProfileImageRoute,
  viewLeadRoute,
} from './leads.routes.js';

/** OpenAPI `{param}` paths in Hono's `:param` form, for plain middleware. */
const honoPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

export function mountLeads(app: OpenAPIHono<AppEnv>) {
  // ahead of the routes, so the size guard runs before anything reads the body
  for (const route of [uploadProfileImageRoute, addDocumentRoute]) app.use(honoPath(route.path), uploadBodyLimit);

  app.openapi(listLeadsRoute, listLeadsHandler);
  app.openapi(addLeadRoute, addLeadHandler);
  app.openapi(viewLeadRoute, viewLeadHandler);
  app.openapi(updateLeadRoute, updateLeadHandler);
  app.openapi(deleteLeadsRoute, deleteLeadsHandler);
  app.openapi(updateCustomFieldsRoute, updateCustomFieldsHandler);
  app.openapi(uploadProfileImageRoute, uploadProfileImageHandler);
  app.openapi(profileImageRoute, profileImageHandler);

  app.openapi(changeStatusRoute, changeStatusHandler);
  app.openapi(assignUserRoute, assignUserHandler);
  app.openapi(addTagsRoute, addTagsHandler);
  app.openapi(replaceTagsRoute, replaceTagsHandler);

  app.openapi(listNotesRoute, listNotesHandler);
  app.openapi(addNoteRoute, addNoteHandler);
  app.openapi(listFollowUpsRoute, listFollowUpsHandler);
  app.openapi(addFollowUpRoute, addFollowUpHandler);
  app.openapi(listDocumentsRoute, listDocumentsHandler);
  app.openapi(addDocumentRoute, addDocumentHandler);
  app.openapi(downloadDocumentRoute, downloadDocumentHandler);
}

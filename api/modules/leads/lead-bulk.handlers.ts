import type { RouteHandler } from '@hono/zod-openapi';
import { addLeadTags, assignLeads, changeLeadStatus, replaceLeadTags, type LeadSelection } from '../../../domain/leads/lead-bulk.service.js';
import type { LeadFilters } from '../../../domain/leads/lead-query.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import type { addTagsRoute, assignUserRoute, changeStatusRoute, replaceTagsRoute } from './lead-bulk.routes.js';

/** The body schema has already required exactly one of the two forms. */
const selectionOf = (body: { ids?: number[]; filters?: LeadFilters }): LeadSelection =>
  body.ids ? { ids: body.ids } : { filters: body.filters ?? {} };

export const changeStatusHandler: RouteHandler<typeof changeStatusRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const updated = await changeLeadStatus(c.var.deps.database, c.var.auth, selectionOf(body), body.status);
  return ok(c, { updated }, 'Lead status changed');
};

export const assignUserHandler: RouteHandler<typeof assignUserRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const updated = await assignLeads(c.var.deps.database, c.var.auth, selectionOf(body), body.assigned_to);
  return ok(c, { updated }, body.assigned_to === null ? 'Leads unassigned' : 'Leads assigned');
};

export const addTagsHandler: RouteHandler<typeof addTagsRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const updated = await addLeadTags(c.var.deps.database, c.var.auth, selectionOf(body), body.tags);
  return ok(c, { updated }, 'Tags added');
};

export const replaceTagsHandler: RouteHandler<typeof replaceTagsRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const updated = await replaceLeadTags(c.var.deps.database, c.var.auth, selectionOf(body), body.tags);
  return ok(c, { updated }, 'Tags replaced');
};

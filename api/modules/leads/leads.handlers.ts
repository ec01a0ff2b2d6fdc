import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Lead } from '../../../generated/prisma/client.js';
import { loadLeadLabels } from '../../../domain/crm/lead-lookups.js';
import { listLeads } from '../../../domain/leads/lead-query.service.js';
import {
  createLead,
  deleteLeads,
  getLead,
  openLeadProfileImage,
  presentLead,
  setLeadProfileImage,
  updateLead,
} from '../../../domain/leads/lead.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { fileStorageOf, sendStoredFile } from '../../openapi/uploads.js';
import type {
  addLeadRoute,
  deleteLeadsRoute,
  listLeadsRoute,
  profileImageRoute,
  updateCustomFieldsRoute,
  updateLeadRoute,
  uploadProfileImageRoute,
  viewLeadRoute,
} from './leads.routes.js';

async function presentWithLabels(c: Context<AppEnv>, lead: Lead) {
  return presentLead(lead, await loadLeadLabels(c.var.deps.database.pool, c.var.auth.orgId));
}

/** A page of the caller's leads, presented; shared by GET /lead/list and the API-key GET /lead/lead-list. */
export async function respondWithLeadPage(c: Context<AppEnv>, query: Parameters<typeof listLeads>[2] & Parameters<typeof listLeads>[3]) {
  const { database } = c.var.deps;
  const { page, limit, order_by, order_in, ...filters } = query;
  const [result, labels] = await Promise.all([
    listLeads(database, c.var.auth, { page, limit, order_by, order_in }, filters),
    loadLeadLabels(database.pool, c.var.auth.orgId),
  ]);
  return okList(c, { ...result, data: result.data.map((lead) => presentLead(lead, labels)) });
}

export const listLeadsHandler: RouteHandler<typeof listLeadsRoute, AppEnv> = (c) => respondWithLeadPage(c, c.req.valid('query'));

export const addLeadHandler: RouteHandler<typeof addLeadRoute, AppEnv> = async (c) => {
  const { lead, labels } = await createLead(c.var.deps.database, c.var.auth, c.req.valid('json'), 'reject');
  return ok(c, presentLead(lead, labels), 'Lead created successfully', 201);
};

export const viewLeadHandler: RouteHandler<typeof viewLeadRoute, AppEnv> = async (c) => {
  const lead = await getLead(c.var.deps.database, c.var.auth, c.req.valid('param').id);
  return ok(c, await presentWithLabels(c, lead));
};

export const updateLeadHandler: RouteHandler<typeof updateLeadRoute, AppEnv> = async (c) => {
  const lead = await updateLead(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json'));
  return ok(c, await presentWithLabels(c, lead), 'Lead updated successfully');
};

export const deleteLeadsHandler: RouteHandler<typeof deleteLeadsRoute, AppEnv> = async (c) => {
  const deleted = await deleteLeads(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('json').ids);
  return ok(c, { deleted }, `${deleted} lead(s) deleted`);
};

export const updateCustomFieldsHandler: RouteHandler<typeof updateCustomFieldsRoute, AppEnv> = async (c) => {
  const { lead_id, custom_fields } = c.req.valid('json');
  const lead = await updateLead(c.var.deps.database, c.var.auth, lead_id, { custom_fields });
  return ok(c, await presentWithLabels(c, lead), 'Custom fields updated successfully');
};

export const uploadProfileImageHandler: RouteHandler<typeof uploadProfileImageRoute, AppEnv> = async (c) => {
  const lead = await setLeadProfileImage(
    c.var.deps.database,
    fileStorageOf(c),
    c.var.auth,
    c.req.valid('param').id,
    c.req.valid('form').image,
    c.var.deps.config.UPLOAD_MAX_BYTES,
  );
  return ok(c, await presentWithLabels(c, lead), 'Profile image uploaded successfully');
};

export const profileImageHandler: RouteHandler<typeof profileImageRoute, AppEnv> = async (c) => {
  const image = await openLeadProfileImage(c.var.deps.database, fileStorageOf(c), c.var.auth, c.req.valid('param').id);
  return sendStoredFile(c, image, 'inline');
};

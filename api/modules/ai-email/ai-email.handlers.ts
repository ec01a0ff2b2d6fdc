import type { RouteHandler } from '@hono/zod-openapi';
import { approveDraft, createBulkDraftJob, generateDraft, listLeadDrafts, sendDraft } from '../../../domain/engagement/ai-email.service.js';
import { presentJob } from '../../../domain/jobs/job.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { approveDraftRoute, bulkGenerateRoute, generateDraftRoute, listLeadDraftsRoute, sendDraftRoute } from './ai-email.routes.js';

export const generateDraftHandler: RouteHandler<typeof generateDraftRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const body = c.req.valid('json');
  const draft = await generateDraft(database, services.llm, c.var.auth, c.req.valid('param').lead_id, body?.persona ?? null);
  return ok(c, draft, 'Draft generated', 201);
};

export const bulkGenerateHandler: RouteHandler<typeof bulkGenerateRoute, AppEnv> = async (c) => {
  const { lead_ids, persona } = c.req.valid('json');
  const job = await createBulkDraftJob(c.var.deps.database, c.var.auth, { lead_ids, persona: persona ?? null });
  return ok(c, presentJob(job), 'Bulk drafting started', 202);
};

export const listLeadDraftsHandler: RouteHandler<typeof listLeadDraftsRoute, AppEnv> = async (c) =>
  okList(c, await listLeadDrafts(c.var.deps.database, c.var.auth, c.req.valid('param').lead_id, c.req.valid('query')), 'Drafts retrieved');

export const approveDraftHandler: RouteHandler<typeof approveDraftRoute, AppEnv> = async (c) =>
  ok(c, await approveDraft(c.var.deps.database, c.var.auth, c.req.valid('param').draft_id), 'Draft approved');

export const sendDraftHandler: RouteHandler<typeof sendDraftRoute, AppEnv> = async (c) => {
  const { database, services, config } = c.var.deps;
  const sent = await sendDraft(
    database,
    { secrets: services.secrets, links: { tokens: services.tokens, publicBaseUrl: config.PUBLIC_BASE_URL } },
    c.var.auth,
    c.req.valid('param').draft_id,
    c.req.valid('json').config_id,
  );
  return ok(c, sent, 'Draft sent');
};

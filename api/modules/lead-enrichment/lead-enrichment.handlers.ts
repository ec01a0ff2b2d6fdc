import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  createLeadEnrichmentJob,
  creditsLeft,
  enrichCompanyNow,
  enrichLeadNow,
  enrichmentOf,
  getLinkedinLead,
  listLinkedinLeads,
  noCreditsError,
  outOfCredits,
} from '../../../domain/jobs/enrichment.service.js';
import { getJob, presentJob } from '../../../domain/jobs/job.service.js';
import { loadLeadLabels } from '../../../domain/crm/lead-lookups.js';
import { getLead, presentLead } from '../../../domain/leads/lead.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  bulkEnrichRoute,
  enrichCompanyRoute,
  enrichLeadRoute,
  enrichmentJobRoute,
  recentLinkedinLeadsRoute,
  viewLinkedinLeadRoute,
} from './lead-enrichment.routes.js';

// the process's one engine (services/): its rate limiter paces every request this API process makes to a provider
function enrichDeps(c: Context<AppEnv>) {
  const { config, database, services } = c.var.deps;
  return {
    db: database,
    engine: services.enrichment,
    budgetMs: config.ENRICHMENT_SYNC_BUDGET_MS,
    batchSize: config.ENRICHMENT_BATCH_SIZE,
  };
}

const deferredMessage = 'The providers did not answer in time; an enrichment job finishes the work';

export const enrichLeadHandler: RouteHandler<typeof enrichLeadRoute, AppEnv> = async (c) => {
  const { database } = c.var.deps;
  const outcome = await enrichLeadNow(enrichDeps(c), c.var.auth, c.req.valid('json'));
  if (outcome.deferred) return ok(c, presentJob(outcome.job), deferredMessage, 202);
  const [lead, labels, credits] = await Promise.all([
    getLead(database, c.var.auth, outcome.leadId),
    loadLeadLabels(database.pool, c.var.auth.orgId),
    creditsLeft(database, c.var.auth.orgId),
  ]);
  const data = { lead: presentLead(lead, labels), lead_created: outcome.leadCreated, enrichment: outcome.enrichment, credits_remaining: credits };
  return ok(c, data, outcome.enrichment ? 'Lead enriched' : 'Nothing was found for the empty fields of the lead');
};

export const bulkEnrichHandler: RouteHandler<typeof bulkEnrichRoute, AppEnv> = async (c) => {
  const { database } = c.var.deps;
  const { leads, group_id } = c.req.valid('json');
  if (await outOfCredits(database, enrichDeps(c).engine, c.var.auth.orgId)) throw noCreditsError();
  const job = await createLeadEnrichmentJob(database, c.var.auth, leads, {
    batchSize: c.var.deps.config.ENRICHMENT_BATCH_SIZE,
    ...(group_id !== undefined && { groupId: group_id }),
  });
  return ok(c, presentJob(job), 'Bulk enrichment started', 202);
};

export const enrichmentJobHandler: RouteHandler<typeof enrichmentJobRoute, AppEnv> = async (c) =>
  ok(c, presentJob(await getJob(c.var.deps.database, c.var.auth, c.req.valid('param').jobId, ['enrichment'])), 'Job retrieved');

export const recentLinkedinLeadsHandler: RouteHandler<typeof recentLinkedinLeadsRoute, AppEnv> = async (c) => {
  const { database } = c.var.deps;
  const { search, search_value, ...list } = c.req.valid('query');
  const [result, labels] = await Promise.all([
    listLinkedinLeads(database, c.var.auth, { ...list, search: search ?? search_value }),
    loadLeadLabels(database.pool, c.var.auth.orgId),
  ]);
  return okList(c, { ...result, data: result.data.map((lead) => ({ ...presentLead(lead, labels), enrichment: enrichmentOf(lead) })) }, 'LinkedIn leads retrieved');
};

export const viewLinkedinLeadHandler: RouteHandler<typeof viewLinkedinLeadRoute, AppEnv> = async (c) => {
  const { database } = c.var.deps;
  const [lead, labels] = await Promise.all([getLinkedinLead(database, c.var.auth, c.req.valid('param').id), loadLeadLabels(database.pool, c.var.auth.orgId)]);
  return ok(c, { ...presentLead(lead, labels), enrichment: enrichmentOf(lead) }, 'LinkedIn lead retrieved');
};

export const enrichCompanyHandler: RouteHandler<typeof enrichCompanyRoute, AppEnv> = async (c) => {
  const outcome = await enrichCompanyNow(enrichDeps(c), c.var.auth, c.req.valid('json').company_id);
  if (outcome.deferred) return ok(c, presentJob(outcome.job), deferredMessage, 202);
  const credits = await creditsLeft(c.var.deps.database, c.var.auth.orgId);
  const data = { company: outcome.company, enrichment: outcome.enrichment, credits_remaining: credits };
  return ok(c, data, outcome.enrichment ? 'Company enriched' : 'Nothing was found for the empty fields of the company');
};

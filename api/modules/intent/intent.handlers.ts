import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { acknowledgeAlert, alertsOfLead, hotLeadSettings, hotLeads, listAlerts, updateHotLeadSettings } from '../../../domain/engagement/intent-alerts.js';
import { logSignal } from '../../../domain/engagement/intent-signals.js';
import { enforceRateLimit } from '../../../domain/platform/rate-limit.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  acknowledgeAlertRoute,
  alertListRoute,
  alertSignalRoute,
  hotLeadSettingsRoute,
  hotLeadsRoute,
  leadAlertsRoute,
  logSignalRoute,
  updateHotLeadSettingsRoute,
} from './intent.routes.js';
import type { signalBody } from './intent.schemas.js';
import type { z } from '@hono/zod-openapi';

async function record(c: Context<AppEnv>, body: z.output<typeof signalBody>) {
  const { database, config } = c.var.deps;
  const { auth } = c.var;
  // a key acts for its organization, a user for themself: each has its own budget, as for lead ingestion
  await enforceRateLimit(database, {
    bucket: auth.via === 'api_key' ? `intent:key:${auth.apiKeyId}` : `intent:user:${auth.userId}`,
    limit: config.INGEST_RATE_LIMIT,
    windowSeconds: 60,
  });
  return logSignal(database, auth, {
    leadId: body.lead_id,
    signalType: body.signal_type,
    detail: body.signal_detail,
    source: body.source ?? (auth.via === 'api_key' ? 'api' : 'app'),
    occurredAt: body.occurred_at,
  });
}

export const logSignalHandler: RouteHandler<typeof logSignalRoute, AppEnv> = async (c) =>
  ok(c, await record(c, c.req.valid('json')), 'Intent signal recorded', 201);

export const alertSignalHandler: RouteHandler<typeof alertSignalRoute, AppEnv> = async (c) =>
  ok(c, await record(c, c.req.valid('json')), 'Intent signal recorded', 201);

export const alertListHandler: RouteHandler<typeof alertListRoute, AppEnv> = async (c) =>
  okList(c, await listAlerts(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Intent alerts retrieved');

export const hotLeadsHandler: RouteHandler<typeof hotLeadsRoute, AppEnv> = async (c) =>
  ok(c, await hotLeads(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Hot leads retrieved');

export const leadAlertsHandler: RouteHandler<typeof leadAlertsRoute, AppEnv> = async (c) =>
  okList(c, await alertsOfLead(c.var.deps.database, c.var.auth, c.req.valid('param').leadId, c.req.valid('query')), 'Intent alerts retrieved');

export const acknowledgeAlertHandler: RouteHandler<typeof acknowledgeAlertRoute, AppEnv> = async (c) =>
  ok(c, await acknowledgeAlert(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Alert acknowledged');

export const hotLeadSettingsHandler: RouteHandler<typeof hotLeadSettingsRoute, AppEnv> = async (c) =>
  ok(c, await hotLeadSettings(c.var.deps.database, c.var.auth), 'Hot-lead settings retrieved');

export const updateHotLeadSettingsHandler: RouteHandler<typeof updateHotLeadSettingsRoute, AppEnv> = async (c) =>
  ok(c, await updateHotLeadSettings(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Hot-lead settings saved');

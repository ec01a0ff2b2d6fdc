import type { RouteHandler } from '@hono/zod-openapi';
import type { AuthContext } from '../../../domain/platform/auth-context.js';
import { requestFingerprint, runIdempotently } from '../../../domain/platform/idempotency.service.js';
import { createLead, presentLead, type LeadView } from '../../../domain/leads/lead.service.js';
import { enforceRateLimit, type RateLimitRule } from '../../../domain/platform/rate-limit.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import { respondWithLeadPage } from '../leads/leads.handlers.js';
import type { ingestLeadListRoute, ingestLeadRoute } from './ingestion.routes.js';

// a key acts for its organization, a bearer caller for themself: each gets its own budget
const ingestBucket = (auth: AuthContext) => (auth.via === 'api_key' ? `ingest:key:${auth.apiKeyId}` : `ingest:user:${auth.userId}`);

/** What an ingestion request answers; stored as-is for Idempotency-Key replays. */
interface IngestOutcome {
  status: 200 | 201;
  body: { message: string; data: LeadView };
}

export const ingestLeadHandler: RouteHandler<typeof ingestLeadRoute, AppEnv> = async (c) => {
  // c.get, not c.var: Hono's c.var copies every variable into a new object on each read
  const { config, database } = c.get('deps');
  const auth = c.get('auth');
  const rateLimit: RateLimitRule = { bucket: ingestBucket(auth), limit: config.INGEST_RATE_LIMIT, windowSeconds: 60 };
  const body = c.req.valid('json');
  const idempotencyKey = c.req.valid('header')['idempotency-key'];
  // a replayed request counts too, so it is counted before the replay is looked up; else with the lead's own statement
  if (idempotencyKey) await enforceRateLimit(database, rateLimit);

  const ingest = async (): Promise<IngestOutcome> => {
    const { lead, outcome, labels } = await createLead(database, auth, body.lead, body.policy, 'workflow', undefined, idempotencyKey ? undefined : rateLimit);
    const data = presentLead(lead, labels);
    return outcome === 'merged'
      ? { status: 200, body: { message: 'Lead merged into an existing lead', data } }
      : { status: 201, body: { message: 'Lead created successfully', data } };
  };

  const result = idempotencyKey
    ? await runIdempotently(
        database,
        { orgId: auth.orgId, key: idempotencyKey, fingerprint: requestFingerprint({ method: 'POST', path: '/api/lead', body }) },
        ingest,
      )
    : { ...(await ingest()), replayed: false };
  if (result.replayed) c.header('Idempotent-Replayed', 'true');
  const { message, data } = result.body as IngestOutcome['body'];
  return ok(c, data, message, result.status as IngestOutcome['status']);
};

export const ingestLeadListHandler: RouteHandler<typeof ingestLeadListRoute, AppEnv> = (c) => respondWithLeadPage(c, c.req.valid('query'));

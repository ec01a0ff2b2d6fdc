import type { RouteHandler } from '@hono/zod-openapi';
import { creditStatement, listAiFeatures } from '../../../domain/billing/credits.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type { aiFeaturesRoute, creditBalanceRoute } from './credits.routes.js';

export const creditBalanceHandler: RouteHandler<typeof creditBalanceRoute, AppEnv> = async (c) =>
  ok(c, { ...(await creditStatement(c.var.deps.database, c.var.auth)), currency: 'credits' as const }, 'Credit balance retrieved');

export const aiFeaturesHandler: RouteHandler<typeof aiFeaturesRoute, AppEnv> = async (c) =>
  okList(c, listAiFeatures(c.req.valid('query')), 'AI feature pricing retrieved');

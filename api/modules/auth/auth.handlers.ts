import type { RouteHandler } from '@hono/zod-openapi';
import { login, revokeSession } from '../../../domain/identity/auth.service.js';
import { enforceRateLimit } from '../../../domain/platform/rate-limit.service.js';
import type { AppEnv } from '../../app-env.js';
import { clientIp } from '../../middleware/auth.js';
import { okMessage } from '../../openapi/envelopes.js';
import type { loginRoute, logoutRoute } from './auth.routes.js';

export const loginHandler: RouteHandler<typeof loginRoute, AppEnv> = async (c) => {
  const { config, database } = c.var.deps;
  const { email, password } = c.req.valid('json');
  // per client IP and per account, so neither spraying nor guessing one password scales
  await enforceRateLimit(database, { bucket: `login:ip:${clientIp(c) ?? 'unknown'}`, limit: config.LOGIN_RATE_LIMIT, windowSeconds: 60 });
  await enforceRateLimit(database, { bucket: `login:email:${email.toLowerCase()}`, limit: config.LOGIN_RATE_LIMIT, windowSeconds: 60 });
  const session = await login(database, config.JWT_SECRET, email, password);
  return c.json({ success: true as const, ...session }, 200);
};

export const logoutHandler: RouteHandler<typeof logoutRoute, AppEnv> = async (c) => {
  const { sessionId } = c.var.auth;
  if (sessionId) await revokeSession(c.var.deps.database, sessionId);
  return okMessage(c, 'Logged out');
};

import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { authenticateApiKey, authenticateBearer, type RequestOrigin } from '../../domain/identity/auth.service.js';
import { ApiError } from '../../domain/platform/errors.js';
import type { AppEnv } from '../app-env.js';

/** bearer: a user's token; bearer_or_api_key: ingestion endpoints (§2.3, §8) also take x-api-key. */
export type AuthMode = 'bearer' | 'bearer_or_api_key';

function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match ? match[1]! : null;
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function clientIp(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | null {
  if (c.get('deps').config.TRUST_PROXY) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    // app.request() in tests has no socket
    return null;
  }
}

export const requireAuth =
  (mode: AuthMode): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const apiKey = mode === 'bearer_or_api_key' ? c.req.header('x-api-key') : undefined;
    if (apiKey) {
      const origin: RequestOrigin = { ip: clientIp(c), domain: hostOf(c.req.header('origin') ?? c.req.header('referer')) };
      c.set('auth', await authenticateApiKey(c.get('deps').database, apiKey, origin));
      return next();
    }
    const token = bearerToken(c.req.header('authorization'));
    if (!token) {
      throw new ApiError('unauthorized', mode === 'bearer' ? 'Missing bearer token' : 'API key or bearer token missing');
    }
    const auth = await authenticateBearer(c.get('deps').database, c.get('deps').config.JWT_SECRET, token);
    if (!auth) throw new ApiError('unauthorized', 'Invalid or expired token');
    c.set('auth', auth);
    c.set('logger', c.get('logger').child({ orgId: auth.orgId, userId: auth.userId }));
    return next();
  };

// Login, bearer tokens (JWT + a session row so logout can revoke), API keys.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { signJwt, verifyJwt } from './jwt.js';
import { verifyPassword } from './passwords.js';
import type { AuthContext } from '../platform/auth-context.js';

export const TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

export async function login(db: Database, jwtSecret: string, email: string, password: string, now = new Date()) {
  const user = await db.prisma.user.findFirst({
    where: { email: email.trim().toLowerCase(), deleted_at: null },
    include: { role: true },
  });
  if (!user) throw new ApiError('not_found', 'No LIO account exists for this email');
  if (!(await verifyPassword(password, user.password_hash))) throw new ApiError('unauthorized', 'Invalid credentials');
  const org = await db.prisma.organization.findUnique({ where: { id: user.org_id } });
  if (user.state_id !== 1 || !org || !org.is_active) {
    throw new ApiError('forbidden', 'Account inactive or no organization assigned');
  }
  const sessionId = randomUUID();
  const expiresAt = new Date(now.getTime() + TOKEN_TTL_SECONDS * 1000);
  await db.prisma.session.create({ data: { id: sessionId, org_id: org.id, user_id: user.id, expires_at: expiresAt } });
  const accessToken = signJwt(
    { sub: String(user.id), org: org.public_id, jti: sessionId, iat: Math.floor(now.getTime() / 1000), exp: Math.floor(expiresAt.getTime() / 1000) },
    jwtSecret,
  );
  return {
    access_token: accessToken,
    token_type: 'Bearer' as const,
    expires_in: TOKEN_TTL_SECONDS,
    expires_at: expiresAt.toISOString(),
    user: {
      id: user.id,
      email: user.email,
      name: [user.first_name, user.last_name].filter(Boolean).join(' '),
      organization_id: org.public_id,
      role_name: user.role.name,
    },
  };
}

/** Resolves a bearer token to its caller, or null when missing, malformed, expired or revoked. */
export async function authenticateBearer(db: Database, jwtSecret: string, token: string): Promise<AuthContext | null> {
  const payload = verifyJwt(token, jwtSecret);
  if (typeof payload?.jti !== 'string') return null;
  const session = await db.prisma.session.findUnique({ where: { id: payload.jti } });
  if (!session || session.revoked_at || session.expires_at <= new Date()) return null;
  const user = await db.prisma.user.findFirst({
    where: { id: session.user_id, org_id: session.org_id, deleted_at: null, state_id: 1 },
    include: { role: true },
  });
  const org = user && (await db.prisma.organization.findFirst({ where: { id: user.org_id, is_active: true } }));
  if (!user || !org) return null;
  return {
    orgId: org.id,
    orgPublicId: org.public_id,
    userId: user.id,
    roleId: user.role_id,
    roleName: user.role.name,
    via: 'bearer',
    sessionId: session.id,
  };
}

export async function revokeSession(db: Database, sessionId: string): Promise<void> {
  await db.prisma.session.updateMany({ where: { id: sessionId, revoked_at: null }, data: { revoked_at: new Date() } });
}

const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createApiKey(
  db: Database,
  input: { orgId: number; name: string; allowedIps?: string[]; allowedDomains?: string[]; expiresAt?: Date | null },
) {
  const key = `lio_${randomBytes(24).toString('base64url')}`;
  const row = await db.prisma.apiKey.create({
    data: {
      org_id: input.orgId,
      name: input.name,
      prefix: key.slice(0, 10),
      key_hash: hashApiKey(key),
      allowed_ips: input.allowedIps ?? [],
      allowed_domains: (input.allowedDomains ?? []).map((d) => d.toLowerCase()),
      expires_at: input.expiresAt ?? null,
    },
  });
  return { key, apiKey: row };
}

export async function revokeApiKey(db: Database, orgId: number, id: number): Promise<boolean> {
  const { count } = await db.prisma.apiKey.updateMany({ where: { id, org_id: orgId, revoked_at: null }, data: { revoked_at: new Date() } });
  return count === 1;
}

/** Where a request comes from, as far as API-key allow-lists are concerned. */
export interface RequestOrigin {
  ip: string | null;
  /** host name of the Origin (or Referer) header, lower-cased */
  domain: string | null;
}

const normaliseIp = (ip: string) => ip.replace(/^::ffff:/, '');

function domainAllowed(allowed: string[], domain: string | null): boolean {
  if (allowed.length === 0) return true;
  if (!domain) return false;
  // "example.com" allows the domain and its subdomains; "*.example.com" only subdomains
  return allowed.some((rule) =>
    rule.startsWith('*.') ? domain.endsWith(rule.slice(1)) : domain === rule || domain.endsWith(`.${rule}`),
  );
}

/** What authenticating a key reads: the key's row, when not revoked, and its (active) organization's public id. */
interface ApiKeyRow {
  id: number;
  org_id: number;
  public_id: string;
  allowed_ips: string[];
  allowed_domains: string[];
  expires_at: Date | null;
}

/**
 * API keys by hash (never the key itself), for this process: an ingestion
 * request would otherwise spend a round trip on the key. Exact across
 * processes: a revoked or changed key, or a deactivated organization, is
 * dropped from every process's cache at COMMIT (platform/change-feed.ts).
 */
const apiKeyCache = (db: Database) => db.changes.cache<ApiKeyRow>('api_keys', { maxEntries: 10_000, ttlMs: 60_000 });

async function readApiKey(db: Database, keyHash: string): Promise<ApiKeyRow | undefined> {
  return apiKeyCache(db).read(keyHash, async () => {
    // key and organization in one round trip on the raw pool (Prisma's per-query overhead measured ~20% of CPU,
    // bench/ingest.bench.ts); a revoked key is not read (nothing un-revokes a key), so it is never cached
    const {
      rows: [row],
    } = await db.pool.query<ApiKeyRow>(
      `SELECT k.id, k.org_id, o.public_id, k.allowed_ips, k.allowed_domains, k.expires_at
         FROM api_keys k JOIN organizations o ON o.id = k.org_id AND o.is_active
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [keyHash],
    );
    return row && { value: row, orgId: row.org_id };
  });
}

/** Resolves an x-api-key value, or throws 403 when it is invalid, expired, revoked or not allowed from here. */
export async function authenticateApiKey(db: Database, key: string, origin: RequestOrigin): Promise<AuthContext> {
  const row = await readApiKey(db, hashApiKey(key));
  if (!row || (row.expires_at && row.expires_at <= new Date())) {
    throw new ApiError('forbidden', 'Invalid or expired API key', { code: 'invalid_api_key' });
  }
  if (row.allowed_ips.length > 0 && !(origin.ip && row.allowed_ips.map(normaliseIp).includes(normaliseIp(origin.ip)))) {
    throw new ApiError('forbidden', 'The calling IP address is not allowed for this API key', { code: 'ip_not_allowed' });
  }
  if (!domainAllowed(row.allowed_domains, origin.domain)) {
    throw new ApiError('forbidden', 'The calling domain is not allowed for this API key', { code: 'domain_not_allowed' });
  }
  return { orgId: row.org_id, orgPublicId: row.public_id, userId: null, roleId: null, roleName: null, via: 'api_key', apiKeyId: row.id };
}

// HS256 JSON Web Tokens (RFC 7519) for bearer sessions, on node:crypto: the
// domain layer stays free of HTTP frameworks. Only HS256 is accepted, so a
// token cannot pick a weaker algorithm ("alg": "none") for itself.
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

const signature = (signingInput: string, secret: string) => createHmac('sha256', secret).update(signingInput).digest();

export function signJwt(payload: Record<string, unknown>, secret: string): string {
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signingInput}.${signature(signingInput, secret).toString('base64url')}`;
}

/** The payload of a token signed with `secret` and valid at `now`; null otherwise. */
export function verifyJwt(token: string, secret: string, now = new Date()): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, body, sig] = parts as [string, string, string];
  const expected = signature(`${header}.${body}`, secret);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (alg !== 'HS256' || typeof payload !== 'object' || payload === null) return null;
    const seconds = now.getTime() / 1000;
    if (typeof payload.exp === 'number' && payload.exp <= seconds) return null;
    if (typeof payload.nbf === 'number' && payload.nbf > seconds) return null;
    return payload;
  } catch {
    return null;
  }
}

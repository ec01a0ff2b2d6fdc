// HS256 JSON Web Tokens (RFC 7519) for bearer sessions, on node:crypto: the
// domain layer stays free of HTTP frameworks. Only HS256 is accepted, so a
// token cannot pick a weaker algorithm ("alg": "none") for itself.
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

const signature = (signingInput: string, secret: string) => createHmac('sha256', secret).update(signingInput).digest();

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Strict base64url (RFC 7515 §2: no padding, no other characters): Node's
 * decoder skips characters outside the alphabet and ignores unused trailing
 * bits, so `sig*`, `sig=` or `sig ` would decode like `sig`. Only the one
 * canonical spelling of the bytes is accepted.
 */
function decodeBase64Url(part: string): Buffer | null {
  if (!BASE64URL.test(part)) return null;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}

export function signJwt(payload: Record<string, unknown>, secret: string): string {
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signingInput}.${signature(signingInput, secret).toString('base64url')}`;
}

/** The payload of a token signed with `secret` and valid at `now`; null otherwise. */
export function verifyJwt(token: string, secret: string, now = new Date()): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, body, sig] = parts as [string, string, string];
  const [headerBytes, bodyBytes, given] = [decodeBase64Url(header), decodeBase64Url(body), decodeBase64Url(sig)];
  if (!headerBytes || !bodyBytes || !given) return null;
  const expected = signature(`${header}.${body}`, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const { alg } = JSON.parse(headerBytes.toString('utf8')) as { alg?: unknown };
    const payload = JSON.parse(bodyBytes.toString('utf8')) as Record<string, unknown>;
    if (alg !== 'HS256' || typeof payload !== 'object' || payload === null) return null;
    const seconds = now.getTime() / 1000;
    if (typeof payload.exp === 'number' && payload.exp <= seconds) return null;
    if (typeof payload.nbf === 'number' && payload.nbf > seconds) return null;
    return payload;
  } catch {
    return null;
  }
}

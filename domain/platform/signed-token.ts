// Signed tokens for links LIO puts in front of people (email tracking: the
// open pixel, click redirects, unsubscribe): the token carries its own data
// (no lookup to find out it is forged) and an HMAC-SHA256 over its purpose
// and data, so a token made for one purpose is refused for another and a
// changed byte is refused outright.
//
// The signing key is derived from CREDENTIALS_KEY (never used directly for
// anything but sealing); tokens signed under a previous key still verify
// while it is listed in CREDENTIALS_PREVIOUS_KEYS, so rotating the key does
// not break links in mail already sent.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a tag is kept: 16 bytes of the HMAC (128 bits) — forging one is not practical, and the token stays short in an email. */
const TAG_BYTES = 16;
/** Longer tokens are refused before any work (a tracked link's URL is bounded when it is signed). */
export const MAX_TOKEN_LENGTH = 4096;

export interface TokenSigner {
  /** A token for `purpose` carrying `data` (JSON). */
  sign(purpose: string, data: unknown): string;
  /** The data of a token made for `purpose` by one of our keys; null for anything else. */
  verify(purpose: string, token: string): unknown;
}

const derivedKey = (credentialsKey: Buffer) => createHmac('sha256', credentialsKey).update('lio/signed-token/v1').digest();

const tagOf = (key: Buffer, purpose: string, body: string) => createHmac('sha256', key).update(`${purpose}.${body}`).digest().subarray(0, TAG_BYTES);

export function createTokenSigner(currentKey: Buffer, previousKeys: readonly Buffer[] = []): TokenSigner {
  const current = derivedKey(currentKey);
  const all = [current, ...previousKeys.map(derivedKey)];
  return {
    sign(purpose, data) {
      const body = Buffer.from(JSON.stringify(data), 'utf8').toString('base64url');
      return `${body}.${tagOf(current, purpose, body).toString('base64url')}`;
    },
    verify(purpose, token) {
      if (token.length > MAX_TOKEN_LENGTH) return null;
      const [body, tag, extra] = token.split('.');
      if (!body || !tag || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(tag)) return null;
      const given = Buffer.from(tag, 'base64url');
      // canonical base64url only: a second spelling of the same tag is not the same token
      if (given.length !== TAG_BYTES || given.toString('base64url') !== tag) return null;
      if (!all.some((key) => timingSafeEqual(tagOf(key, purpose, body), given))) return null;
      try {
        return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return null;
      }
    },
  };
}

// Signed tokens (domain/platform/signed-token.ts): what the tracking links carry. A token verifies only
// unchanged, only for its purpose, only under our keys (the current one or a listed previous one).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenSigner, MAX_TOKEN_LENGTH } from '../../domain/platform/signed-token.js';

const key = () => randomBytes(32);
const data = { e: 42, u: 'https://example.com/pricing?plan=pro' };

describe('signed tokens', () => {
  it('round-trips the data for its purpose', () => {
    const signer = createTokenSigner(key());
    const token = signer.sign('track-click', data);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(signer.verify('track-click', token)).toEqual(data);
  });

  it('refuses the token with any one character changed, wherever it is', () => {
    const signer = createTokenSigner(key());
    const token = signer.sign('track-click', data);
    const accepted: string[] = [];
    for (let i = 0; i < token.length; i++) {
      for (const replacement of ['A', 'z', '0', '_', '-', '.']) {
        if (token[i] === replacement) continue;
        const altered = token.slice(0, i) + replacement + token.slice(i + 1);
        if (signer.verify('track-click', altered) !== null) accepted.push(altered);
      }
    }
    expect(accepted).toEqual([]);
    // a part dropped or added
    expect(signer.verify('track-click', token.split('.')[0]!)).toBeNull();
    expect(signer.verify('track-click', `${token}.x`)).toBeNull();
    expect(signer.verify('track-click', '')).toBeNull();
  });

  it('refuses a token made for another purpose', () => {
    const signer = createTokenSigner(key());
    expect(signer.verify('track-open', signer.sign('track-click', data))).toBeNull();
    expect(signer.verify('unsubscribe', signer.sign('track-open', { e: 1 }))).toBeNull();
  });

  it('refuses a token signed under another key, and verifies a previous key’s token after rotation', () => {
    const [oldKey, newKey] = [key(), key()];
    const before = createTokenSigner(oldKey).sign('track-open', { e: 7 });
    expect(createTokenSigner(newKey).verify('track-open', before)).toBeNull();
    const rotated = createTokenSigner(newKey, [oldKey]);
    expect(rotated.verify('track-open', before)).toEqual({ e: 7 });
    // what the rotated signer signs is under the new key: the old key alone refuses it
    const after = rotated.sign('track-open', { e: 8 });
    expect(createTokenSigner(oldKey).verify('track-open', after)).toBeNull();
    expect(createTokenSigner(newKey).verify('track-open', after)).toEqual({ e: 8 });
  });

  it('refuses a second spelling of the same tag (non-canonical base64url) and padded tags', () => {
    const signer = createTokenSigner(key());
    const token = signer.sign('track-open', { e: 1 });
    const [body, tag] = token.split('.') as [string, string];
    // 16 bytes are 22 base64url characters whose last one carries 4 unused bits: flipping those decodes to the same bytes
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(tag.at(-1)!);
    const sameBytes = `${tag.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(sameBytes, 'base64url').equals(Buffer.from(tag, 'base64url'))).toBe(true);
    expect(signer.verify('track-open', `${body}.${sameBytes}`)).toBeNull();
    expect(signer.verify('track-open', `${body}.${tag}==`)).toBeNull();
    expect(signer.verify('track-open', `${body}=.${tag}`)).toBeNull();
  });

  it('refuses an oversized token before any work, and a body that is not JSON', () => {
    const signer = createTokenSigner(key());
    const huge = signer.sign('track-click', { e: 1, u: `https://example.com/${'a'.repeat(MAX_TOKEN_LENGTH)}` });
    expect(huge.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    expect(signer.verify('track-click', huge)).toBeNull();
    expect(signer.verify('track-click', `${'x'.repeat(MAX_TOKEN_LENGTH + 1)}.${'A'.repeat(22)}`)).toBeNull();
  });
});

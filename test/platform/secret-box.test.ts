// Credentials at rest: AES-256-GCM bound to the row's context, and key rotation.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, parseCredentialsKey, SecretBoxError } from '../../domain/platform/secret-box.js';

const newKey = () => randomBytes(32);

describe('secret box', () => {
  it('opens what it sealed, only in the context it was sealed for, and never shows the plain text', () => {
    const box = createSecretBox(newKey());
    const sealed = box.seal('xoxb-bot-token-1234', 'connected_apps:1:slack');
    expect(sealed).not.toContain('xoxb');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, 'connected_apps:1:slack')).toBe('xoxb-bot-token-1234');
    // copied into another organization's row, it does not open
    expect(() => box.open(sealed, 'connected_apps:2:slack')).toThrow(SecretBoxError);
    // the same plain text seals differently every time (random IV)
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses an altered value and one sealed by a key it does not have', () => {
    const box = createSecretBox(newKey());
    const sealed = box.seal('secret', 'c');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([...parts.slice(0, 4), flipped.toString('base64url')].join('.'), 'c')).toThrow(/altered/);
    expect(() => createSecretBox(newKey()).open(sealed, 'c')).toThrow(/key this process does not have/);
    expect(() => box.open('plain-text-token', 'c')).toThrow(/not a sealed value/);
  });

  it('rotates: the new box opens values of the previous key, calls them stale, and seals under the new one', () => {
    const [oldKey, currentKey] = [newKey(), newKey()];
    const sealedByOld = createSecretBox(oldKey).seal('token', 'c');
    const rotated = createSecretBox(currentKey, [oldKey]);
    expect(rotated.open(sealedByOld, 'c')).toBe('token');
    expect(rotated.isStale(sealedByOld)).toBe(true);
    const resealed = rotated.seal(rotated.open(sealedByOld, 'c'), 'c');
    expect(rotated.isStale(resealed)).toBe(false);
    expect(createSecretBox(currentKey).open(resealed, 'c')).toBe('token');
  });

  it('takes a key of exactly 32 bytes in base64', () => {
    expect(parseCredentialsKey(randomBytes(32).toString('base64')).length).toBe(32);
    expect(() => parseCredentialsKey(randomBytes(16).toString('base64'))).toThrow(/32 random bytes/);
  });
});

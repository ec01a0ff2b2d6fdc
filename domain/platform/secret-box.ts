// Credentials at rest (issue 10): every secret an organization hands LIO —
// OAuth tokens, SMTP passwords, Slack bot tokens, Teams webhook URLs, Twilio
// subaccount secrets — is stored sealed with AES-256-GCM under the operator's
// CREDENTIALS_KEY, never in plain text, and is opened only in the process
// that is about to use it.
//
// A sealed value reads `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url). The
// key id (the first 8 bytes of the key's SHA-256) tells which key sealed it,
// so a key can be rotated: the new key becomes CREDENTIALS_KEY, the old one
// moves to CREDENTIALS_PREVIOUS_KEYS, values sealed under it still open, and
// `npm run credentials:rotate` seals every stored value again under the new
// key, after which the old one can be dropped (README, Credentials).
//
// Each value is bound to where it belongs (its `context`, e.g. the
// organization and the purpose) as additional authenticated data: a sealed
// value copied into another organization's row does not open there.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export interface SecretBox {
  seal(plain: string, context: string): string;
  /** the plain text; throws SecretBoxError when the value was sealed for another context, by an unknown key, or altered */
  open(sealed: string, context: string): string;
  /** true when the value was sealed by a key other than the current one (rotation re-seals it) */
  isStale(sealed: string): boolean;
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** A key from the environment: 32 bytes, base64 (or base64url) encoded. */
export function parseCredentialsKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`a credentials key is ${KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
  return key;
}

const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('base64url').slice(0, 11);

export function createSecretBox(currentKey: Buffer, previousKeys: readonly Buffer[] = []): SecretBox {
  const currentId = keyIdOf(currentKey);
  const keys = new Map<string, Buffer>([currentKey, ...previousKeys].map((key) => [keyIdOf(key), key]));
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
      if (version !== VERSION || !keyId || iv === undefined || tag === undefined || ciphertext === undefined) throw new SecretBoxError('not a sealed value');
      const key = keys.get(keyId);
      if (!key) throw new SecretBoxError('sealed by a key this process does not have (CREDENTIALS_KEY / CREDENTIALS_PREVIOUS_KEYS)');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('the sealed value does not open here: altered, or sealed for another record');
      }
    },
    isStale: (sealed) => sealed.split('.')[1] !== currentId,
  };
}

/** The last four characters tell two secrets apart and are never enough to use one. */
export const secretHint = (secret: string) => (secret.length > 8 ? `••••${secret.slice(-4)}` : '••••');

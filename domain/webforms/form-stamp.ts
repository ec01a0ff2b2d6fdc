// The render stamp: when the page was served, signed by the server (a hidden
// field of the form). A person takes seconds to fill a form; a bot posting
// straight away — or posting without ever loading the page — is told apart
// without a captcha, a cookie or any script in the page. The signature means
// the time cannot be forged nor moved from one form to another.
import type { TokenSigner } from '../platform/signed-token.js';

const PURPOSE = 'web-form-render';

/** A page older than this is shown again with a "please submit again" notice (answers kept) rather than accepted. */
export const STAMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function renderStamp(tokens: TokenSigner, formLink: string, now = Date.now()): string {
  return tokens.sign(PURPOSE, { f: formLink, t: now });
}

/** ok; too_fast (a bot, or forged/missing: treated alike as spam); expired (ask again). */
export type StampVerdict = 'ok' | 'too_fast' | 'missing' | 'expired';

export function checkStamp(tokens: TokenSigner, formLink: string, stamp: unknown, minFillMs: number, now = Date.now()): StampVerdict {
  if (typeof stamp !== 'string' || stamp.length === 0) return 'missing';
  const data = tokens.verify(PURPOSE, stamp) as { f?: unknown; t?: unknown } | null;
  if (!data || data.f !== formLink || typeof data.t !== 'number') return 'missing';
  const age = now - data.t;
  if (age < minFillMs) return 'too_fast';
  if (age > STAMP_MAX_AGE_MS) return 'expired';
  return 'ok';
}

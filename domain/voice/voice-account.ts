// An organization's own account at the voice provider (a Twilio subaccount):
// created on the organization's first purchase, its sid and auth token
// sealed in connected_apps (provider 'twilio'), so the organization's numbers,
// calls and recordings are kept apart from every other's at the provider too.
// The domain reaches the provider only through the small port below; the
// connector (connectors/voice/) implements it and is handed in by the caller.
import { findConnection, saveConnection } from '../integrations/connected-app.service.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import type { SecretBox } from '../platform/secret-box.js';
import { withConnection } from '../platform/transaction.js';

export interface VoiceAccount {
  accountSid: string;
  authToken: string;
}

/** What the voice domain asks of the provider itself (the rest is the activities' and handlers' I/O). */
export interface VoiceProvisioning {
  readonly provider: 'twilio' | 'sandbox';
  createSubaccount(friendlyName: string): Promise<VoiceAccount>;
  listOwnedNumbers(account: VoiceAccount): Promise<{ sid: string; phone_number: string; friendly_name: string | null }[]>;
  purchaseNumber(account: VoiceAccount, input: { phoneNumber: string; friendlyName: string | null }): Promise<{ sid: string; phone_number: string; friendly_name: string | null }>;
}

export const voiceNotConfigured = () =>
  new ApiError('validation_error', 'Voice is not configured on this server (no Twilio account; the operator sets TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)', {
    code: 'voice_not_configured',
  });

/** The voice connector, or 422 voice_not_configured when the server has none. */
export function requireVoice<V>(voice: V | null): V {
  if (!voice) throw voiceNotConfigured();
  return voice;
}

/** The organization's account, or null before its first purchase. */
export async function findVoiceAccount(db: Database, secrets: SecretBox, orgId: number): Promise<VoiceAccount | null> {
  return (await findConnection<VoiceAccount>(db, secrets, orgId, 'twilio'))?.secret ?? null;
}

export const noVoiceAccount = () =>
  new ApiError('validation_error', 'The organization has no phone number yet: purchase one first (POST /api/voice/purchase-number)', { code: 'no_phone_number' });

/** The organization's account; 422 no_phone_number before its first purchase. */
export async function requireVoiceAccount(db: Database, secrets: SecretBox, orgId: number): Promise<VoiceAccount> {
  const account = await findVoiceAccount(db, secrets, orgId);
  if (!account) throw noVoiceAccount();
  return account;
}

/**
 * The organization's account, created at the provider on first use. Two
 * first uses at once must not create two subaccounts (numbers bought in the
 * one overwritten would be lost): creation runs under a session advisory
 * lock per organization, and whoever gets it second finds the first's.
 */
export async function ensureVoiceAccount(
  db: Database,
  secrets: SecretBox,
  provisioning: VoiceProvisioning,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'> & { orgPublicId: string },
): Promise<VoiceAccount> {
  const existing = await findVoiceAccount(db, secrets, scope.orgId);
  if (existing) return existing;
  return withConnection(db.pool, async (lock) => {
    await lock.query("SELECT pg_advisory_lock(hashtext('voice_account'), $1)", [scope.orgId]);
    try {
      const created = await findVoiceAccount(db, secrets, scope.orgId);
      if (created) return created;
      const account = await provisioning.createSubaccount(`LIO ${scope.orgPublicId}`);
      await saveConnection(db, secrets, scope, 'twilio', {
        secret: account,
        hintOf: account.accountSid,
        settings: { account_sid: account.accountSid, provider: provisioning.provider },
      });
      return account;
    } finally {
      await lock.query("SELECT pg_advisory_unlock(hashtext('voice_account'), $1)", [scope.orgId]);
    }
  });
}

// An organization's own account at the voice provider (a Twilio subaccount):
// created on the organization's first purchase, its sid and auth token
// sealed in connected_apps (provider 'twilio'), so the organization's numbers,
// calls and recordings are kept apart from every other's at the provider too.
// The domain reaches the provider only through the small port below; the
// connector (connectors/voice/) implements it and is handed in by the caller.
import { setTimeout as sleep } from 'node:timers/promises';
import { findConnection, saveConnection } from '../integrations/connected-app.service.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import type { SecretBox } from '../platform/secret-box.js';

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

/** A claim on creating the account that was not completed this long ago was abandoned (its process died): it may be claimed again. */
const ABANDONED_CLAIM_SECONDS = 120;
const CLAIM_WAIT_MS = 10_000;
const CLAIM_POLL_MS = 100;

/**
 * The organization's account, created at the provider on first use. Two
 * first uses at once must not create two subaccounts (numbers bought in the
 * one overwritten would be lost): the first claims the organization's
 * connection row (no secret yet) and creates the account; the others wait
 * for its secret. No database connection is held while the provider is
 * called or while waiting.
 */
export async function ensureVoiceAccount(
  db: Database,
  secrets: SecretBox,
  provisioning: VoiceProvisioning,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'> & { orgPublicId: string },
): Promise<VoiceAccount> {
  const existing = await findVoiceAccount(db, secrets, scope.orgId);
  if (existing) return existing;
  // raw SQL: an upsert that claims the row only when it is new or its claim was abandoned
  const claim = await db.pool.query(
    `INSERT INTO connected_apps AS a (org_id, provider, settings, connected_by) VALUES ($1, 'twilio', '{"creating": true}', $2)
     ON CONFLICT (org_id, provider) DO UPDATE SET updated_at = now(), connected_by = EXCLUDED.connected_by
       WHERE a.secret_sealed IS NULL AND a.updated_at < now() - make_interval(secs => $3)
     RETURNING id`,
    [scope.orgId, scope.userId, ABANDONED_CLAIM_SECONDS],
  );
  if (claim.rowCount === 0) return awaitVoiceAccount(db, secrets, scope.orgId);
  try {
    const account = await provisioning.createSubaccount(`LIO ${scope.orgPublicId}`);
    await saveConnection(db, secrets, scope, 'twilio', {
      secret: account,
      hintOf: account.accountSid,
      settings: { account_sid: account.accountSid, provider: provisioning.provider },
    });
    return account;
  } catch (err) {
    await db.pool.query("DELETE FROM connected_apps WHERE org_id = $1 AND provider = 'twilio' AND secret_sealed IS NULL", [scope.orgId]);
    throw err;
  }
}

/** The account another request is creating, once it is there; 409 when it does not come in time. */
async function awaitVoiceAccount(db: Database, secrets: SecretBox, orgId: number): Promise<VoiceAccount> {
  for (let waited = 0; waited < CLAIM_WAIT_MS; waited += CLAIM_POLL_MS) {
    await sleep(CLAIM_POLL_MS);
    const account = await findVoiceAccount(db, secrets, orgId);
    if (account) return account;
  }
  throw new ApiError('conflict', "The organization's voice account is being created by another request; try again shortly", { code: 'voice_account_in_progress' });
}

// A gmail or outlook mail configuration stored as `addMailConfiguration`
// leaves it (credentials sealed), with tokens a calendar fake accepts: the
// calendar tests reach a user's calendar through it without the mail
// provider's verify call.
import { randomBytes } from 'node:crypto';
import { sealingContext } from '../../domain/platform/sealed-credentials.js';
import type { FakeControls } from '../fakes/calendar-fake-support.js';
import type { TestApp } from './app.js';

export interface ConnectedMailbox {
  configId: number;
  accessToken: string;
  refreshToken: string;
}

export async function connectMailbox(
  t: TestApp,
  fake: Pick<FakeControls, 'validTokens' | 'refreshTokens'>,
  owner: { orgId: number; userId: number },
  mailer: 'gmail' | 'outlook',
): Promise<ConnectedMailbox> {
  const accessToken = `access-${randomBytes(6).toString('hex')}`;
  const refreshToken = `refresh-${randomBytes(6).toString('hex')}`;
  fake.validTokens.add(accessToken);
  fake.refreshTokens.add(refreshToken);
  const tokens = { access_token: accessToken, refresh_token: refreshToken, expiry_date: Date.now() + 3_600_000 };
  const row = await t.database.prisma.mailConfiguration.create({
    data: {
      org_id: owner.orgId,
      user_id: owner.userId,
      mailer,
      from_address: `${mailer}-${owner.userId}@example.test`,
      secret_sealed: t.deps.services.secrets.seal(JSON.stringify(tokens), sealingContext.mailConfiguration(owner.orgId)),
    },
  });
  return { configId: row.id, accessToken, refreshToken };
}

/** A sandbox mail configuration of the user (SANDBOX_CONNECTORS): what is sent through it is recorded in outbound_messages. */
export function connectSandboxMailbox(t: TestApp, owner: { orgId: number; userId: number }) {
  return t.database.prisma.mailConfiguration.create({
    data: {
      org_id: owner.orgId,
      user_id: owner.userId,
      mailer: 'sandbox',
      from_address: `rep-${owner.userId}@sales.example.test`,
      from_name: 'Ada Admin',
      secret_sealed: t.deps.services.secrets.seal(JSON.stringify({ password: 'sandbox' }), sealingContext.mailConfiguration(owner.orgId)),
    },
  });
}

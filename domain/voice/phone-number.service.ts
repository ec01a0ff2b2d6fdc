// The organization's phone numbers (§6.12): buying one and assigning it to
// users. A purchase is not idempotent at the provider (buying twice is two
// numbers, two bills), so the phone_numbers row is written first, under the
// unique (org_id, phone_number): of two concurrent or repeated purchases of a
// number exactly one claims the row and calls the provider; the others see
// it in progress (409) or done (the bought number, again).
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { paged, pageArgs, type ListParams } from '../platform/list-query.js';
import type { SecretBox } from '../platform/secret-box.js';
import { ensureVoiceAccount, type VoiceProvisioning } from './voice-account.js';

/** A purchase left 'purchasing' this long was abandoned (its process died mid-call): the next attempt takes it over. */
const ABANDONED_PURCHASE_SECONDS = 120;

interface PhoneNumberRow {
  id: number;
  phone_number: string;
  friendly_name: string | null;
  type: string;
  status: string;
  provider: string;
  assigned_user_ids: number[];
  created_at: Date;
}

export function presentPhoneNumber(row: PhoneNumberRow) {
  return {
    id: row.id,
    phone_number: row.phone_number,
    friendly_name: row.friendly_name,
    type: row.type,
    status: row.status,
    provider: row.provider,
    assigned_user_ids: row.assigned_user_ids,
    created_at: row.created_at.toISOString(),
  };
}

export type PhoneNumberView = ReturnType<typeof presentPhoneNumber>;

function assertMayManageNumbers(scope: Pick<Scope, 'roleName'>) {
  // a number is bought with the organization's money and rings for whoever it is assigned to
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may purchase or assign phone numbers');
}

/** The organization's numbers, oldest first. */
export async function listPhoneNumbers(db: Database, scope: Pick<Scope, 'orgId'>, params: Pick<ListParams, 'page' | 'limit'>) {
  const where = { org_id: scope.orgId };
  const [rows, total] = await Promise.all([
    db.prisma.phoneNumber.findMany({ where, orderBy: { id: 'asc' }, ...pageArgs(params) }),
    db.prisma.phoneNumber.count({ where }),
  ]);
  return paged(rows.map(presentPhoneNumber), total, params);
}

export interface PurchaseInput {
  /** E.164 */
  phoneNumber: string;
  friendlyName: string | null;
  type: 'local' | 'toll_free' | 'mobile';
}

/** A failure after which the provider may or may not have acted (a timeout): the purchase stays in doubt, not failed. */
const inDoubt = (err: unknown) => (err as { failure?: unknown } | null)?.failure === 'timeout';

/**
 * Buys a number for the organization (admins only). `created` is false when
 * the number had already been bought by an earlier request (nothing bought now).
 */
export async function purchasePhoneNumber(
  db: Database,
  secrets: SecretBox,
  provisioning: VoiceProvisioning,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'> & { orgPublicId: string },
  input: PurchaseInput,
): Promise<{ number: PhoneNumberView; created: boolean }> {
  assertMayManageNumbers(scope);
  const account = await ensureVoiceAccount(db, secrets, provisioning, scope);
  // raw SQL: an upsert whose update is conditional (take over a failed or abandoned attempt), and which says whether it inserted
  const claimed = await db.pool.query<PhoneNumberRow & { inserted: boolean }>(
    `INSERT INTO phone_numbers AS p (org_id, phone_number, friendly_name, type, status, provider, created_by)
     VALUES ($1, $2, $3, $4, 'purchasing', $5, $6)
     ON CONFLICT (org_id, phone_number) DO UPDATE
       SET status = 'purchasing', friendly_name = EXCLUDED.friendly_name, type = EXCLUDED.type, updated_at = now()
       WHERE p.status = 'failed' OR (p.status = 'purchasing' AND p.updated_at < now() - make_interval(secs => $7))
     RETURNING p.*, (xmax = 0) AS inserted`,
    [scope.orgId, input.phoneNumber, input.friendlyName, input.type, provisioning.provider, scope.userId, ABANDONED_PURCHASE_SECONDS],
  );
  const claim = claimed.rows[0];
  if (!claim) {
    const existing = await db.prisma.phoneNumber.findUniqueOrThrow({ where: { org_id_phone_number: { org_id: scope.orgId, phone_number: input.phoneNumber } } });
    if (existing.status === 'active') return { number: presentPhoneNumber(existing), created: false };
    throw new ApiError('conflict', 'This number is being purchased by another request; try again shortly', { code: 'purchase_in_progress' });
  }
  // an attempt taken over may have bought the number before its process died: the provider says
  const bought =
    (!claim.inserted ? (await provisioning.listOwnedNumbers(account)).find((n) => n.phone_number === input.phoneNumber) : undefined) ??
    (await provisioning.purchaseNumber(account, { phoneNumber: input.phoneNumber, friendlyName: input.friendlyName }).catch(async (err: unknown) => {
      if (!inDoubt(err)) await db.prisma.phoneNumber.updateMany({ where: { id: claim.id, org_id: scope.orgId }, data: { status: 'failed', updated_at: new Date() } });
      throw err;
    }));
  const active = await db.prisma.phoneNumber.update({
    where: { id: claim.id, org_id: scope.orgId },
    data: { status: 'active', provider_sid: bought.sid, friendly_name: input.friendlyName ?? bought.friendly_name, updated_at: new Date() },
  });
  return { number: presentPhoneNumber(active), created: true };
}

/** Assigns a number to exactly these users of the organization (admins only); an empty list unassigns it. */
export async function assignPhoneNumber(db: Database, scope: Pick<Scope, 'orgId' | 'roleName'>, input: { numberId: number; userIds: number[] }): Promise<PhoneNumberView> {
  assertMayManageNumbers(scope);
  const userIds = [...new Set(input.userIds)].sort((a, b) => a - b);
  const members = await db.prisma.user.findMany({ where: { org_id: scope.orgId, id: { in: userIds }, deleted_at: null }, select: { id: true } });
  const strangers = userIds.filter((id) => !members.some((m) => m.id === id));
  if (strangers.length > 0) {
    throw new ApiError('validation_error', `Not users of this organization: ${strangers.join(', ')}`, {
      code: 'invalid_users',
      details: [{ path: 'user_ids', message: `unknown user ids: ${strangers.join(', ')}` }],
    });
  }
  const { count } = await db.prisma.phoneNumber.updateMany({
    where: { id: input.numberId, org_id: scope.orgId },
    data: { assigned_user_ids: userIds, updated_at: new Date() },
  });
  if (count === 0) throw notFound('Phone number');
  return presentPhoneNumber(await db.prisma.phoneNumber.findFirstOrThrow({ where: { id: input.numberId, org_id: scope.orgId } }));
}

/** The number a user's calls go out from: one assigned to them, else the organization's first; null when it has none active. */
export async function callerNumberOf(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>): Promise<string | null> {
  const active = { org_id: scope.orgId, status: 'active' };
  const own = scope.userId === null ? null : await db.prisma.phoneNumber.findFirst({ where: { ...active, assigned_user_ids: { has: scope.userId } }, orderBy: { id: 'asc' } });
  const number = own ?? (await db.prisma.phoneNumber.findFirst({ where: active, orderBy: { id: 'asc' } }));
  return number?.phone_number ?? null;
}

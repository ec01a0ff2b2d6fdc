// Users of an organization: profile, listing, and the writes admins (and, for
// adding, managers) may make. Soft-deleted users are invisible everywhere.
import { Prisma } from '../../generated/prisma/client.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { transaction } from '../platform/transaction.js';
import { ApiError, notFound } from '../platform/errors.js';
import { anyFieldContains, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { requireRole } from './role.service.js';

/** The role a new user gets when none is given. */
export const DEFAULT_USER_ROLE = 'Sales Rep';

const withRoleName = { role: { select: { name: true } } } as const;
export type UserWithRole = Prisma.UserGetPayload<{ include: typeof withRoleName }>;

/** Routes that act as "me" are bearer-only; an API key acts for no user. */
function callerId(scope: Pick<Scope, 'userId'>): number {
  if (scope.userId === null) throw new ApiError('forbidden', 'This endpoint needs a user token, not an API key');
  return scope.userId;
}

const liveUser = (orgId: number, id: number) => ({ id, org_id: orgId, deleted_at: null });

export async function findUser(db: Database, scope: { orgId: number }, id: number): Promise<UserWithRole> {
  const user = await db.prisma.user.findFirst({ where: liveUser(scope.orgId, id), include: withRoleName });
  if (!user) throw notFound('User');
  return user;
}

export const getProfile = (db: Database, scope: Scope) => findUser(db, scope, callerId(scope));

export type UserSortField = 'id' | 'first_name' | 'email' | 'created_at';

export interface UserListParams extends ListParams<UserSortField> {
  role_id?: number[];
  state_id?: number[];
}

export async function listUsers(db: Database, scope: { orgId: number }, params: UserListParams) {
  const where = {
    org_id: scope.orgId,
    deleted_at: null,
    ...(params.role_id && { role_id: { in: params.role_id } }),
    ...(params.state_id && { state_id: { in: params.state_id } }),
    ...(params.search_value && anyFieldContains(['first_name', 'last_name', 'email'], params.search_value)),
    created_at: dateRangeFilter(params.start_date, params.end_date),
  };
  const [total, users] = await Promise.all([
    db.prisma.user.count({ where }),
    db.prisma.user.findMany({ where, include: withRoleName, orderBy: orderArgs(params), ...pageArgs(params) }),
  ]);
  return paged(users, total, params);
}

// Emails are unique across organizations because login is by email alone.
async function withUniqueEmail<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new ApiError('conflict', 'A user with this email already exists', { code: 'email_taken' });
    }
    throw err;
  }
}

const normaliseEmail = (email: string) => email.trim().toLowerCase();

export interface NewUser {
  first_name: string;
  last_name?: string | null;
  email: string;
  phone_no: string;
  password: string;
  role_id?: number;
}

async function roleForNewUser(db: Database, scope: Scope, roleId: number | undefined) {
  const role = await db.prisma.role.findFirst({
    where: { org_id: scope.orgId, ...(roleId === undefined ? { name: DEFAULT_USER_ROLE } : { id: roleId }) },
    select: { id: true, name: true },
  });
  if (!role) {
    throw new ApiError('validation_error', `role_id: ${roleId} is not a role of this organization`, {
      details: [{ path: 'role_id', message: 'unknown role' }],
    });
  }
  // managers may add users, but not make someone more powerful than themselves
  if (role.name === 'Admin' && !isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may grant the Admin role');
  return role;
}

export async function addUser(db: Database, scope: Scope, input: NewUser): Promise<UserWithRole> {
  requireRole(scope, ['Admin', 'Manager'], 'add users');
  const role = await roleForNewUser(db, scope, input.role_id);
  return withUniqueEmail(
    db.prisma.user.create({
      data: {
        org_id: scope.orgId,
        role_id: role.id,
        first_name: input.first_name,
        last_name: input.last_name ?? null,
        email: normaliseEmail(input.email),
        phone_no: input.phone_no,
        password_hash: await hashPassword(input.password),
      },
      include: withRoleName,
    }),
  );
}

export interface UserChanges {
  first_name: string;
  email: string;
  phone_no: string;
  last_name?: string | null;
  language?: string | null;
  timezone?: string | null;
}

export async function updateUser(db: Database, scope: Scope, id: number, changes: UserChanges): Promise<UserWithRole> {
  if (!isAdmin(scope) && id !== callerId(scope)) {
    // another organization's user stays a 404 for everyone
    const exists = await db.prisma.user.count({ where: liveUser(scope.orgId, id) });
    throw exists ? new ApiError('forbidden', 'Only Admin users may update other users') : notFound('User');
  }
  const { count } = await withUniqueEmail(
    db.prisma.user.updateMany({ where: liveUser(scope.orgId, id), data: { ...changes, email: normaliseEmail(changes.email) } }),
  );
  if (count === 0) throw notFound('User');
  return findUser(db, scope, id);
}

/** Sets a new password and signs the user out everywhere except the session making the change. */
export async function changePassword(
  db: Database,
  scope: Scope & { sessionId?: string },
  input: { current_password: string; new_password: string },
): Promise<void> {
  const userId = callerId(scope);
  const user = await db.prisma.user.findFirst({ where: liveUser(scope.orgId, userId), select: { password_hash: true } });
  if (!user) throw notFound('User');
  if (!(await verifyPassword(input.current_password, user.password_hash))) {
    throw new ApiError('validation_error', 'The current password is incorrect', {
      details: [{ path: 'current_password', message: 'incorrect password' }],
    });
  }
  const newHash = await hashPassword(input.new_password);
  const now = new Date();
  await transaction(db.prisma, { actorId: null }, async (tx) => {
    // matching the verified hash makes a concurrent change fail instead of silently winning
    const { count } = await tx.user.updateMany({
      where: { ...liveUser(scope.orgId, userId), password_hash: user.password_hash },
      data: { password_hash: newHash },
    });
    if (count === 0) throw new ApiError('conflict', 'The password was changed by another request; try again');
    await tx.session.updateMany({
      where: { org_id: scope.orgId, user_id: userId, revoked_at: null, ...(scope.sessionId && { id: { not: scope.sessionId } }) },
      data: { revoked_at: now },
    });
  });
}

/** Soft-deletes a user of the organization and revokes every session they hold. */
export async function deleteUser(db: Database, scope: Scope, id: number): Promise<void> {
  requireRole(scope, ['Admin'], 'delete users');
  if (id === callerId(scope)) {
    throw new ApiError('validation_error', 'You cannot delete your own account', { details: [{ path: 'user_id', message: 'is you' }] });
  }
  const now = new Date();
  await transaction(db.prisma, { actorId: null }, async (tx) => {
    const { count } = await tx.user.updateMany({ where: liveUser(scope.orgId, id), data: { deleted_at: now } });
    if (count === 0) throw notFound('User');
    await tx.session.updateMany({ where: { org_id: scope.orgId, user_id: id, revoked_at: null }, data: { revoked_at: now } });
  });
}

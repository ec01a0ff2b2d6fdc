/** Who is calling, resolved by the auth middleware and passed to every service. */
export interface AuthContext {
  orgId: number;
  orgPublicId: string;
  /** null for API-key callers: a key acts for its organization, not for a user */
  userId: number | null;
  roleId: number | null;
  roleName: string | null;
  via: 'bearer' | 'api_key';
  sessionId?: string;
  apiKeyId?: number;
}

/** The scope every tenant service takes: the caller's organization (and user, where it matters). */
export type Scope = Pick<AuthContext, 'orgId' | 'userId' | 'roleId' | 'roleName'>;

export const isAdmin = (scope: Pick<AuthContext, 'roleName'>) => scope.roleName === 'Admin';

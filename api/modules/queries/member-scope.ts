import type { MemberScope } from '../../../domain/analytics/saved-query.service.js';
import type { AuthContext } from '../../../domain/platform/auth-context.js';
import { ApiError } from '../../../domain/platform/errors.js';

/** Saved queries and dashboards belong to users: bearer routes always carry one, and the check narrows the type for the services. */
export function member(auth: AuthContext): MemberScope {
  if (auth.userId === null) throw new ApiError('unauthorized', 'This needs a signed-in user');
  return { ...auth, userId: auth.userId };
}

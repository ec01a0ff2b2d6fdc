// Account health I/O for the account-health workflow (domain/engagement/target-account.service.ts).
import type { ActivityDeps } from './activity-deps.js';
import { storeAccountHealth } from '../domain/engagement/target-account.service.js';

export interface RefreshAccountHealthInput {
  orgId: number;
  targetAccountId: number;
}

export type RefreshAccountHealthResult =
  | { refreshed: true; healthScore: number; health: string; engagementStage: string }
  | { refreshed: false; reason: 'account_not_found' };

export function createAccountHealthActivities({ database }: ActivityDeps) {
  return {
    async refreshAccountHealth({ orgId, targetAccountId }: RefreshAccountHealthInput): Promise<RefreshAccountHealthResult> {
      // as of this pass: a retried activity scores as of its own run, since decay and silence move with the clock
      const health = await storeAccountHealth(database, orgId, targetAccountId);
      return health
        ? { refreshed: true, healthScore: health.score, health: health.health, engagementStage: health.engagementStage }
        : { refreshed: false, reason: 'account_not_found' };
    },
  };
}

export type AccountHealthActivities = ReturnType<typeof createAccountHealthActivities>;

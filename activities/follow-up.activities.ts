// Follow-up reminder I/O: one call that judges the follow-up and writes the
// due notifications (domain/notifications/notification.service.ts), scoped by the
// follow-up's organization.
import { remindOfFollowUpIfDue, type FollowUpReminder } from '../domain/notifications/notification.service.js';
import type { ActivityDeps } from './activity-deps.js';

export interface FollowUpDueInput {
  orgId: number;
  followUpId: number;
}

/** How the reminder ended: it notified, or the follow-up was done, cancelled or deleted before it was due. */
export type FollowUpDueResult = Exclude<FollowUpReminder, { outcome: 'not_due' }>;

export function createFollowUpActivities({ database }: ActivityDeps) {
  return {
    /** `asOf`: ISO 8601, the workflow's clock (not the activity's), so that waking and judging agree. */
    remindIfDue: ({ asOf, ...followUp }: FollowUpDueInput & { asOf: string }): Promise<FollowUpReminder> =>
      remindOfFollowUpIfDue(database, { ...followUp, asOf: new Date(asOf) }),
  };
}

export type FollowUpActivities = ReturnType<typeof createFollowUpActivities>;

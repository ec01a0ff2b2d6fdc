// One durable reminder per follow-up (started through the outbox when the
// follow-up is created): sleeps until the follow-up is due, then notifies its
// creator and its lead's assignee, unless it was completed, cancelled or
// deleted meanwhile. The follow-up is judged again on waking, so a date moved
// later makes the reminder sleep on rather than fire early.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { FollowUpActivities, FollowUpDueInput, FollowUpDueResult } from '../activities/follow-up.activities.js';

/** One reminder per follow-up, named by the organization's public id (org_…), the id operators know. */
export const followUpDueWorkflowId = ({ orgPublicId, followUpId }: { orgPublicId: string; followUpId: number }) => `follow-up-due:${orgPublicId}:${followUpId}`;

const { remindIfDue } = proxyActivities<FollowUpActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function followUpDueWorkflow(input: FollowUpDueInput): Promise<FollowUpDueResult> {
  for (;;) {
    // workflow time is the clock: deterministic on replay, and the timer survives worker restarts
    const reminder = await remindIfDue({ ...input, asOf: new Date(Date.now()).toISOString() });
    if (reminder.outcome !== 'not_due') return reminder;
    await sleep(Date.parse(reminder.due_at) - Date.now());
  }
}

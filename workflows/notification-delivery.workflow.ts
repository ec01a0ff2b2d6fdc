// One durable delivery per event (hot lead, deal won, import finished,
// follow-up due) or per test notification, started through the outbox: it
// records the event's messages (one per routed channel) and delivers each
// on its own, so a rate-limited or failing channel retries (honouring
// Retry-After through nextRetryDelay) without holding the others back or
// posting them again. A message whose retries run out is marked failed, so it
// is never sent later by surprise. The workflow id names the event, so a
// repeated event (a redelivered outbox row, a deal won twice) announces once.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { DeliveryOutcome, NotificationDeliveryActivities } from '../activities/notification-delivery.activities.js';

export interface NotificationDeliveryInput {
  orgId: number;
  /** an event to announce to its routed channels */
  announce?: { eventType: string; subjectId: number };
  /** messages already recorded (a test notification) */
  messageIds?: string[];
}

export interface NotificationDeliveryResult {
  sent: number;
  failed: number;
}

/** One announcement per event of a subject, named by the organization's public id (org_…). */
export const announcementWorkflowId = ({ orgPublicId, eventType, subjectId }: { orgPublicId: string; eventType: string; subjectId: number }) =>
  `notify:${orgPublicId}:${eventType}:${subjectId}`;

/** One delivery per recorded message. */
export const messageDeliveryWorkflowId = ({ orgPublicId, messageId }: { orgPublicId: string; messageId: string }) => `notify-message:${orgPublicId}:${messageId}`;

const { recordAnnouncement, giveUpMessage } = proxyActivities<NotificationDeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

// long enough for a post and, when in doubt, a look through the channel's history (each bounded by the egress timeout)
const { deliverMessage } = proxyActivities<NotificationDeliveryActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 12 },
});

async function deliverOne(orgId: number, messageId: string): Promise<DeliveryOutcome> {
  try {
    return await deliverMessage({ orgId, messageId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const reason = err.cause?.message ?? err.message;
    await giveUpMessage({ orgId, messageId, reason });
    return { status: 'failed', reason };
  }
}

export async function notificationDeliveryWorkflow(input: NotificationDeliveryInput): Promise<NotificationDeliveryResult> {
  const messageIds = input.announce ? await recordAnnouncement({ orgId: input.orgId, ...input.announce }) : (input.messageIds ?? []);
  const outcomes = await Promise.all(messageIds.map((id) => deliverOne(input.orgId, id)));
  return { sent: outcomes.filter((o) => o.status === 'sent').length, failed: outcomes.filter((o) => o.status === 'failed').length };
}

// One durable delivery per outgoing mail (§6.11 send and reply), started
// through the outbox when the API records the message: the send activity is
// retried by Temporal (honouring a provider's Retry-After through
// nextRetryDelay; a timed-out attempt is looked up by Message-ID before any
// resend), and a message whose retries run out is marked failed, so it is
// never sent later by surprise. The workflow id names the message, so a
// redelivered outbox row sends nothing twice.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { MailActivities, MailDeliveryInput, MailDeliveryOutcome } from '../activities/mail.activities.js';

/** One delivery per message, named by the organization's public id (org_…). */
export const mailDeliveryWorkflowId = ({ orgPublicId, messageId }: { orgPublicId: string; messageId: string }) => `mail-delivery:${orgPublicId}:${messageId}`;

// long enough for a send and, when in doubt, a lookup (each bounded by the egress timeout)
const { sendMailMessage } = proxyActivities<MailActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 12 },
});

const { giveUpMailMessage } = proxyActivities<MailActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function mailDeliveryWorkflow(input: MailDeliveryInput): Promise<MailDeliveryOutcome> {
  try {
    return await sendMailMessage(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return giveUpMailMessage({ ...input, reason: err.cause?.message ?? err.message });
  }
}

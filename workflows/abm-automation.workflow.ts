// One run of an organization's scheduled ABM automation (§6.8), started by
// its Temporal Schedule (worker/schedules.ts; id abm-automation:<org public
// id>, listed under Schedules in the Temporal UI): refreshes the health of
// the organization's active target accounts and wakes its open outreach
// sequences, which then send what is due and stop where a reply, a meeting
// or an unsubscribe says so. Both go through the outbox to the workflows
// that own them (account health, outreach sequence), so this run stays
// short and a retry is harmless.
import { proxyActivities } from '@temporalio/workflow';
import type { AbmAutomationActivities, AbmAutomationInput } from '../activities/abm-automation.activities.js';
import type { AbmRunOutcome } from '../domain/engagement/abm-automation.service.js';

const { runAbmAutomation } = proxyActivities<AbmAutomationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function abmAutomationWorkflow(input: AbmAutomationInput): Promise<AbmRunOutcome> {
  return runAbmAutomation(input);
}

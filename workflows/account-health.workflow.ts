// Keeps one target account's health current (§6.8 ABM). Engagement changes
// (signals, meetings, deals, stakeholders) are caught by database triggers,
// which write 'account_health.refresh' outbox events; the relay delivers each
// by signal-with-start: a running workflow takes the signal and recomputes
// once more after its current pass (which may have read the account before
// the change), a finished one is started anew. One workflow id per account,
// so a burst of changes never runs concurrent passes that could store an
// older health last.
import { defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AccountHealthActivities, RefreshAccountHealthInput, RefreshAccountHealthResult } from '../activities/account-health.activities.js';

export const refreshAccountHealthSignal = defineSignal('refreshAccountHealth');

/** One workflow per account, named by the organization's public id (org_…), the id operators know. */
export const accountHealthWorkflowId = ({ orgPublicId, targetAccountId }: { orgPublicId: string; targetAccountId: number }) =>
  `account-health:${orgPublicId}:${targetAccountId}`;

// A handful of short queries: a tight timeout lets a retry take over quickly from a worker that died mid-activity.
const { refreshAccountHealth } = proxyActivities<AccountHealthActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function accountHealthWorkflow(input: RefreshAccountHealthInput): Promise<RefreshAccountHealthResult> {
  let changedSinceRead = false;
  setHandler(refreshAccountHealthSignal, () => {
    changedSinceRead = true;
  });
  let result: RefreshAccountHealthResult;
  do {
    changedSinceRead = false;
    result = await refreshAccountHealth(input);
  } while (changedSinceRead);
  return result;
}

// Scores one lead. A lead changes while it is being scored (an update, a
// merge), so every change asks again by signal-with-start: a running
// workflow takes the signal and scores once more after the current pass,
// a finished one is started anew. One workflow id per lead, so a burst of
// changes never runs concurrent passes that could write an older score last.
import { defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ScoreLeadInput, ScoreLeadResult, ScoringActivities } from '../activities/scoring.activities.js';

export const rescoreLeadSignal = defineSignal('rescoreLead');

/** One workflow per lead, named by the organization's public id (org_…), the id operators know. */
export const scoreLeadWorkflowId = ({ orgPublicId, leadId }: { orgPublicId: string; leadId: number }) => `score-lead:${orgPublicId}:${leadId}`;

// Two short queries: a tight timeout lets a retry take over quickly from a worker that died mid-activity.
const { scoreLead } = proxyActivities<ScoringActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function scoreLeadWorkflow(input: ScoreLeadInput): Promise<ScoreLeadResult> {
  let changedSinceRead = false;
  setHandler(rescoreLeadSignal, () => {
    changedSinceRead = true;
  });
  let result: ScoreLeadResult;
  do {
    changedSinceRead = false;
    result = await scoreLead(input);
  } while (changedSinceRead);
  return result;
}

// One contact's outreach sequence (§6.8 outreach plans): a job of type
// outreach_sequence that sleeps until each step's send time (its
// scheduled_at moved out of the recipient's quiet hours), then runs it —
// days or weeks apart, durably: the sleep is a Temporal timer, so worker and
// server restarts lose nothing. It wakes early when told its steps or its
// contact's stop conditions changed (outreach.changed through the outbox
// relay), when paused through the jobs API (the pause is recorded at once
// and no step runs while paused), and every REPLY_CHECK_INTERVAL to look for
// a reply in the inbox. Before each step the database decides whether the
// sequence must stop (reply, meeting, unsubscribe): then every remaining
// step is skipped and the job completes. Cancelling the job cancels the
// steps that have not run.
import {
  CancellationScope,
  condition,
  continueAsNew,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { OutreachActivities } from '../activities/outreach.activities.js';
import { runJob, type JobWorkflowInput } from './job-control.js';

const { nextOutreachStep, executeOutreachStep, finishOutreachIfIdle, cancelOutreachSteps } = proxyActivities<OutreachActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// the inbox is an outside service: a few attempts, then the next look (the stop check before each step does not depend on it)
const { detectOutreachReply } = proxyActivities<OutreachActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3 },
});

/** The sequence's steps, or its contact's stop conditions, changed: read them again now. */
export const outreachChangedSignal = defineSignal('outreachChanged');

/** How often a sleeping sequence looks in the inbox for a reply. */
export const REPLY_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** A step found not due yet (its send time moved: new quiet hours, another zone) is waited for at least this long. */
const NOT_DUE_PAUSE_MS = 1000;

export async function outreachSequenceWorkflow(input: JobWorkflowInput): Promise<void> {
  let changed = false;
  setHandler(outreachChangedSignal, () => {
    changed = true;
  });
  await runJob(input, async (_job, control) => {
    const ref = { orgId: input.orgId, jobId: input.jobId };
    const lookForReply = async () => {
      try {
        await detectOutreachReply(ref);
      } catch (err) {
        // the inbox failed its attempts: the next look, or the stop check, will do
        if (isCancellation(err)) throw err;
      }
    };
    try {
      for (;;) {
        await control.checkpoint();
        if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof outreachSequenceWorkflow>({ ...input, ...control.carried() });
        changed = false;
        const next = await nextOutreachStep(ref);
        if (next.kind === 'idle') {
          if (await finishOutreachIfIdle(ref)) return;
          continue;
        }
        const wait = next.sendAt - Date.now();
        if (wait > 0) {
          const slice = Math.min(wait, REPLY_CHECK_INTERVAL_MS);
          const woken = await condition(() => changed || control.carried().paused === true, slice);
          if (!woken && slice < wait) await lookForReply();
          continue;
        }
        await lookForReply();
        // workflow time is the clock the step is judged due by (and recorded as run at): the timer that woke us and the judgement agree
        const result = await executeOutreachStep({ ...ref, stepId: next.stepId, asOf: new Date(Date.now()).toISOString() });
        if (result.kind === 'not_due') await sleep(Math.max(NOT_DUE_PAUSE_MS, result.sendAt - Date.now()));
      }
    } catch (err) {
      if (isCancellation(err)) await CancellationScope.nonCancellable(() => cancelOutreachSteps(ref));
      throw err;
    }
  });
}

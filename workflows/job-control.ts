// What every job workflow shares: the job row's lifecycle (running, paused,
// completed, failed, cancelled), and pause/resume signals and cancellation
// that the jobs API sends (through the outbox relay). A job's body does its
// work in bounded batches and calls `control.checkpoint()` between them: a
// pause takes effect there, so a paused job has committed exactly what its
// checkpoint says and holds that place durably (the paused flag is workflow
// state, rebuilt from history on any worker).
import {
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { JobActivities, StartedJob } from '../activities/job.activities.js';
import type { JobRef } from '../domain/job.service.js';

export const pauseJobSignal = defineSignal('pauseJob');
export const resumeJobSignal = defineSignal('resumeJob');

/** Input of every job workflow; `paused` carries a pause across continue-as-new. */
export interface JobWorkflowInput extends JobRef {
  paused?: boolean;
}

export interface JobControl {
  /** Between batches: waits while the job is paused, recording paused/running as it goes. */
  checkpoint(): Promise<void>;
  /** whether a pause is pending or in effect (to hand on through continue-as-new) */
  readonly paused: boolean;
}

const { startJob, setJobStatus } = proxyActivities<JobActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const isContinueAsNew = (err: unknown) => err instanceof Error && err.name === 'ContinueAsNew';

function errorMessage(err: unknown): string {
  // an activity failure's own message says little ("Activity task failed"); its cause says what went wrong
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `body` as the job `input` names: marks it running, then completed,
 * failed (with the error's message, and the workflow fails too) or
 * cancelled. Answers undefined when the job was cancelled or removed before
 * it began.
 */
export async function runJob<T>(input: JobWorkflowInput, body: (job: StartedJob, control: JobControl) => Promise<T>): Promise<T | undefined> {
  const ref: JobRef = { orgId: input.orgId, jobId: input.jobId };
  let paused = input.paused ?? false;
  setHandler(pauseJobSignal, () => {
    paused = true;
  });
  setHandler(resumeJobSignal, () => {
    paused = false;
  });
  const control: JobControl = {
    get paused() {
      return paused;
    },
    async checkpoint() {
      if (!paused) return;
      await setJobStatus({ ...ref, status: 'paused' });
      await condition(() => !paused);
      await setJobStatus({ ...ref, status: 'running' });
    },
  };
  const job = await startJob(ref);
  if (!job) return undefined;
  try {
    await control.checkpoint();
    const result = await body(job, control);
    await setJobStatus({ ...ref, status: 'completed' });
    return result;
  } catch (err) {
    if (isContinueAsNew(err)) throw err;
    // recorded even though this workflow is being cancelled
    await CancellationScope.nonCancellable(() =>
      setJobStatus(isCancellation(err) ? { ...ref, status: 'cancelled' } : { ...ref, status: 'failed', error: errorMessage(err) }),
    );
    throw err;
  }
}


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
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { JobActivities } from '../activities/job.activities.js';
import type { JobRef, StartedJob } from '../domain/jobs/job.service.js';

/**
 * A pause or resume as the API accepted it: `seq` numbers the job's controls
 * in the order accepted (jobs.control_seq); a signal sent before controls
 * were numbered has none and is applied as it arrives.
 */
export interface JobControlOrder {
  seq?: number;
}

export const pauseJobSignal = defineSignal<[JobControlOrder]>('pauseJob');
export const resumeJobSignal = defineSignal<[JobControlOrder]>('resumeJob');

/** What a job's control state is across continue-as-new: whether it is paused, and the last control applied. */
export interface CarriedControl {
  paused?: boolean;
  controlSeq?: number;
}

/** The job's control state as its workflow holds it (the Temporal UI can ask it too): answered from history by any worker. */
export const jobControlQuery = defineQuery<Required<CarriedControl>>('jobControl');

/** Input of every job workflow. */
export interface JobWorkflowInput extends JobRef, CarriedControl {}

export interface JobControl {
  /** Between batches: waits while the job is paused, recording paused/running as it goes. */
  checkpoint(): Promise<void>;
  /** whether a pause is asked for (or in effect): a job with work in flight lets it finish before its checkpoint reads paused */
  pauseRequested(): boolean;
  /** the control state to hand on through continue-as-new (a pause pending or in effect stays) */
  carried(): CarriedControl;
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
  let lastControl = input.controlSeq ?? 0;
  // Signals may arrive in another order than the API accepted them (concurrent or retried deliveries):
  // one older than a control already applied was overtaken, and the newer one stands.
  // (a signal from before controls were numbered, replayed from an older history, carries no argument at all)
  const apply = (pause: boolean) => (order: JobControlOrder = {}) => {
    if (order.seq !== undefined) {
      if (order.seq <= lastControl) return;
      lastControl = order.seq;
    }
    paused = pause;
  };
  setHandler(pauseJobSignal, apply(true));
  setHandler(resumeJobSignal, apply(false));
  const carried = () => ({ paused, controlSeq: lastControl });
  setHandler(jobControlQuery, carried);
  const control: JobControl = {
    carried,
    pauseRequested: () => paused,
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


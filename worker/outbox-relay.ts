// Relays outbox_events to Temporal: each event kind maps to the workflow it
// starts. A row is deleted only after Temporal accepted the start, so a crash
// at any point means "delivered again", never "lost"; the deliveries are
// idempotent (business workflow ids), so delivering twice is harmless.
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_FOLLOW_UP_DUE } from '../domain/leads/lead-activity.service.js';
import { FINISHED_JOB_STATUSES, jobWorkflowId, OUTBOX_JOB_CONTROL, OUTBOX_JOB_START, type JobControlAction, type JobType } from '../domain/jobs/job.service.js';
import { OUTBOX_LEAD_SCORE } from '../domain/leads/lead.service.js';
import { relayOutboxBatch, type OutboxEvent } from '../domain/jobs/outbox.service.js';
import { followUpDueWorkflow, followUpDueWorkflowId } from '../workflows/follow-up-due.workflow.js';
import { pauseJobSignal, resumeJobSignal } from '../workflows/job-control.js';
import { JOB_WORKFLOWS } from '../workflows/job-workflows.js';
import { rescoreLeadSignal, scoreLeadWorkflow, scoreLeadWorkflowId } from '../workflows/score-lead.workflow.js';
import { LIO_SEARCH_ATTRIBUTES } from './temporal-connection.js';

export interface OutboxRelayDeps {
  pool: pg.Pool;
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** rows claimed (and delivered concurrently) per transaction */
  batchSize?: number;
  /** pause after finding nothing due; a busy relay loops without pausing */
  idleMs?: number;
}

// a failing database or Temporal connection is not hammered in a tight loop
const ERROR_PAUSE_MS = 2000;

type Delivery = (event: OutboxEvent, deps: OutboxRelayDeps) => Promise<void>;

function idInPayload(event: OutboxEvent, key: 'leadId' | 'followUpId' | 'jobId'): number {
  const id = (event.payload as Record<string, unknown> | null)?.[key];
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`outbox event ${event.id}: payload has no ${key}`);
  return id;
}

function jobInPayload(event: OutboxEvent) {
  const payload = event.payload as { type?: unknown; action?: unknown };
  const ref = { orgId: event.orgId, jobId: idInPayload(event, 'jobId') };
  return { ref, type: payload.type as JobType, action: payload.action as JobControlAction, workflowId: jobWorkflowId({ ...ref, type: String(payload.type) }) };
}

/** A pause/resume event's number (jobs.control_seq); none in an event written before controls were numbered. */
function controlSeqOf(event: OutboxEvent): number | undefined {
  const seq = (event.payload as { seq?: unknown }).seq;
  return typeof seq === 'number' ? seq : undefined;
}

/** A control for a job whose workflow has ended has nothing left to act on. */
async function jobHasFinished(pool: pg.Pool, { orgId, jobId }: { orgId: number; jobId: number }): Promise<boolean> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM jobs WHERE id = $1 AND org_id = $2', [jobId, orgId]);
  return !rows[0] || FINISHED_JOB_STATUSES.includes(rows[0].status as never);
}

const deliveries: Record<string, Delivery> = {
  // Signal-with-start: a scoring run in progress scores again after its
  // current pass (it may have read the lead before this change), a finished
  // one is started anew (ALLOW_DUPLICATE), a missing one is started.
  [OUTBOX_LEAD_SCORE]: async (event, { client, taskQueue }) => {
    const input = { orgId: event.orgId, leadId: idInPayload(event, 'leadId') };
    await client.workflow.signalWithStart(scoreLeadWorkflow, {
      workflowId: scoreLeadWorkflowId(input),
      taskQueue,
      args: [input],
      signal: rescoreLeadSignal,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: LIO_SEARCH_ATTRIBUTES.orgId, value: String(input.orgId) },
        { key: LIO_SEARCH_ATTRIBUTES.leadId, value: String(input.leadId) },
      ],
    });
  },
  // One reminder per follow-up, ever: a redelivered event finds it running
  // (USE_EXISTING) or finished (REJECT_DUPLICATE), and is then delivered.
  [OUTBOX_FOLLOW_UP_DUE]: async (event, { client, taskQueue }) => {
    const input = { orgId: event.orgId, followUpId: idInPayload(event, 'followUpId') };
    try {
      await client.workflow.start(followUpDueWorkflow, {
        workflowId: followUpDueWorkflowId(input),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: String(input.orgId) }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  },
  // One workflow per job, ever (REJECT_DUPLICATE): a redelivered start finds it running or finished.
  [OUTBOX_JOB_START]: async (event, { client, taskQueue }) => {
    const { ref, type, workflowId } = jobInPayload(event);
    // a type this worker does not know yet (a newer API during a rolling deploy) is retried, not dropped
    const workflow = JOB_WORKFLOWS[type] as (typeof JOB_WORKFLOWS)[JobType] | undefined;
    if (!workflow) throw new Error(`outbox event ${event.id}: no workflow runs jobs of type "${type}"`);
    try {
      await client.workflow.start(workflow, {
        workflowId,
        taskQueue,
        args: [ref],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: LIO_SEARCH_ATTRIBUTES.orgId, value: String(ref.orgId) },
          { key: LIO_SEARCH_ATTRIBUTES.jobType, value: type },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  },
  // A control may overtake its job's start (it is retried until the workflow
  // exists) or arrive after the job ended (then it is dropped).
  [OUTBOX_JOB_CONTROL]: async (event, { client, pool }) => {
    const { ref, action, workflowId } = jobInPayload(event);
    const handle = client.workflow.getHandle(workflowId);
    try {
      if (action === 'cancel') await handle.cancel();
      // the control's number lets the workflow apply controls in the order the API accepted them
      else await handle.signal(action === 'pause' ? pauseJobSignal : resumeJobSignal, { seq: controlSeqOf(event) });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError && (await jobHasFinished(pool, ref)))) throw err;
    }
  },
};

// An unknown kind fails and is retried with backoff rather than dropped: during
// a rolling deploy a newer API may write kinds that only newer workers know.
function deliver(deps: OutboxRelayDeps) {
  return (event: OutboxEvent) => {
    const delivery = deliveries[event.kind];
    if (!delivery) return Promise.reject(new Error(`outbox event ${event.id}: no delivery for kind "${event.kind}"`));
    return delivery(event, deps);
  };
}

export interface OutboxRelay {
  /** finishes the batch in flight, then stops */
  stop(): Promise<void>;
}

export function startOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { pool, logger, batchSize = 100, idleMs = 200 } = deps;
  const stopping = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const send = deliver(deps);
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const outcome = await relayOutboxBatch(pool, batchSize, send);
        for (const { event, error } of outcome.failed) {
          logger.warn({ err: error, eventId: event.id, kind: event.kind, attempts: event.attempts + 1 }, 'outbox delivery failed; retrying later');
        }
        if (outcome.claimed === 0) await pause(idleMs);
      } catch (err) {
        logger.error({ err }, 'outbox relay batch failed');
        await pause(ERROR_PAUSE_MS);
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

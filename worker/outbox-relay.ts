// Relays outbox_events to Temporal: each event kind maps to the workflow it
// starts. A row is deleted only after Temporal accepted the start, so a crash
// at any point means "delivered again", never "lost"; the deliveries are
// idempotent (business workflow ids), so delivering twice is harmless.
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Database } from '../domain/platform/db.js';
import type { Logger } from 'pino';
import { jobWorkflowOf, type JobType } from '../domain/jobs/job.service.js';
import { relayOutboxBatch, type OutboxEvent } from '../domain/jobs/outbox.service.js';
import { agentCallWorkflow, agentCallWorkflowId, callStatusSignal } from '../workflows/agent-call.workflow.js';
import { followUpDueWorkflow, followUpDueWorkflowId } from '../workflows/follow-up-due.workflow.js';
import { pauseJobSignal, resumeJobSignal } from '../workflows/job-control.js';
import { JOB_WORKFLOWS } from '../workflows/job-workflows.js';
import { announcementWorkflowId, messageDeliveryWorkflowId, notificationDeliveryWorkflow } from '../workflows/notification-delivery.workflow.js';
import { mailDeliveryWorkflow, mailDeliveryWorkflowId } from '../workflows/mail-delivery.workflow.js';
import {
  meetingCalendarWorkflow,
  meetingCalendarWorkflowId,
  meetingChangedSignal,
  meetingEventRemovalWorkflow,
  meetingEventRemovalWorkflowId,
} from '../workflows/meeting-calendar.workflow.js';
import { rescoreLeadSignal, scoreLeadWorkflow, scoreLeadWorkflowId } from '../workflows/score-lead.workflow.js';
import { accountHealthWorkflow, accountHealthWorkflowId, refreshAccountHealthSignal } from '../workflows/account-health.workflow.js';
import { outreachChangedSignal } from '../workflows/outreach-sequence.workflow.js';
import { isOutboxKind, parseOutboxPayload, type OutboxKind, type OutboxPayloads } from '../domain/platform/outbox-events.js';
import { processSubmission } from '../domain/webforms/submission.service.js';
import { syncOrgSchedule } from './schedules.js';
import { LIO_SEARCH_ATTRIBUTES } from './temporal-connection.js';

export interface OutboxRelayDeps {
  database: Database;
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

/** An event as a delivery sees it: of an organization that exists, its payload read as its kind's type. */
type Delivery<K extends OutboxKind> = (
  payload: OutboxPayloads[K],
  event: OutboxEvent & { orgPublicId: string },
  deps: OutboxRelayDeps,
) => Promise<void>;

/** The job an event is about, with the workflow id stored on its row (never recomputed: older jobs keep theirs). */
async function jobOf(database: Database, event: OutboxEvent, jobId: number) {
  const ref = { orgId: event.orgId, jobId };
  return { ref, job: await jobWorkflowOf(database, ref) };
}

/**
 * One delivery per kind (the compiler checks none is missing). Workflow ids
 * and the OrgId search attribute carry the organization's public id
 * (org_…), the id the API, the CLI and the logs speak of.
 */
const deliveries: { [K in OutboxKind]: Delivery<K> } = {
  // Signal-with-start: a scoring run in progress scores again after its
  // current pass (it may have read the lead before this change), a finished
  // one is started anew (ALLOW_DUPLICATE), a missing one is started.
  'lead.score': async ({ leadId }, { orgId, orgPublicId }, { client, taskQueue }) => {
    await client.workflow.signalWithStart(scoreLeadWorkflow, {
      workflowId: scoreLeadWorkflowId({ orgPublicId, leadId }),
      taskQueue,
      args: [{ orgId, leadId }],
      signal: rescoreLeadSignal,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId },
        { key: LIO_SEARCH_ATTRIBUTES.leadId, value: String(leadId) },
      ],
    });
  },
  // As lead.score: a refresh in progress computes again after its current pass, a finished one is started anew.
  'account_health.refresh': async ({ targetAccountId }, { orgId, orgPublicId }, { client, taskQueue }) => {
    await client.workflow.signalWithStart(accountHealthWorkflow, {
      workflowId: accountHealthWorkflowId({ orgPublicId, targetAccountId }),
      taskQueue,
      args: [{ orgId, targetAccountId }],
      signal: refreshAccountHealthSignal,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }],
    });
  },
  // Runs in the relay itself, no workflow: making the lead is one idempotent call, a failure throws and the
  // relay's backoff tries again; a settled or permanently failed submission ends here
  'web_form.submission': async ({ submissionId }, _event, { database }) => {
    await processSubmission(database, submissionId);
  },
  // The organization's ABM automation schedule, created, updated, paused or deleted to match what is stored now
  'abm_schedule.sync': async (_payload, { orgId }, deps) => {
    await syncOrgSchedule(deps, 'abm', orgId);
  },
  // The organization's daily forecast schedule, created, updated, paused or unpaused to match its forecast_settings row
  'forecast_schedule.sync': async (_payload, { orgId }, deps) => {
    await syncOrgSchedule(deps, 'forecast', orgId);
  },
  // The organization's weekly scoring-model training schedule (domain/scoring/scoring-schedule.ts)
  'scoring_schedule.sync': async (_payload, { orgId }, deps) => {
    await syncOrgSchedule(deps, 'scoring_train', orgId);
  },
  // One reminder per follow-up, ever: a redelivered event finds it running
  // (USE_EXISTING) or finished (REJECT_DUPLICATE), and is then delivered.
  'follow_up.due': async ({ followUpId }, { orgId, orgPublicId }, { client, taskQueue }) => {
    try {
      await client.workflow.start(followUpDueWorkflow, {
        workflowId: followUpDueWorkflowId({ orgPublicId, followUpId }),
        taskQueue,
        args: [{ orgId, followUpId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  },
  // One workflow per job, ever (REJECT_DUPLICATE): a redelivered start finds it running or finished.
  'job.start': async ({ jobId }, event, { client, database, taskQueue }) => {
    const { ref, job } = await jobOf(database, event, jobId);
    // a job removed before its workflow started has nothing to run
    if (!job) return;
    // a type this worker does not know yet (a newer API during a rolling deploy) is retried, not dropped
    const workflow = (JOB_WORKFLOWS as Partial<Record<string, (typeof JOB_WORKFLOWS)[JobType]>>)[job.type];
    if (!workflow) throw new Error(`outbox event ${event.id}: no workflow runs jobs of type "${job.type}"`);
    try {
      await client.workflow.start(workflow, {
        workflowId: job.workflowId,
        taskQueue,
        args: [ref],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: LIO_SEARCH_ATTRIBUTES.orgId, value: event.orgPublicId },
          { key: LIO_SEARCH_ATTRIBUTES.jobType, value: job.type },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  },
  // A control may overtake its job's start (it is retried until the workflow
  // exists) or arrive after the job ended (then it is dropped).
  'job.control': async ({ jobId, action, seq }, event, { client, database }) => {
    const { ref, job } = await jobOf(database, event, jobId);
    if (!job) return;
    // judged when the signal fails, not before: the job may have ended meanwhile
    const endedSince = async () => (await jobWorkflowOf(database, ref))?.finished ?? true;
    const handle = client.workflow.getHandle(job.workflowId);
    try {
      if (action === 'cancel') await handle.cancel();
      // the control's number lets the workflow apply controls in the order the API accepted them
      else await handle.signal(action === 'pause' ? pauseJobSignal : resumeJobSignal, { seq });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError && (await endedSince()))) throw err;
    }
  },
  // One workflow per call, ever (REJECT_DUPLICATE): a redelivered start finds it running or finished.
  'call.start': async ({ callId }, { orgId, orgPublicId }, { client, taskQueue }) => {
    try {
      await client.workflow.start(agentCallWorkflow, {
        workflowId: agentCallWorkflowId({ orgPublicId, callId }),
        taskQueue,
        args: [{ orgId, callId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  },
  // A callback after the call's workflow ended (it settled from polling) has nobody left to wake.
  'call.status': async ({ callId }, { orgPublicId }, { client }) => {
    try {
      await client.workflow.getHandle(agentCallWorkflowId({ orgPublicId, callId })).signal(callStatusSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  },
  // One announcement per event of a subject: a repeated event (redelivered, or the same deal won again) posts nothing twice.
  'notification.announce': ({ eventType, subjectId }, { orgId, orgPublicId }, { client, taskQueue }) =>
    startOnce(() =>
      client.workflow.start(notificationDeliveryWorkflow, {
        workflowId: announcementWorkflowId({ orgPublicId, eventType, subjectId }),
        taskQueue,
        args: [{ orgId, announce: { eventType, subjectId } }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }],
      }),
    ),
  'notification.deliver': ({ messageId }, { orgId, orgPublicId }, { client, taskQueue }) =>
    startOnce(() =>
      client.workflow.start(notificationDeliveryWorkflow, {
        workflowId: messageDeliveryWorkflowId({ orgPublicId, messageId }),
        taskQueue,
        args: [{ orgId, messageIds: [messageId] }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }],
      }),
    ),
  // Wakes the contact's sequence to read its steps and stop conditions again; like a job control, it is retried
  // until the workflow exists (it may overtake its job.start) and dropped once the job has ended.
  'outreach.changed': async ({ jobId }, event, { client, database }) => {
    const { ref, job } = await jobOf(database, event, jobId);
    if (!job || job.finished) return;
    try {
      await client.workflow.getHandle(job.workflowId).signal(outreachChangedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError && ((await jobWorkflowOf(database, ref))?.finished ?? true))) throw err;
    }
  },
  // One delivery per mail, ever: a redelivered event finds it running or finished.
  'mail.send': ({ messageId }, { orgId, orgPublicId }, { client, taskQueue }) =>
    startOnce(() =>
      client.workflow.start(mailDeliveryWorkflow, {
        workflowId: mailDeliveryWorkflowId({ orgPublicId, messageId }),
        taskQueue,
        args: [{ orgId, messageId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }],
      }),
    ),
  // A change signals the meeting's running sync to read it again, or starts a new one (as lead.score);
  // a deleted meeting's event is removed once, ever.
  'meeting.calendar': async ({ meetingId, removed }, { orgId, orgPublicId }, { client, taskQueue }) => {
    const typedSearchAttributes = [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }];
    if (removed) {
      await startOnce(() =>
        client.workflow.start(meetingEventRemovalWorkflow, {
          workflowId: meetingEventRemovalWorkflowId({ orgPublicId, meetingId }),
          taskQueue,
          args: [{ orgId, meetingId, ...removed }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes,
        }),
      );
      return;
    }
    await client.workflow.signalWithStart(meetingCalendarWorkflow, {
      workflowId: meetingCalendarWorkflowId({ orgPublicId, meetingId }),
      taskQueue,
      args: [{ orgId, meetingId }],
      signal: meetingChangedSignal,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes,
    });
  },
};

/** Starts a workflow once per id, ever: a redelivered event finds it running (USE_EXISTING) or finished (REJECT_DUPLICATE). */
async function startOnce(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** Reads the payload as its kind's type and hands it to that kind's delivery. */
function deliverAs<K extends OutboxKind>(kind: K, event: OutboxEvent & { orgPublicId: string }, deps: OutboxRelayDeps): Promise<void> {
  return deliveries[kind](parseOutboxPayload(kind, event.payload), event, deps);
}

// An unknown kind fails and is retried with backoff rather than dropped: during
// a rolling deploy a newer API may write kinds that only newer workers know.
function deliver(deps: OutboxRelayDeps) {
  return async (event: OutboxEvent) => {
    if (!isOutboxKind(event.kind)) throw new Error(`outbox event ${event.id}: no delivery for kind "${event.kind}"`);
    const { orgPublicId } = event;
    // an organization that is gone has nothing left to run
    if (orgPublicId === null) return;
    await deliverAs(event.kind, { ...event, orgPublicId }, deps);
  };
}

export interface OutboxRelay {
  /** finishes the batch in flight, then stops */
  stop(): Promise<void>;
}

export function startOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const { database, logger, batchSize = 100, idleMs = 200 } = deps;
  const stopping = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const send = deliver(deps);
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const outcome = await relayOutboxBatch(database, batchSize, send);
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

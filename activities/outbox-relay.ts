// Relays outbox_events to Temporal: each event kind maps to the workflow it
// starts. A row is deleted only after Temporal accepted the start, so a crash
// at any point means "delivered again", never "lost"; the deliveries are
// idempotent (business workflow ids), so delivering twice is harmless.
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_FOLLOW_UP_DUE } from '../domain/lead-activity.service.js';
import { OUTBOX_LEAD_SCORE } from '../domain/lead.service.js';
import { relayOutboxBatch, type OutboxEvent } from '../domain/outbox.service.js';
import { followUpDueWorkflow, followUpDueWorkflowId } from '../workflows/follow-up-due.workflow.js';
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

function idInPayload(event: OutboxEvent, key: 'leadId' | 'followUpId'): number {
  const id = (event.payload as Record<string, unknown> | null)?.[key];
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`outbox event ${event.id}: payload has no ${key}`);
  return id;
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

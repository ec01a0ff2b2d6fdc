// Relays outbox_events to Temporal: each event kind maps to the workflow it
// starts. A row is deleted only after Temporal accepted the start, so a crash
// at any point means "delivered again", never "lost"; the deliveries are
// idempotent (business workflow ids), so delivering twice is harmless.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_LEAD_SCORE } from '../domain/lead.service.js';
import { relayOutboxBatch, type OutboxEvent } from '../domain/outbox.service.js';
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

function leadIdOf(event: OutboxEvent): number {
  const leadId = (event.payload as { leadId?: unknown } | null)?.leadId;
  if (typeof leadId !== 'number' || !Number.isInteger(leadId)) throw new Error(`outbox event ${event.id}: payload has no leadId`);
  return leadId;
}

const deliveries: Record<string, Delivery> = {
  // Signal-with-start: a scoring run in progress scores again after its
  // current pass (it may have read the lead before this change), a finished
  // one is started anew (ALLOW_DUPLICATE), a missing one is started.
  [OUTBOX_LEAD_SCORE]: async (event, { client, taskQueue }) => {
    const input = { orgId: event.orgId, leadId: leadIdOf(event) };
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

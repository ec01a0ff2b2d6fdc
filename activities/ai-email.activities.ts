// AI email bulk job I/O (workflows/ai-email-bulk.workflow.ts): one activity
// drafts one batch of the job's leads, one model call at a time (the
// workflow keeps a few batches in flight: that is the job's concurrency
// toward the model); another returns the unused credits when the job ends.
//
// The model's 429s go through the shared provider throttle: before each call
// the activity fails at once (retryable, nextRetryDelay = the pause left)
// while the model is paused for any process, and a 429 records its
// Retry-After for every process before failing this attempt the same way.
// Drafts stored before the failure stay, and the retried attempt finds them
// (one draft per job and lead). A model that refuses our credentials fails
// the job; one that refuses a single lead's request counts that lead failed.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { connectorFailureOf } from '../domain/platform/connector-failure.js';
import { draftBulkBatch, draftRequest, settleBulkDraftJob, type BulkBatchOutcome, type BulkSettlement } from '../domain/engagement/ai-email.service.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';
import { pauseAfterRateLimit, waitOutThrottle } from './provider-throttle.js';

/** The throttle's name for the model: one account per configured endpoint (every process asking it shares its pause). */
const LLM_PROVIDER = 'llm';

export interface AiEmailBatchInput extends JobRef {
  batch: number;
}

export function createAiEmailActivities({ database, services, config }: ActivityDeps) {
  const account = config.LLM_BASE_URL ?? 'offline';
  const pool = database.pool;

  return {
    /** Drafts batch `batch` of a bulk job: the leads without a draft of the job yet. */
    async draftAiEmailBatch(input: AiEmailBatchInput): Promise<BulkBatchOutcome> {
      const context = Context.current();
      const ref = { orgId: input.orgId, jobId: input.jobId };
      return draftBulkBatch(
        database,
        ref,
        input.batch,
        async (lead, persona) => {
          await waitOutThrottle(pool, LLM_PROVIDER, account, 'The language model');
          try {
            return await services.llm.complete({ ...draftRequest(lead, persona), signal: context.cancellationSignal });
          } catch (err) {
            const failure = connectorFailureOf(err);
            if (failure?.failure === 'rate_limited') {
              throw await pauseAfterRateLimit(pool, LLM_PROVIDER, account, failure.details.retryAfterMs ?? 1000, failure.message);
            }
            if (failure?.failure === 'auth') throw ApplicationFailure.nonRetryable(failure.message, 'LlmCredentialsRefused');
            throw err;
          }
        },
        // the model refused this one request (HTTP 400/422: too long, filtered): asking again would not change it
        (err) => {
          const failure = connectorFailureOf(err);
          return failure?.failure === 'rejected' ? failure.message : null;
        },
        () => context.heartbeat(),
      );
    },

    /** Returns the unused part of the job's reservation, once (the job's own ledger key). */
    settleAiEmailBulk: (ref: JobRef): Promise<BulkSettlement | null> => settleBulkDraftJob(database, ref),
  };
}

export type AiEmailActivities = ReturnType<typeof createAiEmailActivities>;

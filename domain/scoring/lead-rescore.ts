// The lead_rescore job's step: the organization's leads in id order, one
// batch per transaction (domain/leads/lead-score.service.ts scoreLeadBatch:
// one locking SELECT with the features joined, the scores computed in JS,
// one UPDATE), the job's checkpoint (the last id scored) and counters moved
// in the same transaction. The job row is locked first, so an attempt that
// a worker killed mid-batch rolls back whole and its retry starts from the
// checkpoint; two attempts racing each other take turns and never score a
// batch twice. The active model is read once per batch.
import { advanceJob, FINISHED_JOB_STATUSES, lockJobForStep, setJobResult, setJobTotal, type JobRef } from '../jobs/job.service.js';
import { activeFitModel, countLeads, scoreLeadBatch } from '../leads/lead-score.service.js';
import { SCORING_MODEL } from '../leads/lead-scoring.js';
import type { Database } from '../platform/db.js';
import { transaction } from '../platform/transaction.js';

export const RESCORE_BATCH_SIZE = 1000;

export interface RescoreStep {
  done: boolean;
  /** leads scored by this step */
  scored: number;
}

export async function rescoreNextBatch(db: Database, ref: JobRef, batchSize = RESCORE_BATCH_SIZE): Promise<RescoreStep> {
  return transaction(db.pool, { actorId: null }, async (client) => {
    const job = await lockJobForStep(client, ref);
    if (!job || FINISHED_JOB_STATUSES.includes(job.status)) return { done: true, scored: 0 };
    const afterId = typeof job.checkpoint.after_id === 'number' ? job.checkpoint.after_id : 0;
    // the first batch knows how many there are to do (leads created meanwhile are scored too, past the total)
    if (afterId === 0) await setJobTotal(client, ref, await countLeads(client, ref.orgId));
    const model = await activeFitModel(client, ref.orgId);
    const { scored, lastId } = await scoreLeadBatch(client, ref.orgId, afterId, batchSize, model);
    const done = scored < batchSize;
    await advanceJob(client, ref, { processed: scored, created: 0, merged: 0, skipped: 0, failed: 0 }, { after_id: lastId ?? afterId });
    if (done) await setJobResult(client, ref, { rescored: job.processed + scored, model: model ? `${model.kind} v${model.version}` : SCORING_MODEL });
    return { done, scored };
  });
}

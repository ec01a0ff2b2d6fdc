// One batch of an enrichment job (workflows/enrichment.workflow.ts). A bulk
// job's inputs are cut into numbered batches of params.batch_size; one batch:
// its inputs become (or match) leads, the providers are asked with bounded
// parallelism through the process's shared rate limiter, and then ONE
// transaction writes every finding, debits the credits, counts the progress
// and marks the batch done in the job's checkpoint. A batch run again (429,
// 5xx, a crash) finds itself done and does nothing, or redoes its work with
// the provider answers already received served from the cache: nothing is
// paid for or debited twice. The activity (activities/enrichment.activities.ts)
// only adapts this to Temporal.
import type pg from 'pg';
import { transaction } from '../platform/transaction.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import type { EnrichmentEngine } from './enrichment.js';
import {
  commitCompanyEnrichment,
  commitLeadEnrichments,
  loadCompanyForEnrichment,
  loadLeadsForEnrichment,
  outOfCredits,
  pgEnrichmentCache,
  planCompanyEnrichment,
  planLeadEnrichment,
  resolveEnrichmentInput,
  type CompanyEnrichmentPlan,
  type EnrichmentInput,
  type EnrichmentJobParams,
  type EnrichmentOutcome,
  type LeadEnrichmentPlan,
} from './enrichment.service.js';
import { advanceJob, loadJobBatch, lockJobForStep, recordRowErrors, setJobResult, type JobRef, type JobRowError } from './job.service.js';

/** Provider lookups in flight at once within one batch (the rate limiter paces them further). */
const LOOKUPS_PER_BATCH_IN_PARALLEL = 10;

export interface EnrichmentBatchInput extends JobRef {
  batch: number;
}

export interface BatchCounts {
  processed: number;
  enriched: number;
  skipped: number;
  failed: number;
}

const noCounts = (): BatchCounts => ({ processed: 0, enriched: 0, skipped: 0, failed: 0 });

/**
 * Runs `work` over `items` with at most `limit` at a time. After a failure no
 * new item starts; the ones running are let finish (their answers get
 * cached) before the first failure is thrown, so a retry never overlaps them.
 */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failure) throw failure.reason;
}

const FAILURE_REASONS: Partial<Record<EnrichmentOutcome, string>> = {
  no_credits: 'no enrichment credits left',
  not_found: 'the lead no longer exists',
};

class BatchAlreadyCommitted extends Error {}

/**
 * In the batch's transaction: marks the batch done in the checkpoint, adds
 * its counts and records its row errors; throws BatchAlreadyCommitted when an
 * earlier attempt already committed it (the transaction rolls back).
 */
async function commitBatchStep(client: pg.PoolClient, { batch, ...ref }: EnrichmentBatchInput, counts: BatchCounts, rowErrors: JobRowError[]) {
  const job = await lockJobForStep(client, ref);
  const done = (job?.checkpoint.done as number[] | undefined) ?? [];
  if (!job || done.includes(batch)) throw new BatchAlreadyCommitted();
  const { processed, enriched: created, skipped, failed } = counts;
  await advanceJob(client, ref, { processed, created, merged: 0, skipped, failed }, { ...job.checkpoint, done: [...done, batch] });
  await recordRowErrors(client, ref, rowErrors);
}

/** Runs one batch's transaction; no counts when an earlier attempt had committed the batch. */
async function inBatchTransaction(db: Database, work: (client: pg.PoolClient) => Promise<BatchCounts>): Promise<BatchCounts> {
  try {
    return await transaction(db.pool, { actorId: null }, work);
  } catch (err) {
    if (err instanceof BatchAlreadyCommitted) return noCounts();
    throw err;
  }
}

/** Enriches batch `batch` of a bulk job (see the top of this file); answers its counts. */
export async function enrichLeadBatch(db: Database, engine: EnrichmentEngine, ref: EnrichmentBatchInput): Promise<BatchCounts> {
  const { pool } = db;
  const job = await loadJobBatch<EnrichmentJobParams, EnrichmentInput>(db, ref, 'enrichment', ref.batch);
  if (!job || job.done || job.params.target !== 'leads') return noCounts();
  const { batch_size: batchSize, group_id: groupId } = job.params;
  const first = ref.batch * batchSize;
  const slice = job.items;
  const scope = { orgId: ref.orgId, userId: job.createdBy };
  const cache = pgEnrichmentCache(pool, ref.orgId);
  const rowErrors: JobRowError[] = [];
  const plans: { row: number; plan: LeadEnrichmentPlan }[] = [];
  // with no credits left the outside providers are not asked: nothing they found could be paid for
  const noCredits = await outOfCredits(db, engine, ref.orgId);
  const planned = new Set<number>();
  let duplicates = 0;
  await forEachLimited(slice, LOOKUPS_PER_BATCH_IN_PARALLEL, async (input: EnrichmentInput, i) => {
    const row = first + i + 1;
    if (noCredits) {
      rowErrors.push({ row, reason: FAILURE_REASONS.no_credits! });
      return;
    }
    let leadId: number;
    try {
      leadId = (await resolveEnrichmentInput(db, scope, input)).leadId;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      rowErrors.push({ row, reason: err.message });
      return;
    }
    // the same person twice in one batch is enriched (and paid for) once
    if (planned.has(leadId)) {
      duplicates++;
      return;
    }
    planned.add(leadId);
    const [lead] = await loadLeadsForEnrichment(pool, ref.orgId, [leadId]);
    if (!lead) {
      rowErrors.push({ row, reason: FAILURE_REASONS.not_found! });
      return;
    }
    plans.push({ row, plan: await planLeadEnrichment(engine, cache, lead, input) });
  });
  return inBatchTransaction(db, async (client) => {
    const outcomes = await commitLeadEnrichments(
      client,
      ref.orgId,
      plans.map((p) => p.plan),
      { jobId: ref.jobId, ...(groupId !== undefined && { groupId }) },
    );
    const counts: BatchCounts = { processed: slice.length, enriched: 0, skipped: duplicates, failed: rowErrors.length };
    for (const { row, plan } of plans) {
      const { outcome } = outcomes.get(plan.leadId)!;
      if (outcome === 'enriched') counts.enriched++;
      else if (outcome === 'skipped') counts.skipped++;
      else {
        counts.failed++;
        rowErrors.push({ row, reason: FAILURE_REASONS[outcome]! });
      }
    }
    await commitBatchStep(client, ref, counts, rowErrors);
    return counts;
  });
}

/** Enriches the company of a company job, exactly once (its one unit is batch 0). */
export async function enrichCompanyForJob(db: Database, engine: EnrichmentEngine, ref: JobRef): Promise<BatchCounts> {
  const { pool } = db;
  const batchRef = { ...ref, batch: 0 };
  const job = await loadJobBatch<EnrichmentJobParams, EnrichmentInput>(db, ref, 'enrichment', 0);
  if (!job || job.done || job.params.target !== 'company') return noCounts();
  const companyId = job.params.company_id;
  let plan: CompanyEnrichmentPlan | undefined;
  try {
    const company = await loadCompanyForEnrichment(pool, ref.orgId, companyId);
    plan = await planCompanyEnrichment(engine, pgEnrichmentCache(pool, ref.orgId), company);
  } catch (err) {
    // the company was deleted after the job was created: the job records that, and ends
    if (!(err instanceof ApiError)) throw err;
  }
  return inBatchTransaction(db, async (client) => {
    const { outcome, record } = plan
      ? await commitCompanyEnrichment(client, ref.orgId, plan, { jobId: ref.jobId })
      : { outcome: 'not_found' as const, record: undefined };
    const counts: BatchCounts = {
      processed: 1,
      enriched: outcome === 'enriched' ? 1 : 0,
      skipped: outcome === 'skipped' ? 1 : 0,
      failed: outcome === 'enriched' || outcome === 'skipped' ? 0 : 1,
    };
    await commitBatchStep(client, batchRef, counts, []);
    await setJobResult(client, ref, { company_id: companyId, outcome, enrichment: record ?? null });
    return counts;
  });
}

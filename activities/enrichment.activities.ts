// Enrichment job I/O (workflows/enrichment.workflow.ts). A bulk job's inputs
// are cut into numbered batches of params.batch_size; one activity enriches
// one batch: its inputs become (or match) leads, the providers are asked
// with bounded parallelism through the process's shared rate limiter, and
// then ONE transaction writes every finding, debits the credits, counts the
// progress and marks the batch done in the job's checkpoint. A retried
// activity (429, 5xx, a crash) finds the batch done and does nothing, or
// redoes it with the provider answers it already received served from the
// cache: nothing is paid for or debited twice.
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { withActor } from '../domain/platform/actor.js';
import { EnrichmentProviderError } from '../domain/jobs/enrichment.js';
import {
  commitCompanyEnrichment,
  commitLeadEnrichments,
  loadCompanyForEnrichment,
  outOfCredits,
  loadLeadsForEnrichment,
  pgEnrichmentCache,
  planCompanyEnrichment,
  planLeadEnrichment,
  resolveEnrichmentInput,
  type EnrichmentInput,
  type EnrichmentJobParams,
  type CompanyEnrichmentPlan,
  type EnrichmentOutcome,
  type LeadEnrichmentPlan,
} from '../domain/jobs/enrichment.service.js';
import { ApiError } from '../domain/platform/errors.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';

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

/** A provider that refuses our credentials will refuse every retry too: the job fails with its message. */
function asActivityFailure(err: unknown): unknown {
  if (err instanceof EnrichmentProviderError && err.disposition === 'misconfigured') {
    return ApplicationFailure.nonRetryable(err.message, 'EnrichmentProviderMisconfigured');
  }
  return err;
}

const FAILURE_REASONS: Partial<Record<EnrichmentOutcome, string>> = {
  no_credits: 'no enrichment credits left',
  not_found: 'the lead no longer exists',
};

interface BatchJob {
  params: EnrichmentJobParams;
  /** the batch's inputs (jobs.items) */
  inputs: EnrichmentInput[];
  done: boolean;
  createdBy: number | null;
}

async function loadBatchJob(pool: pg.Pool, { orgId, jobId, batch }: EnrichmentBatchInput): Promise<BatchJob | null> {
  // only this batch's items are read: items [batch * size, (batch + 1) * size - 1]
  const { rows } = await pool.query<{ params: EnrichmentJobParams; inputs: EnrichmentInput[] | null; done: boolean; created_by: number | null }>(
    `SELECT params,
            jsonb_path_query_array(items, '$[$from to $to]',
              jsonb_build_object('from', $3::int * (params->>'batch_size')::int, 'to', ($3::int + 1) * (params->>'batch_size')::int - 1)) AS inputs,
            coalesce(checkpoint->'done', '[]'::jsonb) @> to_jsonb($3::int) AS done, created_by
       FROM jobs WHERE id = $1 AND org_id = $2`,
    [jobId, orgId, batch],
  );
  const job = rows[0];
  return job ? { params: job.params, inputs: job.inputs ?? [], done: job.done, createdBy: job.created_by } : null;
}

/**
 * Marks the batch done and adds its counts, in the caller's transaction;
 * false when an earlier attempt already committed it (the caller rolls back).
 */
async function commitBatchProgress(client: pg.PoolClient, { orgId, jobId, batch }: EnrichmentBatchInput, counts: BatchCounts): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE jobs SET processed = processed + $4, created = created + $5, skipped = skipped + $6, failed = failed + $7,
            checkpoint = jsonb_set(checkpoint, '{done}', coalesce(checkpoint->'done', '[]'::jsonb) || to_jsonb($3::int)),
            updated_at = now()
      WHERE id = $1 AND org_id = $2 AND NOT coalesce(checkpoint->'done', '[]'::jsonb) @> to_jsonb($3::int)`,
    [jobId, orgId, batch, counts.processed, counts.enriched, counts.skipped, counts.failed],
  );
  return rowCount === 1;
}

class BatchAlreadyCommitted extends Error {}

export function createEnrichmentActivities({ database, services }: ActivityDeps) {
  const { pool } = database;
  // the process's one engine: its rate limiter is shared by every enrichment this worker runs
  const engine = services.enrichment;
  return {
    /** Enriches batch `batch` of a bulk job (see the file comment); answers its counts. */
    async enrichLeadBatch(ref: EnrichmentBatchInput): Promise<BatchCounts> {
      const empty: BatchCounts = { processed: 0, enriched: 0, skipped: 0, failed: 0 };
      const job = await loadBatchJob(pool, ref);
      if (!job || job.done || job.params.target !== 'leads') return empty;
      const { batch_size: batchSize, group_id: groupId } = job.params;
      const first = ref.batch * batchSize;
      const slice = job.inputs;
      const scope = { orgId: ref.orgId, userId: job.createdBy };
      const cache = pgEnrichmentCache(pool, ref.orgId);
      const rowErrors: { row: number; reason: string }[] = [];
      const plans: { row: number; plan: LeadEnrichmentPlan }[] = [];
      // with no credits left the outside providers are not asked: nothing they found could be paid for
      const noCredits = await outOfCredits(pool, engine, ref.orgId);
      const planned = new Set<number>();
      let duplicates = 0;
      try {
        await forEachLimited(slice, LOOKUPS_PER_BATCH_IN_PARALLEL, async (input: EnrichmentInput, i) => {
          const row = first + i + 1;
          if (noCredits) {
            rowErrors.push({ row, reason: FAILURE_REASONS.no_credits! });
            return;
          }
          let leadId: number;
          try {
            leadId = (await resolveEnrichmentInput(pool, scope, input)).leadId;
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
      } catch (err) {
        throw asActivityFailure(err);
      }
      try {
        return await withActor(pool, null, async (client) => {
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
          if (!(await commitBatchProgress(client, ref, counts))) throw new BatchAlreadyCommitted();
          if (rowErrors.length > 0) {
            await client.query(
              `INSERT INTO job_row_errors (org_id, job_id, row_number, reason)
               SELECT $1, $2, r.row_number, r.reason FROM unnest($3::int[], $4::text[]) AS r(row_number, reason)`,
              [ref.orgId, ref.jobId, rowErrors.map((e) => e.row), rowErrors.map((e) => e.reason)],
            );
          }
          return counts;
        });
      } catch (err) {
        if (err instanceof BatchAlreadyCommitted) return empty;
        throw err;
      }
    },

    /** Enriches the company of a company job, exactly once (its one unit is batch 0). */
    async enrichCompanyForJob(ref: JobRef): Promise<BatchCounts> {
      const batchRef = { ...ref, batch: 0 };
      const empty: BatchCounts = { processed: 0, enriched: 0, skipped: 0, failed: 0 };
      const job = await loadBatchJob(pool, batchRef);
      if (!job || job.done || job.params.target !== 'company') return empty;
      const companyId = job.params.company_id;
      let plan: CompanyEnrichmentPlan | undefined;
      try {
        const company = await loadCompanyForEnrichment(pool, ref.orgId, companyId);
        plan = await planCompanyEnrichment(engine, pgEnrichmentCache(pool, ref.orgId), company);
      } catch (err) {
        // the company was deleted after the job was created: the job records that, and ends
        if (!(err instanceof ApiError)) throw asActivityFailure(err);
      }
      try {
        return await withActor(pool, null, async (client) => {
          const { outcome, record } = plan
            ? await commitCompanyEnrichment(client, ref.orgId, plan, { jobId: ref.jobId })
            : { outcome: 'not_found' as const, record: undefined };
          const counts: BatchCounts = {
            processed: 1,
            enriched: outcome === 'enriched' ? 1 : 0,
            skipped: outcome === 'skipped' ? 1 : 0,
            failed: outcome === 'enriched' || outcome === 'skipped' ? 0 : 1,
          };
          if (!(await commitBatchProgress(client, batchRef, counts))) throw new BatchAlreadyCommitted();
          await client.query(`UPDATE jobs SET result = $3 WHERE id = $1 AND org_id = $2`, [
            ref.jobId,
            ref.orgId,
            JSON.stringify({ company_id: companyId, outcome, enrichment: record ?? null }),
          ]);
          return counts;
        });
      } catch (err) {
        if (err instanceof BatchAlreadyCommitted) return empty;
        throw err;
      }
    },
  };
}

export type EnrichmentActivities = ReturnType<typeof createEnrichmentActivities>;

// Enrichment job I/O (workflows/enrichment.workflow.ts): one activity runs
// one batch of a bulk job, or the company of a company job
// (domain/jobs/enrichment-batch.ts does the work, committing each exactly
// once). These adapt it to Temporal: a provider that refuses our credentials
// fails the job at once instead of being retried.
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './activity-deps.js';
import { EnrichmentProviderError } from '../domain/jobs/enrichment.js';
import { enrichCompanyForJob, enrichLeadBatch, type BatchCounts, type EnrichmentBatchInput } from '../domain/jobs/enrichment-batch.js';
import type { JobRef } from '../domain/jobs/job.service.js';

/** A provider that refuses our credentials will refuse every retry too: the job fails with its message. */
function asActivityFailure(err: unknown): unknown {
  if (err instanceof EnrichmentProviderError && err.disposition === 'misconfigured') {
    return ApplicationFailure.nonRetryable(err.message, 'EnrichmentProviderMisconfigured');
  }
  return err;
}

/** Runs a step, its final errors made non-retryable. */
async function stoppingOnMisconfiguration<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw asActivityFailure(err);
  }
}

export function createEnrichmentActivities({ database, services }: ActivityDeps) {
  // the process's one engine: its rate limiter is shared by every enrichment this worker runs
  const engine = services.enrichment;
  return {
    /** Enriches batch `batch` of a bulk job; answers its counts. */
    enrichLeadBatch: (ref: EnrichmentBatchInput): Promise<BatchCounts> => stoppingOnMisconfiguration(() => enrichLeadBatch(database, engine, ref)),

    /** Enriches the company of a company job, exactly once. */
    enrichCompanyForJob: (ref: JobRef): Promise<BatchCounts> => stoppingOnMisconfiguration(() => enrichCompanyForJob(database, engine, ref)),
  };
}

export type EnrichmentActivities = ReturnType<typeof createEnrichmentActivities>;

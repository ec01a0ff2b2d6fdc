// The learning score's I/O (domain/scoring/): training an organization's
// model (one activity: the rows are read, fitted and stored in one
// transaction, idempotent per job), rescoring its leads batch by batch, and
// the weekly schedule's run, which records a scoring_train job like an
// admin's request does (so it shows in the jobs API).
import { readJobState, type JobRef } from '../domain/jobs/job.service.js';
import { rescoreNextBatch, type RescoreStep } from '../domain/scoring/lead-rescore.js';
import { startExclusiveJob } from '../domain/scoring/scoring-model.service.js';
import { trainScoringModel, type TrainingResult } from '../domain/scoring/scoring-training.js';
import type { ActivityDeps } from './activity-deps.js';

export function createScoringModelActivities({ database }: ActivityDeps) {
  return {
    async trainScoringModel(ref: JobRef): Promise<TrainingResult | null> {
      const job = await readJobState(database.pool, ref);
      if (!job) return null;
      return trainScoringModel(database, ref, job.createdBy);
    },

    async rescoreLeadBatch(ref: JobRef): Promise<RescoreStep> {
      return rescoreNextBatch(database, ref);
    },

    /** The schedule's run: a scoring_train job, unless one is still unfinished (then that one stands). */
    async startScheduledScoringTraining({ orgId }: { orgId: number }): Promise<{ jobId: number; started: boolean }> {
      const outcome = await startExclusiveJob(database, { orgId, userId: null }, 'scoring_train', { trigger: 'schedule' });
      return outcome.started ? { jobId: outcome.job.id, started: true } : { jobId: outcome.jobId, started: false };
    },
  };
}

export type ScoringModelActivities = ReturnType<typeof createScoringModelActivities>;

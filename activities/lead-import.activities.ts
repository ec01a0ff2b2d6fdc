// Lead import I/O (domain/jobs/lead-import-slice.ts does the work): these
// adapt it to Temporal. A slice heartbeats its progress, so a worker that
// dies mid-slice is noticed within the heartbeat timeout and the slice is
// retried from the checkpoint; a cancelled job stops at its next batch; a
// fault of the file itself fails the job at once, with a message for the user.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { xlsxInflationLimits } from '../domain/jobs/lead-import-file.js';
import {
  finishLeadImport,
  ImportFileError,
  importLeadSlice,
  type ImportSlice,
  type LeadImportTuning,
} from '../domain/jobs/lead-import-slice.js';
import type { ImportCounts } from '../domain/jobs/lead-import.service.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';

/** `tuning`: batch size and slice length other than the defaults (tests use small ones). */
export function createLeadImportActivities({ database, services, config }: ActivityDeps, tuning?: LeadImportTuning) {
  // what the domain's slice reads the file with
  const deps = { db: database, storage: services.storage, limits: xlsxInflationLimits(config), tuning };

  return {
    /** Imports rows from the checkpoint on, for a bounded time; done once the last row is committed. */
    async importLeadSlice(ref: JobRef): Promise<ImportSlice> {
      const context = Context.current();
      try {
        return await importLeadSlice(deps, ref, {
          onBatch: (progress) => context.heartbeat(progress),
          stopRequested: () => context.cancellationSignal.aborted,
        });
      } catch (err) {
        // retrying cannot fix the file: the job fails with the reason
        if (err instanceof ImportFileError) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },

    /** Records the total and the result, and tells whoever started the import (once, however often retried). */
    finishLeadImport: (ref: JobRef): Promise<ImportCounts & { total: number }> => finishLeadImport(database, ref),
  };
}

export type LeadImportActivities = ReturnType<typeof createLeadImportActivities>;

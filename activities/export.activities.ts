// The export job's I/O (domain/jobs/export.service.ts): one activity writes one
// slice of the CSV and records it; it heartbeats after every batch, so a
// worker that dies mid-slice is noticed within the heartbeat timeout and the
// slice is retried from the recorded checkpoint.
import { Context } from '@temporalio/activity';
import { writeExportSlice } from '../domain/jobs/export.service.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import type { ActivityDeps } from './activity-deps.js';

export function createExportActivities({ database, services }: ActivityDeps) {
  const { storage } = services;
  return {
    /** Writes the next slice of the export's file; `done` once the file is complete (or the job has ended). */
    async writeExportSlice(ref: JobRef): Promise<{ done: boolean }> {
      const context = Context.current();
      return writeExportSlice(database, storage, ref, {
        onBatch: (rowsWritten) => context.heartbeat({ rowsWritten }),
        // a cancelled job stops at the next batch; what it wrote is recorded, but the job stays cancelled
        stopRequested: () => context.cancellationSignal.aborted,
      });
    },
  };
}

export type ExportActivities = ReturnType<typeof createExportActivities>;

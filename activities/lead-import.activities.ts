// Lead import I/O: read the stored file from the job's checkpoint, check each
// row, and commit batches (leads, row errors, counters and the new checkpoint
// in one transaction each: domain/jobs/lead-import.service.ts). One call works
// for a bounded slice of time and returns, so the workflow can honour a
// pause between slices; a call retried after its worker died picks up at
// the checkpoint, which is exactly where committed work ends.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import type { Db } from '../domain/platform/db.js';
import type { FileStorage } from '../domain/platform/file-storage.js';
import { mapHeader, readLeadRow, type ColumnMapping, type LeadImportParams } from '../domain/jobs/lead-import.js';
import { readImportRows, xlsxInflationLimits, type ResumePoint, type SheetRow } from '../domain/jobs/lead-import-file.js';
import type { InflationLimits } from '../domain/jobs/zip-archive.js';
import {
  checkpointOf,
  commitImportBatch,
  finishImportJob,
  loadRowContext,
  type ImportCheckpoint,
  type ImportCounts,
  type ImportRow,
  type RowError,
} from '../domain/jobs/lead-import.service.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import { notifyImportFinished } from '../domain/notifications/notification.service.js';
import type { ActivityDeps } from './activity-deps.js';

export interface LeadImportTuning {
  /** rows per transaction */
  batchRows: number;
  /** a slice returns after about this long (the workflow's pause point) */
  sliceMs: number;
}

export const DEFAULT_IMPORT_TUNING: LeadImportTuning = { batchRows: 2000, sliceMs: 10_000 };

export interface ImportSlice {
  done: boolean;
  /** the last row committed so far */
  row: number;
}

const NO_HEADER = 'The first row must be a header row naming the columns (e.g. first_name, last_name, email); none of its cells names a lead field';
const HEARTBEAT_EVERY_ROWS = 1000;

/** A fault of the file itself: retrying cannot help, and its message tells the user what is wrong. */
const badFile = (message: string) => ApplicationFailure.nonRetryable(message, 'ImportFileError');

/** The file's rows; a read failure (a damaged workbook, a vanished file) is the file's fault, not a passing one. */
async function* fileRows(rows: AsyncGenerator<SheetRow>, format: string): AsyncGenerator<SheetRow> {
  for (;;) {
    let next: IteratorResult<SheetRow>;
    try {
      next = await rows.next();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw badFile(`The ${format.toUpperCase()} file could not be read: ${reason}`);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** `tuning`: batch size and slice length other than the defaults (tests use small ones). */
export function createLeadImportActivities({ database, services, config }: ActivityDeps, tuning: LeadImportTuning = DEFAULT_IMPORT_TUNING) {
  const { pool, prisma: db } = database;
  const { storage } = services;
  const limits = xlsxInflationLimits(config);

  return {
    /** Imports rows from the checkpoint on, for about `sliceMs`; done once the last row is committed. */
    async importLeadSlice({ orgId, jobId }: JobRef): Promise<ImportSlice> {
      const context = Context.current();
      const { rows: jobs } = await pool.query<{ params: LeadImportParams; checkpoint: Record<string, unknown>; input_key: string | null; created_by: number | null }>(
        `SELECT params, checkpoint, input_key, created_by FROM jobs WHERE id = $1 AND org_id = $2 AND type = 'lead_import'`,
        [jobId, orgId],
      );
      const job = jobs[0];
      if (!job?.input_key) throw badFile(`Import job ${jobId} has no uploaded file`);
      const { params } = job;
      const rowContext = await loadRowContext(pool, orgId);
      const started = Date.now();
      let from: ImportCheckpoint = checkpointOf(job.checkpoint);
      let mapping: ColumnMapping | null = null;
      let pending: ImportRow[] = [];
      let errors: RowError[] = [];
      let lastRow = from.row;
      let resume: ResumePoint = from.resume;

      // One batch commits while the next is read and checked: the file's parsing overlaps the database's
      // work. Batches still commit one after another, each from where the previous one ended.
      let committing: Promise<void> | null = null;
      const settle = async () => {
        const inFlight = committing;
        committing = null;
        await inFlight;
      };
      const commit = async () => {
        await settle();
        const batch = { orgId, jobId, actorId: job.created_by, policy: params.duplicates, rows: pending, errors, from, to: { row: lastRow, resume } };
        from = batch.to;
        pending = [];
        errors = [];
        const written = commitImportBatch(pool, batch).then((counts: ImportCounts) => context.heartbeat({ row: batch.to.row, ...counts }));
        // awaited by the next commit or settle(); until then a failure must not count as unhandled
        written.catch(() => undefined);
        committing = written;
      };

      const file = { key: job.input_key, size: params.size, format: params.format };
      const rows = fileRows(readImportRows(storage, file, from.resume, limits), params.format);
      let sinceHeartbeat = 0;
      try {
        for await (const sheetRow of rows) {
          if (mapping === null) {
            if (!('cells' in sheetRow)) throw badFile(NO_HEADER);
            mapping = mapHeader(sheetRow.cells);
            if (!mapping) throw badFile(NO_HEADER);
            if (from.row === 0) {
              lastRow = sheetRow.row;
              if (sheetRow.resume) resume = sheetRow.resume;
            }
            continue;
          }
          if (++sinceHeartbeat === HEARTBEAT_EVERY_ROWS) {
            // passing over committed XLSX rows, or a long run of invalid ones, must still show the worker is alive
            sinceHeartbeat = 0;
            context.heartbeat({ row: lastRow });
          }
          // already committed: an XLSX is read from its start, a CSV from its resume point
          if (sheetRow.row <= from.row) continue;
          lastRow = sheetRow.row;
          if ('error' in sheetRow) errors.push({ row: sheetRow.row, column: null, reason: sheetRow.error });
          else {
            if (sheetRow.resume) resume = sheetRow.resume;
            const read = readLeadRow(sheetRow.cells, mapping, rowContext);
            if (read && 'lead' in read) pending.push({ row: sheetRow.row, lead: read.lead });
            else if (read) for (const problem of read.problems) errors.push({ row: sheetRow.row, ...problem });
          }
          if (pending.length + errors.length >= tuning.batchRows) {
            await commit();
            context.cancellationSignal.throwIfAborted();
            if (Date.now() - started >= tuning.sliceMs) {
              await settle();
              return { done: false, row: lastRow };
            }
          }
        }
        if (mapping === null) throw badFile(`The file has no rows. ${NO_HEADER}`);
        if (pending.length > 0 || errors.length > 0 || lastRow !== from.row) await commit();
        await settle();
        return { done: true, row: lastRow };
      } finally {
        await rows.return(undefined);
        // a batch still in flight after a failure ends before the attempt does (its retry must not race it)
        await settle().catch(() => undefined);
      }
    },

    /** Records the total and the result, and tells whoever started the import (once, however often retried). */
    async finishLeadImport({ orgId, jobId }: JobRef): Promise<ImportCounts & { total: number }> {
      const summary = await finishImportJob(pool, { orgId, jobId });
      const { rows } = await pool.query<{ created_by: number | null }>('SELECT created_by FROM jobs WHERE id = $1 AND org_id = $2', [jobId, orgId]);
      const userId = rows[0]?.created_by;
      if (userId) {
        const { created, merged, skipped, failed } = summary;
        await notifyImportFinished(db, { orgId, userId, jobId, summary: { created, merged, skipped, failed } });
      }
      return summary;
    },
  };
}

export type LeadImportActivities = ReturnType<typeof createLeadImportActivities>;

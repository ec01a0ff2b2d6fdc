// One slice of a lead import job: read the stored file from the job's
// checkpoint, check each row, and commit batches (leads, row errors,
// counters and the new checkpoint in one transaction each:
// lead-import.service.ts). A slice works for a bounded time and returns, so
// the workflow can honour a pause between slices; a slice retried after its
// worker died picks up at the checkpoint, which is exactly where committed
// work ends. The activity (activities/lead-import.activities.ts) only adapts
// it to Temporal: heartbeats, cancellation, and which errors are final.
import type { Database } from '../platform/db.js';
import type { FileStorage } from '../platform/file-storage.js';
import { notifyImportFinished } from '../notifications/notification.service.js';
import { loadJobForStep, type JobRef, type JobStepOptions } from './job.service.js';
import { mapHeader, readLeadRow, type ColumnMapping, type LeadImportParams } from './lead-import.js';
import { readImportRows, type ResumePoint, type SheetRow } from './lead-import-file.js';
import {
  checkpointOf,
  finishImportJob,
  loadRowContext,
  type ImportCheckpoint,
  type ImportCounts,
  type ImportRow,
  type RowError,
  writeImportBatch,
  type BatchWrite,
} from './lead-import.service.js';
import type { InflationLimits } from './zip-archive.js';

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

/** Where a slice stands, reported after each committed batch and every so many rows passed over. */
export type ImportProgress = { row: number } & Partial<ImportCounts>;

export interface LeadImportDeps {
  db: Database;
  storage: FileStorage;
  limits: InflationLimits;
  tuning?: LeadImportTuning;
}

/** A fault of the file itself: retrying cannot help, and its message tells the user what is wrong. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

const NO_HEADER = 'The first row must be a header row naming the columns (e.g. first_name, last_name, email); none of its cells names a lead field';
const PROGRESS_EVERY_ROWS = 1000;

/** The file's rows; a read failure (a damaged workbook, a vanished file) is the file's fault, not a passing one. */
async function* fileRows(rows: AsyncGenerator<SheetRow>, format: string): AsyncGenerator<SheetRow> {
  for (;;) {
    let next: IteratorResult<SheetRow>;
    try {
      next = await rows.next();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ImportFileError(`The ${format.toUpperCase()} file could not be read: ${reason}`);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** Imports rows from the checkpoint on, for about `tuning.sliceMs`; done once the last row is committed. */
export async function importLeadSlice(deps: LeadImportDeps, ref: JobRef, options: JobStepOptions<ImportProgress> = {}): Promise<ImportSlice> {
  const { db, storage, limits } = deps;
  const tuning = deps.tuning ?? DEFAULT_IMPORT_TUNING;
  const { orgId, jobId } = ref;
  const job = await loadJobForStep<LeadImportParams>(db, ref, 'lead_import');
  if (!job?.inputKey) throw new ImportFileError(`Import job ${jobId} has no uploaded file`);
  const { params } = job;
  const rowContext = await loadRowContext(db, orgId);
  const started = Date.now();
  let from: ImportCheckpoint = checkpointOf(job.checkpoint);
  let mapping: ColumnMapping | null = null;
  let pending: ImportRow[] = [];
  let errors: RowError[] = [];
  let lastRow = from.row;
  let resume: ResumePoint = from.resume;

  // Two batches in flight: while one is written, the next is read, checked, staged and inserted on a second
  // connection (writeImportBatch), and the one after is read. Checkpoints still advance one contiguous batch
  // after another: each batch takes the job row only once the batch before it has committed.
  let latest: BatchWrite | undefined;
  const reported: Promise<void>[] = [];
  const settle = async () => {
    const inFlight = reported.splice(0);
    latest = undefined;
    // both end before this returns, even when the first failed (a retry must not race either)
    const failure = (await Promise.allSettled(inFlight)).find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
  };
  const commit = async () => {
    // at most two: the older one must end before a third starts
    if (reported.length === 2) await reported.shift();
    const batch = { orgId, jobId, actorId: job.createdBy, policy: params.duplicates, rows: pending, errors, from, to: { row: lastRow, resume } };
    from = batch.to;
    pending = [];
    errors = [];
    latest = writeImportBatch(db, batch, latest);
    const written = latest.committed.then((counts: ImportCounts) => options.onBatch?.({ row: batch.to.row, ...counts }));
    // awaited by a later commit or settle(); until then a failure must not count as unhandled
    written.catch(() => undefined);
    reported.push(written);
  };

  const file = { key: job.inputKey, size: params.size, format: params.format };
  const rows = fileRows(readImportRows(storage, file, from.resume, limits), params.format);
  let sinceProgress = 0;
  try {
    for await (const sheetRow of rows) {
      if (mapping === null) {
        if (!('cells' in sheetRow)) throw new ImportFileError(NO_HEADER);
        mapping = mapHeader(sheetRow.cells);
        if (!mapping) throw new ImportFileError(NO_HEADER);
        if (from.row === 0) {
          lastRow = sheetRow.row;
          if (sheetRow.resume) resume = sheetRow.resume;
        }
        continue;
      }
      if (++sinceProgress === PROGRESS_EVERY_ROWS) {
        // passing over committed XLSX rows, or a long run of invalid ones, must still show the worker is alive
        sinceProgress = 0;
        options.onBatch?.({ row: lastRow });
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
        if (options.stopRequested?.() || Date.now() - started >= tuning.sliceMs) {
          await settle();
          return { done: false, row: lastRow };
        }
      }
    }
    if (mapping === null) throw new ImportFileError(`The file has no rows. ${NO_HEADER}`);
    if (pending.length > 0 || errors.length > 0 || lastRow !== from.row) await commit();
    await settle();
    return { done: true, row: lastRow };
  } finally {
    await rows.return(undefined);
    // a batch still in flight after a failure ends before the attempt does (its retry must not race it)
    await settle().catch(() => undefined);
  }
}

/** Records the total and the result, and tells whoever started the import (once, however often retried). */
export async function finishLeadImport(db: Database, ref: JobRef): Promise<ImportCounts & { total: number }> {
  const { summary, createdBy } = await finishImportJob(db, ref);
  if (createdBy) {
    const { created, merged, skipped, failed } = summary;
    await notifyImportFinished(db, { ...ref, userId: createdBy, summary: { created, merged, skipped, failed } });
  }
  return summary;
}

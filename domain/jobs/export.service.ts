// Exports (§6.15): a CSV of the organization's leads, companies, contacts or
// clients matching the same filters as the matching list endpoint, written by
// an export job (workflows/export.workflow.ts) and downloaded once completed.
//
// The file is written in slices of batches read by keyset pagination over id,
// so memory stays constant whatever the size. After each batch the file is
// synced and the job's checkpoint (last id, rows, bytes) recorded; a retried
// slice cuts the file back to the recorded size and goes on from the recorded
// id, so no row is written or counted twice. The rows exported are those that
// matched when the export began (ids up to the highest one then): rows added
// meanwhile wait for the next export.
//
// "clients" are the leads that became customers: leads with at least one deal
// in a won stage (stages.is_won) of any pipeline, exported with the lead
// columns plus won_deals and won_value; they take the lead list's filters.
import { stringify } from 'csv-stringify/sync';
import type pg from 'pg';
import { Prisma, type Job, type Lead } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import { companiesWithCounts, companyFilterCondition, presentCompany, type CompanyFilters } from '../crm/company.service.js';
import { contactWhere, presentContact, withCompanyName, type ContactFilters } from '../crm/contact.service.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import type { FileStorage } from '../platform/file-storage.js';
import {
  claimJobOutputKey,
  createJob,
  getJob,
  listJobs,
  loadJobForStep,
  recordJobProgress,
  UNFINISHED_JOB_STATUSES,
  type JobRef,
  type JobStepOptions,
  type JOB_SORTABLE_FIELDS,
  type PresentedJob,
} from './job.service.js';
import { leadFilterCondition, type LeadFilters } from '../leads/lead-query.service.js';
import { loadLeadLabels } from '../crm/lead-lookups.js';
import { presentLead } from '../leads/lead.service.js';
import type { DateBound, ListParams } from '../platform/list-query.js';
import { spreadsheetCell } from './spreadsheet-cell.js';

export const EXPORT_TYPES = ['leads', 'companies', 'contacts', 'clients'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

/** What an export is asked for: its type and the list filters of that type (none: every row). */
export type ExportRequest =
  | { export_type: 'leads' | 'clients'; filters?: LeadFilters }
  | { export_type: 'companies'; filters?: CompanyFilters }
  | { export_type: 'contacts'; filters?: ContactFilters };

/** Rows read and written per batch: one batch is all an export holds in memory. */
export const EXPORT_BATCH_ROWS = 1000;
/** Batches per slice; a pause or cancellation takes effect between slices. */
export const EXPORT_SLICE_BATCHES = 5;

export const exportDownloadPath = (jobId: number) => `/api/exports/download/${jobId}`;

/** The job as the exports endpoints show it: with the download path once the file is complete. */
export function presentExport(job: PresentedJob) {
  return { ...job, download_url: job.status === 'completed' ? exportDownloadPath(job.id) : null };
}

/** Records the export job (its workflow is started by the outbox relay); filters are stored as parsed. */
export async function startExport(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, request: ExportRequest): Promise<Job> {
  return createJob(db.pool, scope, { type: 'export', params: { export_type: request.export_type, filters: request.filters ?? {} } });
}

export async function listExports(db: Database, scope: Pick<Scope, 'orgId'>, params: ListParams<(typeof JOB_SORTABLE_FIELDS)[number]>) {
  const page = await listJobs(db, scope, params, { type: ['export'] });
  return { ...page, data: page.data.map(presentExport) };
}

/** The export's CSV; 404 for another organization's or a non-export job, 409 until the export has completed. */
export async function openExportFile(db: Database, storage: FileStorage, scope: Pick<Scope, 'orgId'>, id: number) {
  const job = await getJob(db, scope, id, ['export']);
  if (job.status !== 'completed') {
    throw new ApiError('conflict', `The export is ${job.status}; it can be downloaded once it has completed`, { code: 'export_not_ready' });
  }
  if (!job.output_key) throw notFound('Export file');
  const fileName = (job.result as { file_name?: unknown }).file_name;
  return {
    ...(await storage.open(job.output_key)),
    mimeType: 'text/csv; charset=utf-8',
    fileName: typeof fileName === 'string' ? fileName : `export-${job.id}.csv`,
  };
}

// ---- writing the file (the export workflow's activity) ----

interface ExportCheckpoint {
  /** the highest matching id when the export began */
  max_id: number;
  /** every matching row with an id up to this one is in the file */
  after_id: number;
  rows: number;
  /** the file's size holding the header and exactly those rows */
  bytes: number;
  /** the custom_fields keys found when the export began (leads, clients): one `custom.<key>` column each */
  custom_keys: string[];
}

/** One exported row: header name -> value; `id` keys the pagination. */
type ExportRow = { id: number } & Record<string, unknown>;

interface ExportSource {
  /** header names of the fixed columns, in order */
  columns: readonly string[];
  /** how many rows match, the highest matching id, and the custom_fields keys among them */
  extent(): Promise<{ total: number; maxId: number; customKeys: string[] }>;
  /** the matching rows with afterId < id <= maxId, by id, at most `limit` */
  batch(afterId: number, maxId: number, limit: number): Promise<ExportRow[]>;
}

/** §11 lead fields with labels; tags as names, custom fields as `custom.<key>` columns after these. */
const LEAD_COLUMNS = [
  'id', 'first_name', 'last_name', 'email', 'phone_number', 'company', 'company_id', 'job_title', 'industry', 'website',
  'address', 'city', 'state', 'country', 'pin_code', 'status', 'status_text', 'priority', 'priority_text', 'lead_source',
  'lead_source_text', 'score', 'estimated_value', 'assigned_to', 'linkedin_url', 'tags', 'notes', 'ai_information',
  'last_activity_at', 'created_at', 'updated_at',
] as const;
const CLIENT_COLUMNS = [...LEAD_COLUMNS, 'won_deals', 'won_value'] as const;
const COMPANY_COLUMNS = [
  'id', 'company_name', 'industry_type', 'company_logo', 'address', 'city', 'country', 'employee_size', 'rating',
  'contact_email', 'phone_number', 'website', 'summary', 'contact_count', 'lead_count', 'created_at', 'updated_at',
] as const;
const CONTACT_COLUMNS = [
  'id', 'name', 'email', 'phone_number', 'company_id', 'company_name', 'lead_id', 'designation', 'seniority',
  'decision_maker', 'linkedin_url', 'lead_score', 'status', 'status_text', 'tags', 'created_at', 'updated_at',
] as const;

/** A won deal makes its lead a client; the lateral join adds how many won deals and their value. */
const CLIENT_FROM = Prisma.sql`leads JOIN LATERAL (
    SELECT count(*)::int AS won_deals, sum(d.value) AS won_value
      FROM deals d JOIN stages s ON s.id = d.stage_id
     WHERE d.org_id = leads.org_id AND d.lead_id = leads.id AND s.is_won
  ) won ON won.won_deals > 0`;

function leadSource(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, filters: LeadFilters, clients: boolean): ExportSource {
  const { pool } = db;
  const from = clients ? CLIENT_FROM : Prisma.sql`leads`;
  const columns = clients ? Prisma.sql`leads.*, won.won_deals, won.won_value` : Prisma.sql`leads.*`;
  const where = leadFilterCondition(scope, filters);
  const query = async <T extends pg.QueryResultRow>(sql: Prisma.Sql) => (await pool.query<T>(sql.text, sql.values)).rows;
  return {
    columns: clients ? CLIENT_COLUMNS : LEAD_COLUMNS,
    async extent() {
      const [[count], keys] = await Promise.all([
        query<{ total: number; max_id: number }>(
          Prisma.sql`SELECT count(*)::int AS total, coalesce(max(leads.id), 0) AS max_id FROM ${from} WHERE ${where}`,
        ),
        query<{ key: string }>(Prisma.sql`SELECT DISTINCT jsonb_object_keys(leads.custom_fields) AS key FROM ${from}
           WHERE ${where} AND jsonb_typeof(leads.custom_fields) = 'object' ORDER BY key`),
      ]);
      return { total: count!.total, maxId: count!.max_id, customKeys: keys.map((k) => k.key) };
    },
    async batch(afterId, maxId, limit) {
      const [rows, labels] = await Promise.all([
        query<Lead & { won_deals?: number; won_value?: string | null }>(Prisma.sql`SELECT ${columns} FROM ${from}
           WHERE ${where} AND leads.id > ${afterId} AND leads.id <= ${maxId} ORDER BY leads.id LIMIT ${limit}`),
        loadLeadLabels(pool, scope.orgId),
      ]);
      return rows.map((row) => {
        const lead = presentLead(row, labels);
        const custom = Object.entries(lead.custom_fields as Record<string, unknown>).map(([key, value]) => [`custom.${key}`, value]);
        return {
          ...lead,
          tags: lead.tag_names,
          ...Object.fromEntries(custom),
          ...(clients && { won_deals: row.won_deals, won_value: row.won_value === null ? null : Number(row.won_value) }),
        };
      });
    },
  };
}

function companySource(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, filters: CompanyFilters): ExportSource {
  const { prisma } = db;
  const where = companyFilterCondition(scope, filters);
  return {
    columns: COMPANY_COLUMNS,
    async extent() {
      const [count] = await prisma.$queryRaw<{ total: number; max_id: number }[]>`
        SELECT count(*)::int AS total, coalesce(max(c.id), 0) AS max_id FROM companies c WHERE ${where}`;
      return { total: count!.total, maxId: count!.max_id, customKeys: [] };
    },
    async batch(afterId, maxId, limit) {
      const rows = await companiesWithCounts(
        db,
        scope,
        Prisma.sql`SELECT c.* FROM companies c WHERE ${where} AND c.id > ${afterId} AND c.id <= ${maxId} ORDER BY c.id LIMIT ${limit}`,
        Prisma.sql`selected.id`,
      );
      return rows.map(presentCompany);
    },
  };
}

function contactSource(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, filters: ContactFilters): ExportSource {
  const { prisma, pool } = db;
  const where = contactWhere(scope, filters);
  return {
    columns: CONTACT_COLUMNS,
    async extent() {
      const found = await prisma.contact.aggregate({ where, _count: { _all: true }, _max: { id: true } });
      return { total: found._count._all, maxId: found._max.id ?? 0, customKeys: [] };
    },
    async batch(afterId, maxId, limit) {
      const [rows, labels] = await Promise.all([
        prisma.contact.findMany({
          where: { AND: [where, { id: { gt: afterId, lte: maxId } }] },
          include: withCompanyName,
          orderBy: { id: 'asc' },
          take: limit,
        }),
        loadLeadLabels(pool, scope.orgId),
      ]);
      return rows.map((row) => {
        const contact = presentContact(row, labels);
        return { ...contact, tags: contact.tag_names };
      });
    },
  };
}

/** JSON turned the filters' date bounds into text; everything else survives the round trip. */
function storedFilters<F>(filters: Record<string, unknown>): F {
  const isStoredDateBound = (v: unknown): v is { at: string; dateOnly: boolean } =>
    typeof v === 'object' && v !== null && typeof (v as { at?: unknown }).at === 'string' && typeof (v as { dateOnly?: unknown }).dateOnly === 'boolean';
  return Object.fromEntries(
    Object.entries(filters).map(([key, value]) => [key, isStoredDateBound(value) ? ({ at: new Date(value.at), dateOnly: value.dateOnly } satisfies DateBound) : value]),
  ) as F;
}

function sourceOf(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, params: Record<string, unknown>): ExportSource {
  const filters = (params.filters ?? {}) as Record<string, unknown>;
  const type = params.export_type as ExportType;
  switch (type) {
    case 'leads':
    case 'clients':
      return leadSource(db, scope, storedFilters<LeadFilters>(filters), type === 'clients');
    case 'companies':
      return companySource(db, scope, storedFilters<CompanyFilters>(filters));
    case 'contacts':
      return contactSource(db, scope, storedFilters<ContactFilters>(filters));
    default:
      throw new Error(`unknown export type ${JSON.stringify(type)}`);
  }
}

const headerOf = (source: ExportSource, checkpoint: Pick<ExportCheckpoint, 'custom_keys'>) => [
  ...source.columns,
  ...checkpoint.custom_keys.map((key) => `custom.${key}`),
];

export interface ExportSliceOptions extends JobStepOptions<number> {
  batchRows?: number;
  sliceBatches?: number;
}

const fileNameOf = (type: string, jobId: number) => `${type}-export-${jobId}.csv`;

/**
 * Writes the next slice of an export job's file and records it; `done` once
 * the file is complete (its result recorded) or the job is gone or finished.
 * Safe to run again after a failure at any point (see the top of this file).
 */
export async function writeExportSlice(
  db: Database,
  storage: FileStorage,
  ref: JobRef,
  options: ExportSliceOptions = {},
): Promise<{ done: boolean }> {
  const { batchRows = EXPORT_BATCH_ROWS, sliceBatches = EXPORT_SLICE_BATCHES } = options;
  const job = await loadJobForStep<Record<string, unknown>, Partial<ExportCheckpoint>>(db, ref, 'export', UNFINISHED_JOB_STATUSES);
  if (!job) return { done: true };
  // `my` and `assigned_to=true` mean the user who asked for the export
  const source = sourceOf(db, { orgId: ref.orgId, userId: job.createdBy }, job.params);

  /** Records the checkpoint (and what goes with it); false when the job has meanwhile finished or gone. */
  const record = (checkpoint: ExportCheckpoint, extra: { total?: number; result?: Record<string, unknown> } = {}) =>
    recordJobProgress(db, ref, { checkpoint, processed: checkpoint.rows, ...extra });

  let checkpoint: ExportCheckpoint;
  let outputKey = job.outputKey;
  if (job.checkpoint.max_id === undefined || !outputKey) {
    // the key is recorded before the file is written, so a retry rewrites the same file
    const claimed = await claimJobOutputKey(db, ref, storage.newKey(ref.orgId, 'csv'));
    if (!claimed) return { done: true };
    outputKey = claimed;
    const extent = await source.extent();
    const writer = await storage.openForWriting(outputKey, 0);
    let bytes: number;
    try {
      // the byte order mark makes spreadsheet programs read the file as UTF-8
      bytes = await writer.append(stringify([headerOf(source, { custom_keys: extent.customKeys })], { bom: true }));
      await writer.sync();
    } finally {
      await writer.close();
    }
    checkpoint = { max_id: extent.maxId, after_id: 0, rows: 0, bytes, custom_keys: extent.customKeys };
    if (!(await record(checkpoint, { total: extent.total }))) return { done: true };
  } else {
    checkpoint = job.checkpoint as ExportCheckpoint;
  }

  const header = headerOf(source, checkpoint);
  const writer = await storage.openForWriting(outputKey, checkpoint.bytes);
  try {
    for (let batch = 0; batch < sliceBatches; batch++) {
      if (options.stopRequested?.()) return { done: false };
      const rows = await source.batch(checkpoint.after_id, checkpoint.max_id, batchRows);
      if (rows.length > 0) {
        const bytes = await writer.append(stringify(rows.map((row) => header.map((column) => spreadsheetCell(row[column])))));
        await writer.sync();
        checkpoint = { ...checkpoint, after_id: rows[rows.length - 1]!.id, rows: checkpoint.rows + rows.length, bytes };
      }
      if (rows.length < batchRows) {
        const type = String(job.params.export_type);
        const result = { file_name: fileNameOf(type, ref.jobId), rows: checkpoint.rows, size: checkpoint.bytes, download_url: exportDownloadPath(ref.jobId) };
        await record(checkpoint, { result });
        return { done: true };
      }
      if (!(await record(checkpoint))) return { done: true };
      options.onBatch?.(checkpoint.rows);
    }
    return { done: false };
  } finally {
    await writer.close();
  }
}

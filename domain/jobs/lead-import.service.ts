// Lead imports, the database side. A batch of rows is committed in ONE
// transaction together with its row errors, the job's counters and the new
// checkpoint, so the job row always says exactly which rows are in: a retried
// import activity reads the checkpoint and goes on from there, never writing
// a row twice nor leaving one out. Leads are inserted many at a time with
// ON CONFLICT DO NOTHING on the (org_id, dedupe_email) / (org_id,
// dedupe_linkedin) unique indexes, which decide duplicates even against
// concurrent writers; each lead is scored inline with the pure rules model.
import type pg from 'pg';
import type { Job } from '../../generated/prisma/client.js';
import { transaction } from '../platform/transaction.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import {
  advanceJob,
  createJob,
  getJob,
  listJobs,
  lockJobForStep,
  presentJob,
  recordRowErrors,
  rowErrorsAfter,
  settleCountsAsResult,
  type JobCounts,
  type JobRef,
  type JobStatus,
  type JobType,
  type PresentedJob,
  type JOB_SORTABLE_FIELDS,
} from './job.service.js';
import type { ImportDuplicatePolicy, ImportedLead, LeadImportParams, RowContext, RowProblem } from './lead-import.js';
import { loadLeadLabels, resolveTagIds } from '../crm/lead-lookups.js';
import { SCORING_COLUMNS, scoringRecord, type ScoringInput } from '../leads/lead-scoring.js';
import { activeFitModel, scoreLeadsById } from '../leads/lead-score.service.js';
import type { ResumePoint } from './lead-import-file.js';
import type { ListParams } from '../platform/list-query.js';
import { spreadsheetCell } from './spreadsheet-cell.js';

export const IMPORT_JOB_TYPES = ['lead_import', 'hubspot_import'] as const satisfies readonly JobType[];

/** How far an import has committed: rows up to `row` are in; CSV reading resumes at `resume`. */
export interface ImportCheckpoint {
  row: number;
  resume: ResumePoint;
}

export const START_OF_FILE: ImportCheckpoint = { row: 0, resume: { row: 0, offset: 0 } };

export function checkpointOf(raw: Record<string, unknown>): ImportCheckpoint {
  const checkpoint = raw as Partial<ImportCheckpoint>;
  return typeof checkpoint.row === 'number' && checkpoint.resume ? { row: checkpoint.row, resume: checkpoint.resume } : START_OF_FILE;
}

/** A row that passed validation, with its spreadsheet row number. */
export interface ImportRow {
  row: number;
  lead: ImportedLead;
}

export interface RowError extends RowProblem {
  row: number;
}

export interface ImportBatch {
  orgId: number;
  jobId: number;
  /** who started the import: the activity feed and assignment notifications name them */
  actorId: number | null;
  policy: ImportDuplicatePolicy;
  rows: ImportRow[];
  errors: RowError[];
  /** the rows the batch covers, blank ones included: the checkpoint moves from `from` to `to` */
  from: ImportCheckpoint;
  to: ImportCheckpoint;
}

export type ImportCounts = Omit<JobCounts, 'processed'>;

/** Thrown when the job's checkpoint is not where this attempt started: another attempt committed (or the job is gone). */
export class CheckpointMovedError extends Error {
  constructor(jobId: number) {
    super(`import job ${jobId} has moved past this batch's starting point; the retried attempt resumes from its checkpoint`);
    this.name = 'CheckpointMovedError';
  }
}

/** The organization's lookups and members a row is checked against; loaded once per slice of rows. */
export async function loadRowContext(db: Database, orgId: number): Promise<RowContext> {
  const [labels, users] = await Promise.all([
    loadLeadLabels(db.pool, orgId),
    db.pool.query<{ id: number; email: string }>('SELECT id, lower(email) AS email FROM users WHERE org_id = $1 AND deleted_at IS NULL', [orgId]),
  ]);
  return {
    labels,
    members: { byEmail: new Map(users.rows.map((u) => [u.email, u.id])), ids: new Set(users.rows.map((u) => u.id)) },
  };
}

// the column defaults of leads.status / leads.priority (spec §7.1: status 1 = New, priority 2 = Medium)
const DEFAULT_STATUS = 1;
const DEFAULT_PRIORITY = 2;

/**
 * Company names linked in bulk, found case-insensitively or created. Each
 * name takes the same per-name advisory lock as lead/add's find-or-create
 * (domain/leads/lead.service.ts), in sorted order, so neither path creates a name twice.
 */
async function companyIds(client: pg.PoolClient, orgId: number, names: string[]): Promise<Map<string, number>> {
  const byKey = new Map<string, string>();
  for (const name of names) byKey.set(name.toLowerCase(), name);
  const ids = new Map<string, number>();
  if (byKey.size === 0) return ids;
  const keys = [...byKey.keys()].sort();
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('company:' || $1::int || ':' || k, 0)) FROM unnest($2::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n`,
    [orgId, keys],
  );
  const found = await client.query<{ key: string; id: number }>(
    `SELECT DISTINCT ON (lower(company_name)) lower(company_name) AS key, id FROM companies
      WHERE org_id = $1 AND lower(company_name) = ANY($2::text[]) ORDER BY lower(company_name), id`,
    [orgId, keys],
  );
  for (const row of found.rows) ids.set(row.key, row.id);
  const missing = keys.filter((k) => !ids.has(k));
  if (missing.length > 0) {
    const created = await client.query<{ id: number; company_name: string }>(
      'INSERT INTO companies (org_id, company_name) SELECT $1, n FROM unnest($2::text[]) AS n RETURNING id, company_name',
      [orgId, missing.map((k) => byKey.get(k)!)],
    );
    for (const row of created.rows) ids.set(row.company_name.toLowerCase(), row.id);
  }
  return ids;
}

const LEAD_TEXT_COLUMNS = [
  'first_name', 'last_name', 'email', 'phone_number', 'company', 'job_title', 'industry', 'website', 'address', 'city',
  'state', 'country', 'pin_code', 'linkedin_url', 'notes',
] as const;

interface LeadValues {
  lead: ImportedLead;
  companyId: number | null;
  tagIds: number[];
  score: number;
  scoring: object;
}

/**
 * One INSERT for many leads (one array per column, so the statement has a
 * fixed number of parameters however many rows); ON CONFLICT DO NOTHING:
 * a lead whose email or LinkedIn key is taken is not inserted, and RETURNING
 * names the keys of those that were. `duplicateOf` set: accepted duplicates,
 * which own no key.
 */
async function insertLeads(client: pg.PoolClient, orgId: number, actorId: number | null, rows: LeadValues[], duplicateOf?: number[]) {
  const column = <T>(pick: (v: LeadValues) => T) => rows.map(pick);
  const text = LEAD_TEXT_COLUMNS.map((name) => column((v) => v.lead[name]));
  const params: unknown[] = [
    orgId,
    actorId,
    ...text,
    column((v) => v.companyId),
    column((v) => v.lead.status ?? DEFAULT_STATUS),
    column((v) => v.lead.priority ?? DEFAULT_PRIORITY),
    column((v) => v.lead.lead_source),
    column((v) => v.lead.estimated_value),
    column((v) => v.lead.assigned_to),
    // int[] and jsonb per row travel as their text forms: unnest would flatten nested arrays
    column((v) => `{${v.tagIds.join(',')}}`),
    column((v) => JSON.stringify(v.lead.custom_fields)),
    column((v) => v.score),
    column((v) => JSON.stringify({ scoring: v.scoring })),
    duplicateOf ? rows.map(() => null) : column((v) => v.lead.dedupe_email),
    duplicateOf ? rows.map(() => null) : column((v) => v.lead.dedupe_linkedin),
    duplicateOf ?? rows.map(() => null),
  ];
  const textCount = LEAD_TEXT_COLUMNS.length;
  const p = (i: number) => `$${i + 3 + textCount}`;
  const { rows: inserted } = await client.query<{ id: number; dedupe_email: string | null; dedupe_linkedin: string | null }>(
    `INSERT INTO leads (org_id, created_by, ${LEAD_TEXT_COLUMNS.join(', ')}, company_id, status, priority, lead_source, estimated_value,
                        assigned_to, tags, custom_fields, score, ai_information, dedupe_email, dedupe_linkedin, duplicate_of, updated_at)
     SELECT $1, $2, ${LEAD_TEXT_COLUMNS.map((name) => `v.${name}`).join(', ')}, v.company_id, v.status, v.priority, v.lead_source,
            v.estimated_value, v.assigned_to, v.tags::int[], v.custom_fields::jsonb, v.score, v.ai_information::jsonb,
            v.dedupe_email, v.dedupe_linkedin, v.duplicate_of, now()
       FROM unnest(${LEAD_TEXT_COLUMNS.map((_, i) => `$${i + 3}::text[]`).join(', ')}, ${p(0)}::int[], ${p(1)}::int[], ${p(2)}::int[],
                   ${p(3)}::int[], ${p(4)}::numeric[], ${p(5)}::int[], ${p(6)}::text[], ${p(7)}::text[], ${p(8)}::int[], ${p(9)}::text[],
                   ${p(10)}::text[], ${p(11)}::text[], ${p(12)}::int[])
            AS v(${LEAD_TEXT_COLUMNS.join(', ')}, company_id, status, priority, lead_source, estimated_value, assigned_to, tags,
                 custom_fields, score, ai_information, dedupe_email, dedupe_linkedin, duplicate_of)
     ON CONFLICT DO NOTHING
     RETURNING id, dedupe_email, dedupe_linkedin`,
    params,
  );
  return inserted;
}

/** A lead owning a dedupe key, as it stands (its scoring columns re-score a merge). */
interface Owner extends Omit<ScoringInput, 'estimated_value'> {
  id: number;
  dedupe_email: string | null;
  dedupe_linkedin: string | null;
  estimated_value: string | null;
}

/** The leads owning the given keys, locked for the rest of the batch (a merge updates them). */
async function lockOwners(client: pg.PoolClient, orgId: number, rows: LeadValues[]) {
  const emails = rows.map((v) => v.lead.dedupe_email).filter((k): k is string => k !== null);
  const linkedins = rows.map((v) => v.lead.dedupe_linkedin).filter((k): k is string => k !== null);
  const { rows: owners } = await client.query<Owner>(
    `SELECT id, dedupe_email, dedupe_linkedin, ${SCORING_COLUMNS}
       FROM leads WHERE org_id = $1 AND (dedupe_email = ANY($2::text[]) OR dedupe_linkedin = ANY($3::text[]))
      ORDER BY id FOR UPDATE`,
    [orgId, emails, linkedins],
  );
  const byEmail = new Map<string, Owner>();
  const byLinkedin = new Map<string, Owner>();
  for (const owner of owners) {
    if (owner.dedupe_email) byEmail.set(owner.dedupe_email, owner);
    if (owner.dedupe_linkedin) byLinkedin.set(owner.dedupe_linkedin, owner);
  }
  // as lead/add's findOwner: the oldest lead that holds either key
  return (lead: ImportedLead): Owner | undefined => {
    const candidates = [lead.dedupe_email && byEmail.get(lead.dedupe_email), lead.dedupe_linkedin && byLinkedin.get(lead.dedupe_linkedin)];
    return candidates.filter((o): o is Owner => !!o).sort((a, b) => a.id - b.id)[0];
  };
}

// email and LinkedIn URL stay the owner's: they are what matched (as lead/add's merge)
const MERGED_TEXT_COLUMNS = LEAD_TEXT_COLUMNS.filter((c) => c !== 'email' && c !== 'linkedin_url');

/**
 * Rows merged into their leads, folded per lead in file order (a later
 * non-empty value wins, custom fields merged, tags added), then written in
 * one UPDATE that also stores the merged lead's new score.
 */
async function mergeIntoOwners(client: pg.PoolClient, orgId: number, merges: { owner: Owner; values: LeadValues }[], at: string) {
  const folded = new Map<number, { owner: Owner; values: LeadValues }>();
  for (const { owner, values } of merges) {
    const previous = folded.get(owner.id);
    if (!previous) {
      folded.set(owner.id, { owner, values: { ...values, lead: { ...values.lead, custom_fields: { ...values.lead.custom_fields } } } });
      continue;
    }
    const into = previous.values;
    for (const [key, value] of Object.entries(values.lead)) {
      if (value !== null && key !== 'tags' && key !== 'custom_fields') (into.lead as unknown as Record<string, unknown>)[key] = value;
    }
    Object.assign(into.lead.custom_fields, values.lead.custom_fields);
    into.tagIds = [...new Set([...into.tagIds, ...values.tagIds])];
    if (values.companyId !== null) into.companyId = values.companyId;
  }
  const entries = [...folded.values()];
  for (const entry of entries) {
    const { owner, values } = entry;
    const merged = {
      email: owner.email,
      linkedin_url: owner.linkedin_url,
      phone_number: values.lead.phone_number ?? owner.phone_number,
      first_name: values.lead.first_name ?? owner.first_name,
      last_name: values.lead.last_name ?? owner.last_name,
      job_title: values.lead.job_title ?? owner.job_title,
      company: values.lead.company ?? owner.company,
      lead_source: values.lead.lead_source ?? owner.lead_source,
      estimated_value: values.lead.estimated_value ?? (owner.estimated_value === null ? null : Number(owner.estimated_value)),
    };
    Object.assign(values, scoringRecord(merged, at));
  }
  const column = <T>(pick: (e: { owner: Owner; values: LeadValues }) => T) => entries.map(pick);
  const n = MERGED_TEXT_COLUMNS.length;
  const p = (i: number) => `$${i + 3 + n}`;
  await client.query(
    `UPDATE leads AS l SET
       ${MERGED_TEXT_COLUMNS.map((c) => `${c} = COALESCE(v.${c}, l.${c})`).join(', ')},
       company_id = COALESCE(v.company_id, l.company_id), status = COALESCE(v.status, l.status),
       priority = COALESCE(v.priority, l.priority), lead_source = COALESCE(v.lead_source, l.lead_source),
       estimated_value = COALESCE(v.estimated_value, l.estimated_value), assigned_to = COALESCE(v.assigned_to, l.assigned_to),
       tags = ARRAY(SELECT DISTINCT t FROM unnest(l.tags || v.tags::int[]) AS t ORDER BY t),
       custom_fields = l.custom_fields || v.custom_fields::jsonb,
       score = v.score, ai_information = l.ai_information || jsonb_build_object('scoring', v.scoring::jsonb), updated_at = now()
     FROM unnest($2::int[], ${MERGED_TEXT_COLUMNS.map((_, i) => `$${i + 3}::text[]`).join(', ')}, ${p(0)}::int[], ${p(1)}::int[],
                 ${p(2)}::int[], ${p(3)}::int[], ${p(4)}::numeric[], ${p(5)}::int[], ${p(6)}::text[], ${p(7)}::text[], ${p(8)}::int[],
                 ${p(9)}::text[])
          AS v(id, ${MERGED_TEXT_COLUMNS.join(', ')}, company_id, status, priority, lead_source, estimated_value, assigned_to, tags,
               custom_fields, score, scoring)
    WHERE l.id = v.id AND l.org_id = $1`,
    [
      orgId,
      column((e) => e.owner.id),
      ...MERGED_TEXT_COLUMNS.map((name) => column((e) => e.values.lead[name])),
      column((e) => e.values.companyId),
      column((e) => e.values.lead.status),
      column((e) => e.values.lead.priority),
      column((e) => e.values.lead.lead_source),
      column((e) => e.values.lead.estimated_value),
      column((e) => e.values.lead.assigned_to),
      column((e) => `{${e.values.tagIds.join(',')}}`),
      column((e) => JSON.stringify(e.values.lead.custom_fields)),
      column((e) => e.values.score),
      column((e) => JSON.stringify(e.values.scoring)),
    ],
  );
}

const keysOf = (lead: ImportedLead) => [lead.dedupe_email && `e:${lead.dedupe_email}`, lead.dedupe_linkedin && `l:${lead.dedupe_linkedin}`].filter((k): k is string => !!k);

/**
 * Writes one batch and moves the checkpoint, all in one transaction. The
 * job row is locked first and must still be at `from`: a second attempt
 * racing this one (a worker thought dead) waits, then finds the checkpoint
 * moved and gives up without writing anything.
 */
export async function commitImportBatch(db: Database, batch: ImportBatch): Promise<ImportCounts> {
  const { orgId, jobId, actorId, policy } = batch;
  const at = new Date().toISOString();
  // tag names are created outside the batch's transaction: resolveTagIds upserts them (harmless if the batch rolls back)
  const tagNames = [...new Set(batch.rows.flatMap((r) => r.lead.tags))];
  const tagIdOf = new Map<string, number>();
  if (tagNames.length > 0) {
    const labels = { code: { status: new Map(), priority: new Map(), lead_source: new Map() }, tags: new Map<number, string>() };
    await resolveTagIds(db.pool, orgId, tagNames, labels);
    for (const [id, name] of labels.tags) tagIdOf.set(name.toLowerCase(), id);
  }
  return transaction(db.pool, { actorId }, async (client) => {
    const job = await lockJobForStep(client, { orgId, jobId });
    if (!job || checkpointOf(job.checkpoint).row !== batch.from.row) throw new CheckpointMovedError(jobId);

    const companies = await companyIds(client, orgId, batch.rows.map((r) => r.lead.company).filter((c): c is string => c !== null));
    const values: LeadValues[] = batch.rows.map(({ lead }) => ({
      lead,
      companyId: lead.company === null ? null : companies.get(lead.company.toLowerCase())!,
      tagIds: lead.tags.map((name) => tagIdOf.get(name.toLowerCase())!),
      ...scoringRecord(lead, at),
    }));

    // a row sharing a key with an earlier row of the batch is that row's duplicate
    const seen = new Set<string>();
    const first: LeadValues[] = [];
    const repeats: LeadValues[] = [];
    for (const v of values) {
      const keys = keysOf(v.lead);
      (keys.some((k) => seen.has(k)) ? repeats : first).push(v);
      for (const k of keys) seen.add(k);
    }
    const inserted = first.length > 0 ? await insertLeads(client, orgId, actorId, first) : [];
    /** the leads this batch created or merged into */
    const written = inserted.map((r) => r.id);
    const insertedKeys = new Set(inserted.flatMap((r) => [r.dedupe_email && `e:${r.dedupe_email}`, r.dedupe_linkedin && `l:${r.dedupe_linkedin}`]));
    const isInserted = (v: LeadValues) => {
      const keys = keysOf(v.lead);
      return keys.length === 0 || insertedKeys.has(keys[0]!);
    };
    const duplicates = [...first.filter((v) => !isInserted(v)), ...repeats];
    const counts: ImportCounts = { created: first.filter(isInserted).length, merged: 0, skipped: 0, failed: 0 };
    const errors = [...batch.errors];

    if (duplicates.length > 0 && policy !== 'skip') {
      const ownerOf = await lockOwners(client, orgId, duplicates);
      const rowOf = new Map(values.map((v, i) => [v, batch.rows[i]!.row]));
      const owned: { owner: Owner; values: LeadValues }[] = [];
      for (const v of duplicates) {
        const owner = ownerOf(v.lead);
        if (owner) owned.push({ owner, values: v });
        // the lead that held the key was deleted while this batch ran
        else errors.push({ row: rowOf.get(v)!, column: null, reason: 'the matching lead was removed during the import; import this row again' });
      }
      if (policy === 'merge') {
        await mergeIntoOwners(client, orgId, owned, at);
        counts.merged = owned.length;
        written.push(...owned.map((o) => o.owner.id));
      } else {
        const accepted = await insertLeads(client, orgId, actorId, owned.map((o) => o.values), owned.map((o) => o.owner.id));
        counts.created += owned.length;
        written.push(...accepted.map((r) => r.id));
      }
    } else {
      counts.skipped = duplicates.length;
    }
    // rows, not problems: a row may have several (one per column)
    counts.failed = new Set(errors.map((e) => e.row)).size;
    // the rows were scored by the rules as they were written; an organization with a learned model scores them by it,
    // set-based, the model read once for the batch
    const fitModel = written.length > 0 ? await activeFitModel(client, orgId) : null;
    if (fitModel) await scoreLeadsById(client, orgId, written, fitModel);

    await recordRowErrors(client, { orgId, jobId }, errors);
    const processed = counts.created + counts.merged + counts.skipped + counts.failed;
    await advanceJob(client, { orgId, jobId }, { processed, ...counts }, batch.to);
    return counts;
  });
}

/** The job's counters become its result, and its total what it processed; answers the counts and who started the job. */
export async function finishImportJob(db: Database, ref: JobRef) {
  const settled = await settleCountsAsResult(db, ref);
  if (!settled) throw new Error(`import job ${ref.jobId} of organization ${ref.orgId} is gone`);
  return settled;
}

/** Records the import job of a stored file (its workflow is started by the outbox relay). */
export async function startLeadImport(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, params: LeadImportParams, inputKey: string): Promise<Job> {
  return createJob(db.pool, scope, { type: 'lead_import', params: { ...params }, inputKey });
}

/** Where an import job's per-row error report is downloaded (null while it has none). */
export const errorReportUrl = (job: Pick<PresentedJob, 'id' | 'progress'>) =>
  job.progress.failed > 0 ? `/api/import-job/${job.id}/errors` : null;

export async function listImportJobs(
  db: Database,
  scope: Pick<Scope, 'orgId'>,
  params: ListParams<(typeof JOB_SORTABLE_FIELDS)[number]>,
  filters: { type?: (typeof IMPORT_JOB_TYPES)[number][]; status?: JobStatus[] },
) {
  const page = await listJobs(db, scope, params, { type: filters.type ?? [...IMPORT_JOB_TYPES], status: filters.status });
  return { ...page, data: page.data.map((job) => ({ ...job, error_report_url: errorReportUrl(job) })) };
}

export const presentImportJob = (job: Job) => {
  const presented = presentJob(job);
  return { ...presented, error_report_url: errorReportUrl(presented) };
};

const REPORT_PAGE = 5000;

/**
 * An import job's row errors in row order, read page by page (keyset on
 * row_number, id), so a report of any length streams in constant memory.
 * 404 for another organization's job or a job that is no import.
 */
export async function importErrorRows(db: Database, scope: Pick<Scope, 'orgId'>, jobId: number) {
  const job = await getJob(db, scope, jobId, IMPORT_JOB_TYPES);
  async function* rows(): AsyncGenerator<[number, string | null, string]> {
    let after = { row: 0, id: '0' };
    for (;;) {
      const page = await rowErrorsAfter(db, { orgId: scope.orgId, jobId: job.id }, after, REPORT_PAGE);
      // the column is the header as the uploaded file spelled it: it must not run as a formula
      for (const r of page) yield [r.row_number, r.column === null ? null : spreadsheetCell(r.column), r.reason];
      if (page.length < REPORT_PAGE) return;
      const last = page[page.length - 1]!;
      after = { row: last.row_number, id: last.id };
    }
  }
  return { job, rows: rows() };
}

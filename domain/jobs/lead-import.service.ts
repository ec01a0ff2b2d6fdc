// Lead imports, the database side. A batch of rows is committed in ONE
// transaction together with its row errors, the job's counters and the new
// checkpoint, so the job row always says exactly which rows are in: a retried
// import activity reads the checkpoint and goes on from there, never writing
// a row twice nor leaving one out. The rows are streamed into a staging
// table with COPY FROM STDIN and written from it by set-based SQL: companies
// found or created, repeats within the batch marked, leads inserted with ON
// CONFLICT DO NOTHING on the (org_id, dedupe_email) / (org_id,
// dedupe_linkedin) unique indexes, which decide duplicates even against
// concurrent writers. Each lead is scored inline with the pure rules model,
// each distinct explanation computed and sent once per batch.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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
import { emailDomainOf, SCORING_COLUMNS, scoringRecord, type ScoringInput } from '../leads/lead-scoring.js';
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
 * The batch's rows as PostgreSQL's COPY text format reads them: one line per
 * row, tab-separated, \N for null. Text is escaped by COPY's rules
 * (backslash, tab, line feed, carriage return); nothing else needs it.
 */
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyText = (value: string | null) =>
  value === null ? '\\N' : COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : value;
const copyNumber = (value: number | null) => (value === null ? '\\N' : String(value));

/**
 * The staging table a batch is copied into: created in the batch's
 * transaction and dropped at its end (commit or rollback), so a pooled
 * connection never carries one over, and two batches on two connections
 * each see their own. `n` is the row's place in the batch (file order),
 * `id` the id drawn for its lead (drawLeadIds);
 * `scoring` indexes the batch's distinct score explanations (stageLine);
 * repeat is set by MARK_REPEATS.
 */
const STAGE_COLUMNS = [
  'n', 'id', ...LEAD_TEXT_COLUMNS, 'company_id', 'status', 'priority', 'lead_source', 'estimated_value', 'assigned_to', 'tags', 'custom_fields', 'score', 'scoring',
  'dedupe_email', 'dedupe_linkedin',
] as const;
const CREATE_STAGE = `CREATE TEMP TABLE import_stage (
    n int PRIMARY KEY, id int, ${LEAD_TEXT_COLUMNS.map((c) => `${c} text`).join(', ')}, company_id int, status int, priority int, lead_source int,
    estimated_value numeric, assigned_to int, tags int[], custom_fields jsonb, score int, scoring int, dedupe_email text, dedupe_linkedin text,
    repeat boolean NOT NULL DEFAULT false
  ) ON COMMIT DROP`;

/** One row's COPY line (the columns of STAGE_COLUMNS, in order). */
function stageLine(n: number, id: number, v: LeadValues, scoringRef: number): string {
  const { lead } = v;
  let line = `${n}\t${id}`;
  for (const name of LEAD_TEXT_COLUMNS) line += `\t${copyText(lead[name])}`;
  return `${line}\t${copyNumber(v.companyId)}\t${lead.status ?? DEFAULT_STATUS}\t${lead.priority ?? DEFAULT_PRIORITY}\t${copyNumber(lead.lead_source)}\t${copyNumber(lead.estimated_value)}\t${copyNumber(lead.assigned_to)}\t{${v.tagIds.join(',')}}\t${copyText(JSON.stringify(lead.custom_fields))}\t${v.score}\t${scoringRef}\t${copyText(lead.dedupe_email)}\t${copyText(lead.dedupe_linkedin)}\n`;
}

const COPY_CHUNK_CHARS = 64 * 1024;

/** Streams the batch into a fresh import_stage with COPY FROM STDIN, in chunks of about 64 KiB. */
async function copyIntoStage(client: pg.PoolClient, values: LeadValues[], ids: number[], scoringRefs: Int32Array): Promise<void> {
  await client.query(CREATE_STAGE);
  const stream = client.query(copyFrom(`COPY import_stage (${STAGE_COLUMNS.join(', ')}) FROM STDIN`));
  async function* lines() {
    let chunk = '';
    for (let n = 0; n < values.length; n++) {
      chunk += stageLine(n, ids[n]!, values[n]!, scoringRefs[n]!);
      if (chunk.length >= COPY_CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(lines()), stream);
}

/**
 * Company names linked in bulk, found case-insensitively or created, in a
 * short transaction of their own ahead of the batch's: the per-name locks
 * are held only for it, so the next batch, which names the same companies,
 * does not wait for this one to commit (a company a failed batch created
 * stays, as its tags do, and its retry finds it). Each name takes the same
 * per-name advisory lock as lead/add's find-or-create
 * (domain/leads/lead.service.ts), in sorted order, and is looked up only
 * once it is held: a name created meanwhile is seen, never created twice.
 * A new company is spelled as the batch's last row spells it.
 */
async function linkCompanies(db: Database, orgId: number, actorId: number | null, rows: ImportRow[]): Promise<Map<string, number>> {
  const byKey = new Map<string, string>();
  for (const { lead } of rows) if (lead.company !== null) byKey.set(lead.company.toLowerCase(), lead.company);
  const ids = new Map<string, number>();
  if (byKey.size === 0) return ids;
  const keys = [...byKey.keys()].sort();
  const linked = await transaction(db.pool, { actorId }, async (client) => {
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('company:' || $1::int || ':' || k, 0)) FROM unnest($2::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n`,
      [orgId, keys],
    );
    return client.query<{ key: string; id: number }>(
      `WITH names AS (SELECT k, name FROM unnest($2::text[], $3::text[]) AS t(k, name)),
            found AS (SELECT DISTINCT ON (lower(c.company_name)) lower(c.company_name) AS key, c.id FROM companies c
                       WHERE c.org_id = $1 AND lower(c.company_name) IN (SELECT k FROM names) ORDER BY lower(c.company_name), c.id),
            created AS (INSERT INTO companies (org_id, company_name) SELECT $1, name FROM names WHERE k NOT IN (SELECT key FROM found)
                        RETURNING lower(company_name) AS key, id)
       SELECT key, id FROM found UNION ALL SELECT key, id FROM created`,
      [orgId, keys, keys.map((k) => byKey.get(k)!)],
    );
  });
  for (const row of linked.rows) ids.set(row.key, row.id);
  return ids;
}

/**
 * An id for each row's lead, drawn from the leads' sequence before the
 * batch is written: batches draw one after another, so leads are numbered
 * in file order although two batches insert at once. A row that becomes no
 * lead leaves its id unused, as an insert ON CONFLICT DO NOTHING would.
 */
async function drawLeadIds(db: Database, count: number): Promise<number[]> {
  const { rows } = await db.pool.query<{ ids: number[] }>(
    `SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT nextval(pg_get_serial_sequence('leads', 'id'))::int AS id FROM generate_series(1, $1)) AS drawn`,
    [count],
  );
  return rows[0]!.ids;
}

/** A row sharing its email or LinkedIn key with an earlier row of the batch is that row's duplicate (a repeat). */
const MARK_REPEATS = `UPDATE import_stage s SET repeat = true
  FROM (SELECT n, dedupe_email, dedupe_linkedin, min(n) OVER (PARTITION BY dedupe_email) AS first_email,
               min(n) OVER (PARTITION BY dedupe_linkedin) AS first_linkedin FROM import_stage) AS w
 WHERE s.n = w.n AND ((w.dedupe_email IS NOT NULL AND w.first_email < w.n) OR (w.dedupe_linkedin IS NOT NULL AND w.first_linkedin < w.n))`;

const LEAD_COLUMNS = `id, org_id, created_by, ${LEAD_TEXT_COLUMNS.join(', ')}, company_id, status, priority, lead_source, estimated_value,
  assigned_to, tags, custom_fields, score, ai_information, dedupe_email, dedupe_linkedin, duplicate_of, updated_at`;
const stagedLead = (dedupe: string, duplicateOf: string) =>
  `s.id, $1, $2, ${LEAD_TEXT_COLUMNS.map((c) => `s.${c}`).join(', ')}, s.company_id, s.status, s.priority, s.lead_source, s.estimated_value,
   s.assigned_to, s.tags, s.custom_fields, s.score, $3::jsonb -> (s.scoring - 1), ${dedupe}, ${duplicateOf}, now()`;

/**
 * The batch's first rows of each key, inserted in file order with ON
 * CONFLICT DO NOTHING: a lead whose email or LinkedIn key is taken (by a
 * lead before the import, or one a concurrent writer just created) is not
 * inserted. Answers the new leads' ids.
 */
async function insertFirstRows(client: pg.PoolClient, orgId: number, actorId: number | null, scorings: string): Promise<number[]> {
  const { rows } = await client.query<{ ids: number[] | null }>(
    `WITH inserted AS (
       INSERT INTO leads (${LEAD_COLUMNS})
       SELECT ${stagedLead('s.dedupe_email, s.dedupe_linkedin', 'NULL')} FROM import_stage s WHERE NOT s.repeat ORDER BY s.n
       ON CONFLICT DO NOTHING RETURNING id)
     SELECT array_agg(id ORDER BY id) AS ids FROM inserted`,
    [orgId, actorId, scorings],
  );
  return rows[0]?.ids ?? [];
}

/**
 * The staged rows that were not inserted (`inserted`: the new leads' ids):
 * first the rows whose key a lead already held, then the repeats, in file
 * order within each. A keyed row was inserted when the lead now holding its
 * first key is one of the new ones; a keyless row always is.
 */
async function stagedDuplicates(client: pg.PoolClient, orgId: number, inserted: number[]): Promise<number[]> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT n FROM import_stage s
      WHERE s.repeat
         OR (s.dedupe_email IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM leads l WHERE l.org_id = $1 AND l.dedupe_email = s.dedupe_email AND l.id = ANY($2::int[])))
         OR (s.dedupe_email IS NULL AND s.dedupe_linkedin IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM leads l WHERE l.org_id = $1 AND l.dedupe_linkedin = s.dedupe_linkedin AND l.id = ANY($2::int[])))
      ORDER BY s.repeat, s.n`,
    [orgId, inserted],
  );
  return rows.map((r) => r.n);
}

/** Duplicates accepted as leads of their own: they own no key and name the lead they duplicate. Answers their ids. */
async function insertAcceptedDuplicates(client: pg.PoolClient, orgId: number, actorId: number | null, scorings: string, accepted: { n: number; ownerId: number }[]) {
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO leads (${LEAD_COLUMNS})
     SELECT ${stagedLead('NULL, NULL', 'd.owner_id')} FROM import_stage s JOIN unnest($4::int[], $5::int[]) AS d(n, owner_id) ON d.n = s.n ORDER BY s.n
     RETURNING id`,
    [orgId, actorId, scorings, accepted.map((a) => a.n), accepted.map((a) => a.ownerId)],
  );
  return rows.map((r) => r.id);
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

const present = (value: string | null) => value !== null && value.trim() !== '';

/**
 * What the rules score reads of a lead (the factors of lead-scoring.ts:
 * which contact channels and name parts are given, the job title, the
 * company, the email's domain, the source, the value): leads alike in these
 * have the same score and the same explanation, so a batch computes and
 * sends each distinct explanation once. Text parts carry their length, so
 * no two different leads share a key.
 */
function scoringKey(lead: ImportedLead): string {
  const flags = `${+present(lead.email)}${+present(lead.phone_number)}${+present(lead.linkedin_url)}${+present(lead.first_name)}${+present(lead.last_name)}`;
  const domain = emailDomainOf(lead.email) ?? '';
  const title = present(lead.job_title) ? lead.job_title!.trim() : '';
  const company = present(lead.company) ? lead.company!.trim() : '';
  return `${flags}|${lead.lead_source}|${lead.estimated_value}|${domain.length}:${domain}|${title.length}:${title}|${company}`;
}

/**
 * The batch's rows with their tag ids and rules scores, and the distinct
 * ai_information values as one JSON array (sent once, parsed once), which
 * import_stage.scoring indexes from 1.
 */
function scoreBatch(rows: ImportRow[], tagIdOf: Map<string, number>, companyIdOf: Map<string, number>, at: string) {
  const explained = new Map<string, { ref: number; score: number; scoring: object }>();
  const scorings: string[] = [];
  const scoringRefs = new Int32Array(rows.length);
  const values: LeadValues[] = rows.map(({ lead }, n) => {
    const key = scoringKey(lead);
    let record = explained.get(key);
    if (!record) {
      const { score, scoring } = scoringRecord(lead, at);
      scorings.push(JSON.stringify({ scoring }));
      record = { ref: scorings.length, score, scoring };
      explained.set(key, record);
    }
    scoringRefs[n] = record.ref;
    const companyId = lead.company === null ? null : companyIdOf.get(lead.company.toLowerCase())!;
    return { lead, companyId, tagIds: lead.tags.map((name) => tagIdOf.get(name.toLowerCase())!), score: record.score, scoring: record.scoring };
  });
  return { values, scorings: `[${scorings.join(',')}]`, scoringRefs };
}

/** A batch being written: its steps the next batch waits for. */
export interface BatchWrite {
  /** the batch's email and LinkedIn keys */
  keys: Set<string>;
  /** settles once its leads' ids are drawn */
  numbered: Promise<void>;
  /** settles once its new leads are in (not yet committed) */
  inserted: Promise<void>;
  committed: Promise<ImportCounts>;
}

/** A step of a batch that another one waits for: resolved when done, rejected if the batch failed first. */
function step() {
  let done!: () => void;
  let fail!: (err: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  // awaited only by the next batch, if any
  promise.catch(() => undefined);
  return { promise, done, fail };
}

const keysOf = (rows: ImportRow[]) => {
  const keys = new Set<string>();
  for (const { lead } of rows) {
    if (lead.dedupe_email !== null) keys.add(`e:${lead.dedupe_email}`);
    if (lead.dedupe_linkedin !== null) keys.add(`l:${lead.dedupe_linkedin}`);
  }
  return keys;
};

const sharesKey = (a: Set<string>, b: Set<string>) => {
  for (const key of a) if (b.has(key)) return true;
  return false;
};

/**
 * Writes one batch and moves the checkpoint, all in one transaction. The
 * rows are streamed into a staging table (COPY) and written from there by
 * set-based SQL: repeats within the batch marked, new leads inserted,
 * duplicates skipped, merged or accepted. The job row is locked at the end
 * and must still be at `from`: an attempt racing this one (a worker thought
 * dead) waits for it, then finds the checkpoint moved and rolls back, so
 * nothing of it is ever committed.
 *
 * `previous`: the batch before this one, still being written. This batch
 * stages and inserts its rows meanwhile on its own connection (two batches'
 * inserts run at once), but draws its ids after the previous one's, and
 * takes the job row only once `previous` has committed, so checkpoints
 * advance one contiguous batch after another and a failed previous batch
 * fails this one. If the two batches share a key, this one inserts only
 * after the previous one's inserts are done: it may then wait in PostgreSQL
 * for the previous one's commit, never the other way round, which would be
 * a deadlock no detector sees (half of it is a wait in JavaScript).
 * lock_timeout is the safety net for such waits across two attempts of one
 * job: an error and a retry instead of a hang.
 */
export function writeImportBatch(db: Database, batch: ImportBatch, previous?: BatchWrite): BatchWrite {
  const keys = keysOf(batch.rows);
  const numbered = step();
  const inserted = step();
  const committed = writeBatch(db, batch, previous, keys, { numbered: numbered.done, inserted: inserted.done }).catch((err: unknown) => {
    numbered.fail(err);
    inserted.fail(err);
    throw err;
  });
  return { keys, numbered: numbered.promise, inserted: inserted.promise, committed };
}

/** commitImportBatch for a batch that follows no other batch in flight. */
export const commitImportBatch = (db: Database, batch: ImportBatch): Promise<ImportCounts> => writeImportBatch(db, batch).committed;

const LOCK_TIMEOUT = '60s';

async function writeBatch(
  db: Database,
  batch: ImportBatch,
  previous: BatchWrite | undefined,
  keys: Set<string>,
  reached: { numbered: () => void; inserted: () => void },
) {
  const { orgId, jobId, actorId, policy } = batch;
  await previous?.numbered;
  const ids = batch.rows.length > 0 ? await drawLeadIds(db, batch.rows.length) : [];
  reached.numbered();
  const at = new Date().toISOString();
  // tag names are created outside the batch's transaction: resolveTagIds upserts them (harmless if the batch rolls back)
  const tagNames = [...new Set(batch.rows.flatMap((r) => r.lead.tags))];
  const tagIdOf = new Map<string, number>();
  if (tagNames.length > 0) {
    const labels = { code: { status: new Map(), priority: new Map(), lead_source: new Map() }, tags: new Map<number, string>() };
    await resolveTagIds(db.pool, orgId, tagNames, labels);
    for (const [id, name] of labels.tags) tagIdOf.set(name.toLowerCase(), id);
  }
  const companyIdOf = await linkCompanies(db, orgId, actorId, batch.rows);
  const { values, scorings, scoringRefs } = scoreBatch(batch.rows, tagIdOf, companyIdOf, at);
  return transaction(db.pool, { actorId, settings: { lock_timeout: LOCK_TIMEOUT } }, async (client) => {
    await copyIntoStage(client, values, ids, scoringRefs);
    await client.query(MARK_REPEATS);
    if (previous && sharesKey(previous.keys, keys)) await previous.inserted;
    /** the leads this batch created or merged into */
    const written = await insertFirstRows(client, orgId, actorId, scorings);
    reached.inserted();
    await previous?.committed;
    const job = await lockJobForStep(client, { orgId, jobId });
    if (!job || checkpointOf(job.checkpoint).row !== batch.from.row) throw new CheckpointMovedError(jobId);

    const counts: ImportCounts = { created: written.length, merged: 0, skipped: 0, failed: 0 };
    const errors = [...batch.errors];
    const duplicateCount = values.length - written.length;
    if (duplicateCount > 0 && policy !== 'skip') {
      const duplicates = (await stagedDuplicates(client, orgId, written)).map((n) => ({ n, values: values[n]! }));
      const ownerOf = await lockOwners(client, orgId, duplicates.map((d) => d.values));
      const owned: { n: number; owner: Owner; values: LeadValues }[] = [];
      for (const duplicate of duplicates) {
        const owner = ownerOf(duplicate.values.lead);
        if (owner) owned.push({ ...duplicate, owner });
        // the lead that held the key was deleted while this batch ran
        else errors.push({ row: batch.rows[duplicate.n]!.row, column: null, reason: 'the matching lead was removed during the import; import this row again' });
      }
      if (policy === 'merge') {
        await mergeIntoOwners(client, orgId, owned, at);
        counts.merged = owned.length;
        written.push(...owned.map((o) => o.owner.id));
      } else {
        const accepted = await insertAcceptedDuplicates(client, orgId, actorId, scorings, owned.map((o) => ({ n: o.n, ownerId: o.owner.id })));
        counts.created += accepted.length;
        written.push(...accepted);
      }
    } else {
      counts.skipped = duplicateCount;
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

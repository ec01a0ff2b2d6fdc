// HubSpot import (§6.14): which HubSpot properties land in which lead and
// company fields, where an import stands (its checkpoint), and the commit of
// one page of records. A page's upserts, the job's counters and its new
// checkpoint are written in ONE transaction, guarded by the checkpoint the
// page was fetched at: a retried or duplicated attempt either finds its page
// uncommitted and commits it, or finds it committed and writes nothing — so
// a crash at any point resumes from the last committed page, without
// duplicates.
import type pg from 'pg';
import { transaction } from '../platform/transaction.js';
import type { Database } from '../platform/db.js';
import type { Scope } from '../platform/auth-context.js';
import type { Job } from '../../generated/prisma/client.js';
import { findOrCreateCompanyByName, lockCompanyName, type CompanyInput } from '../crm/company.service.js';
import { normaliseWebsite } from '../platform/web-address.js';
import { advanceJob, createJob, loadJobForStep, lockJobForStep, recordRowErrors, type JobCounts, type JobRef, type JobRowError } from './job.service.js';
import { activeFitModel, scoreStoredLead } from '../leads/lead-score.service.js';
import type { LogisticFitModel } from '../leads/lead-fit-model.js';
import { dedupeEmail, dedupeLinkedin, type LeadWritableField } from '../leads/lead.service.js';

/** Companies first, so that the contacts' company names find them. */
export const HUBSPOT_IMPORT_OBJECTS = ['companies', 'contacts'] as const;
export type HubspotImportObject = (typeof HUBSPOT_IMPORT_OBJECTS)[number];

/** Lead fields a HubSpot property may fill: the text fields (lookup codes and users have no HubSpot counterpart). */
export const LEAD_IMPORT_FIELDS = [
  'first_name', 'last_name', 'email', 'phone_number', 'company', 'job_title', 'industry', 'website', 'address', 'city',
  'state', 'country', 'pin_code', 'linkedin_url', 'notes',
] as const satisfies readonly LeadWritableField[];
export type LeadImportField = (typeof LEAD_IMPORT_FIELDS)[number];

/** Company fields a HubSpot property may fill (employee_size and rating are bands and scores of LIO's own). */
export const COMPANY_IMPORT_FIELDS = [
  'company_name', 'industry_type', 'address', 'city', 'country', 'contact_email', 'phone_number', 'website', 'summary',
] as const satisfies readonly (keyof CompanyInput)[];
export type CompanyImportField = (typeof COMPANY_IMPORT_FIELDS)[number];

export interface HubspotMapping {
  /** HubSpot contact property -> lead field */
  lead: Record<string, LeadImportField>;
  /** HubSpot company property -> company field */
  company: Record<string, CompanyImportField>;
}

export const DEFAULT_HUBSPOT_MAPPING: HubspotMapping = {
  lead: {
    firstname: 'first_name',
    lastname: 'last_name',
    email: 'email',
    phone: 'phone_number',
    company: 'company',
    jobtitle: 'job_title',
    industry: 'industry',
    website: 'website',
    address: 'address',
    city: 'city',
    state: 'state',
    zip: 'pin_code',
    country: 'country',
  },
  company: {
    name: 'company_name',
    domain: 'website',
    industry: 'industry_type',
    phone: 'phone_number',
    address: 'address',
    city: 'city',
    country: 'country',
    description: 'summary',
  },
};

/** The HubSpot properties GET .../hubspot/properties lists without all=1: the ones commonly mapped. */
export const COMMON_HUBSPOT_PROPERTIES: Record<HubspotImportObject, readonly string[]> = {
  contacts: [...Object.keys(DEFAULT_HUBSPOT_MAPPING.lead), 'mobilephone', 'hs_linkedin_url', 'lifecyclestage', 'hs_lead_status', 'lastmodifieddate', 'createdate'],
  companies: [...Object.keys(DEFAULT_HUBSPOT_MAPPING.company), 'website', 'state', 'zip', 'numberofemployees', 'annualrevenue', 'hs_lastmodifieddate', 'createdate'],
};

/** What an import job was asked to do (jobs.params). */
export interface HubspotImportParams {
  mapping: HubspotMapping;
  /** ISO instants bounding HubSpot's last-modified date, inclusive */
  from: string | null;
  to: string | null;
  /** at most this many records of each object; null: all */
  limit: number | null;
}

/** Records the import job (its workflow is started by the outbox relay). */
export async function startHubspotImport(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, params: HubspotImportParams): Promise<Job> {
  return createJob(db.pool, scope, { type: 'hubspot_import', params: { ...params } });
}

/** Where an import stands (jobs.checkpoint): the object and page cursor to fetch next. */
export interface HubspotImportCheckpoint {
  object: HubspotImportObject | 'done';
  /** HubSpot's cursor of the next page; null: the object's first page */
  after: string | null;
  /** records of `object` fetched so far (for `limit`) */
  fetched: number;
}

const mappingOf = (params: HubspotImportParams, object: HubspotImportObject) =>
  object === 'companies' ? params.mapping.company : params.mapping.lead;

/** The first object to import: companies are skipped when nothing is mapped for them. */
function startOf(params: HubspotImportParams, index: number): HubspotImportCheckpoint {
  for (let i = index; i < HUBSPOT_IMPORT_OBJECTS.length; i++) {
    const object = HUBSPOT_IMPORT_OBJECTS[i]!;
    if (Object.keys(mappingOf(params, object)).length > 0) return { object, after: null, fetched: 0 };
  }
  return { object: 'done', after: null, fetched: 0 };
}

/** A new job's checkpoint is `{}`: the start. */
export function readCheckpoint(params: HubspotImportParams, stored: Record<string, unknown>): HubspotImportCheckpoint {
  return typeof stored.object === 'string' ? (stored as unknown as HubspotImportCheckpoint) : startOf(params, 0);
}

/** The HubSpot properties to ask for, and how many records, for the page at `checkpoint`. */
export function pageRequestOf(params: HubspotImportParams, checkpoint: HubspotImportCheckpoint & { object: HubspotImportObject }, maxPageSize: number) {
  return {
    after: checkpoint.after ?? undefined,
    limit: Math.min(maxPageSize, params.limit === null ? maxPageSize : params.limit - checkpoint.fetched),
    properties: Object.keys(mappingOf(params, checkpoint.object)),
    modifiedFrom: params.from ? new Date(params.from) : undefined,
    modifiedTo: params.to ? new Date(params.to) : undefined,
  };
}

/** Where the import stands once a page of `count` records with cursor `nextAfter` is committed. */
export function checkpointAfter(
  params: HubspotImportParams,
  checkpoint: HubspotImportCheckpoint & { object: HubspotImportObject },
  count: number,
  nextAfter: string | null,
): HubspotImportCheckpoint {
  const fetched = checkpoint.fetched + count;
  if (nextAfter !== null && count > 0 && (params.limit === null || fetched < params.limit)) {
    return { object: checkpoint.object, after: nextAfter, fetched };
  }
  return startOf(params, HUBSPOT_IMPORT_OBJECTS.indexOf(checkpoint.object) + 1);
}

const sameCheckpoint = (a: HubspotImportCheckpoint, b: HubspotImportCheckpoint) =>
  a.object === b.object && a.after === b.after && a.fetched === b.fetched;

export interface ImportedRecord {
  id: string;
  properties: Record<string, string | null>;
}

export type PageOutcome = Omit<JobCounts, 'processed'>;

type RowOutcome = 'created' | 'merged' | 'skipped';

/** The mapped, non-empty values of a record; an empty HubSpot value never blanks a LIO field. */
function mappedValues<F extends string>(record: ImportedRecord, mapping: Record<string, F>): Partial<Record<F, string>> {
  const values: Partial<Record<F, string>> = {};
  for (const [property, field] of Object.entries(mapping)) {
    const value = record.properties[property]?.trim();
    if (value) values[field] = value;
  }
  return values;
}

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/** A company is matched by name: an existing one takes the mapped values, a new one is created with them. */
async function upsertCompany(client: pg.PoolClient, orgId: number, actorId: number | null, record: ImportedRecord, mapping: HubspotMapping['company']): Promise<RowOutcome> {
  const values: Record<string, string> = mappedValues(record, mapping);
  if (values.website !== undefined) {
    const website = normaliseWebsite(values.website);
    if (website) values.website = website;
    else delete values.website;
  }
  const name = values.company_name;
  if (!name) return 'skipped';
  const existing = await lockCompanyName(client, orgId, name);
  const fields = Object.keys(values).filter((f) => f !== 'company_name');
  if (existing === undefined) {
    const columns = ['org_id', 'created_by', 'company_name', ...fields];
    await client.query(
      `INSERT INTO companies (${quoted(columns)}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      [orgId, actorId, name, ...fields.map((f) => values[f])],
    );
    return 'created';
  }
  await client.query(
    `UPDATE companies SET ${fields.map((f, i) => `"${f}" = $${i + 3}`).concat('updated_at = now()').join(', ')} WHERE id = $1 AND org_id = $2`,
    [existing, orgId, ...fields.map((f) => values[f])],
  );
  return 'merged';
}

/** Fields a merge never changes: they are the lead's identity (its dedupe keys). */
const IDENTITY_FIELDS: readonly string[] = ['email', 'linkedin_url'];

/**
 * A lead is matched by its dedupe keys (email, LinkedIn URL) through the
 * unique indexes, or, with neither, by the HubSpot id an earlier import
 * recorded; a match is merged (mapped values set, custom_fields merged),
 * anything else is created. Either way the lead is (re-)scored, in the same
 * transaction.
 */
async function upsertLead(
  client: pg.PoolClient,
  orgId: number,
  actorId: number | null,
  record: ImportedRecord,
  mapping: HubspotMapping['lead'],
  keylessMatches: Map<string, number>,
  fitModel: LogisticFitModel | null,
): Promise<RowOutcome> {
  const values: Record<string, string | number> = mappedValues(record, mapping);
  const email = dedupeEmail(values.email as string | undefined);
  const linkedin = dedupeLinkedin(values.linkedin_url as string | undefined);
  if (!email && !linkedin && !values.first_name && !values.last_name) return 'skipped';
  if (values.company) values.company_id = await findOrCreateCompanyByName(client, orgId, values.company as string, actorId);
  const customFields = JSON.stringify({ hubspot_id: record.id });
  let leadId: number | undefined;
  let outcome: RowOutcome = 'merged';
  if (email || linkedin) {
    const columns = { org_id: orgId, created_by: actorId, ...values, dedupe_email: email, dedupe_linkedin: linkedin };
    const names = Object.keys(columns);
    const inserted = await client.query<{ id: number }>(
      `INSERT INTO leads (${quoted(names)}, custom_fields, updated_at)
       VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}, $${names.length + 1}::jsonb, now())
       ON CONFLICT DO NOTHING RETURNING id`,
      [...Object.values(columns), customFields],
    );
    leadId = inserted.rows[0]?.id;
    if (leadId !== undefined) outcome = 'created';
    else {
      const owner = await client.query<{ id: number }>(
        'SELECT id FROM leads WHERE org_id = $1 AND (dedupe_email = $2 OR dedupe_linkedin = $3) ORDER BY id LIMIT 1',
        [orgId, email, linkedin],
      );
      leadId = owner.rows[0]?.id;
      if (leadId === undefined) throw new Error('the lead owning this email or LinkedIn URL was deleted meanwhile');
    }
  } else {
    leadId = keylessMatches.get(record.id);
    if (leadId === undefined) {
      const names = ['org_id', 'created_by', ...Object.keys(values)];
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO leads (${quoted(names)}, custom_fields, updated_at)
         VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}, $${names.length + 1}::jsonb, now()) RETURNING id`,
        [orgId, actorId, ...Object.values(values), customFields],
      );
      leadId = inserted.rows[0]!.id;
      outcome = 'created';
    }
  }
  if (outcome === 'merged') {
    const fields = Object.keys(values).filter((f) => !IDENTITY_FIELDS.includes(f));
    await client.query(
      `UPDATE leads SET ${fields.map((f, i) => `"${f}" = $${i + 4}`).concat('custom_fields = custom_fields || $3::jsonb', 'updated_at = now()').join(', ')}
        WHERE id = $1 AND org_id = $2`,
      [leadId, orgId, customFields, ...fields.map((f) => values[f])],
    );
  }
  // scored in this transaction: one scoring workflow per imported contact would swamp Temporal
  await scoreStoredLead(client, orgId, leadId, fitModel);
  return outcome;
}

/**
 * Leads an earlier import created from contacts without email or LinkedIn
 * URL, by HubSpot id: one query per page, and only for pages holding such
 * contacts (custom_fields has no index, so it scans the organization's leads).
 */
async function keylessLeadsByHubspotId(client: pg.PoolClient, orgId: number, records: ImportedRecord[], mapping: HubspotMapping['lead']) {
  const keyless = records.filter((r) => {
    const values = mappedValues(r, mapping);
    return !dedupeEmail(values.email) && !dedupeLinkedin(values.linkedin_url);
  });
  if (keyless.length === 0) return new Map<string, number>();
  const { rows } = await client.query<{ id: number; hubspot_id: string }>(
    `SELECT DISTINCT ON (custom_fields->>'hubspot_id') id, custom_fields->>'hubspot_id' AS hubspot_id FROM leads
      WHERE org_id = $1 AND dedupe_email IS NULL AND dedupe_linkedin IS NULL AND custom_fields->>'hubspot_id' = ANY($2::text[])
      ORDER BY custom_fields->>'hubspot_id', id`,
    [orgId, keyless.map((r) => r.id)],
  );
  return new Map(rows.map((r) => [r.hubspot_id, r.id]));
}

export interface PageCommit {
  orgId: number;
  jobId: number;
  /** whose writes these are (the user who started the import) */
  actorId: number | null;
  params: HubspotImportParams;
  /** the checkpoint the page was fetched at */
  from: HubspotImportCheckpoint & { object: HubspotImportObject };
  /** the checkpoint once it is committed */
  to: HubspotImportCheckpoint;
  records: ImportedRecord[];
}

/**
 * Writes one page and moves the job's checkpoint from `from` to `to`, in one
 * transaction. Null when the job no longer stands at `from` (an earlier
 * attempt committed this page, or the job finished): nothing is written.
 * A record that fails is rolled back alone (savepoint), counted as failed
 * and explained in the job's row errors.
 */
export async function commitHubspotPage(db: Database, page: PageCommit): Promise<PageOutcome | null> {
  return transaction(db.pool, { actorId: page.actorId }, async (client) => {
    const job = await lockJobForStep(client, page);
    // a page fetched for a job that has since finished (cancelled, failed) is not committed
    const live = job?.status === 'running' || job?.status === 'paused';
    if (!job || !live || !sameCheckpoint(readCheckpoint(page.params, job.checkpoint), page.from)) return null;
    const outcome: PageOutcome = { created: 0, merged: 0, skipped: 0, failed: 0 };
    const rowErrors: JobRowError[] = [];
    const keylessMatches =
      page.from.object === 'contacts' ? await keylessLeadsByHubspotId(client, page.orgId, page.records, page.params.mapping.lead) : new Map<string, number>();
    // the organization's learned scoring model, read once for the page's leads
    const fitModel = page.from.object === 'contacts' ? await activeFitModel(client, page.orgId) : null;
    for (const [index, record] of page.records.entries()) {
      await client.query('SAVEPOINT hubspot_record');
      try {
        const result =
          page.from.object === 'companies'
            ? await upsertCompany(client, page.orgId, page.actorId, record, page.params.mapping.company)
            : await upsertLead(client, page.orgId, page.actorId, record, page.params.mapping.lead, keylessMatches, fitModel);
        await client.query('RELEASE SAVEPOINT hubspot_record');
        outcome[result]++;
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT hubspot_record');
        outcome.failed++;
        rowErrors.push({
          row: job.processed + index + 1,
          reason: `HubSpot ${page.from.object === 'companies' ? 'company' : 'contact'} ${record.id}: ${(err as Error).message}`,
        });
      }
    }
    await recordRowErrors(client, page, rowErrors);
    await advanceJob(client, page, { processed: page.records.length, ...outcome }, page.to);
    return outcome;
  });
}

/** Where a HubSpot import's pages come from: the organization's HubSpot account, asked page by page. */
export interface HubspotPageSource {
  maxPageSize: number;
  fetchPage(object: HubspotImportObject, request: ReturnType<typeof pageRequestOf>): Promise<{ records: ImportedRecord[]; nextAfter: string | null }>;
}

export interface HubspotImportStep {
  /** nothing is left to import */
  done: boolean;
  object: HubspotImportObject | 'done';
  /** records this step committed (0 when an earlier attempt had committed the page) */
  committed: number;
}

/**
 * One step of a HubSpot import: fetches the page the job's checkpoint names
 * and commits it with the next checkpoint (commitHubspotPage). The checkpoint
 * is read from the job row on every step, so a step run again — after a
 * crash, a timeout or a worker restart — continues from the last committed
 * page. No database connection is held while HubSpot is asked: the page's
 * transaction starts once the page has arrived.
 */
export async function importNextHubspotPage(db: Database, source: HubspotPageSource, ref: JobRef): Promise<HubspotImportStep> {
  const job = await loadJobForStep<HubspotImportParams>(db, ref, 'hubspot_import', ['running', 'paused']);
  // a job deleted or finished meanwhile has nothing left to import
  if (!job) return { done: true, object: 'done', committed: 0 };
  const checkpoint = readCheckpoint(job.params, job.checkpoint);
  if (checkpoint.object === 'done') return { done: true, object: 'done', committed: 0 };
  const at = { ...checkpoint, object: checkpoint.object };
  const page = await source.fetchPage(at.object, pageRequestOf(job.params, at, source.maxPageSize));
  const next = checkpointAfter(job.params, at, page.records.length, page.nextAfter);
  const outcome = await commitHubspotPage(db, { ...ref, actorId: job.createdBy, params: job.params, from: at, to: next, records: page.records });
  return { done: next.object === 'done', object: next.object, committed: outcome ? page.records.length : 0 };
}

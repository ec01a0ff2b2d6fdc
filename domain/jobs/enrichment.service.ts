// Enriching leads and companies (§6.3, §6.4) on the database side: the
// per-organization cache of provider answers, turning an enrichment request
// into a lead (matched by its dedupe keys, else created), and writing what
// the waterfall found. Precedence: a value already in a column (entered by a
// user, or written by an earlier enrichment) is never overwritten; among
// providers, the configured order decides (default: the outside provider,
// then what is derived offline). One credit is debited per enrichment that an
// outside (billable) provider contributed to, in the transaction that writes
// it; what is derived offline costs nothing. The API (synchronously,
// within a time budget) and the enrichment job's activities run the same
// functions.
import type pg from 'pg';
import type { Lead } from '../../generated/prisma/client.js';
import { transaction, type SqlClient } from '../platform/transaction.js';
import type { Scope } from '../platform/auth-context.js';
import { getCompany } from '../crm/company.service.js';
import { normaliseWebsite } from '../platform/web-address.js';
import type { Database } from '../platform/db.js';
import { bareDomain, parsePersonName } from './enrichment-derived.js';
import {
  COMPANY_FIELDS,
  engineBills,
  EnrichmentProviderError,
  PERSON_FIELDS,
  runWaterfall,
  type CompanyField,
  type EnrichmentCacheStore,
  type EnrichmentEngine,
  type PersonField,
  type PersonQuery,
  type WaterfallResult,
} from './enrichment.js';
import { ApiError, notFound } from '../platform/errors.js';
import { createJob } from './job.service.js';
import { Prisma } from '../../generated/prisma/client.js';
import { leadOrder, type LeadSortField } from '../leads/lead-query.service.js';
import { containsPattern, dateRangeConditions, pageArgs, paged, type ListParams } from '../platform/list-query.js';
import { dedupeEmail, dedupeLinkedin, createLead } from '../leads/lead.service.js';
import { activeFitModel, scoreStoredLead } from '../leads/lead-score.service.js';
import type { LogisticFitModel } from '../leads/lead-fit-model.js';

/** lead_source code 3 (§7.1): leads captured from a LinkedIn URL. */
export const LINKEDIN_LEAD_SOURCE = 3;

/** One lead to enrich, as POST /lead-enrichment/enrich and /enrich/bulk take it. */
export interface EnrichmentInput {
  lead_id?: number;
  email?: string;
  linkedin_url?: string;
  name?: string;
  company?: string;
  domain?: string;
}

/** What an enrichment job is asked to do (jobs.params of type enrichment). */
export type EnrichmentJobParams =
  | { target: 'leads'; count: number; batch_size: number; group_id?: string | number }
  | { target: 'company'; company_id: number };

/** ai_information.enrichment of a lead, and the `enrichment` of API answers. */
export interface EnrichmentRecord {
  /** the provider that supplied the most fields (ties: the earlier one) */
  provider: string | null;
  fetched_at: string;
  /** every field the providers found, with its value */
  found: Record<string, string>;
  /** which provider supplied each found field */
  sources: Record<string, string>;
  /** the fields written; the others already had a value, which is kept */
  filled: string[];
  /** providers that refused the lookup (4xx): what they said */
  rejected?: Record<string, string>;
  job_id?: number;
  group_id?: string | number;
}

export type EnrichmentOutcome = 'enriched' | 'skipped' | 'no_credits' | 'not_found';

export const noCreditsError = () =>
  new ApiError('forbidden', 'The organization has no enrichment credits left; nothing was enriched', { code: 'no_enrichment_credits' });

/** enrichment_cache of one organization (rows are never shared across organizations). */
export function pgEnrichmentCache(db: SqlClient, orgId: number): EnrichmentCacheStore {
  return {
    async get(kind, lookupKey, provider) {
      const { rows } = await db.query<{ data: Record<string, string> | null }>(
        'SELECT data FROM enrichment_cache WHERE org_id = $1 AND kind = $2 AND lookup_key = $3 AND provider = $4',
        [orgId, kind, lookupKey, provider],
      );
      return rows[0] ? rows[0].data : undefined;
    },
    async put(kind, lookupKey, provider, data) {
      await db.query(
        `INSERT INTO enrichment_cache (org_id, kind, lookup_key, provider, data) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, kind, lookup_key, provider) DO UPDATE SET data = EXCLUDED.data, fetched_at = now()`,
        [orgId, kind, lookupKey, provider, data === null ? null : JSON.stringify(data)],
      );
    },
  };
}

export async function creditsLeft(db: Database, orgId: number): Promise<number> {
  const { rows } = await db.pool.query<{ enrichment_credits: number }>('SELECT enrichment_credits FROM organizations WHERE id = $1', [orgId]);
  return rows[0]?.enrichment_credits ?? 0;
}

/** No enrichment can be paid for: the engine has an outside provider and the organization no credit left. */
export async function outOfCredits(db: Database, engine: EnrichmentEngine, orgId: number): Promise<boolean> {
  return engineBills(engine) && (await creditsLeft(db, orgId)) <= 0;
}


const isEmpty = (value: unknown) => value === null || value === undefined || (typeof value === 'string' && value.trim() === '');

type LeadColumns = Pick<Lead, 'id' | 'email' | PersonField>;

const LEAD_COLUMNS = ['id', 'email', ...PERSON_FIELDS].map((c) => `"${c}"`).join(', ');

/** What identifies the lead's person: its own columns first, the request's hints where a column is empty. */
function personQueryOf(lead: LeadColumns, hint: EnrichmentInput = {}): PersonQuery {
  return {
    email: lead.email ?? hint.email,
    linkedin_url: lead.linkedin_url ?? hint.linkedin_url,
    first_name: lead.first_name,
    last_name: lead.last_name,
    name: isEmpty(lead.first_name) && isEmpty(lead.last_name) ? hint.name : undefined,
    company: lead.company ?? hint.company,
    domain: bareDomain(lead.website) ?? bareDomain(hint.domain),
  };
}

export interface LeadEnrichmentPlan {
  leadId: number;
  result: WaterfallResult<PersonField>;
}

/** Asks the providers for the lead's empty fields (nothing when none is empty). */
export async function planLeadEnrichment(
  engine: EnrichmentEngine,
  cache: EnrichmentCacheStore,
  lead: LeadColumns,
  hint?: EnrichmentInput,
  signal?: AbortSignal,
): Promise<LeadEnrichmentPlan> {
  const wanted = PERSON_FIELDS.filter((field) => isEmpty(lead[field]));
  const result = await runWaterfall(engine, cache, { kind: 'person', query: personQueryOf(lead, hint), wanted }, signal);
  return { leadId: lead.id, result };
}

export async function loadLeadsForEnrichment(db: SqlClient, orgId: number, ids: number[]): Promise<LeadColumns[]> {
  const { rows } = await db.query<LeadColumns>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE org_id = $1 AND id = ANY($2::int[])`, [orgId, ids]);
  return rows;
}

function mainProvider(sources: Record<string, string>): string | null {
  const counts = new Map<string, number>();
  for (const provider of Object.values(sources)) counts.set(provider, (counts.get(provider) ?? 0) + 1);
  let best: string | null = null;
  for (const [provider, n] of counts) if (best === null || n > counts.get(best)!) best = provider;
  return best;
}

function recordOf(result: WaterfallResult<string>, filled: string[], context: { jobId?: number; groupId?: string | number }): EnrichmentRecord {
  const sources = result.sources as Record<string, string>;
  return {
    provider: mainProvider(sources),
    fetched_at: new Date().toISOString(),
    found: result.found as Record<string, string>,
    sources,
    filled,
    ...(Object.keys(result.rejected).length > 0 && { rejected: result.rejected }),
    ...(context.jobId !== undefined && { job_id: context.jobId }),
    ...(context.groupId !== undefined && { group_id: context.groupId }),
  };
}

/** Takes one credit; false when none is left. */
async function debitCredit(client: pg.PoolClient, orgId: number, entry: { jobId?: number; leadId?: number; companyId?: number; provider: string }) {
  const { rowCount } = await client.query(
    'UPDATE organizations SET enrichment_credits = enrichment_credits - 1 WHERE id = $1 AND enrichment_credits > 0',
    [orgId],
  );
  if (rowCount !== 1) return false;
  await client.query(
    'INSERT INTO enrichment_credit_entries (org_id, job_id, lead_id, company_id, provider, amount) VALUES ($1, $2, $3, $4, $5, 1)',
    [orgId, entry.jobId ?? null, entry.leadId ?? null, entry.companyId ?? null, entry.provider],
  );
  return true;
}

/** Debits the credit an enrichment costs (none when every value was derived offline); false when none is left. */
const payFor = (client: pg.PoolClient, orgId: number, result: WaterfallResult<string>, entry: { jobId?: number; leadId?: number; companyId?: number }) =>
  result.billedProvider === null ? Promise.resolve(true) : debitCredit(client, orgId, { ...entry, provider: result.billedProvider });

/** `col = the value when col is empty`, for each of `fields`, whose values are the parameters from $`first` on. */
const fillEmptyAssignments = (fields: string[], first: number) =>
  fields.map((field, i) => `"${field}" = CASE WHEN coalesce(btrim("${field}"), '') = '' THEN $${i + first} ELSE "${field}" END`);

/**
 * Writes each plan's findings into its lead's empty columns and
 * ai_information.enrichment, debiting one credit per lead with findings of
 * an outside provider;
 * runs inside the caller's transaction (with the job checkpoint, for jobs).
 * The lead row is locked first, so a user's concurrent edit is either seen
 * (and kept) or waits.
 */
export async function commitLeadEnrichments(
  client: pg.PoolClient,
  orgId: number,
  plans: LeadEnrichmentPlan[],
  context: { jobId?: number; groupId?: string | number } = {},
): Promise<Map<number, { outcome: EnrichmentOutcome; record?: EnrichmentRecord }>> {
  const outcomes = new Map<number, { outcome: EnrichmentOutcome; record?: EnrichmentRecord }>();
  // the organization's learned scoring model, read once for the batch's leads (undefined: not needed yet)
  let fitModel: LogisticFitModel | null | undefined;
  for (const { leadId, result } of plans) {
    const found = Object.entries(result.found) as [PersonField, string][];
    if (found.length === 0) {
      outcomes.set(leadId, { outcome: 'skipped' });
      continue;
    }
    const { rows } = await client.query<LeadColumns>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE id = $1 AND org_id = $2 FOR UPDATE`, [leadId, orgId]);
    const lead = rows[0];
    if (!lead) {
      outcomes.set(leadId, { outcome: 'not_found' });
      continue;
    }
    const record = recordOf(result, found.filter(([field]) => isEmpty(lead[field])).map(([field]) => field), context);
    if (!(await payFor(client, orgId, result, { jobId: context.jobId, leadId }))) {
      outcomes.set(leadId, { outcome: 'no_credits' });
      continue;
    }
    const values = record.filled.map((field) => result.found[field as PersonField]!);
    const linkedinKey = record.filled.includes('linkedin_url') ? dedupeLinkedin(result.found.linkedin_url) : null;
    const update = `UPDATE leads
          SET ${fillEmptyAssignments(record.filled, 5).join(', ')}${record.filled.length > 0 ? ',' : ''}
              ai_information = ai_information || jsonb_build_object('enrichment', $3::jsonb),
              -- a LinkedIn URL found for the lead becomes its dedupe key, unless another lead owns that profile
              dedupe_linkedin = CASE
                WHEN $4::text IS NOT NULL AND duplicate_of IS NULL AND dedupe_linkedin IS NULL
                 AND NOT EXISTS (SELECT 1 FROM leads o WHERE o.org_id = $1 AND o.dedupe_linkedin = $4::text) THEN $4::text
                ELSE dedupe_linkedin END,
              updated_at = now()
        WHERE id = $2 AND org_id = $1`;
    const params = [orgId, leadId, JSON.stringify(record), linkedinKey, ...values];
    await client.query(update, params);
    // filled columns change what the score is computed from: the lead is re-scored here, in the same
    // transaction, rather than by one scoring workflow per lead (a bulk job enriches thousands)
    if (record.filled.length > 0) {
      if (fitModel === undefined) fitModel = await activeFitModel(client, orgId);
      await scoreStoredLead(client, orgId, leadId, fitModel);
    }
    outcomes.set(leadId, { outcome: 'enriched', record });
  }
  return outcomes;
}

/** The lead an input names or describes: lead_id, else a lead owning its email or LinkedIn URL, else one of the same name at the same company. */
async function findLeadFor(db: SqlClient, orgId: number, input: EnrichmentInput, name: { first_name?: string; last_name?: string }) {
  if (input.lead_id !== undefined) {
    const { rows } = await db.query<{ id: number }>('SELECT id FROM leads WHERE id = $1 AND org_id = $2', [input.lead_id, orgId]);
    if (!rows[0]) throw notFound('Lead');
    return rows[0].id;
  }
  const email = dedupeEmail(input.email);
  const linkedin = dedupeLinkedin(input.linkedin_url);
  if (email || linkedin) {
    const { rows } = await db.query<{ id: number }>(
      'SELECT id FROM leads WHERE org_id = $1 AND (dedupe_email = $2 OR dedupe_linkedin = $3) ORDER BY id LIMIT 1',
      [orgId, email, linkedin],
    );
    return rows[0]?.id;
  }
  if (!name.first_name || !(input.company || input.domain)) return undefined;
  // without an email or LinkedIn URL, the name at the company is the key (and a retried job finds what it created)
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM leads
      WHERE org_id = $1 AND lower(first_name) = lower($2) AND lower(coalesce(last_name, '')) = lower($3)
        AND (lower(company) = lower($4) OR lower(website) = lower($5))
      ORDER BY id LIMIT 1`,
    [orgId, name.first_name, name.last_name ?? '', input.company ?? null, input.domain ? normaliseWebsite(input.domain) : null],
  );
  return rows[0]?.id;
}

/**
 * The lead an enrichment input is about: found (see findLeadFor), else
 * created from the input as its user entered it (lead_source LinkedIn when
 * it came from a LinkedIn URL). A concurrent request creating the same
 * person is resolved by the dedupe keys.
 */
export async function resolveEnrichmentInput(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, input: EnrichmentInput) {
  const name = parsePersonName(input.name);
  const existing = await findLeadFor(db.pool, scope.orgId, input, name);
  if (existing !== undefined) return { leadId: existing, created: false };
  try {
    const person = {
      ...name,
      email: input.email ?? null,
      linkedin_url: input.linkedin_url ?? null,
      ...(input.company && { company: input.company }),
      website: input.domain ? (normaliseWebsite(input.domain) ?? null) : null,
      ...(input.linkedin_url && { lead_source: LINKEDIN_LEAD_SOURCE }),
    };
    // a bulk job creates thousands of leads: each is scored here, and again when its enrichment is written
    const { lead } = await createLead(db, scope, person, 'reject', 'inline');
    return { leadId: lead.id, created: true };
  } catch (err) {
    const existingId = err instanceof ApiError ? err.options.meta?.existing_id : undefined;
    if (typeof existingId === 'number') return { leadId: existingId, created: false };
    throw err;
  }
}

export async function createLeadEnrichmentJob(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  inputs: EnrichmentInput[],
  options: { batchSize: number; groupId?: string | number },
) {
  const params: EnrichmentJobParams = {
    target: 'leads',
    count: inputs.length,
    batch_size: options.batchSize,
    ...(options.groupId !== undefined && { group_id: options.groupId }),
  };
  // the inputs are job items: thousands of them would swell the workflow's history and every status answer
  return createJob(db.pool, scope, { type: 'enrichment', params, total: inputs.length, items: inputs });
}

/** A provider that refused us (key, address) or this lookup, and that a job would not get further with: 502 with the reason. */
const providerFailed = (err: EnrichmentProviderError) =>
  new ApiError('bad_gateway', err.message, { code: 'enrichment_provider_failed' });

/** A waterfall that ran out of time, or hit a provider failure worth retrying: a job takes it over. */
const isDeferrable = (err: unknown) =>
  (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) ||
  (err instanceof EnrichmentProviderError && err.disposition === 'retryable');

export interface EnrichNowDeps {
  db: Database;
  engine: EnrichmentEngine;
  budgetMs: number;
  batchSize: number;
}

/**
 * POST /lead-enrichment/enrich: the input's lead (found or created) is
 * enriched now when the providers answer within the budget; otherwise a job
 * does it (answers already received are cached, so the job pays for none
 * twice).
 */
export async function enrichLeadNow(deps: EnrichNowDeps, scope: Pick<Scope, 'orgId' | 'userId'>, input: EnrichmentInput) {
  const { db, engine } = deps;
  const { pool } = db;
  if (await outOfCredits(db, engine, scope.orgId)) throw noCreditsError();
  const { leadId, created } = await resolveEnrichmentInput(db, scope, input);
  const [lead] = await loadLeadsForEnrichment(pool, scope.orgId, [leadId]);
  if (!lead) throw notFound('Lead');
  let plan: LeadEnrichmentPlan;
  try {
    // with lead_id the lead is what it is; otherwise the input also hints at what its empty columns hide
    const hint = input.lead_id === undefined ? input : undefined;
    plan = await planLeadEnrichment(engine, pgEnrichmentCache(pool, scope.orgId), lead, hint, AbortSignal.timeout(deps.budgetMs));
  } catch (err) {
    if (err instanceof EnrichmentProviderError && !isDeferrable(err)) throw providerFailed(err);
    if (!isDeferrable(err)) throw err;
    const job = await createLeadEnrichmentJob(db, scope, [{ lead_id: leadId }], { batchSize: deps.batchSize });
    return { deferred: true as const, job };
  }
  const outcome = (await transaction(pool, { actorId: scope.userId }, (client) => commitLeadEnrichments(client, scope.orgId, [plan]))).get(leadId)!;
  if (outcome.outcome === 'no_credits') throw noCreditsError();
  if (outcome.outcome === 'not_found') throw notFound('Lead');
  return { deferred: false as const, leadId, leadCreated: created, enrichment: outcome.record ?? null };
}

// ---- companies --------------------------------------------------------------

type CompanyColumns = { id: number; company_name: string } & Record<CompanyField, string | null>;

const COMPANY_COLUMNS = ['id', 'company_name', ...COMPANY_FIELDS].map((c) => `"${c}"`).join(', ');

export interface CompanyEnrichmentPlan {
  companyId: number;
  result: WaterfallResult<CompanyField>;
}

export async function loadCompanyForEnrichment(db: SqlClient, orgId: number, id: number): Promise<CompanyColumns> {
  const { rows } = await db.query<CompanyColumns>(`SELECT ${COMPANY_COLUMNS} FROM companies WHERE id = $1 AND org_id = $2`, [id, orgId]);
  if (!rows[0]) throw notFound('Company');
  return rows[0];
}

/** A company is looked up by its website's domain, else by its name. */
export async function planCompanyEnrichment(
  engine: EnrichmentEngine,
  cache: EnrichmentCacheStore,
  company: CompanyColumns,
  signal?: AbortSignal,
): Promise<CompanyEnrichmentPlan> {
  const wanted = COMPANY_FIELDS.filter((field) => isEmpty(company[field]));
  const query = { domain: bareDomain(company.website), name: company.company_name };
  return { companyId: company.id, result: await runWaterfall(engine, cache, { kind: 'company', query, wanted }, signal) };
}

/** Fills the company's empty columns, debiting one credit when an outside provider contributed; in the caller's transaction. */
export async function commitCompanyEnrichment(
  client: pg.PoolClient,
  orgId: number,
  plan: CompanyEnrichmentPlan,
  context: { jobId?: number } = {},
): Promise<{ outcome: EnrichmentOutcome; record?: EnrichmentRecord }> {
  const found = Object.keys(plan.result.found) as CompanyField[];
  if (found.length === 0) return { outcome: 'skipped' };
  const { rows } = await client.query<CompanyColumns>(`SELECT ${COMPANY_COLUMNS} FROM companies WHERE id = $1 AND org_id = $2 FOR UPDATE`, [
    plan.companyId,
    orgId,
  ]);
  const company = rows[0];
  if (!company) return { outcome: 'not_found' };
  const record = recordOf(plan.result, found.filter((field) => isEmpty(company[field])), context);
  if (!(await payFor(client, orgId, plan.result, { jobId: context.jobId, companyId: plan.companyId }))) {
    return { outcome: 'no_credits' };
  }
  if (record.filled.length > 0) {
    await client.query(`UPDATE companies SET ${fillEmptyAssignments(record.filled, 3).join(', ')}, updated_at = now() WHERE org_id = $1 AND id = $2`, [
      orgId,
      plan.companyId,
      ...record.filled.map((field) => plan.result.found[field as CompanyField]!),
    ]);
  }
  return { outcome: 'enriched', record };
}

export async function createCompanyEnrichmentJob(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, companyId: number) {
  const params: EnrichmentJobParams = { target: 'company', company_id: companyId };
  return createJob(db.pool, scope, { type: 'enrichment', params, total: 1 });
}

/** POST /company/enrich: as enrichLeadNow, for the company's firmographics. */
export async function enrichCompanyNow(deps: EnrichNowDeps, scope: Pick<Scope, 'orgId' | 'userId'>, companyId: number) {
  const { db, engine } = deps;
  const { pool } = db;
  const company = await loadCompanyForEnrichment(pool, scope.orgId, companyId);
  if (await outOfCredits(db, engine, scope.orgId)) throw noCreditsError();
  let plan: CompanyEnrichmentPlan;
  try {
    plan = await planCompanyEnrichment(engine, pgEnrichmentCache(pool, scope.orgId), company, AbortSignal.timeout(deps.budgetMs));
  } catch (err) {
    if (err instanceof EnrichmentProviderError && !isDeferrable(err)) throw providerFailed(err);
    if (!isDeferrable(err)) throw err;
    return { deferred: true as const, job: await createCompanyEnrichmentJob(db, scope, companyId) };
  }
  const outcome = await transaction(pool, { actorId: scope.userId }, (client) => commitCompanyEnrichment(client, scope.orgId, plan));
  if (outcome.outcome === 'no_credits') throw noCreditsError();
  if (outcome.outcome === 'not_found') throw notFound('Company');
  return { deferred: false as const, company: await getCompany(db, scope, companyId), enrichment: outcome.record ?? null };
}

// ---- LinkedIn leads -----------------------------------------------------------

/**
 * Leads captured from a LinkedIn URL (those with one), sorted as the lead
 * list sorts (§5 order_by / order_in, default newest id first); search
 * matches name, email, company or URL; start/end date bound created_at.
 */
export async function listLinkedinLeads(
  db: Database,
  scope: Pick<Scope, 'orgId'>,
  params: Pick<ListParams<LeadSortField>, 'page' | 'limit' | 'order_by' | 'order_in' | 'start_date' | 'end_date'> & { search?: string },
) {
  const conditions = [Prisma.sql`org_id = ${scope.orgId}`, Prisma.sql`linkedin_url IS NOT NULL`];
  if (params.search) {
    const pattern = containsPattern(params.search);
    conditions.push(
      Prisma.sql`(concat_ws(' ', first_name, last_name) ILIKE ${pattern} OR email ILIKE ${pattern} OR company ILIKE ${pattern} OR linkedin_url ILIKE ${pattern})`,
    );
  }
  conditions.push(...dateRangeConditions('created_at', params.start_date, params.end_date));
  const where = Prisma.join(conditions, ' AND ');
  const { skip, take } = pageArgs(params);
  const page = Prisma.sql`SELECT * FROM leads WHERE ${where} ORDER BY ${leadOrder(params)} LIMIT ${take} OFFSET ${skip}`;
  const count = Prisma.sql`SELECT count(*)::int AS total FROM leads WHERE ${where}`;
  const [rows, total] = await Promise.all([db.pool.query<Lead>(page.text, page.values), db.pool.query<{ total: number }>(count.text, count.values)]);
  return paged(rows.rows, total.rows[0]!.total, params);
}

export async function getLinkedinLead(db: Database, scope: Pick<Scope, 'orgId'>, id: number): Promise<Lead> {
  const { rows } = await db.pool.query<Lead>('SELECT * FROM leads WHERE id = $1 AND org_id = $2 AND linkedin_url IS NOT NULL', [id, scope.orgId]);
  if (!rows[0]) throw notFound('LinkedIn lead');
  return rows[0];
}

/** The lead's ai_information.enrichment, when it has been enriched. */
export const enrichmentOf = (lead: Pick<Lead, 'ai_information'>) =>
  ((lead.ai_information as Record<string, unknown> | null)?.enrichment as EnrichmentRecord | undefined) ?? null;


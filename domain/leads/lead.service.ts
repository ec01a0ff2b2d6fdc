// Leads: creation shared by every path that creates leads (lead/add, API-key
// ingestion, later imports), with validation against the organization's
// lookups, duplicate handling enforced by the database, and the scoring outbox
// event written in the same statement as the lead; then reading, updating,
// deleting and the profile image of one lead.
import type pg from 'pg';
import { Prisma, type Lead } from '../../generated/prisma/client.js';
import { outboxInsert } from '../platform/outbox-events.js';
import { transaction, type SqlClient } from '../platform/transaction.js';
import type { Database } from '../platform/db.js';
import { findCompanyByName, findOrCreateCompanyByName } from '../crm/company.service.js';
import type { Scope } from '../platform/auth-context.js';
import { ApiError, notFound } from '../platform/errors.js';
import { IMAGE_TYPES, type FileStorage } from '../platform/file-storage.js';
import { assertKnownCodes, cachedLeadLabels, loadLeadLabels, resolveTagIds, withOwnTags, type LeadLabels } from '../crm/lead-lookups.js';
import { assertWithinLimit, enforceRateLimit, rateLimitHitCte, type RateLimitRule } from '../platform/rate-limit.service.js';
import { scoringRecord } from './lead-scoring.js';

/** Columns a client may set when creating or updating a lead (spec §7.1, §11). */
export const LEAD_WRITABLE_FIELDS = [
  'first_name', 'last_name', 'email', 'phone_number', 'company', 'company_id', 'job_title', 'industry', 'website',
  'address', 'city', 'state', 'country', 'pin_code', 'status', 'priority', 'lead_source', 'estimated_value',
  'assigned_to', 'linkedin_url', 'notes',
] as const;
export type LeadWritableField = (typeof LEAD_WRITABLE_FIELDS)[number];

type LeadNumericField = 'company_id' | 'status' | 'priority' | 'lead_source' | 'estimated_value' | 'assigned_to';

export type LeadInput = Partial<Record<Exclude<LeadWritableField, LeadNumericField>, string | null>> &
  Partial<Record<LeadNumericField, number | null>> & {
  tags?: (number | string)[];
  custom_fields?: Record<string, unknown>;
};

/** What to do when the email or LinkedIn URL already belongs to a lead (§8.1). */
export type DuplicatePolicy = 'reject' | 'accept' | 'merge';

export type CreateOutcome = 'created' | 'duplicate_accepted' | 'merged';

/** ai_information keys only the system writes (scoring, enrichment); clients' values for them are dropped. */
export const SYSTEM_AI_INFORMATION_KEYS = ['scoring', 'enrichment'] as const;

/** Appended to a `WITH lead AS (INSERT|UPDATE ... RETURNING *)`: asks for the lead to be (re-)scored, atomically with the write. */
const SCORE_OUTBOX_CTE = `outbox AS (
       ${outboxInsert({ kind: 'lead.score', orgId: 'org_id', payload: { leadId: 'id' }, from: 'lead' })}
     )`;

/** A profile image is served by the API, never from a storage path. */
const profileImagePath = (leadId: number) => `/api/lead/${leadId}/profile-image`;

export const dedupeEmail = (email: string | null | undefined) => (email ? email.trim().toLowerCase() : null);

/** linkedin.com/in/jane-doe/?utm=x and https://www.LinkedIn.com/in/Jane-Doe are the same profile. */
export function dedupeLinkedin(url: string | null | undefined): string | null {
  if (!url) return null;
  const trimmed = url.trim();
  try {
    const u = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
    const host = u.hostname.toLowerCase().replace(/^(www|[a-z]{2})\./, '');
    return `${host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return trimmed.toLowerCase();
  }
}

/** Who writes: the organization, and the user the activity feed names (null: the system or an API key). */
type WriteScope = Pick<Scope, 'orgId' | 'userId'>;

async function findOrCreateCompany(db: Database, { orgId, userId }: WriteScope, name: string): Promise<number> {
  // most names exist already: found without a transaction or a lock
  const existing = await findCompanyByName(db.pool, orgId, name);
  if (existing !== undefined) return existing;
  return transaction(db.pool, { actorId: userId }, (client) => findOrCreateCompanyByName(client, orgId, name, null));
}

/**
 * §7.1 "company ... creates the company if new": a company name links the
 * lead to the organization's company of that name (compared
 * case-insensitively), created on first use. An explicit company_id wins and
 * must be one of the organization's companies; undefined leaves the link alone.
 */
async function resolveCompanyId(db: Database, scope: WriteScope, input: LeadInput): Promise<number | null | undefined> {
  if (input.company_id !== undefined && input.company_id !== null) {
    const { rowCount } = await db.pool.query('SELECT 1 FROM companies WHERE id = $1 AND org_id = $2', [input.company_id, scope.orgId]);
    if (rowCount !== 1) {
      throw new ApiError('validation_error', `company_id: company ${input.company_id} does not exist in this organization`, {
        details: [{ path: 'company_id', message: 'unknown company' }],
      });
    }
    return input.company_id;
  }
  if (input.company_id === null || input.company === undefined) return input.company_id;
  const name = input.company?.trim();
  return name ? findOrCreateCompany(db, scope, name) : null;
}

/**
 * Checks lookup codes, the assignee and the company, turns tag names into ids
 * and links the company by name (a company it creates is the scope user's).
 */
export async function prepareLeadInput(db: Database, scope: WriteScope, input: LeadInput, labels?: LeadLabels) {
  const { orgId } = scope;
  assertKnownCodes(labels ?? (await loadLeadLabels(db.pool, orgId)), input);
  if (input.assigned_to !== undefined && input.assigned_to !== null) {
    const { rowCount } = await db.pool.query('SELECT 1 FROM users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL', [
      input.assigned_to,
      orgId,
    ]);
    if (rowCount !== 1) {
      throw new ApiError('validation_error', `assigned_to: user ${input.assigned_to} is not a member of this organization`, {
        details: [{ path: 'assigned_to', message: 'unknown user' }],
      });
    }
  }
  const tags = input.tags ? await resolveTagIds(db.pool, orgId, input.tags, labels) : undefined;
  const companyId = await resolveCompanyId(db, scope, input);
  return { ...input, tags, ...(companyId !== undefined && { company_id: companyId }) };
}

type PreparedLead = Awaited<ReturnType<typeof prepareLeadInput>>;

function insertColumns(orgId: number, lead: PreparedLead, createdBy: number | null, asDuplicateOf: number | null) {
  const columns: Record<string, unknown> = { org_id: orgId, created_by: createdBy };
  for (const field of LEAD_WRITABLE_FIELDS) if (lead[field] !== undefined) columns[field] = lead[field];
  columns.tags = lead.tags ?? [];
  columns.custom_fields = JSON.stringify(lead.custom_fields ?? {});
  columns.duplicate_of = asDuplicateOf;
  // an accepted duplicate does not own the address: the owning lead keeps the unique key
  columns.dedupe_email = asDuplicateOf ? null : dedupeEmail(lead.email);
  columns.dedupe_linkedin = asDuplicateOf ? null : dedupeLinkedin(lead.linkedin_url);
  return columns;
}

/**
 * How a new lead gets its score: `workflow` asks the scoring workflow through
 * the outbox (in the same statement as the insert); `inline` computes it with
 * the rules model and inserts it with the lead, for bulk paths that create
 * thousands of leads (one scoring workflow each would swamp Temporal).
 */
export type NewLeadScoring = 'workflow' | 'inline';

/**
 * INSERT ... ON CONFLICT DO NOTHING, with the outbox row when the score is
 * left to the workflow, in one statement: one round trip, atomic, and the
 * unique (org_id, dedupe_email / dedupe_linkedin) indexes decide races
 * between concurrent requests.
 */
async function insertLead(db: SqlClient, columns: Record<string, unknown>, scoring: NewLeadScoring): Promise<Lead | null> {
  const names = Object.keys(columns);
  const values = Object.values(columns);
  const { rows } = await db.query<Lead>(
    `WITH lead AS (
       INSERT INTO leads (${names.map((n) => `"${n}"`).join(', ')}, updated_at)
       VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}, now())
       ON CONFLICT DO NOTHING
       RETURNING *
     )${scoring === 'workflow' ? `, ${SCORE_OUTBOX_CTE}` : ''}
     SELECT * FROM lead`,
    values,
  );
  return rows[0] ?? null;
}

/**
 * Whether the lead can be written by insertCountedLead's one statement: no
 * actor for the activity feed (its setting needs a transaction), no work to
 * commit alongside, and nothing to check or resolve first besides the
 * lookup codes and a company name (an explicit company, an assignee, tags).
 */
const writableInOneStatement = (scope: WriteScope, input: LeadInput, alongside: AlongsideLead | undefined) =>
  scope.userId === null &&
  !alongside &&
  (input.company_id === undefined || input.company_id === null) &&
  (input.assigned_to === undefined || input.assigned_to === null) &&
  !input.tags?.length;

/**
 * A lead's columns as Prisma knows them (the Lead type), named rather than
 * `*` in the prepared one-statement path: a column a later migration adds then
 * does not change the statement's result, which PostgreSQL refuses for a
 * prepared statement ("cached plan must not change result type").
 */
const LEAD_COLUMNS = Object.values(Prisma.LeadScalarFieldEnum).map((column) => `"${column}"`).join(', ');

/** How the one statement links the company: by its name, to none (a name given empty), or not at all (no name). */
type CompanyLink = 'by_name' | 'unlink' | 'leave';

interface IngestStatement {
  text: string;
  /** prepared under this name on each connection; none beyond the bound */
  name: string | undefined;
}

/**
 * The one-statement texts, one per shape (the set of fields clients send, the
 * company link, the scoring), built once and prepared by name on each pooled
 * connection, so PostgreSQL parses and plans each once per connection instead
 * of once per request (planning measured 0.24 ms of the statement's 0.56 ms).
 * Bounded: clients sending every combination of fields must not grow each
 * connection's prepared statements without end; shapes beyond the bound are
 * built and sent unnamed, parsed and planned each time.
 */
const MAX_PREPARED_INGEST_STATEMENTS = 64;
const ingestStatements = new Map<string, IngestStatement>();

function ingestStatement(names: string[], link: CompanyLink, scoring: NewLeadScoring): IngestStatement {
  const shape = `${scoring} ${link} ${names.join(',')}`;
  const known = ingestStatements.get(shape);
  if (known) return known;
  // $1-$3 the rate limit, then the columns, then (linking by name) the organization and the name
  const afterColumns = names.length + 4;
  const company = {
    by_name: {
      cte: `company AS (SELECT id FROM companies WHERE org_id = $${afterColumns} AND lower(company_name) = lower($${afterColumns + 1}) ORDER BY id LIMIT 1),`,
      column: ', company_id', value: ', (SELECT id FROM company)', found: 'EXISTS (SELECT 1 FROM company)',
    },
    unlink: { cte: '', column: ', company_id', value: ', NULL', found: 'true' },
    leave: { cte: '', column: '', value: '', found: 'true' },
  }[link];
  const text = `WITH ${rateLimitHitCte('$1', '$2')},
     ${company.cte}
     lead AS (
       INSERT INTO leads (${names.map((n) => `"${n}"`).join(', ')}${company.column}, updated_at)
       SELECT ${names.map((_, i) => `$${i + 4}`).join(', ')}${company.value}, now()
         FROM hit WHERE hit.hits <= $3 AND ${company.found}
       ON CONFLICT DO NOTHING
       RETURNING ${LEAD_COLUMNS}
     )${scoring === 'workflow' ? `, ${SCORE_OUTBOX_CTE}` : ''}
     SELECT hit.hits AS counted_hits, hit.seconds_left AS counted_seconds_left, lead.*
       FROM hit LEFT JOIN lead ON true`;
  if (ingestStatements.size >= MAX_PREPARED_INGEST_STATEMENTS) return { text, name: undefined };
  const statement = { text, name: `lead_ingest_${ingestStatements.size}` };
  ingestStatements.set(shape, statement);
  return statement;
}

/**
 * The request counted against `rateLimit`, the company linked by name, and
 * the lead with its outbox row inserted, in ONE statement (data-modifying
 * CTEs; a single statement is atomic, so no BEGIN/COMMIT): one round trip for
 * an ingestion request. Over the limit nothing is written and it throws 429.
 * Answers null when the lead needs createLead's transactional path, with the
 * request counted: a duplicate (the unique dedupe indexes refused it), or a
 * company name that is new (creating it is serialised by the name's lock,
 * which cannot be taken and then read past within one statement's snapshot).
 */
async function insertCountedLead(
  db: Database,
  orgId: number,
  input: LeadInput,
  scoring: NewLeadScoring,
  rateLimit: RateLimitRule,
): Promise<Lead | null> {
  const lead = { ...input, tags: undefined };
  const columns: Record<string, unknown> = { ...insertColumns(orgId, lead, null, null), ...(scoring === 'inline' && inlineScoreColumns(lead)) };
  // the statement links the company itself, as findOrCreateCompany does
  delete columns.company_id;
  const companyName = input.company?.trim();
  const link: CompanyLink = companyName ? 'by_name' : input.company === undefined ? 'leave' : 'unlink';
  const { text, name } = ingestStatement(Object.keys(columns), link, scoring);
  const values = [rateLimit.bucket, rateLimit.windowSeconds, rateLimit.limit, ...Object.values(columns), ...(companyName ? [orgId, companyName] : [])];
  const { rows } = await db.pool.query<Lead & { counted_hits: number; counted_seconds_left: number }>({ name, text, values });
  const { counted_hits, counted_seconds_left, ...written } = rows[0]!;
  assertWithinLimit(rateLimit, { hits: counted_hits, seconds_left: counted_seconds_left });
  return written.id === null ? null : written;
}

/** The score columns of a lead scored as it is inserted. */
function inlineScoreColumns(lead: PreparedLead) {
  const { score, scoring } = scoringRecord(
    {
      email: lead.email ?? null,
      phone_number: lead.phone_number ?? null,
      linkedin_url: lead.linkedin_url ?? null,
      first_name: lead.first_name ?? null,
      last_name: lead.last_name ?? null,
      job_title: lead.job_title ?? null,
      company: lead.company ?? null,
      lead_source: lead.lead_source ?? null,
      estimated_value: lead.estimated_value ?? null,
    },
    new Date().toISOString(),
  );
  return { score, ai_information: JSON.stringify({ scoring }) };
}

/** UPDATE of one lead of the organization and its scoring outbox row, in one statement; null when no such lead. */
async function updateLeadWithOutbox(db: SqlClient, orgId: number, id: number, assignments: Prisma.Sql[]): Promise<Lead | null> {
  const statement = Prisma.sql`WITH lead AS (
       UPDATE leads SET ${Prisma.join([...assignments, Prisma.sql`updated_at = now()`], ', ')}
        WHERE id = ${id} AND org_id = ${orgId}
        RETURNING *
     ), ${Prisma.raw(SCORE_OUTBOX_CTE)}
     SELECT * FROM lead`;
  const { rows } = await db.query<Lead>(statement.text, statement.values);
  return rows[0] ?? null;
}

function writableFieldAssignments(lead: PreparedLead, fields: readonly LeadWritableField[]): Prisma.Sql[] {
  return fields.filter((field) => lead[field] !== undefined).map((field) => Prisma.sql`${Prisma.raw(`"${field}"`)} = ${lead[field]}`);
}

/** The lead's tags with `tagIds` added, each tag once. */
export const tagsWithAdded = (tagIds: number[]) => Prisma.sql`ARRAY(SELECT DISTINCT t FROM unnest(tags || ${tagIds}::int[]) AS t ORDER BY t)`;

/** The lead owning the email or LinkedIn key, other than `exceptId`. */
async function findOwner(
  db: SqlClient,
  orgId: number,
  email: string | null,
  linkedin: string | null,
  exceptId: number | null = null,
): Promise<Lead | null> {
  const { rows } = await db.query<Lead>(
    `SELECT * FROM leads
      WHERE org_id = $1 AND (dedupe_email = $2 OR dedupe_linkedin = $3) AND id IS DISTINCT FROM $4
      ORDER BY id LIMIT 1`,
    [orgId, email, linkedin, exceptId],
  );
  return rows[0] ?? null;
}

const duplicateLeadError = (existingId: number | undefined) =>
  new ApiError('conflict', 'A lead with this email or LinkedIn URL already exists', {
    code: 'duplicate_lead',
    ...(existingId !== undefined && { meta: { existing_id: existingId } }),
  });

const MERGED_FIELDS = LEAD_WRITABLE_FIELDS.filter((field) => field !== 'email' && field !== 'linkedin_url');

/** Updates the existing lead with the fields given; custom_fields merged, tags added. */
async function mergeInto(db: SqlClient, existing: Lead, lead: PreparedLead): Promise<Lead> {
  const merged = await updateLeadWithOutbox(db, existing.org_id, existing.id, [
    ...writableFieldAssignments(lead, MERGED_FIELDS),
    Prisma.sql`custom_fields = custom_fields || ${JSON.stringify(lead.custom_fields ?? {})}::jsonb`,
    Prisma.sql`tags = ${tagsWithAdded(lead.tags ?? [])}`,
  ]);
  if (!merged) throw new ApiError('conflict', 'The duplicate lead changed while merging; retry the request');
  return merged;
}

/**
 * Work that must commit with the lead or not at all (a web form's submission
 * settled with its lead): run in the lead's transaction after it is written;
 * throwing rolls the lead back.
 */
export type AlongsideLead = (client: pg.PoolClient, written: { lead: Lead; outcome: CreateOutcome }) => Promise<void>;

/**
 * Creates a lead by the duplicate policy. With `rateLimit`, the request is
 * counted against it exactly once, whatever the outcome (a 422 or a 409
 * counts too), and over the limit nothing is written (429).
 */
export async function createLead(
  db: Database,
  scope: WriteScope,
  input: LeadInput,
  policy: DuplicatePolicy = 'reject',
  scoring: NewLeadScoring = 'workflow',
  alongside?: AlongsideLead,
  rateLimit?: RateLimitRule,
): Promise<{ lead: Lead; outcome: CreateOutcome; labels: LeadLabels }> {
  // validation uses them, and the caller presents the lead with them; tags named anew are added to a copy
  const cached = await cachedLeadLabels(db, scope.orgId);
  const labels = input.tags?.length ? withOwnTags(cached) : cached;
  if (rateLimit && writableInOneStatement(scope, input, alongside)) {
    try {
      assertKnownCodes(labels, input);
    } catch (invalid) {
      // counted like any other request, and a 429 answers before the 422
      await enforceRateLimit(db, rateLimit);
      throw invalid;
    }
    const created = await insertCountedLead(db, scope.orgId, input, scoring, rateLimit);
    if (created) return { lead: created, outcome: 'created', labels };
  } else if (rateLimit) {
    await enforceRateLimit(db, rateLimit);
  }
  const lead = await prepareLeadInput(db, scope, input, labels);
  const columnsFor = (asDuplicateOf: number | null) => ({
    ...insertColumns(scope.orgId, lead, scope.userId, asDuplicateOf),
    ...(scoring === 'inline' && inlineScoreColumns(lead)),
  });
  const { lead: written, outcome } = await transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const result = await writeLead(client);
    if (alongside) await alongside(client, result);
    return result;
  });
  return { lead: written, outcome, labels };

  async function writeLead(client: SqlClient): Promise<{ lead: Lead; outcome: CreateOutcome }> {
    // the owner may be deleted between the conflict and the lookup: try again then
    for (let attempt = 0; attempt < 3; attempt++) {
      const created = await insertLead(client, columnsFor(null), scoring);
      if (created) return { lead: created, outcome: 'created' };
      const existing = await findOwner(client, scope.orgId, dedupeEmail(lead.email), dedupeLinkedin(lead.linkedin_url));
      if (!existing) continue;
      if (policy === 'reject') throw duplicateLeadError(existing.id);
      if (policy === 'merge') return { lead: await mergeInto(client, existing, lead), outcome: 'merged' };
      const duplicate = await insertLead(client, columnsFor(existing.id), scoring);
      if (duplicate) return { lead: duplicate, outcome: 'duplicate_accepted' };
    }
    throw new ApiError('conflict', 'The lead could not be created because of concurrent changes; retry the request');
  }
}

export async function getLead(db: Database, scope: Pick<Scope, 'orgId'>, id: number): Promise<Lead> {
  const { rows } = await db.pool.query<Lead>('SELECT * FROM leads WHERE id = $1 AND org_id = $2', [id, scope.orgId]);
  if (!rows[0]) throw notFound('Lead');
  return rows[0];
}

export type LeadUpdate = LeadInput & { ai_information?: Record<string, unknown> };

const withoutSystemKeys = (info: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(info).filter(([key]) => !(SYSTEM_AI_INFORMATION_KEYS as readonly string[]).includes(key)));

/**
 * Sets the given fields (tags replaced; custom_fields and ai_information
 * merged key by key, §7.1) in one scoped statement that also asks for the
 * lead to be re-scored. The dedupe keys follow email and LinkedIn URL, so
 * taking another lead's address is a 409 like creating it would be; a lead
 * accepted as a duplicate owns no address and keeps them null.
 */
export async function updateLead(db: Database, scope: WriteScope, id: number, input: LeadUpdate): Promise<Lead> {
  const lead = await prepareLeadInput(db, scope, input);
  const assignments = writableFieldAssignments(lead, LEAD_WRITABLE_FIELDS);
  if (lead.email !== undefined) {
    assignments.push(Prisma.sql`dedupe_email = CASE WHEN duplicate_of IS NULL THEN ${dedupeEmail(lead.email)} ELSE NULL END`);
  }
  if (lead.linkedin_url !== undefined) {
    assignments.push(Prisma.sql`dedupe_linkedin = CASE WHEN duplicate_of IS NULL THEN ${dedupeLinkedin(lead.linkedin_url)} ELSE NULL END`);
  }
  if (lead.tags !== undefined) assignments.push(Prisma.sql`tags = ${lead.tags}::int[]`);
  if (lead.custom_fields !== undefined) {
    assignments.push(Prisma.sql`custom_fields = custom_fields || ${JSON.stringify(lead.custom_fields)}::jsonb`);
  }
  if (input.ai_information !== undefined) {
    assignments.push(Prisma.sql`ai_information = ai_information || ${JSON.stringify(withoutSystemKeys(input.ai_information))}::jsonb`);
  }
  let updated: Lead | null;
  try {
    updated = await transaction(db.pool, { actorId: scope.userId }, (client) => updateLeadWithOutbox(client, scope.orgId, id, assignments));
  } catch (err) {
    if ((err as { code?: unknown }).code !== '23505') throw err;
    const owner = await findOwner(db.pool, scope.orgId, dedupeEmail(lead.email), dedupeLinkedin(lead.linkedin_url), id);
    throw duplicateLeadError(owner?.id);
  }
  if (!updated) throw notFound('Lead');
  return updated;
}

/**
 * Deletes the organization's leads among `ids` with their notes, follow-ups
 * and documents; answers how many leads were deleted (404 when none). The
 * leads go first: their row locks make a concurrent note, follow-up or
 * document insert (which locks its lead) either finish before the children
 * are deleted here or find the lead gone.
 */
export async function deleteLeads(db: Database, storage: FileStorage, scope: WriteScope, ids: number[]): Promise<number> {
  const { deleted, storageKeys } = await transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const leads = await client.query<{ id: number; profile_image_key: string | null }>(
      'DELETE FROM leads WHERE org_id = $1 AND id = ANY($2::int[]) RETURNING id, profile_image_key',
      [scope.orgId, ids],
    );
    if (leads.rows.length === 0) throw notFound('Lead');
    const leadIds = leads.rows.map((l) => l.id);
    await client.query('DELETE FROM lead_notes WHERE org_id = $1 AND lead_id = ANY($2::int[])', [scope.orgId, leadIds]);
    await client.query('DELETE FROM follow_ups WHERE org_id = $1 AND lead_id = ANY($2::int[])', [scope.orgId, leadIds]);
    // a deal belongs to its lead (§11); a contact outlives the lead it came from
    await client.query('DELETE FROM deals WHERE org_id = $1 AND lead_id = ANY($2::int[])', [scope.orgId, leadIds]);
    await client.query('UPDATE contacts SET lead_id = NULL WHERE org_id = $1 AND lead_id = ANY($2::int[])', [scope.orgId, leadIds]);
    const documents = await client.query<{ storage_key: string }>(
      'DELETE FROM lead_documents WHERE org_id = $1 AND lead_id = ANY($2::int[]) RETURNING storage_key',
      [scope.orgId, leadIds],
    );
    return {
      deleted: leadIds.length,
      storageKeys: [...leads.rows.map((l) => l.profile_image_key), ...documents.rows.map((d) => d.storage_key)],
    };
  });
  await storage.remove(storageKeys);
  return deleted;
}

const PROFILE_IMAGE_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Stores the image (JPEG, PNG, GIF or WebP by its bytes; at most 5 MB, or the
 * server's upload limit when that is lower) and points the lead at it; the
 * image it replaces is removed.
 */
export async function setLeadProfileImage(
  db: Database,
  storage: FileStorage,
  scope: WriteScope,
  id: number,
  image: File,
  uploadMaxBytes: number,
): Promise<Lead> {
  const maxBytes = Math.min(PROFILE_IMAGE_MAX_BYTES, uploadMaxBytes);
  const stored = await storage.store(scope.orgId, image, { allowedTypes: IMAGE_TYPES, maxBytes, label: 'image' });
  const updated = await storage.recordOrDiscard(stored, async () => {
    // the locked sub-select reads the key being replaced as of this update, even when uploads race
    const { rows } = await transaction(db.pool, { actorId: scope.userId }, (client) =>
      client.query<Lead & { replaced_key: string | null }>(
        `UPDATE leads AS l
            SET profile_image = $3, profile_image_key = $4, profile_image_mime_type = $5, updated_at = now()
           FROM (SELECT id, profile_image_key FROM leads WHERE id = $1 AND org_id = $2 FOR UPDATE) AS previous
          WHERE l.id = previous.id
          RETURNING l.*, previous.profile_image_key AS replaced_key`,
        [id, scope.orgId, profileImagePath(id), stored.key, stored.mimeType],
      ),
    );
    return rows[0];
  });
  if (!updated) throw notFound('Lead');
  await storage.remove([updated.replaced_key]);
  return updated;
}

export async function openLeadProfileImage(db: Database, storage: FileStorage, scope: Pick<Scope, 'orgId'>, id: number) {
  const { rows } = await db.pool.query<{ profile_image_key: string | null; profile_image_mime_type: string | null }>(
    'SELECT profile_image_key, profile_image_mime_type FROM leads WHERE id = $1 AND org_id = $2',
    [id, scope.orgId],
  );
  const image = rows[0];
  if (!image) throw notFound('Lead');
  if (!image.profile_image_key || !image.profile_image_mime_type) throw notFound('Profile image');
  return { ...(await storage.open(image.profile_image_key)), mimeType: image.profile_image_mime_type };
}

/** The API shape of a lead (§11): numbers as JSON numbers, labels resolved, internal keys hidden. */
export function presentLead(lead: Lead, labels: LeadLabels) {
  return {
    id: lead.id,
    first_name: lead.first_name,
    last_name: lead.last_name,
    email: lead.email,
    phone_number: lead.phone_number,
    company: lead.company,
    company_id: lead.company_id,
    job_title: lead.job_title,
    industry: lead.industry,
    website: lead.website,
    address: lead.address,
    city: lead.city,
    state: lead.state,
    country: lead.country,
    pin_code: lead.pin_code,
    status: lead.status,
    status_text: labels.code.status.get(lead.status) ?? null,
    priority: lead.priority,
    priority_text: labels.code.priority.get(lead.priority) ?? null,
    lead_source: lead.lead_source,
    lead_source_text: lead.lead_source === null ? null : (labels.code.lead_source.get(lead.lead_source) ?? null),
    score: lead.score,
    estimated_value: lead.estimated_value === null ? null : Number(lead.estimated_value),
    assigned_to: lead.assigned_to,
    linkedin_url: lead.linkedin_url,
    tags: lead.tags,
    tag_names: lead.tags.map((id) => labels.tags.get(id) ?? null).filter((n): n is string => n !== null),
    // jsonb columns that hold an object by construction (default '{}', written only as `||` merges of objects)
    custom_fields: lead.custom_fields as Record<string, Prisma.JsonValue>,
    notes: lead.notes,
    ai_information: lead.ai_information as Record<string, Prisma.JsonValue>,
    profile_image: lead.profile_image,
    duplicate_of: lead.duplicate_of,
    created_by: lead.created_by,
    last_activity_at: lead.last_activity_at?.toISOString() ?? null,
    created_at: new Date(lead.created_at).toISOString(),
    updated_at: new Date(lead.updated_at).toISOString(),
  };
}

export type LeadView = ReturnType<typeof presentLead>;

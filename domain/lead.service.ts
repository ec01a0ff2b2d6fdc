// Lead creation shared by every path that creates leads (lead/add, API-key
// ingestion, later imports): validation against the organization's lookups,
// duplicate handling enforced by the database, and the scoring outbox event
// written in the same statement as the lead.
import type pg from 'pg';
import type { Lead } from '../generated/prisma/client.js';
import { ApiError } from './errors.js';
import { assertKnownCodes, loadLeadLabels, resolveTagIds, type LeadLabels } from './lead-lookups.js';

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

export const OUTBOX_LEAD_SCORE = 'lead.score';

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

/** Checks lookup codes and the assignee, and turns tag names into ids. */
export async function prepareLeadInput(pool: pg.Pool, orgId: number, input: LeadInput, labels?: LeadLabels) {
  assertKnownCodes(labels ?? (await loadLeadLabels(pool, orgId)), input);
  if (input.assigned_to !== undefined && input.assigned_to !== null) {
    const { rowCount } = await pool.query('SELECT 1 FROM users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL', [
      input.assigned_to,
      orgId,
    ]);
    if (rowCount !== 1) {
      throw new ApiError('validation_error', `assigned_to: user ${input.assigned_to} is not a member of this organization`, {
        details: [{ path: 'assigned_to', message: 'unknown user' }],
      });
    }
  }
  const tags = input.tags ? await resolveTagIds(pool, orgId, input.tags) : undefined;
  return { ...input, tags };
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
 * INSERT ... ON CONFLICT DO NOTHING and the outbox row in one statement: one
 * round trip, atomic, and the unique (org_id, dedupe_email / dedupe_linkedin)
 * indexes decide races between concurrent requests.
 */
async function insertLeadWithOutbox(pool: pg.Pool, columns: Record<string, unknown>): Promise<Lead | null> {
  const names = Object.keys(columns);
  const values = Object.values(columns);
  const { rows } = await pool.query<Lead>(
    `WITH lead AS (
       INSERT INTO leads (${names.map((n) => `"${n}"`).join(', ')}, updated_at)
       VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}, now())
       ON CONFLICT DO NOTHING
       RETURNING *
     ), outbox AS (
       INSERT INTO outbox_events (org_id, kind, payload)
       SELECT org_id, '${OUTBOX_LEAD_SCORE}', jsonb_build_object('leadId', id) FROM lead
     )
     SELECT * FROM lead`,
    values,
  );
  return rows[0] ?? null;
}

async function findOwner(pool: pg.Pool, orgId: number, email: string | null, linkedin: string | null): Promise<Lead | null> {
  const { rows } = await pool.query<Lead>(
    `SELECT * FROM leads WHERE org_id = $1 AND (dedupe_email = $2 OR dedupe_linkedin = $3) ORDER BY id LIMIT 1`,
    [orgId, email, linkedin],
  );
  return rows[0] ?? null;
}

/** Updates the existing lead with the fields given; custom_fields merged, tags added. */
async function mergeInto(pool: pg.Pool, existing: Lead, lead: PreparedLead): Promise<Lead> {
  const sets: string[] = [];
  const values: unknown[] = [existing.id, existing.org_id];
  for (const field of LEAD_WRITABLE_FIELDS) {
    if (lead[field] === undefined || field === 'email' || field === 'linkedin_url') continue;
    values.push(lead[field]);
    sets.push(`"${field}" = $${values.length}`);
  }
  values.push(JSON.stringify(lead.custom_fields ?? {}));
  sets.push(`custom_fields = custom_fields || $${values.length}::jsonb`);
  values.push(lead.tags ?? []);
  sets.push(`tags = ARRAY(SELECT DISTINCT unnest(tags || $${values.length}::int[]))`);
  const { rows } = await pool.query<Lead>(
    `WITH lead AS (
       UPDATE leads SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 AND org_id = $2 RETURNING *
     ), outbox AS (
       INSERT INTO outbox_events (org_id, kind, payload)
       SELECT org_id, '${OUTBOX_LEAD_SCORE}', jsonb_build_object('leadId', id) FROM lead
     )
     SELECT * FROM lead`,
    values,
  );
  if (!rows[0]) throw new ApiError('conflict', 'The duplicate lead changed while merging; retry the request');
  return rows[0];
}

export async function createLead(
  pool: pg.Pool,
  scope: { orgId: number; userId: number | null },
  input: LeadInput,
  policy: DuplicatePolicy = 'reject',
): Promise<{ lead: Lead; outcome: CreateOutcome }> {
  const lead = await prepareLeadInput(pool, scope.orgId, input);
  // the owner may be deleted between the conflict and the lookup: try again then
  for (let attempt = 0; attempt < 3; attempt++) {
    const created = await insertLeadWithOutbox(pool, insertColumns(scope.orgId, lead, scope.userId, null));
    if (created) return { lead: created, outcome: 'created' };
    const existing = await findOwner(
      pool,
      scope.orgId,
      dedupeEmail(lead.email),
      dedupeLinkedin(lead.linkedin_url),
    );
    if (!existing) continue;
    if (policy === 'reject') {
      throw new ApiError('conflict', 'A lead with this email or LinkedIn URL already exists', {
        code: 'duplicate_lead',
        meta: { existing_id: existing.id },
      });
    }
    if (policy === 'merge') return { lead: await mergeInto(pool, existing, lead), outcome: 'merged' };
    const duplicate = await insertLeadWithOutbox(pool, insertColumns(scope.orgId, lead, scope.userId, existing.id));
    if (duplicate) return { lead: duplicate, outcome: 'duplicate_accepted' };
  }
  throw new ApiError('conflict', 'The lead could not be created because of concurrent changes; retry the request');
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
    custom_fields: lead.custom_fields,
    notes: lead.notes,
    ai_information: lead.ai_information,
    profile_image: lead.profile_image,
    duplicate_of: lead.duplicate_of,
    created_by: lead.created_by,
    last_activity_at: lead.last_activity_at?.toISOString() ?? null,
    created_at: new Date(lead.created_at).toISOString(),
    updated_at: new Date(lead.updated_at).toISOString(),
  };
}

export type LeadView = ReturnType<typeof presentLead>;

// Companies (§6.4, §11): the list with its filters, statistics and contact
// and lead counts computed in SQL, similar companies, create/update with an
// uploaded logo, and deletion that unlinks the companies' contacts (by the
// contacts' foreign key) and leads in the same transaction.
import type pg from 'pg';
import { Prisma } from '../../generated/prisma/client.js';
import { transaction, type SqlClient } from '../platform/transaction.js';
import type { Scope } from '../platform/auth-context.js';
import { EMPLOYEE_SIZE_BANDS, type EmployeeSizeBand } from './company-fields.js';
import { nameTokens, rankSimilar, SIMILARITY_WEIGHTS, websiteTokens } from './company-similarity.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { IMAGE_TYPES, type FileStorage, type StoredFile } from '../platform/file-storage.js';
import { anyColumnContains, dateRangeConditions, pageArgs, paged, type DateBound, type ListParams } from '../platform/list-query.js';

// Companies have no unique index on the name: every path that creates a
// company by name (lead/add and ingestion, spreadsheet and HubSpot imports)
// takes this per-name advisory lock first, so no two create the same name.
// The bulk import takes the same key in SQL (domain/jobs/lead-import.service.ts).
const companyNameLockKey = (orgId: number, name: string) => `company:${orgId}:${name.toLowerCase()}`;

/** The organization's oldest company of this name, compared case-insensitively. */
export async function findCompanyByName(db: SqlClient, orgId: number, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM companies WHERE org_id = $1 AND lower(company_name) = lower($2) ORDER BY id LIMIT 1',
    [orgId, name],
  );
  return rows[0]?.id;
}

/** In the caller's transaction: takes the name's lock, then finds the company of that name. */
export async function lockCompanyName(client: pg.PoolClient, orgId: number, name: string): Promise<number | undefined> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [companyNameLockKey(orgId, name)]);
  return findCompanyByName(client, orgId, name);
}

/** In the caller's transaction: the company of that name, created (by `createdBy`) when new. */
export async function findOrCreateCompanyByName(client: pg.PoolClient, orgId: number, name: string, createdBy: number | null): Promise<number> {
  const existing = await lockCompanyName(client, orgId, name);
  if (existing !== undefined) return existing;
  const { rows } = await client.query<{ id: number }>(
    'INSERT INTO companies (org_id, company_name, created_by) VALUES ($1, $2, $3) RETURNING id',
    [orgId, name, createdBy],
  );
  return rows[0]!.id;
}

/** Columns a company list may be sorted by; order_by reaches SQL only through companyOrder. */
export const COMPANY_SORTABLE_FIELDS = ['id', 'company_name', 'industry_type', 'employee_size', 'rating', 'created_at'] as const;
export type CompanySortField = (typeof COMPANY_SORTABLE_FIELDS)[number];

const COMPANY_WRITABLE_FIELDS = [
  'company_name', 'industry_type', 'address', 'city', 'country', 'employee_size', 'rating', 'contact_email', 'phone_number',
  'website', 'summary',
] as const;
type CompanyWritableField = (typeof COMPANY_WRITABLE_FIELDS)[number];

export type CompanyInput = { company_name: string } & Partial<Record<Exclude<CompanyWritableField, 'company_name' | 'rating'>, string | null>> & {
  rating?: number | null;
};
export type CompanyPatch = Partial<CompanyInput>;

export interface CompanyFilters {
  /** contains, case-insensitively, in the name, website, city or country */
  search_value?: string;
  /** on created_at */
  start_date?: DateBound;
  end_date?: DateBound;
  /** true: only companies the caller created */
  my?: boolean;
  company_id?: number[];
  /** industry_type equals one of these, case-insensitively */
  industry?: string[];
}

/** What a delete removes: the companies among `ids`, and with `filters` every company matching them too. */
export interface CompanyDeletion {
  ids: number[];
  filters?: CompanyFilters;
}

type CompanyScope = Pick<Scope, 'orgId' | 'userId'>;

interface CompanyRow {
  id: number;
  company_name: string;
  industry_type: string | null;
  company_logo: string | null;
  company_logo_key: string | null;
  address: string | null;
  city: string | null;
  country: string | null;
  /** written only through the request schema or employeeSizeBand */
  employee_size: EmployeeSizeBand | null;
  rating: number | null;
  contact_email: string | null;
  phone_number: string | null;
  website: string | null;
  summary: string | null;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
  contact_count: number;
  lead_count: number;
}

/** An uploaded logo is served by the API, never from a storage path. */
const logoPath = (companyId: number) => `/api/company/${companyId}/logo`;

/** The API shape of a company (§11). */
export function presentCompany(row: CompanyRow) {
  return {
    id: row.id,
    company_name: row.company_name,
    industry_type: row.industry_type,
    company_logo: row.company_logo_key ? logoPath(row.id) : row.company_logo,
    address: row.address,
    city: row.city,
    country: row.country,
    employee_size: row.employee_size,
    rating: row.rating,
    contact_email: row.contact_email,
    phone_number: row.phone_number,
    website: row.website,
    summary: row.summary,
    contact_count: row.contact_count,
    lead_count: row.lead_count,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type CompanyView = ReturnType<typeof presentCompany>;

/** The organization's companies (as `c`) matching every given filter. */
export function companyFilterCondition(scope: CompanyScope, filters: CompanyFilters): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`c.org_id = ${scope.orgId}`];
  if (filters.my) {
    // an API-key caller is no user: it created nothing
    conditions.push(scope.userId === null ? Prisma.sql`FALSE` : Prisma.sql`c.created_by = ${scope.userId}`);
  }
  if (filters.company_id) conditions.push(Prisma.sql`c.id = ANY(${filters.company_id}::int[])`);
  if (filters.industry) {
    const industries = filters.industry.map((industry) => industry.trim().toLowerCase());
    conditions.push(Prisma.sql`lower(trim(c.industry_type)) = ANY(${industries}::text[])`);
  }
  // each of the four has a trigram index (migration crm_search_trigram)
  if (filters.search_value) conditions.push(anyColumnContains(['c.company_name', 'c.website', 'c.city', 'c.country'], filters.search_value));
  conditions.push(...dateRangeConditions('c.created_at', filters.start_date, filters.end_date));
  return Prisma.join(conditions, ' AND ');
}

/**
 * Names sort case-insensitively, headcount bands by size; companies without
 * a value sort last either way, and ties by id keep pages stable.
 */
function companyOrder(p: Pick<ListParams<CompanySortField>, 'order_by' | 'order_in'>, alias: string): Prisma.Sql {
  const direction = Prisma.raw(p.order_in === 'ASC' ? 'ASC' : 'DESC');
  const column = (name: string) => Prisma.raw(`${alias}."${name}"`);
  const key: Record<Exclude<CompanySortField, 'id'>, Prisma.Sql> = {
    company_name: Prisma.sql`lower(${column('company_name')})`,
    industry_type: Prisma.sql`lower(${column('industry_type')})`,
    employee_size: Prisma.sql`array_position(${[...EMPLOYEE_SIZE_BANDS]}::text[], ${column('employee_size')})`,
    rating: column('rating'),
    created_at: column('created_at'),
  };
  if (p.order_by === 'id') return Prisma.sql`${column('id')} ${direction}`;
  return Prisma.sql`${key[p.order_by]} ${direction} NULLS LAST, ${column('id')} ${direction}`;
}

/**
 * The selected companies with their contact and lead counts: each count is
 * one grouped scan restricted to the selected ids, whatever their number.
 */
export async function companiesWithCounts(db: Database, scope: CompanyScope, selected: Prisma.Sql, order: Prisma.Sql): Promise<CompanyRow[]> {
  return db.prisma.$queryRaw<CompanyRow[]>`
    WITH selected AS (${selected}),
    contact_counts AS (
      SELECT company_id, count(*)::int AS n FROM contacts
       WHERE org_id = ${scope.orgId} AND company_id IN (SELECT id FROM selected) GROUP BY company_id
    ),
    lead_counts AS (
      SELECT company_id, count(*)::int AS n FROM leads
       WHERE org_id = ${scope.orgId} AND company_id IN (SELECT id FROM selected) GROUP BY company_id
    )
    SELECT selected.*, COALESCE(contact_counts.n, 0) AS contact_count, COALESCE(lead_counts.n, 0) AS lead_count
      FROM selected
      LEFT JOIN contact_counts ON contact_counts.company_id = selected.id
      LEFT JOIN lead_counts ON lead_counts.company_id = selected.id
     ORDER BY ${order}`;
}

export async function listCompanies(
  db: Database,
  scope: CompanyScope,
  params: Pick<ListParams<CompanySortField>, 'page' | 'limit' | 'order_by' | 'order_in'>,
  filters: CompanyFilters,
) {
  const where = companyFilterCondition(scope, filters);
  const { skip, take } = pageArgs(params);
  const [rows, [count]] = await Promise.all([
    companiesWithCounts(
      db,
      scope,
      Prisma.sql`SELECT c.* FROM companies c WHERE ${where} ORDER BY ${companyOrder(params, 'c')} LIMIT ${take} OFFSET ${skip}`,
      companyOrder(params, 'selected'),
    ),
    db.prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM companies c WHERE ${where}`,
  ]);
  return paged(rows.map(presentCompany), count!.total, params);
}

/** The organization's companies among `ids`, with their counts, in id order. */
async function companiesByIds(db: Database, scope: CompanyScope, ids: number[]): Promise<CompanyView[]> {
  const rows = await companiesWithCounts(
    db,
    scope,
    Prisma.sql`SELECT c.* FROM companies c WHERE c.org_id = ${scope.orgId} AND c.id = ANY(${ids}::int[])`,
    Prisma.sql`selected.id`,
  );
  return rows.map(presentCompany);
}

export async function getCompany(db: Database, scope: CompanyScope, id: number): Promise<CompanyView> {
  const [company] = await companiesByIds(db, scope, [id]);
  if (!company) throw notFound('Company');
  return company;
}

interface GroupCount<K extends string> {
  key: K;
  value: string | null;
  count: number;
}

/**
 * Totals and counts per industry, headcount band and country of the
 * companies matching `filters`, in one statement: industries and countries
 * group case-insensitively (shown in their most common spelling), bands in
 * size order; companies without a value form a group whose value is null.
 */
export async function companyStats(db: Database, scope: CompanyScope, filters: CompanyFilters) {
  const where = companyFilterCondition(scope, filters);
  const [row] = await db.prisma.$queryRaw<
    {
      companies: number;
      with_website: number;
      with_contacts: number;
      rated: number;
      average_rating: Prisma.Decimal | null;
      groups: GroupCount<'industry_type' | 'employee_size' | 'country'>[] | null;
    }[]
  >`
    WITH selected AS (SELECT c.* FROM companies c WHERE ${where}),
    groups AS (
      SELECT 'industry_type' AS key, mode() WITHIN GROUP (ORDER BY industry_type) AS value, count(*)::int AS count, NULL::int AS position
        FROM selected GROUP BY lower(trim(industry_type))
      UNION ALL
      SELECT 'country', mode() WITHIN GROUP (ORDER BY country), count(*)::int, NULL
        FROM selected GROUP BY lower(trim(country))
      UNION ALL
      SELECT 'employee_size', employee_size, count(*)::int, array_position(${[...EMPLOYEE_SIZE_BANDS]}::text[], employee_size)
        FROM selected GROUP BY employee_size
    )
    SELECT
      (SELECT count(*)::int FROM selected) AS companies,
      (SELECT count(*)::int FROM selected WHERE website IS NOT NULL AND website <> '') AS with_website,
      (SELECT count(*)::int FROM selected s WHERE EXISTS (SELECT 1 FROM contacts ct WHERE ct.company_id = s.id AND ct.org_id = s.org_id)) AS with_contacts,
      (SELECT count(rating)::int FROM selected) AS rated,
      (SELECT round(avg(rating), 2) FROM selected) AS average_rating,
      (SELECT json_agg(json_build_object('key', key, 'value', value, 'count', count)
                       ORDER BY key, position NULLS LAST, count DESC, value IS NULL, lower(value))
         FROM groups) AS groups`;
  const groups = row!.groups ?? [];
  const countsOf = <K extends GroupCount<string>['key']>(key: K) =>
    groups.filter((g) => g.key === key).map((g) => ({ [key]: g.value, count: g.count }) as Record<K, string | null> & { count: number });
  return {
    totals: {
      companies: row!.companies,
      with_website: row!.with_website,
      with_contacts: row!.with_contacts,
      rated: row!.rated,
      average_rating: row!.average_rating === null ? null : Number(row!.average_rating),
    },
    by_industry: countsOf('industry_type'),
    by_employee_size: countsOf('employee_size'),
    by_country: countsOf('country'),
  };
}

/** How many companies are scored exactly, chosen by the best score each could reach. */
const SIMILAR_CANDIDATE_LIMIT = 1000;

type ComparableRow = Pick<CompanyRow, 'id' | 'company_name' | 'industry_type' | 'employee_size' | 'country' | 'website'>;

/**
 * Other companies of the organization ranked by company-similarity's score,
 * best first, ties by id. SQL preselects the companies that share at least
 * one factor (an equal industry, band or country, or a name or website
 * containing one of the company's words), ordered by the highest score each
 * could reach; the best SIMILAR_CANDIDATE_LIMIT of them are scored exactly.
 */
export async function similarCompanies(db: Database, scope: CompanyScope, id: number, limit: number) {
  const [source] = await db.prisma.$queryRaw<ComparableRow[]>`
    SELECT id, company_name, industry_type, employee_size, country, website FROM companies WHERE id = ${id} AND org_id = ${scope.orgId}`;
  if (!source) throw notFound('Company');
  // the words are letters and digits only, so they carry no LIKE wildcards
  const namePatterns = [...nameTokens(source.company_name)].map((word) => `%${word}%`);
  const websitePatterns = source.website ? [...websiteTokens(source.website)].map((word) => `%${word}%`) : [];
  const sameAs = (column: string, value: string | null) =>
    Prisma.sql`lower(trim(${Prisma.raw(column)})) = lower(trim(${value}::text))`;
  const factors = [
    { weight: SIMILARITY_WEIGHTS.industry, matches: sameAs('industry_type', source.industry_type) },
    { weight: SIMILARITY_WEIGHTS.employee_size, matches: sameAs('employee_size', source.employee_size) },
    { weight: SIMILARITY_WEIGHTS.country, matches: sameAs('country', source.country) },
    { weight: SIMILARITY_WEIGHTS.name, matches: Prisma.sql`company_name ILIKE ANY(${namePatterns}::text[])` },
    { weight: SIMILARITY_WEIGHTS.website, matches: Prisma.sql`website ILIKE ANY(${websitePatterns}::text[])` },
  ];
  const reachable = Prisma.join(
    factors.map((f) => Prisma.sql`CASE WHEN ${f.matches} THEN ${f.weight}::float8 ELSE 0 END`),
    ' + ',
  );
  const candidates = await db.prisma.$queryRaw<ComparableRow[]>`
    SELECT id, company_name, industry_type, employee_size, country, website FROM companies
     WHERE org_id = ${scope.orgId} AND id <> ${id} AND (${Prisma.join(factors.map((f) => f.matches), ' OR ')})
     ORDER BY ${reachable} DESC, id ASC
     LIMIT ${SIMILAR_CANDIDATE_LIMIT}`;
  const ranked = rankSimilar(source, candidates, limit);
  const companies = new Map((await companiesByIds(db, scope, ranked.map((r) => r.candidate.id))).map((c) => [c.id, c]));
  return ranked.flatMap(({ candidate, similarity, reasons }) => {
    const company = companies.get(candidate.id);
    // a candidate deleted since it was scored is left out
    return company ? [{ ...company, similarity, reasons }] : [];
  });
}

/** `"column" = value` for each field given (undefined leaves a column alone, null clears it). */
function fieldAssignments(input: CompanyPatch): Prisma.Sql[] {
  return COMPANY_WRITABLE_FIELDS.filter((field) => input[field] !== undefined).map(
    (field) => Prisma.sql`${Prisma.raw(`"${field}"`)} = ${input[field]}`,
  );
}

/** A new logo replaces the uploaded one; null removes both the uploaded logo and any external logo URL. */
export type LogoChange = { upload: File; uploadMaxBytes: number } | null | undefined;

const LOGO_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Runs `write` with the new logo stored first (an image recognised by its
 * bytes, at most 2 MB or the server's upload limit when lower), or with none;
 * a stored logo that `write` does not record is removed again.
 */
async function writeWithLogo<T>(
  storage: FileStorage,
  orgId: number,
  logo: LogoChange,
  write: (stored: StoredFile | null) => Promise<T | undefined>,
): Promise<T | undefined> {
  if (!logo) return write(null);
  const maxBytes = Math.min(LOGO_MAX_BYTES, logo.uploadMaxBytes);
  const stored = await storage.store(orgId, logo.upload, { allowedTypes: IMAGE_TYPES, maxBytes, label: 'logo' });
  return storage.recordOrDiscard(stored, () => write(stored));
}

export async function createCompany(
  db: Database,
  storage: FileStorage,
  scope: CompanyScope,
  input: CompanyInput,
  logo: LogoChange,
): Promise<CompanyView> {
  const insert = async (stored: StoredFile | null) => {
    // company_name is always among the columns
    const columns = COMPANY_WRITABLE_FIELDS.filter((field) => input[field] !== undefined);
    const [row] = await transaction(db.prisma, { actorId: scope.userId }, (tx) => tx.$queryRaw<{ id: number }[]>`
      INSERT INTO companies (org_id, created_by, company_logo_key, company_logo_mime_type, updated_at,
                             ${Prisma.raw(columns.map((field) => `"${field}"`).join(', '))})
      VALUES (${scope.orgId}, ${scope.userId}, ${stored?.key ?? null}, ${stored?.mimeType ?? null}, now(),
              ${Prisma.join(columns.map((field) => input[field]))})
      RETURNING id`);
    return row;
  };
  const created = await writeWithLogo(storage, scope.orgId, logo, insert);
  return getCompany(db, scope, created!.id);
}

/**
 * Sets the given fields in one scoped statement. A logo change also reads,
 * under the row lock of that statement, the uploaded logo it replaces, which
 * is removed once the change is made.
 */
export async function updateCompany(
  db: Database,
  storage: FileStorage,
  scope: CompanyScope,
  id: number,
  patch: CompanyPatch,
  logo: LogoChange,
): Promise<CompanyView> {
  const update = async (stored: StoredFile | null) => {
    const assignments = fieldAssignments(patch);
    if (logo !== undefined) {
      assignments.push(Prisma.sql`company_logo_key = ${stored?.key ?? null}, company_logo_mime_type = ${stored?.mimeType ?? null}`);
      if (logo === null) assignments.push(Prisma.sql`company_logo = NULL`);
    }
    const [row] = await transaction(db.prisma, { actorId: scope.userId }, (tx) => tx.$queryRaw<{ id: number; replaced_key: string | null }[]>`
      UPDATE companies AS c SET ${Prisma.join([...assignments, Prisma.sql`updated_at = now()`], ', ')}
        FROM (SELECT id, company_logo_key FROM companies WHERE id = ${id} AND org_id = ${scope.orgId} FOR UPDATE) AS previous
       WHERE c.id = previous.id
      RETURNING c.id, previous.company_logo_key AS replaced_key`);
    return row;
  };
  const updated = await writeWithLogo(storage, scope.orgId, logo, update);
  if (!updated) throw notFound('Company');
  if (logo !== undefined) await storage.remove([updated.replaced_key]);
  return getCompany(db, scope, id);
}

/**
 * Deletes the selected companies of the organization and answers how many
 * (404 when none). Their contacts are unlinked by the contacts' foreign key
 * (ON DELETE SET NULL) and their leads here, in the same transaction; their
 * uploaded logos are removed afterwards.
 */
export async function deleteCompanies(db: Database, storage: FileStorage, scope: CompanyScope, deletion: CompanyDeletion): Promise<number> {
  const selected = deletion.filters
    ? Prisma.sql`(c.id = ANY(${deletion.ids}::int[]) OR (${companyFilterCondition(scope, deletion.filters)}))`
    : Prisma.sql`c.id = ANY(${deletion.ids}::int[])`;
  const deleted = await transaction(db.prisma, { actorId: scope.userId }, async (tx) => {
    const rows = await tx.$queryRaw<{ id: number; company_logo_key: string | null }[]>`
      DELETE FROM companies c WHERE c.org_id = ${scope.orgId} AND ${selected} RETURNING c.id, c.company_logo_key`;
    if (rows.length === 0) throw notFound('Company');
    await tx.$executeRaw`
      UPDATE leads SET company_id = NULL, updated_at = now()
       WHERE org_id = ${scope.orgId} AND company_id = ANY(${rows.map((r) => r.id)}::int[])`;
    return rows;
  });
  await storage.remove(deleted.map((row) => row.company_logo_key));
  return deleted.length;
}

export async function openCompanyLogo(db: Database, storage: FileStorage, scope: CompanyScope, id: number) {
  const [company] = await db.prisma.$queryRaw<{ company_logo_key: string | null; company_logo_mime_type: string | null }[]>`
    SELECT company_logo_key, company_logo_mime_type FROM companies WHERE id = ${id} AND org_id = ${scope.orgId}`;
  if (!company) throw notFound('Company');
  if (!company.company_logo_key || !company.company_logo_mime_type) throw notFound('Company logo');
  return { ...(await storage.open(company.company_logo_key)), mimeType: company.company_logo_mime_type };
}

/** 422 unless `id` is one of the organization's companies (a contact's company_id). */
export async function assertCompanyOfOrg(db: Database, scope: Pick<Scope, 'orgId'>, id: number, path = 'company_id') {
  if ((await db.prisma.company.count({ where: { id, org_id: scope.orgId } })) === 0) {
    throw new ApiError('validation_error', `${path}: company ${id} does not exist in this organization`, {
      details: [{ path, message: 'unknown company' }],
    });
  }
}

// Lead imports, the pure part: which spreadsheet column feeds which lead
// field, and one row's cells turned into a lead or into per-column errors,
// by the same rules as POST /api/lead/add (domain/leads/lead.service.ts and the
// lead schemas). The file side is domain/jobs/lead-import-file.ts, the database
// side domain/jobs/lead-import.service.ts.
import { z } from 'zod';
import type { LeadCodedLookup, LeadLabels } from '../crm/lead-lookups.js';
import { dedupeEmail, dedupeLinkedin } from '../leads/lead.service.js';
import { PHONE_NUMBER_PATTERN, PHONE_NUMBER_RULE } from '../platform/phone-number.js';

/** What an import does with a row whose email or LinkedIn URL already belongs to a lead (§8.1). */
export const IMPORT_DUPLICATE_POLICIES = ['skip', 'merge', 'accept'] as const;
export type ImportDuplicatePolicy = (typeof IMPORT_DUPLICATE_POLICIES)[number];

export const IMPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** What an import job records in its params. */
export interface LeadImportParams {
  file_name: string;
  format: ImportFormat;
  size: number;
  duplicates: ImportDuplicatePolicy;
}

/** Lead fields a column can feed, and the header spellings each answers to (compared by normalizeHeader). */
const COLUMN_ALIASES = {
  full_name: ['name', 'full name', 'contact name', 'lead name'],
  first_name: ['first name', 'firstname', 'first', 'given name', 'fname', 'forename'],
  last_name: ['last name', 'lastname', 'last', 'surname', 'family name', 'lname'],
  email: ['email', 'e-mail', 'email address', 'e-mail address', 'mail', 'work email'],
  phone_number: ['phone number', 'phone', 'phone no', 'mobile', 'mobile number', 'mobile phone', 'telephone', 'tel', 'cell'],
  company: ['company', 'company name', 'organization', 'organisation', 'account', 'account name', 'employer'],
  job_title: ['job title', 'title', 'position', 'designation', 'role'],
  industry: ['industry'],
  website: ['website', 'web site', 'url', 'web', 'homepage', 'company website'],
  address: ['address', 'street', 'street address', 'address line 1'],
  city: ['city', 'town'],
  state: ['state', 'province', 'region', 'county'],
  country: ['country'],
  pin_code: ['pin code', 'pincode', 'zip', 'zip code', 'zipcode', 'postal code', 'postcode', 'post code'],
  status: ['status', 'lead status'],
  priority: ['priority'],
  lead_source: ['lead source', 'source'],
  estimated_value: ['estimated value', 'value', 'deal value', 'amount'],
  assigned_to: ['assigned to', 'assignee', 'owner', 'lead owner', 'sales rep'],
  linkedin_url: ['linkedin url', 'linkedin', 'linkedin profile', 'linkedin profile url'],
  tags: ['tags', 'tag', 'labels'],
  notes: ['notes', 'note', 'comments', 'comment', 'description'],
} as const;

export type ImportColumnField = keyof typeof COLUMN_ALIASES;

/** "First Name", "first_name", "FIRST-NAME" and "Fírst  name" are one header: letters and digits only, lower case, accents dropped. */
export const normalizeHeader = (header: string) =>
  header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

const FIELD_OF_HEADER = new Map<string, ImportColumnField>(
  Object.entries(COLUMN_ALIASES).flatMap(([field, aliases]) => aliases.map((alias) => [normalizeHeader(alias), field as ImportColumnField] as const)),
);

/** The header table of the route description and the README: each field and the headers it answers to. */
export const IMPORT_COLUMN_GUIDE = Object.entries(COLUMN_ALIASES)
  .map(([field, aliases]) => `${field}: ${aliases.map((a) => `"${a}"`).join(', ')}`)
  .join('; ');

export interface ColumnMapping {
  /** the header row as given (trimmed) */
  headers: string[];
  /** column index -> the lead field it feeds */
  fields: { index: number; field: ImportColumnField }[];
  /** column index -> the custom_fields key it feeds (its header as given) */
  custom: { index: number; key: string }[];
}

/**
 * Maps a header row. A column whose header is no known field goes to
 * custom_fields under its header as written; a second column for a field
 * already mapped does too (the first one wins). Columns without a header are
 * ignored. Null when no column names a lead field: the first row is then no
 * header row.
 */
export function mapHeader(cells: string[]): ColumnMapping | null {
  const headers = cells.map((c) => c.trim());
  const mapping: ColumnMapping = { headers, fields: [], custom: [] };
  const taken = new Set<ImportColumnField>();
  const customKeys = new Set<string>();
  headers.forEach((header, index) => {
    if (!header) return;
    const field = FIELD_OF_HEADER.get(normalizeHeader(header));
    if (field && !taken.has(field)) {
      taken.add(field);
      mapping.fields.push({ index, field });
    } else {
      const key = header.slice(0, 100);
      if (customKeys.has(key)) return;
      customKeys.add(key);
      mapping.custom.push({ index, key });
    }
  });
  return mapping.fields.length > 0 ? mapping : null;
}

/** A lead read from one row, ready for the database. */
export interface ImportedLead {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  company: string | null;
  job_title: string | null;
  industry: string | null;
  website: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  pin_code: string | null;
  status: number | null;
  priority: number | null;
  lead_source: number | null;
  estimated_value: number | null;
  assigned_to: number | null;
  linkedin_url: string | null;
  notes: string | null;
  /** tag names, each once (case-insensitively) */
  tags: string[];
  custom_fields: Record<string, string>;
  dedupe_email: string | null;
  dedupe_linkedin: string | null;
}

export interface RowProblem {
  /** the header of the offending column (null: the row as a whole) */
  column: string | null;
  reason: string;
}

/** What a row is checked against: the organization's lookups and members. */
export interface RowContext {
  labels: LeadLabels;
  /** lower-cased email -> user id, and every member's id */
  members: { byEmail: Map<string, number>; ids: Set<number> };
}

type Parsed<T> = { value: T } | { reason: string };

const textOf = (max: number) => (raw: string): Parsed<string> =>
  raw.length > max ? { reason: `must be at most ${max} characters` } : { value: raw };

const personName = (raw: string): Parsed<string> =>
  raw.length < 2 || raw.length > 50 ? { reason: 'must be 2–50 characters' } : { value: raw };

// the rules of the lead schemas (api/modules/leads/lead.schemas.ts): zod's email rule, the phone pattern
const EMAIL = z.regexes.email;
const MAX_ESTIMATED_VALUE = 999_999_999_999.99;

function email(raw: string): Parsed<string> {
  return raw.length <= 254 && EMAIL.test(raw) ? { value: raw } : { reason: `"${raw}" is not an email address` };
}

function phone(raw: string): Parsed<string> {
  return PHONE_NUMBER_PATTERN.test(raw) ? { value: raw } : { reason: `"${raw}" is not a phone number (${PHONE_NUMBER_RULE})` };
}

/** LinkedIn URLs are often written without a scheme ("linkedin.com/in/jane"): https is assumed then. */
function linkedinUrl(raw: string): Parsed<string> {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  try {
    const parsed = new URL(url);
    if ((parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname.includes('.') && url.length <= 500) return { value: url };
  } catch {
    // reported below
  }
  return { reason: `"${raw}" is not an http(s) URL of at most 500 characters` };
}

/** "12500", "12,500.50", "$ 12,500" */
function money(raw: string): Parsed<number> {
  const value = Number(raw.replace(/^[$€£¥₹]\s*/, '').replace(/,/g, ''));
  return Number.isFinite(value) && value >= 0 && value <= MAX_ESTIMATED_VALUE && raw !== ''
    ? { value: Math.round(value * 100) / 100 }
    : { reason: `"${raw}" is not an amount between 0 and ${MAX_ESTIMATED_VALUE}` };
}

/** A lookup by its code ("3") or its label ("High"), among the organization's values. */
function lookupCode(type: LeadCodedLookup) {
  return (raw: string, context: RowContext): Parsed<number> => {
    const codes = context.labels.code[type];
    if (/^\d+$/.test(raw)) {
      const code = Number(raw);
      if (codes.has(code)) return { value: code };
    } else {
      for (const [code, label] of codes) if (label.toLowerCase() === raw.toLowerCase()) return { value: code };
    }
    const known = [...codes].map(([code, label]) => `${code} ${label}`).join(', ');
    return { reason: `"${raw}" is not one of this organization's ${type} values (${known})` };
  };
}

/** A member of the organization by user id or email. */
function member(raw: string, context: RowContext): Parsed<number> {
  const id = /^\d+$/.test(raw) ? Number(raw) : context.members.byEmail.get(raw.toLowerCase());
  return id !== undefined && context.members.ids.has(id) ? { value: id } : { reason: `"${raw}" is not a member of this organization` };
}

/** Tag names separated by commas, semicolons or pipes; each 1–50 characters, at most 100. */
function tagNames(raw: string): Parsed<string[]> {
  const byKey = new Map<string, string>();
  for (const name of raw.split(/[,;|]/)) if (name.trim()) byKey.set(name.trim().toLowerCase(), name.trim());
  const names = [...byKey.values()];
  const tooLong = names.find((n) => n.length > 50);
  if (tooLong) return { reason: `tag "${tooLong.slice(0, 60)}" is longer than 50 characters` };
  if (names.length > 100) return { reason: 'at most 100 tags' };
  return { value: names };
}

type FieldRule = (raw: string, context: RowContext) => Parsed<unknown>;

const RULES: Record<Exclude<ImportColumnField, 'full_name'>, FieldRule> = {
  first_name: personName,
  last_name: personName,
  email,
  phone_number: phone,
  company: textOf(200),
  job_title: textOf(200),
  industry: textOf(200),
  website: textOf(500),
  address: textOf(500),
  city: textOf(100),
  state: textOf(100),
  country: textOf(100),
  pin_code: textOf(20),
  status: lookupCode('status'),
  priority: lookupCode('priority'),
  lead_source: lookupCode('lead_source'),
  estimated_value: money,
  assigned_to: member,
  linkedin_url: linkedinUrl,
  tags: tagNames,
  notes: textOf(10_000),
};

const blankLead = (): ImportedLead => ({
  first_name: null, last_name: null, email: null, phone_number: null, company: null, job_title: null, industry: null,
  website: null, address: null, city: null, state: null, country: null, pin_code: null, status: null, priority: null,
  lead_source: null, estimated_value: null, assigned_to: null, linkedin_url: null, notes: null, tags: [], custom_fields: {},
  dedupe_email: null, dedupe_linkedin: null,
});

const MAX_CUSTOM_VALUE = 10_000;

/**
 * One data row: a lead, the problems that keep it out (each naming its
 * column), or null for a row with no values at all (skipped silently, like a
 * blank line). A full-name column fills first and last name where those
 * columns are absent or empty.
 */
export function readLeadRow(cells: string[], mapping: ColumnMapping, context: RowContext): { lead: ImportedLead } | { problems: RowProblem[] } | null {
  if (cells.every((c) => c.trim() === '')) return null;
  const lead = blankLead();
  const problems: RowProblem[] = [];
  const values = lead as unknown as Record<string, unknown>;
  let fullName: string | null = null;
  for (const { index, field } of mapping.fields) {
    const raw = (cells[index] ?? '').trim();
    if (raw === '') continue;
    if (field === 'full_name') {
      fullName = raw;
      continue;
    }
    const parsed = RULES[field](raw, context);
    if ('reason' in parsed) problems.push({ column: mapping.headers[index]!, reason: `${field}: ${parsed.reason}` });
    else values[field] = parsed.value;
  }
  if (fullName !== null && lead.first_name === null && lead.last_name === null) {
    const [first, ...rest] = fullName.split(/\s+/);
    const column = mapping.headers[mapping.fields.find((f) => f.field === 'full_name')!.index]!;
    for (const [field, part] of [['first_name', first], ['last_name', rest.join(' ')]] as const) {
      if (!part) continue;
      const parsed = personName(part);
      if ('reason' in parsed) problems.push({ column, reason: `${field}: ${parsed.reason}` });
      else lead[field] = parsed.value;
    }
  }
  for (const { index, key } of mapping.custom) {
    const raw = (cells[index] ?? '').trim();
    if (raw === '') continue;
    if (raw.length > MAX_CUSTOM_VALUE) problems.push({ column: key, reason: `custom field: must be at most ${MAX_CUSTOM_VALUE} characters` });
    else lead.custom_fields[key] = raw;
  }
  if (problems.length === 0 && !lead.first_name && !lead.last_name && !lead.email && !lead.phone_number && !lead.linkedin_url) {
    problems.push({ column: null, reason: 'the row names no lead: give a name, an email, a phone number or a LinkedIn URL' });
  }
  if (problems.length > 0) return { problems };
  lead.dedupe_email = dedupeEmail(lead.email);
  lead.dedupe_linkedin = dedupeLinkedin(lead.linkedin_url);
  return { lead };
}

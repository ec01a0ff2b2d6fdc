// A hosted form's fields: what a field may be (types, the lead field or
// custom field it fills), the answers a person gives checked against them,
// and the lead those answers become. Pure functions: the service stores the
// fields, the public page renders them, the submission path uses these rules.
import { PHONE_NUMBER_PATTERN } from '../platform/phone-number.js';

export const FIELD_TYPES = ['text', 'email', 'tel', 'url', 'textarea', 'number', 'select', 'checkbox', 'date'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Lead fields a form field may fill (§7.1), and the longest text each takes (§8.1 ingestion's limits, else the lead schema's). */
export const MAPPABLE_LEAD_FIELDS = {
  first_name: 100,
  last_name: 100,
  email: 254,
  phone_number: 40,
  company: 200,
  job_title: 200,
  linkedin_url: 500,
  website: 500,
  city: 100,
  state: 100,
  country: 100,
  notes: 10_000,
  estimated_value: null,
} as const;
export type MappableLeadField = keyof typeof MAPPABLE_LEAD_FIELDS;
export const isMappableLeadField = (name: string): name is MappableLeadField => Object.hasOwn(MAPPABLE_LEAD_FIELDS, name);

/** §8.1: a lead needs one of these to be found again (dedupe, contact). */
export const IDENTIFYING_LEAD_FIELDS: readonly MappableLeadField[] = ['email', 'phone_number', 'linkedin_url'];

export const CUSTOM_FIELD_PREFIX = 'custom:';

export interface FormField {
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  /** a lead field, `custom:<custom field name>`, or null (kept under custom_fields by its key) */
  maps_to: string | null;
  options: string[] | null;
  max_length: number | null;
  placeholder: string | null;
  help: string | null;
}

/** The longest text a field of this type takes when the form says nothing (and the cap of what it may say). */
const TYPE_MAX_LENGTH: Record<FieldType, number> = {
  text: 255,
  email: 254,
  tel: 40,
  url: 2048,
  textarea: 5000,
  number: 32,
  select: 200,
  checkbox: 5,
  date: 10,
};

/** The longest answer a field takes: its own max_length, within its type's cap and its lead field's. */
export function maxLengthOf(field: Pick<FormField, 'type' | 'max_length' | 'maps_to'>): number {
  const leadLimit = field.maps_to && isMappableLeadField(field.maps_to) ? MAPPABLE_LEAD_FIELDS[field.maps_to] : null;
  return Math.min(field.max_length ?? Infinity, TYPE_MAX_LENGTH[field.type], leadLimit ?? Infinity);
}

/** What a lead field accepts from a form field of each type (a number field cannot fill a name). */
export function typeFitsLeadField(type: FieldType, leadField: MappableLeadField): boolean {
  if (leadField === 'estimated_value') return type === 'number';
  if (leadField === 'email') return type === 'email';
  if (leadField === 'phone_number') return type === 'tel';
  if (leadField === 'linkedin_url' || leadField === 'website') return type === 'url' || type === 'text';
  return type === 'text' || type === 'textarea' || type === 'select';
}

/** The browser's autofill hint for a field (WCAG 1.3.5 identify input purpose). */
export function autocompleteOf(field: Pick<FormField, 'type' | 'maps_to'>): string {
  const byLeadField: Partial<Record<MappableLeadField, string>> = {
    first_name: 'given-name',
    last_name: 'family-name',
    email: 'email',
    phone_number: 'tel',
    company: 'organization',
    job_title: 'organization-title',
    website: 'url',
    city: 'address-level2',
    state: 'address-level1',
    country: 'country-name',
  };
  if (field.maps_to && isMappableLeadField(field.maps_to)) return byLeadField[field.maps_to] ?? 'off';
  if (field.type === 'email') return 'email';
  if (field.type === 'tel') return 'tel';
  return 'off';
}

export type AnswerValue = string | number | boolean | null;
export type Answers = Record<string, AnswerValue>;

export interface AnswerCheck {
  /** the valid answers by field key (only when there are no errors) */
  answers: Answers;
  /** field key -> message for the person */
  errors: Record<string, string>;
  /** what the person typed, as text, by field key (to show the form again with it) */
  given: Record<string, string>;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CHECKED = new Set(['on', 'true', '1', 'yes']);

function textOf(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  // a repeated form field arrives as a list: the first value counts, as a browser would send one
  if (Array.isArray(raw)) return textOf(raw[0]);
  return '';
}

function isRealDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** One field's answer: its value, or the message saying what is wrong. */
function checkField(field: FormField, raw: unknown): { value: AnswerValue } | { error: string } {
  if (field.type === 'checkbox') {
    const checked = raw === true || CHECKED.has(textOf(raw).trim().toLowerCase());
    if (field.required && !checked) return { error: `Tick “${field.label}” to continue` };
    return { value: checked };
  }
  const text = textOf(raw).trim();
  if (text === '') {
    if (!field.required) return { value: null };
    return { error: field.type === 'select' ? `Choose an option for “${field.label}”` : `Enter “${field.label}”` };
  }
  const max = maxLengthOf(field);
  if (text.length > max) return { error: `“${field.label}” must be ${max} characters or fewer` };
  switch (field.type) {
    case 'email':
      return EMAIL.test(text) ? { value: text } : { error: `Enter an email address in the right format, like name@example.com` };
    case 'tel':
      return PHONE_NUMBER_PATTERN.test(text) ? { value: text } : { error: `Enter a phone number, like +44 20 7946 0958` };
    case 'url': {
      let url: URL | null = null;
      try {
        url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
      } catch {
        url = null;
      }
      return url && url.hostname.includes('.') ? { value: url.href } : { error: `Enter a web address, like https://example.com` };
    }
    case 'number': {
      const n = Number(text);
      if (!Number.isFinite(n) || !/^-?\d+(\.\d+)?$/.test(text)) return { error: `“${field.label}” must be a number` };
      if (field.maps_to === 'estimated_value' && (n < 0 || n > 999_999_999_999.99)) return { error: `“${field.label}” must be between 0 and 999,999,999,999` };
      return { value: n };
    }
    case 'date':
      return isRealDate(text) ? { value: text } : { error: `“${field.label}” must be a real date (YYYY-MM-DD)` };
    case 'select':
      return field.options?.includes(text) ? { value: text } : { error: `Choose one of the options for “${field.label}”` };
    default:
      return { value: text };
  }
}

/** Every field's answer checked; errors by field key, in the form's order. */
export function checkAnswers(fields: readonly FormField[], body: Record<string, unknown>): AnswerCheck {
  const answers: Answers = {};
  const errors: Record<string, string> = {};
  const given: Record<string, string> = {};
  for (const field of fields) {
    const raw = body[field.key];
    given[field.key] = textOf(raw).slice(0, maxLengthOf(field) + 100);
    const result = checkField(field, raw);
    if ('error' in result) errors[field.key] = result.error;
    else answers[field.key] = result.value;
  }
  const identifying = fields.filter((f) => f.maps_to && IDENTIFYING_LEAD_FIELDS.includes(f.maps_to as MappableLeadField));
  if (Object.keys(errors).length === 0 && identifying.length > 0 && identifying.every((f) => answers[f.key] === null)) {
    // §8.1 needs one way to reach the person; the form may leave each optional but not all empty
    const first = identifying[0]!;
    errors[first.key] = `Enter ${identifying.map((f) => `“${f.label}”`).join(' or ')}`;
  }
  return Object.keys(errors).length === 0 ? { answers, errors, given } : { answers: {}, errors, given };
}

export interface FormLeadSettings {
  lead_source: number | null;
  lead_tags: string[];
  assigned_to: number | null;
}

/**
 * The lead input (§8.1's fields) the answers become: mapped answers fill
 * their lead fields, `custom:` and unmapped answers go under custom_fields
 * (by custom field name, or by field key), and the form's source, tags and
 * owner are given.
 */
export function leadInputOf(fields: readonly FormField[], answers: Answers, settings: FormLeadSettings) {
  const lead: Record<string, unknown> = {};
  const custom: Record<string, AnswerValue> = {};
  for (const field of fields) {
    const value = answers[field.key];
    if (value === undefined) continue;
    if (field.maps_to && isMappableLeadField(field.maps_to)) {
      if (value !== null) lead[field.maps_to] = value;
    } else if (field.maps_to?.startsWith(CUSTOM_FIELD_PREFIX)) custom[field.maps_to.slice(CUSTOM_FIELD_PREFIX.length)] = value;
    else custom[field.key] = value;
  }
  if (Object.keys(custom).length > 0) lead.custom_fields = custom;
  if (settings.lead_source !== null) lead.lead_source = settings.lead_source;
  if (settings.lead_tags.length > 0) lead.tags = settings.lead_tags;
  if (settings.assigned_to !== null) lead.assigned_to = settings.assigned_to;
  return lead;
}

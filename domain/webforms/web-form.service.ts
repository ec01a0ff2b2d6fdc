// Hosted lead-capture forms (§8.3, §12 "Host a lead-capture form"): built
// and managed through the API by members of the organization, each reachable
// by an unguessable link. Prisma throughout (docs/database.md: nothing here
// is a hot path but the public lookup by link, one indexed row).
import { randomInt } from 'node:crypto';
import type { Prisma, WebForm } from '../../generated/prisma/client.js';
import { assertKnownCodes, loadLeadLabels } from '../crm/lead-lookups.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { transaction } from '../platform/transaction.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type DateBound, type ListParams } from '../platform/list-query.js';
import {
  CUSTOM_FIELD_PREFIX,
  IDENTIFYING_LEAD_FIELDS,
  isMappableLeadField,
  typeFitsLeadField,
  type FieldType,
  type FormField,
  type MappableLeadField,
} from './form-fields.js';

type FormScope = Pick<Scope, 'orgId' | 'userId'>;

export const FORM_STATUSES = ['active', 'disabled'] as const;
export type FormStatus = (typeof FORM_STATUSES)[number];

/** What a form is made of, as the API takes it (shape already checked by its schema). */
export interface WebFormInput {
  name: string;
  title?: string | null;
  description?: string | null;
  fields: FormField[];
  submit_label?: string | null;
  thank_you_message?: string | null;
  redirect_url?: string | null;
  lead_source?: number | null;
  lead_tags?: string[];
  assigned_to?: number | null;
  /** normalised origins (https://host[:port]) */
  allowed_domains?: string[];
  status?: FormStatus;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 22 base62 characters: about 131 random bits, not guessable nor enumerable. */
export const FORM_LINK_LENGTH = 22;
export const FORM_LINK_PATTERN = /^[0-9A-Za-z]{16,64}$/;

export const newFormLink = () => Array.from({ length: FORM_LINK_LENGTH }, () => BASE62[randomInt(BASE62.length)]).join('');

/** The API shape of a form. */
export function presentWebForm(form: WebForm) {
  return {
    id: form.id,
    form_link: form.form_link,
    name: form.name,
    title: form.title,
    description: form.description,
    fields: form.fields as unknown as FormField[],
    submit_label: form.submit_label,
    thank_you_message: form.thank_you_message,
    redirect_url: form.redirect_url,
    lead_source: form.lead_source,
    lead_tags: form.lead_tags,
    assigned_to: form.assigned_to,
    allowed_domains: form.allowed_domains,
    status: form.status as FormStatus,
    created_by: form.created_by,
    created_at: form.created_at.toISOString(),
    updated_at: form.updated_at.toISOString(),
  };
}
export type WebFormView = ReturnType<typeof presentWebForm>;

const invalid = (path: string, message: string) => new ApiError('validation_error', `${path}: ${message}`, { details: [{ path, message }] });

/**
 * The rules across fields and against the organization's data: where each
 * field's answer goes (a lead field of a fitting type, each at most once, or
 * one of the organization's lead custom fields), a way to reach the person
 * (§8.1), the source code and the owner.
 */
async function assertFormFitsOrganization(db: Database, orgId: number, input: WebFormInput): Promise<void> {
  const keys = new Set<string>();
  const mapped = new Map<string, number>();
  const customNames: { name: string; index: number }[] = [];
  input.fields.forEach((field, index) => {
    const at = `fields.${index}`;
    if (keys.has(field.key)) throw invalid(`${at}.key`, `"${field.key}" is used by another field`);
    keys.add(field.key);
    if (field.type === 'select' && !(field.options && field.options.length > 0)) throw invalid(`${at}.options`, 'a select field needs its options');
    if (field.type !== 'select' && field.options) throw invalid(`${at}.options`, 'only a select field has options');
    if (!field.maps_to) return;
    if (field.maps_to.startsWith(CUSTOM_FIELD_PREFIX)) {
      customNames.push({ name: field.maps_to.slice(CUSTOM_FIELD_PREFIX.length), index });
      return;
    }
    if (!isMappableLeadField(field.maps_to)) throw invalid(`${at}.maps_to`, `"${field.maps_to}" is not a lead field a form can fill`);
    if (mapped.has(field.maps_to)) throw invalid(`${at}.maps_to`, `${field.maps_to} is filled by field ${mapped.get(field.maps_to)} already`);
    mapped.set(field.maps_to, index);
    if (!typeFitsLeadField(field.type as FieldType, field.maps_to)) throw invalid(`${at}.type`, `a ${field.type} field cannot fill ${field.maps_to}`);
  });
  if (!IDENTIFYING_LEAD_FIELDS.some((f: MappableLeadField) => mapped.has(f))) {
    throw invalid('fields', `map a field to ${IDENTIFYING_LEAD_FIELDS.join(' or ')}: a lead needs one of them (§8.1)`);
  }
  if (input.thank_you_message && input.redirect_url) throw invalid('redirect_url', 'give a thank-you message or a redirect URL, not both');

  const [definitions, labels, owner] = await Promise.all([
    customNames.length > 0
      ? db.prisma.customFieldDefinition.findMany({
          where: { org_id: orgId, module_name: 'lead', field_name: { in: customNames.map((c) => c.name) } },
          select: { field_name: true },
        })
      : [],
    input.lead_source != null ? loadLeadLabels(db.pool, orgId) : null,
    input.assigned_to != null ? db.prisma.user.findFirst({ where: { id: input.assigned_to, org_id: orgId, deleted_at: null }, select: { id: true } }) : true,
  ]);
  const known = new Set(definitions.map((d) => d.field_name));
  const unknown = customNames.find((c) => !known.has(c.name));
  if (unknown) throw invalid(`fields.${unknown.index}.maps_to`, `"${unknown.name}" is not a lead custom field of this organization`);
  if (labels) assertKnownCodes(labels, { lead_source: input.lead_source });
  if (!owner) throw invalid('assigned_to', `user ${input.assigned_to} is not a member of this organization`);
}

/** The columns a form's input writes (all of them: PUT replaces the form). */
const columnsOf = (input: WebFormInput) => ({
  name: input.name,
  title: input.title ?? null,
  description: input.description ?? null,
  fields: input.fields as unknown as Prisma.InputJsonValue,
  submit_label: input.submit_label ?? null,
  thank_you_message: input.thank_you_message ?? null,
  redirect_url: input.redirect_url ?? null,
  lead_source: input.lead_source ?? null,
  lead_tags: input.lead_tags ?? [],
  assigned_to: input.assigned_to ?? null,
  allowed_domains: input.allowed_domains ?? [],
  status: input.status ?? 'active',
});

export async function createWebForm(db: Database, scope: FormScope, input: WebFormInput): Promise<WebFormView> {
  await assertFormFitsOrganization(db, scope.orgId, input);
  const form = await db.prisma.webForm.create({
    data: { ...columnsOf(input), org_id: scope.orgId, created_by: scope.userId, form_link: newFormLink() },
  });
  return presentWebForm(form);
}

async function formRow(db: Database, orgId: number, id: number): Promise<WebForm> {
  const form = await db.prisma.webForm.findFirst({ where: { id, org_id: orgId } });
  if (!form) throw notFound('Web form');
  return form;
}

export const getWebForm = async (db: Database, scope: FormScope, id: number) => presentWebForm(await formRow(db, scope.orgId, id));

/** Replaces the form's definition; its link stays (embedded pages keep working). */
export async function updateWebForm(db: Database, scope: FormScope, id: number, input: WebFormInput): Promise<WebFormView> {
  await assertFormFitsOrganization(db, scope.orgId, input);
  const { count } = await db.prisma.webForm.updateMany({ where: { id, org_id: scope.orgId }, data: columnsOf(input) });
  if (count === 0) throw notFound('Web form');
  return getWebForm(db, scope, id);
}

/**
 * Deletes the form and its submission records; the leads it created stay.
 * A submission still waiting for its lead is dropped with it (its retry
 * finds no form and ends): deleting a form is the organization's decision
 * to stop collecting with it.
 */
export async function deleteWebForm(db: Database, scope: FormScope, id: number): Promise<WebFormView> {
  const form = await formRow(db, scope.orgId, id);
  await transaction(db.prisma, { actorId: scope.userId }, async (tx) => {
    await tx.webFormSubmission.deleteMany({ where: { org_id: scope.orgId, form_id: id } });
    await tx.webForm.deleteMany({ where: { id, org_id: scope.orgId } });
  });
  return presentWebForm(form);
}

export const WEB_FORM_SORT_FIELDS = ['id', 'name', 'created_at', 'updated_at'] as const;
export type WebFormSortField = (typeof WEB_FORM_SORT_FIELDS)[number];

export async function listWebForms(
  db: Database,
  scope: FormScope,
  params: Pick<ListParams<WebFormSortField>, 'page' | 'limit' | 'order_by' | 'order_in'>,
  filters: { search?: string; status?: FormStatus },
) {
  const where: Prisma.WebFormWhereInput = {
    org_id: scope.orgId,
    ...(filters.status && { status: filters.status }),
    ...(filters.search && { OR: [{ name: containsText(filters.search) }, { title: containsText(filters.search) }] }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.webForm.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.webForm.count({ where }),
  ]);
  return paged(rows.map(presentWebForm), total, params);
}

/** The active form behind a public link, or null (unknown, disabled: the page is a 404 either way). */
export async function findPublicForm(db: Database, formLink: string): Promise<WebForm | null> {
  if (!FORM_LINK_PATTERN.test(formLink)) return null;
  return db.prisma.webForm.findFirst({ where: { form_link: formLink, status: 'active' } });
}

export const SUBMISSION_STATUSES = ['pending', 'accepted', 'merged', 'failed', 'spam'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export interface SubmissionFilters {
  status?: SubmissionStatus;
  lead_id?: number;
  start_date?: DateBound;
  end_date?: DateBound;
}

/** The form's submissions, newest first by default (404 for another organization's form). */
export async function listSubmissions(
  db: Database,
  scope: FormScope,
  formId: number,
  params: Pick<ListParams<'id' | 'created_at'>, 'page' | 'limit' | 'order_by' | 'order_in'>,
  filters: SubmissionFilters,
) {
  await formRow(db, scope.orgId, formId);
  const createdAt = dateRangeFilter(filters.start_date, filters.end_date);
  const where: Prisma.WebFormSubmissionWhereInput = {
    org_id: scope.orgId,
    form_id: formId,
    ...(filters.status && { status: filters.status }),
    ...(filters.lead_id !== undefined && { lead_id: filters.lead_id }),
    ...(createdAt && { created_at: createdAt }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.webFormSubmission.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.webFormSubmission.count({ where }),
  ]);
  const data = rows.map((s) => ({
    id: s.id,
    form_id: s.form_id,
    status: s.status as SubmissionStatus,
    lead_id: s.lead_id,
    answers: s.answers as Record<string, string | number | boolean | null>,
    attempts: s.attempts,
    error: s.error,
    user_agent: s.user_agent,
    referrer: s.referrer,
    created_at: s.created_at.toISOString(),
    processed_at: s.processed_at?.toISOString() ?? null,
  }));
  return paged(data, total, params);
}

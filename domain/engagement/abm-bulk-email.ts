// ABM bulk email (§6.8 send-bulk-email): one tracked email per stakeholder
// of a target account, personalised by merge fields, each through
// queueTrackedMail (the one engagement send path: tracked_emails row, open
// pixel, click links, unsubscribe link, send-once mail pipeline).
//
// Retries: every email's key is (account, caller, batch, contact), the batch
// being the request's Idempotency-Key when it has one. A retried request
// with the same key finds each email it already queued (tracked_emails and
// outbound_messages are unique per key) and sends nothing twice, even when
// the first attempt died half-way; the answer names them again as queued.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import type { SecretBox } from '../platform/secret-box.js';
import { openMailAccountFor, type MailAccountRecord } from '../communications/mail-configuration.service.js';
import { queueTrackedMail, suppressedAddresses, type TrackingLinks } from './email-tracking.js';
import { accountContacts } from './target-account.service.js';

/** At most this many contacts per call: a bigger account is emailed in several calls (contact_ids). */
export const MAX_BULK_RECIPIENTS = 200;

export const BULK_EMAIL_MODES = ['individual', 'preview'] as const;
export type BulkEmailMode = (typeof BULK_EMAIL_MODES)[number];

export interface BulkEmailInput {
  subject: string;
  /** HTML with merge fields {{first_name}}, {{name}}, {{company_name}} */
  body: string;
  contact_ids?: number[];
  mode: BulkEmailMode;
  config_id?: number;
}

export type SkipReason = 'no_email' | 'unsubscribed';

export interface BulkEmailRecipient {
  contact_id: number;
  name: string;
  email: string | null;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

export interface MergeValues {
  first_name: string;
  name: string;
  company_name: string;
}

const MERGE_FIELD = /\{\{\s*(first_name|name|company_name)\s*\}\}/g;

/** The body with its merge fields replaced by HTML-escaped values (a contact named "<script>" stays text). */
export const mergeHtml = (html: string, values: MergeValues) => html.replace(MERGE_FIELD, (_, field: keyof MergeValues) => escapeHtml(values[field]));

/** The subject with its merge fields replaced; a subject is text, not HTML, so only line breaks are taken out (no header injection). */
export const mergeSubject = (subject: string, values: MergeValues) =>
  subject.replace(MERGE_FIELD, (_, field: keyof MergeValues) => values[field].replace(/[\r\n]+/g, ' '));

export const firstNameOf = (name: string) => name.trim().split(/\s+/)[0] ?? '';

/** The caller's mail configuration: the one named, or their first active one (422 when they have none). */
async function senderAccount(db: Database, secrets: SecretBox, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, configId?: number): Promise<MailAccountRecord> {
  if (configId !== undefined) return openMailAccountFor(db, secrets, scope, configId);
  const { rows } = await db.pool.query<{ id: number }>(
    'SELECT id FROM mail_configurations WHERE org_id = $1 AND user_id = $2 AND state_id = 1 ORDER BY id LIMIT 1',
    [scope.orgId, scope.userId ?? -1],
  );
  if (!rows[0]) {
    throw new ApiError('validation_error', 'You have no mail configuration to send from: add one (POST /api/mail-configurations/add) or give config_id', {
      code: 'mail_configuration_required',
    });
  }
  return openMailAccountFor(db, secrets, scope, rows[0].id);
}

export interface BulkEmailDeps {
  secrets: SecretBox;
  links: TrackingLinks;
}

export async function sendAccountBulkEmail(
  db: Database,
  deps: BulkEmailDeps,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  accountId: number,
  input: BulkEmailInput,
  idempotencyKey: string | undefined,
) {
  const account = await db.pool.query<{ company_name: string }>(
    `SELECT c.company_name FROM target_accounts ta JOIN companies c ON c.org_id = ta.org_id AND c.id = ta.company_id WHERE ta.org_id = $1 AND ta.id = $2`,
    [scope.orgId, accountId],
  );
  if (!account.rows[0]) throw notFound('Target account');
  const companyName = account.rows[0].company_name;

  const stakeholders = await accountContacts(db.pool, scope.orgId, accountId);
  let chosen = stakeholders;
  if (input.contact_ids) {
    const wanted = new Set(input.contact_ids);
    const unknown = [...wanted].filter((id) => !stakeholders.some((c) => c.id === id));
    if (unknown.length > 0) {
      throw new ApiError('validation_error', `contact_ids: ${unknown.join(', ')} are not contacts of this account`, {
        code: 'not_account_contacts',
        details: [{ path: 'contact_ids', message: `not contacts of this account: ${unknown.join(', ')}` }],
      });
    }
    chosen = stakeholders.filter((c) => wanted.has(c.id));
  }
  if (chosen.length > MAX_BULK_RECIPIENTS) {
    throw new ApiError('validation_error', `At most ${MAX_BULK_RECIPIENTS} contacts per call; this account has ${chosen.length}: choose them with contact_ids`, {
      code: 'too_many_recipients',
    });
  }

  const sender = await senderAccount(db, deps.secrets, scope, input.config_id);
  const suppressed = await suppressedAddresses(db, scope.orgId, chosen.flatMap((c) => (c.email ? [c.email.trim()] : [])));
  const skipped: (BulkEmailRecipient & { reason: SkipReason })[] = [];
  const sendable: typeof chosen = [];
  for (const contact of chosen) {
    const recipient = { contact_id: contact.id, name: contact.name, email: contact.email };
    if (!contact.email?.trim()) skipped.push({ ...recipient, reason: 'no_email' });
    else if (suppressed.has(contact.email.trim().toLowerCase())) skipped.push({ ...recipient, reason: 'unsubscribed' });
    else sendable.push(contact);
  }
  const render = (contact: (typeof chosen)[number]) => {
    const values = { first_name: firstNameOf(contact.name), name: contact.name, company_name: companyName };
    return { subject: mergeSubject(input.subject, values), body: mergeHtml(input.body, values) };
  };

  if (input.mode === 'preview') {
    const first = sendable[0];
    return {
      mode: 'preview' as const,
      preview: first ? { contact_id: first.id, to: first.email!, from: sender.address, ...render(first) } : null,
      recipients: sendable.map((c) => ({ contact_id: c.id, name: c.name, email: c.email! })),
      skipped,
    };
  }

  const batch = idempotencyKey ?? randomUUID();
  const queued: { contact_id: number; name: string; email: string; tracked_email_id: number; message_id: number }[] = [];
  // one at a time: each is a few short statements, and 200 in a row stay well inside a request
  for (const contact of sendable) {
    const recipient = contact.email!.trim();
    try {
      const { message, trackedEmailId } = await queueTrackedMail(
        db,
        deps.links,
        scope,
        sender,
        render(contact),
        { source: 'abm_bulk', contactId: contact.id, leadId: contact.lead_id, targetAccountId: accountId, recipient },
        `abm_bulk:${accountId}:${scope.userId ?? 0}:${batch}:${contact.id}`,
      );
      queued.push({ contact_id: contact.id, name: contact.name, email: recipient, tracked_email_id: trackedEmailId, message_id: message.id });
    } catch (err) {
      // unsubscribed between the check above and this send
      if (!(err instanceof ApiError && err.options.code === 'recipient_unsubscribed')) throw err;
      skipped.push({ contact_id: contact.id, name: contact.name, email: recipient, reason: 'unsubscribed' });
    }
  }
  return { mode: 'individual' as const, batch_id: batch, queued, skipped };
}

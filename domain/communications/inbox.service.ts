// The inbox of a mail configuration (§6.11 list and view), read live from
// the provider through its connector (the caller builds it; the domain sees
// only the reader's shape), and, for a sandbox configuration, from what the
// sandbox recorded. What the provider answers is shown sanitised (a mail's
// HTML never reaches a browser with scripts in it).
//
// A provider's refusal becomes an API answer here: credentials refused (a
// refresh failed) mark the configuration needs_reauth and answer 422
// mail_reauth_required; a 429 records the account's throttle (every process
// honours it) and answers 429 with Retry-After; an unreachable provider 502.
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import type { DateBound } from '../platform/list-query.js';
import type { OutboundMessageRow } from '../platform/outbound-message.js';
import { throttledFor, throttleProvider } from '../platform/provider-throttle.js';
import type { SecretBox } from '../platform/secret-box.js';
import { apiErrorOfFailure, connectorFailureOf } from '../platform/connector-failure.js';
import { MAIL_PROVIDER, markMailConfigNeedsReauth, storeRefreshedTokens, type MailAccountRecord, type OAuthTokens } from './mail-configuration.service.js';
import { getSandboxMail, sandboxRows, sanitizeMailHtml, type MailPayload } from './mail-delivery.js';

export interface InboxMessage {
  id: string;
  thread_id: string | null;
  from: string | null;
  to: string[];
  subject: string | null;
  snippet: string | null;
  date: string | null;
  unread: boolean;
}

export interface InboxMessageDetail extends InboxMessage {
  cc: string[];
  message_id: string | null;
  references: string[];
  html: string | null;
  text: string | null;
  attachments: { filename: string; content_type: string; size: number }[];
}

export interface InboxQuery {
  folder?: string;
  search?: string;
  unreadOnly?: boolean;
  after?: Date;
  before?: Date;
  page: number;
  limit: number;
}

/** The reading side of a mail connector (connectors/mail MailReader), as the domain needs it. */
export interface InboxReader {
  listMessages(query: InboxQuery): Promise<{ messages: InboxMessage[]; total: number }>;
  getMessage(id: string): Promise<InboxMessageDetail>;
}

/** The provider name and account the shared throttle knows a configuration by. */
export const mailThrottleKey = (account: Pick<MailAccountRecord, 'mailer' | 'configId'>) => ({ provider: account.mailer, account: `mail_configuration:${account.configId}` });

/**
 * Runs provider calls for a configuration: waits for no one (a throttled
 * account answers 429 at once), stores tokens the provider refreshed
 * meanwhile, and turns a provider failure into the API's answer.
 */
export function mailboxSession(db: Database, secrets: SecretBox, orgId: number, account: MailAccountRecord) {
  const refreshed: Promise<void>[] = [];
  const key = mailThrottleKey(account);
  return {
    onTokens(tokens: OAuthTokens) {
      refreshed.push(storeRefreshedTokens(db, secrets, orgId, account.configId, tokens));
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (account.needsReauth) {
        throw new ApiError('validation_error', "The mail provider refused this configuration's credentials: add it again to authorise it", {
          code: 'mail_reauth_required',
        });
      }
      const wait = await throttledFor(db.pool, key.provider, key.account);
      if (wait > 0) throw new ApiError('rate_limited', 'The mail provider asked to slow down; try again later', { retryAfterSeconds: Math.ceil(wait / 1000) });
      try {
        return await work();
      } catch (err) {
        throw await apiErrorOf(err);
      } finally {
        await Promise.all(refreshed);
      }
    },
  };

  async function apiErrorOf(err: unknown): Promise<Error> {
    const failure = connectorFailureOf(err);
    if (!failure) return err as Error;
    if (failure.failure === 'auth') await markMailConfigNeedsReauth(db, orgId, account.configId, failure.message);
    if (failure.failure === 'rate_limited') await throttleProvider(db.pool, key.provider, key.account, failure.details.retryAfterMs ?? 1000);
    if (failure.failure === 'not_found') return new ApiError('not_found', 'Message not found');
    return apiErrorOfFailure(MAIL_PROVIDER, failure);
  }
}

/** A message as the inbox view shows it: its HTML sanitised. */
export const presentInboxDetail = (detail: InboxMessageDetail): InboxMessageDetail => ({ ...detail, html: detail.html === null ? null : sanitizeMailHtml(detail.html) });

const noInbox = () =>
  new ApiError('validation_error', 'SMTP configurations can send but not read: LIO does not read mailboxes over IMAP (README, Mail); use a Gmail or Outlook configuration to read the inbox', {
    code: 'inbox_not_supported',
  });

export const assertReadable = <R>(reader: R | null): R => {
  if (reader === null) throw noInbox();
  return reader;
};

function inboxMessageOfSandbox(row: OutboundMessageRow): InboxMessageDetail {
  const p = row.payload as unknown as MailPayload;
  return {
    id: String(row.id),
    thread_id: p.thread_id,
    from: p.from.name ? `${p.from.name} <${p.from.address}>` : p.from.address,
    to: p.to,
    subject: p.subject,
    snippet: p.text.slice(0, 200),
    date: (row.sent_at ?? row.created_at).toISOString(),
    unread: false,
    cc: p.cc,
    message_id: p.message_id,
    references: p.references,
    html: p.html,
    text: p.text,
    attachments: [],
  };
}

const SANDBOX_FOLDERS = new Set(['sent', 'inbox']);

/** A sandbox configuration's inbox: the mails the sandbox recorded for it (it receives none), in the list's shape. */
export async function listSandboxInbox(db: Database, orgId: number, configId: number, query: InboxQuery & { start_date?: DateBound; end_date?: DateBound }) {
  if (query.folder && !SANDBOX_FOLDERS.has(query.folder)) return { messages: [], total: 0 };
  // nothing the sandbox records is unread
  if (query.unreadOnly) return { messages: [], total: 0 };
  const { rows, total } = await sandboxRows(
    db,
    orgId,
    { page: query.page, limit: query.limit, search_value: query.search, channel: 'mail', start_date: query.start_date, end_date: query.end_date },
    configId,
  );
  const messages: InboxMessage[] = rows.map((row) => {
    const { cc: _cc, message_id: _id, references: _refs, html: _html, text: _text, attachments: _files, ...summary } = inboxMessageOfSandbox(row);
    return summary;
  });
  return { messages, total };
}

export async function getSandboxInboxMessage(db: Database, orgId: number, configId: number, id: string): Promise<InboxMessageDetail> {
  return inboxMessageOfSandbox(await getSandboxMail(db, orgId, configId, id));
}

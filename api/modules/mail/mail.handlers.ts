import type { RouteHandler } from '@hono/zod-openapi';
import {
  assertReadable,
  getSandboxInboxMessage,
  listSandboxInbox,
  mailboxSession,
  presentInboxDetail,
  type InboxMessageDetail,
} from '../../../domain/communications/inbox.service.js';
import {
  addMailConfiguration,
  listMailConfigurations,
  openMailAccountFor,
  type MailAccountRecord,
} from '../../../domain/communications/mail-configuration.service.js';
import { getOutboundMessage, listSandboxMessages, queueMail } from '../../../domain/communications/mail-delivery.js';
import { ApiError } from '../../../domain/platform/errors.js';
import { dateRangeFilter } from '../../../domain/platform/list-query.js';
import type { AppDeps, AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  addMailConfigurationRoute,
  listInboxRoute,
  listMailConfigurationsRoute,
  listSandboxMessagesRoute,
  replyMailRoute,
  sendMailRoute,
  viewInboxMessageRoute,
  viewOutboundMailRoute,
} from './mail.routes.js';

export const listMailConfigurationsHandler: RouteHandler<typeof listMailConfigurationsRoute, AppEnv> = async (c) =>
  okList(c, await listMailConfigurations(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Mail configurations retrieved');

export const addMailConfigurationHandler: RouteHandler<typeof addMailConfigurationRoute, AppEnv> = async (c) => {
  const { config, database, services } = c.var.deps;
  const body = c.req.valid('json');
  if (body.mailer === 'sandbox' && !config.SANDBOX_CONNECTORS) {
    throw new ApiError('validation_error', 'Sandbox mail configurations exist only where the server runs its sandbox connectors (SANDBOX_CONNECTORS)', {
      code: 'sandbox_disabled',
    });
  }
  const smtp =
    body.mailer === 'smtp' && body.smtp_host && body.smtp_port
      ? { host: body.smtp_host, port: body.smtp_port, secure: body.smtp_secure ?? body.smtp_port === 465, ...(body.smtp_user ? { user: body.smtp_user } : {}) }
      : undefined;
  const added = await addMailConfiguration(
    database,
    services.secrets,
    c.var.auth,
    { mailer: body.mailer, from_address: body.from_address, from_name: body.from_name, password: body.password, refresh_token: body.refresh_token, smtp },
    (account, onTokens) => services.mail.forAccount(account, { onTokens }).verify(),
  );
  return ok(c, added, 'Mail configuration added', 201);
};

/** The configuration's mailbox: its connector's reader inside a session that stores refreshed tokens and maps the provider's failures. */
function mailboxOf({ database, services }: Pick<AppDeps, 'database' | 'services'>, orgId: number, account: MailAccountRecord) {
  const session = mailboxSession(database, services.secrets, orgId, account);
  return {
    read: <T>(work: (reader: NonNullable<ReturnType<typeof services.mail.forAccount>['reader']>) => Promise<T>) =>
      session.run(() => work(assertReadable(services.mail.forAccount(account, { onTokens: session.onTokens }).reader))),
  };
}

export const listInboxHandler: RouteHandler<typeof listInboxRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const query = c.req.valid('query');
  const account = await openMailAccountFor(database, services.secrets, c.var.auth, query.config_id);
  const range = dateRangeFilter(query.start_date, query.end_date);
  const inboxQuery = {
    folder: query.folder,
    search: query.search,
    unreadOnly: query.unreadOnly,
    after: range?.gte,
    before: range?.lt ?? (range?.lte ? new Date(range.lte.getTime() + 1) : undefined),
    page: query.page,
    limit: query.limit,
  };
  const page =
    account.mailer === 'sandbox'
      ? await listSandboxInbox(database, c.var.auth.orgId, account.configId, { ...inboxQuery, start_date: query.start_date, end_date: query.end_date })
      : await mailboxOf(c.var.deps, c.var.auth.orgId, account).read((reader) => reader.listMessages(inboxQuery));
  return okList(c, { data: page.messages, total: page.total, page: query.page, limit: query.limit }, 'Messages retrieved');
};

async function messageOf(deps: Pick<AppDeps, 'database' | 'services'>, orgId: number, account: MailAccountRecord, messageId: string): Promise<InboxMessageDetail> {
  if (account.mailer === 'sandbox') return getSandboxInboxMessage(deps.database, orgId, account.configId, messageId);
  return mailboxOf(deps, orgId, account).read((reader) => reader.getMessage(messageId));
}

export const viewInboxMessageHandler: RouteHandler<typeof viewInboxMessageRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const account = await openMailAccountFor(database, services.secrets, c.var.auth, c.req.valid('query').config_id);
  return ok(c, presentInboxDetail(await messageOf(c.var.deps, c.var.auth.orgId, account, c.req.valid('param').messageId)), 'Message retrieved');
};

export const sendMailHandler: RouteHandler<typeof sendMailRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const { config_id, attachment_ids, ...mail } = c.req.valid('json');
  const account = await openMailAccountFor(database, services.secrets, c.var.auth, config_id);
  const queued = await queueMail(database, c.var.auth, account, { ...mail, attachmentIds: attachment_ids }, c.req.valid('header')['idempotency-key']);
  return ok(c, queued, 'Message queued', 202);
};

/** The bare address of "Name <address>" or "address". */
const addressOf = (text: string | null) => (text ? (/<([^>]+)>/.exec(text)?.[1] ?? text).trim().toLowerCase() : null);

export const replyMailHandler: RouteHandler<typeof replyMailRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const body = c.req.valid('json');
  const account = await openMailAccountFor(database, services.secrets, c.var.auth, body.config_id);
  const original = await messageOf(c.var.deps, c.var.auth.orgId, account, c.req.valid('param').messageId);
  const sender = addressOf(original.from);
  // replying to a message of our own (the sent folder) answers its recipients, as mail clients do
  const to = sender && sender !== account.address.toLowerCase() ? [sender] : original.to.map(addressOf).filter((a): a is string => a !== null);
  if (to.length === 0) throw new ApiError('validation_error', 'The message has no sender to reply to', { code: 'no_reply_address' });
  const subject = original.subject ?? '';
  const queued = await queueMail(
    database,
    c.var.auth,
    account,
    {
      to,
      cc: body.cc,
      subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`.trim(),
      body: body.body,
      attachmentIds: body.attachment_ids,
      replyTo: { messageId: original.message_id, references: original.references, threadId: original.thread_id, providerId: original.id },
    },
    c.req.valid('header')['idempotency-key'],
  );
  return ok(c, queued, 'Reply queued', 202);
};

export const viewOutboundMailHandler: RouteHandler<typeof viewOutboundMailRoute, AppEnv> = async (c) =>
  ok(c, await getOutboundMessage(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Message retrieved');

export const listSandboxMessagesHandler: RouteHandler<typeof listSandboxMessagesRoute, AppEnv> = async (c) =>
  okList(c, await listSandboxMessages(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Sandbox messages retrieved');

// Sending mail durably (§6.11 send and reply): the API records the message
// (its send-once record in outbound_messages, domain/platform/outbound-message.ts)
// and an outbox event in ONE transaction and answers 202; the worker's relay
// starts one mailDeliveryWorkflow per message, whose activity claims the
// record, calls the provider and marks it sent (activities/mail.activities.ts).
// A client follows the message with GET /api/inbox/outbound/{id}.
//
// Every message carries our own Message-ID, chosen here before the first
// attempt: an attempt that died without hearing back is looked up at the
// provider by it instead of being sent twice. HTML bodies are sanitised
// before they are stored (nothing scripted goes out under the user's name),
// and the plain-text part is derived from them.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import sanitizeHtml from 'sanitize-html';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { dateRangeConditions, paged, type DateBound, type ListParams } from '../platform/list-query.js';
import { recordOutboundMessage, type OutboundMessageRow } from '../platform/outbound-message.js';
import { transaction } from '../platform/transaction.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { MailAccountRecord } from './mail-configuration.service.js';

/** What the send activity reads back from outbound_messages.payload. */
export interface MailPayload {
  from: { address: string; name: string | null };
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  text: string;
  message_id: string;
  in_reply_to: string | null;
  references: string[];
  thread_id: string | null;
  reply_to_provider_id: string | null;
  /** stored files (POST /api/storage-file/add) attached, read from storage when the mail is sent */
  attachments?: MailAttachmentRef[];
  /** a calendar invitation (iCalendar text, e.g. a booking's), sent as a text/calendar part and as invite.ics */
  invitation?: MailInvitation;
}

export interface MailInvitation {
  method: 'REQUEST' | 'CANCEL';
  ics: string;
}

export interface MailAttachmentRef {
  file_id: number;
  filename: string;
  content_type: string;
  size: number;
}

/**
 * Attachments go inline in the request (Gmail's raw message, Graph's sendMail,
 * the SMTP DATA): Graph takes at most 3 MB per inline attachment, and a whole
 * message stays well under every provider's limit (Gmail 25 MB) at 10 MB.
 */
export const MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024;
export const MAX_ATTACHMENTS_TOTAL_BYTES = 10 * 1024 * 1024;

/** The caller's organization's stored files, as a mail's attachments; 404 for a file it does not have, 422 when too large. */
async function attachmentRefs(db: Database, orgId: number, fileIds: number[]): Promise<MailAttachmentRef[]> {
  if (fileIds.length === 0) return [];
  const unique = [...new Set(fileIds)];
  const files = await db.prisma.storedFile.findMany({ where: { org_id: orgId, id: { in: unique } } });
  if (files.length !== unique.length) throw new ApiError('not_found', 'Attachment file not found');
  const tooLarge = files.find((f) => f.size > MAX_ATTACHMENT_BYTES);
  if (tooLarge) {
    throw new ApiError('validation_error', `${tooLarge.file_name} is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB, the most a mail attachment may be`, {
      code: 'attachment_too_large',
    });
  }
  if (files.reduce((sum, f) => sum + f.size, 0) > MAX_ATTACHMENTS_TOTAL_BYTES) {
    throw new ApiError('validation_error', `Attachments may total at most ${MAX_ATTACHMENTS_TOTAL_BYTES / 1024 / 1024} MB`, { code: 'attachment_too_large' });
  }
  const byId = new Map(files.map((f) => [f.id, f]));
  return unique.map((id) => {
    const f = byId.get(id)!;
    return { file_id: f.id, filename: f.file_name, content_type: f.mime_type, size: f.size };
  });
}

// what may stay in a mail's HTML: formatting, links and images; no scripts, styles, forms or event handlers
const MAIL_HTML: sanitizeHtml.IOptions = {
  allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'span', 'font', 'center']),
  allowedAttributes: { ...sanitizeHtml.defaults.allowedAttributes, '*': ['style', 'align', 'dir'], img: ['src', 'alt', 'width', 'height'], font: ['color', 'face', 'size'] },
  allowedSchemes: ['http', 'https', 'mailto', 'cid'],
};

export const sanitizeMailHtml = (html: string) => sanitizeHtml(html, MAIL_HTML);

/** The plain-text part of a sanitised HTML body. */
export function textOfHtml(html: string): string {
  const withBreaks = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|h[1-6]|tr)>/gi, '\n');
  return sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Our Message-ID for a message from `address`: unique, and in the sender's domain as RFC 5322 suggests. */
export function newMessageId(address: string): string {
  const domain = address.split('@')[1]?.trim() || 'lio.local';
  return `<${randomUUID()}@${domain}>`;
}

export interface MailToQueue {
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  /** HTML as the user wrote it: sanitised here */
  body: string;
  /** a reply: the message answered, as the provider showed it */
  replyTo?: { messageId: string | null; references: string[]; threadId: string | null; providerId: string };
  /** ids of the organization's stored files to attach */
  attachmentIds?: number[];
  invitation?: MailInvitation;
}

export function presentOutboundMessage(row: OutboundMessageRow) {
  const payload = row.payload as Partial<MailPayload> & { channel?: string; text?: string; title?: string };
  return {
    id: Number(row.id),
    channel: row.channel,
    connector: row.connector,
    config_id: row.config_id,
    status: row.status,
    to: payload.to ?? [],
    cc: payload.cc ?? [],
    bcc: payload.bcc ?? [],
    subject: payload.subject ?? payload.title ?? null,
    message_id: payload.message_id ?? null,
    in_reply_to: payload.in_reply_to ?? null,
    attachments: (payload.attachments ?? []).map((a) => ({ file_id: a.file_id, filename: a.filename, size: a.size })),
    /** Slack/Teams: the channel; mail: null */
    destination: row.channel === 'mail' ? null : (payload.channel ?? null),
    preview: (payload.text ?? '').slice(0, 500),
    provider_message_id: row.provider_message_id,
    attempts: row.attempts,
    last_error: row.last_error,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    sent_at: row.sent_at?.toISOString() ?? null,
  };
}

export type OutboundMessageView = ReturnType<typeof presentOutboundMessage>;

/**
 * Records a message to send through `account` and the event that starts its
 * delivery, in one transaction (status queued). The same `idempotencyKey`
 * (a client's Idempotency-Key) answers the message already recorded under it.
 */
export async function queueMail(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  account: Pick<MailAccountRecord, 'configId' | 'mailer' | 'address' | 'fromName' | 'needsReauth'>,
  mail: MailToQueue,
  idempotencyKey?: string,
): Promise<OutboundMessageView> {
  assertMayQueueThrough(account);
  const attachments = await attachmentRefs(db, scope.orgId, mail.attachmentIds ?? []);
  const message = await transaction(db.pool, { actorId: scope.userId }, (client) =>
    recordQueuedMail(client, scope, account, mail, attachments, idempotencyKey ? `mail:client:${scope.userId ?? 0}:${idempotencyKey}` : undefined),
  );
  return presentOutboundMessage(message);
}

function assertMayQueueThrough(account: Pick<MailAccountRecord, 'needsReauth'>) {
  if (account.needsReauth) {
    throw new ApiError('validation_error', 'The mail provider refused this configuration\'s credentials: add it again to authorise it', {
      code: 'mail_reauth_required',
    });
  }
}

/**
 * queueMail inside the caller's transaction (`client`), for a mail that must
 * be queued together with the change it tells about (a booking and its
 * confirmation). `recordKey` is the send-once key: the same key answers the
 * message recorded under it. Stored-file attachments are not taken here.
 */
export async function queueMailIn(
  client: pg.PoolClient,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  account: Pick<MailAccountRecord, 'configId' | 'mailer' | 'address' | 'fromName' | 'needsReauth'>,
  mail: Omit<MailToQueue, 'attachmentIds'>,
  recordKey: string,
): Promise<OutboundMessageView> {
  assertMayQueueThrough(account);
  return presentOutboundMessage(await recordQueuedMail(client, scope, account, mail, [], recordKey));
}

/** The message's payload and send-once record, and the event that starts its delivery (when the record is new). */
async function recordQueuedMail(
  client: pg.PoolClient,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  account: Pick<MailAccountRecord, 'configId' | 'mailer' | 'address' | 'fromName'>,
  mail: MailToQueue,
  attachments: MailAttachmentRef[],
  recordKey: string | undefined,
): Promise<OutboundMessageRow> {
  const html = sanitizeMailHtml(mail.body);
  const messageId = newMessageId(account.address);
  const references = mail.replyTo ? [...mail.replyTo.references, ...(mail.replyTo.messageId ? [mail.replyTo.messageId] : [])] : [];
  const payload: MailPayload = {
    from: { address: account.address, name: account.fromName },
    to: mail.to,
    cc: mail.cc ?? [],
    bcc: mail.bcc ?? [],
    subject: mail.subject,
    html,
    text: textOfHtml(html),
    message_id: messageId,
    in_reply_to: mail.replyTo?.messageId ?? null,
    references: [...new Set(references)],
    thread_id: mail.replyTo?.threadId ?? null,
    reply_to_provider_id: mail.replyTo?.providerId ?? null,
    ...(attachments.length > 0 ? { attachments } : {}),
    ...(mail.invitation ? { invitation: mail.invitation } : {}),
  };
  const recorded = await recordOutboundMessage(client, {
    orgId: scope.orgId,
    channel: 'mail',
    connector: account.mailer,
    configId: account.configId,
    idempotencyKey: recordKey ?? `mail:${messageId}`,
    payload: payload as unknown as Record<string, unknown>,
    createdBy: scope.userId,
  });
  if (recorded.created) {
    await client.query(`INSERT INTO outbox_events (org_id, kind, payload) VALUES ($1, 'mail.send', jsonb_build_object('messageId', $2::text))`, [
      scope.orgId,
      String(recorded.message.id),
    ]);
  }
  return recorded.message;
}

/** A message the caller sent (an admin: anyone of the organization); 404 otherwise. */
export async function getOutboundMessage(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, id: number): Promise<OutboundMessageView> {
  const { rows } = await db.pool.query<OutboundMessageRow>(
    `SELECT * FROM outbound_messages WHERE org_id = $1 AND id = $2 AND ($3::boolean OR created_by = $4)`,
    [scope.orgId, id, isAdmin(scope), scope.userId],
  );
  if (!rows[0]) throw new ApiError('not_found', 'Outbound message not found');
  return presentOutboundMessage(rows[0]);
}

export interface SandboxListParams extends Pick<ListParams, 'page' | 'limit' | 'search_value'> {
  channel?: 'mail' | 'slack' | 'teams';
  start_date?: DateBound;
  end_date?: DateBound;
}

/** What the sandbox connectors recorded instead of sending (all channels), newest first: GET /api/sandbox/messages and the /sandbox page. */
export async function listSandboxMessages(db: Database, scope: Pick<Scope, 'orgId'>, params: SandboxListParams) {
  const { rows, total } = await sandboxRows(db, scope.orgId, params);
  return paged(rows.map(presentOutboundMessage), total, params);
}

/** A page of sandbox-recorded rows (of one mail configuration when configId is given) and how many match. */
export async function sandboxRows(db: Database, orgId: number, params: SandboxListParams, configId?: number) {
  const conditions = [
    Prisma.sql`org_id = ${orgId}`,
    Prisma.sql`connector = 'sandbox'`,
    ...(params.channel ? [Prisma.sql`channel = ${params.channel}`] : []),
    ...(configId !== undefined ? [Prisma.sql`config_id = ${configId}`] : []),
    ...(params.search_value ? [Prisma.sql`(payload->>'subject' ILIKE ${`%${params.search_value}%`} OR payload->>'text' ILIKE ${`%${params.search_value}%`})`] : []),
    ...dateRangeConditions('created_at', params.start_date, params.end_date),
  ];
  const where = Prisma.join(conditions, ' AND ');
  // optional filters over a JSON payload: Prisma.sql keeps the values parameters
  const [rows, count] = await Promise.all([
    db.prisma.$queryRaw<OutboundMessageRow[]>(
      Prisma.sql`SELECT * FROM outbound_messages WHERE ${where} ORDER BY id DESC LIMIT ${params.limit} OFFSET ${(params.page - 1) * params.limit}`,
    ),
    db.prisma.$queryRaw<{ n: bigint }[]>(Prisma.sql`SELECT count(*) AS n FROM outbound_messages WHERE ${where}`),
  ]);
  return { rows, total: Number(count[0]?.n ?? 0) };
}

/** One sandbox-recorded mail of a configuration, as the inbox shows messages; 404 when there is none such. */
export async function getSandboxMail(db: Database, orgId: number, configId: number, id: string): Promise<OutboundMessageRow> {
  if (!/^\d{1,18}$/.test(id)) throw new ApiError('not_found', 'Message not found');
  const { rows } = await db.pool.query<OutboundMessageRow>(
    `SELECT * FROM outbound_messages WHERE org_id = $1 AND config_id = $2 AND id = $3 AND connector = 'sandbox' AND channel = 'mail'`,
    [orgId, configId, id],
  );
  if (!rows[0]) throw new ApiError('not_found', 'Message not found');
  return rows[0];
}

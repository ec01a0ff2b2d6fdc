// Outlook (Microsoft 365) mail through Microsoft Graph, on the Graph client of
// connectors/microsoft/graph.ts (own auth middleware, egress transport, no
// client retries). Tokens: the stored access token until it expires or Graph
// refuses it, then one refresh_token grant at MICROSOFT_TOKEN_URL, whose
// result is handed to onTokens for storing; a refused refresh is
// ConnectorError 'auth'.
//
// - send: POST /me/sendMail (a reply: POST /me/messages/{id}/reply, which
//   keeps the conversation's threading headers, since Graph accepts only
//   x- custom headers) with our internetMessageId, so an in-doubt send is
//   found by `$filter=internetMessageId eq '…'` rather than sent again.
// - list: $top/$skip paging with $count; well-known folder names.
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Egress } from '../egress.js';
import { createGraphClient, graphConnectorError, refreshMicrosoftToken } from '../microsoft/graph.js';
import {
  INVITATION_FILENAME,
  OUTLOOK_FOLDERS,
  type MailAttachment,
  type MailConnector,
  type MailConnectorHooks,
  type MailDetail,
  type MailListQuery,
  type MailSummary,
  type OAuthMailCredentials,
  type OutgoingMail,
} from './mail-connector.js';

export interface OutlookSettings {
  egress: Egress;
  /** MICROSOFT_GRAPH_BASE_URL, version included */
  graphBaseUrl: string;
  tokenUrl: string;
  clientId?: string;
  clientSecret?: string;
}

// a token this close to its expiry is refreshed before use rather than sent to be refused
const EXPIRY_MARGIN_MS = 60_000;

interface GraphRecipient {
  emailAddress?: { address?: string; name?: string };
}

interface GraphMessage {
  id?: string;
  conversationId?: string;
  subject?: string;
  bodyPreview?: string;
  receivedDateTime?: string;
  isRead?: boolean;
  internetMessageId?: string;
  from?: GraphRecipient;
  toRecipients?: GraphRecipient[];
  ccRecipients?: GraphRecipient[];
  body?: { contentType?: string; content?: string };
  internetMessageHeaders?: { name?: string; value?: string }[];
  attachments?: { name?: string; contentType?: string; size?: number }[];
}

const SUMMARY_FIELDS = 'id,conversationId,subject,bodyPreview,receivedDateTime,isRead,from,toRecipients,internetMessageId';

const addressOf = (r: GraphRecipient | undefined) => {
  const email = r?.emailAddress;
  if (!email?.address) return null;
  return email.name ? `${email.name} <${email.address}>` : email.address;
};
const addressesOf = (list: GraphRecipient[] | undefined) => (list ?? []).map(addressOf).filter((a): a is string => a !== null);
const recipients = (addresses: string[] | undefined) => (addresses ?? []).map((address) => ({ emailAddress: { address } }));

function summaryOf(m: GraphMessage): MailSummary {
  return {
    id: m.id ?? '',
    thread_id: m.conversationId ?? null,
    from: addressOf(m.from),
    to: addressesOf(m.toRecipients),
    subject: m.subject ?? null,
    snippet: m.bodyPreview ?? null,
    date: m.receivedDateTime ?? null,
    unread: m.isRead === false,
  };
}

/** OData string literal: a quote is doubled. */
const odataString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** The $filter of a list query (Graph cannot combine $search with $filter on messages: search wins, dates are then not applied). */
export function outlookFilter(query: Pick<MailListQuery, 'unreadOnly' | 'after' | 'before'>): string | undefined {
  const terms = [
    query.unreadOnly ? 'isRead eq false' : undefined,
    query.after ? `receivedDateTime ge ${query.after.toISOString()}` : undefined,
    query.before ? `receivedDateTime lt ${query.before.toISOString()}` : undefined,
  ].filter((t): t is string => Boolean(t));
  return terms.length > 0 ? terms.join(' and ') : undefined;
}

/** Graph's sendMail takes no raw MIME part: an invitation goes as a text/calendar file attachment (Outlook offers to add it to the calendar). */
const attachmentsOf = (mail: OutgoingMail): MailAttachment[] => [
  ...(mail.attachments ?? []),
  ...(mail.invitation
    ? [{ filename: INVITATION_FILENAME, contentType: `text/calendar; charset=utf-8; method=${mail.invitation.method}`, content: Buffer.from(mail.invitation.content, 'utf8') }]
    : []),
];

function graphMessageOf(mail: OutgoingMail) {
  return {
    subject: mail.subject,
    body: { contentType: 'HTML', content: mail.html },
    toRecipients: recipients(mail.to),
    ccRecipients: recipients(mail.cc),
    bccRecipients: recipients(mail.bcc),
    internetMessageId: mail.messageId,
    ...(attachmentsOf(mail).length
      ? {
          attachments: attachmentsOf(mail).map((a) => ({
            '@odata.type': '#microsoft.graph.fileAttachment',
            name: a.filename,
            contentType: a.contentType,
            contentBytes: a.content.toString('base64'),
          })),
        }
      : {}),
  };
}

export function createOutlookConnector(settings: OutlookSettings, tokens: OAuthMailCredentials, hooks: MailConnectorHooks = {}): MailConnector {
  let current = { ...tokens };
  const refresh = async () => {
    current = await refreshMicrosoftToken(settings, current.refresh_token);
    hooks.onTokens?.(current);
  };
  const graph: Client = createGraphClient({
    baseUrl: settings.graphBaseUrl,
    egress: settings.egress,
    async accessToken(options) {
      const expired = current.expiry_date !== undefined && current.expiry_date - EXPIRY_MARGIN_MS <= Date.now();
      if (options?.forceRefresh || expired) await refresh();
      return current.access_token;
    },
  });
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw graphConnectorError(err, settings.egress);
    }
  };

  return {
    mailer: 'outlook',

    verify: () =>
      call(async () => {
        await graph.api('/me').select('id,mail,userPrincipalName').get();
      }),

    send: (mail) =>
      call(async () => {
        if (mail.replyToProviderId) {
          await graph.api(`/me/messages/${encodeURIComponent(mail.replyToProviderId)}/reply`).post({ message: graphMessageOf(mail) });
        } else {
          await graph.api('/me/sendMail').post({ message: graphMessageOf(mail), saveToSentItems: true });
        }
        // sendMail and reply answer 202 without the new message's id
        return { providerMessageId: null };
      }),

    findSentByMessageId: (messageId) =>
      call(async () => {
        const found = (await graph.api('/me/messages').filter(`internetMessageId eq ${odataString(messageId)}`).select('id').top(1).get()) as {
          value?: { id?: string }[];
        };
        const first = found.value?.[0];
        return first ? { state: 'found' as const, providerMessageId: first.id ?? null } : { state: 'not_found' as const };
      }),

    reader: {
      listMessages: (query) =>
        call(async () => {
          const folder = OUTLOOK_FOLDERS[query.folder ?? 'inbox'] ?? query.folder!;
          let request = graph
            .api(`/me/mailFolders/${encodeURIComponent(folder)}/messages`)
            .select(SUMMARY_FIELDS)
            .top(query.limit)
            .skip((query.page - 1) * query.limit)
            .count(true);
          if (query.search) request = request.search(`"${query.search.replace(/"/g, '')}"`).header('ConsistencyLevel', 'eventual');
          else {
            const filter = outlookFilter(query);
            if (filter) request = request.filter(filter);
            request = request.orderby('receivedDateTime desc');
          }
          const page = (await request.get()) as { value?: GraphMessage[]; '@odata.count'?: number };
          const messages = (page.value ?? []).map(summaryOf);
          return { messages, total: page['@odata.count'] ?? (query.page - 1) * query.limit + messages.length };
        }),

      getMessage: (id) =>
        call(async () => {
          const m = (await graph
            .api(`/me/messages/${encodeURIComponent(id)}`)
            .select(`${SUMMARY_FIELDS},ccRecipients,body,internetMessageHeaders`)
            .expand('attachments($select=name,contentType,size)')
            .get()) as GraphMessage;
          const headerOf = (name: string) => m.internetMessageHeaders?.find((h) => h.name?.toLowerCase() === name.toLowerCase())?.value ?? null;
          const html = m.body?.contentType?.toLowerCase() === 'html' ? (m.body.content ?? null) : null;
          const detail: MailDetail = {
            ...summaryOf(m),
            cc: addressesOf(m.ccRecipients),
            message_id: m.internetMessageId ?? null,
            references: (headerOf('References') ?? '').split(/\s+/).filter(Boolean),
            html,
            text: html === null ? (m.body?.content ?? null) : null,
            attachments: (m.attachments ?? []).map((a) => ({ filename: a.name ?? '', content_type: a.contentType ?? 'application/octet-stream', size: a.size ?? 0 })),
          };
          return detail;
        }),
    },
  };
}

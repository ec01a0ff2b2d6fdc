// Gmail through @googleapis/gmail (the generated client of the googleapis
// project) with the account's OAuth2 tokens (connectors/google/google-auth.ts:
// egress agent, operator's token URL, refresh on 401, refreshed tokens handed
// back). The API root is the operator's GOOGLE_API_BASE_URL, set on the
// client AND on every call (ENGINEERING §8: some calls ignore the client's).
//
// - send: the message is composed here as MIME (nodemailer's MailComposer:
//   our Message-ID, In-Reply-To/References, attachments; connectors/mail/mime.ts) and posted raw;
//   gaxios never retries a POST and its retries are off anyway.
// - findSentByMessageId: the `rfc822msgid:` search, sent and spam/trash
//   included, so an in-doubt send is looked up rather than sent again.
// - list: Gmail pages by token, the API by number: the ids of the pages
//   before the one asked for are walked (ids only), then the page's messages
//   are read with their headers.
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { ConnectorError } from '../connector-error.js';
import type { Egress } from '../egress.js';
import { createGoogleAuth, googleConnectorError } from '../google/google-auth.js';
import { composeMime } from './mime.js';
import {
  GMAIL_FOLDERS,
  type MailConnector,
  type MailConnectorHooks,
  type MailDetail,
  type MailListQuery,
  type MailSummary,
  type OAuthMailCredentials,
  type OutgoingMail,
} from './mail-connector.js';

export interface GmailSettings {
  egress: Egress;
  clientId?: string;
  clientSecret?: string;
  tokenUrl: string;
  /** GOOGLE_API_BASE_URL; absent: Google's own */
  apiBaseUrl?: string;
}

/** Gmail walks pages by token; deeper than this a numbered page is refused rather than walked. */
export const GMAIL_MAX_PAGE_WALK = 50;

const LIST_HEADERS = ['From', 'To', 'Subject', 'Date', 'Message-ID'];

type Headers = gmail_v1.Schema$MessagePartHeader[] | undefined;
const header = (headers: Headers, name: string) => headers?.find((h) => h.name?.toLowerCase() === name.toLowerCase())?.value ?? null;
const addressList = (value: string | null) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);
const dateOf = (message: gmail_v1.Schema$Message) => (message.internalDate ? new Date(Number(message.internalDate)).toISOString() : null);

function summaryOf(message: gmail_v1.Schema$Message): MailSummary {
  const headers = message.payload?.headers;
  return {
    id: message.id ?? '',
    thread_id: message.threadId ?? null,
    from: header(headers, 'From'),
    to: addressList(header(headers, 'To')),
    subject: header(headers, 'Subject'),
    snippet: message.snippet ?? null,
    date: dateOf(message),
    unread: message.labelIds?.includes('UNREAD') ?? false,
  };
}

/** The first body of a MIME type anywhere in the part tree, decoded. */
function bodyOf(part: gmail_v1.Schema$MessagePart | undefined, mimeType: string): string | null {
  if (!part) return null;
  if (part.mimeType === mimeType && part.body?.data && !part.filename) return Buffer.from(part.body.data, 'base64url').toString('utf8');
  for (const child of part.parts ?? []) {
    const found = bodyOf(child, mimeType);
    if (found !== null) return found;
  }
  return null;
}

function attachmentsOf(part: gmail_v1.Schema$MessagePart | undefined): MailDetail['attachments'] {
  if (!part) return [];
  const own = part.filename ? [{ filename: part.filename, content_type: part.mimeType ?? 'application/octet-stream', size: part.body?.size ?? 0 }] : [];
  return [...own, ...(part.parts ?? []).flatMap(attachmentsOf)];
}

/** Gmail's search syntax for the list's filters (dates as epoch seconds, which Gmail reads as instants). */
export function gmailQuery(query: Pick<MailListQuery, 'search' | 'unreadOnly' | 'after' | 'before'>): string | undefined {
  const terms = [
    query.search?.trim(),
    query.unreadOnly ? 'is:unread' : undefined,
    query.after ? `after:${Math.floor(query.after.getTime() / 1000)}` : undefined,
    query.before ? `before:${Math.ceil(query.before.getTime() / 1000)}` : undefined,
  ].filter((t): t is string => Boolean(t));
  return terms.length > 0 ? terms.join(' ') : undefined;
}

export function createGmailConnector(settings: GmailSettings, address: string, tokens: OAuthMailCredentials, hooks: MailConnectorHooks = {}): MailConnector {
  const auth = createGoogleAuth({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    tokenUrl: settings.tokenUrl,
    egress: settings.egress,
    tokens,
    onTokens: hooks.onTokens,
  });
  const rootUrl = settings.apiBaseUrl ? `${settings.apiBaseUrl.replace(/\/+$/, '')}/` : undefined;
  // googleapis-common turns gaxios' retries back on per request (3x on GET for 429/5xx, ignoring Retry-After): off, the activities retry
  const client = gmail({ version: 'v1', auth, retry: false, ...(rootUrl ? { rootUrl } : {}) });
  // per call as well: media uploads and some methods ignore the client's rootUrl (ENGINEERING §8)
  const callOptions = { retry: false, ...(rootUrl ? { rootUrl } : {}) };
  const failure = (err: unknown) => googleConnectorError(err, { provider: 'gmail', tokenUrl: settings.tokenUrl, egress: settings.egress });
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw failure(err);
    }
  };

  async function idsOfPage(query: MailListQuery) {
    const labelIds = [GMAIL_FOLDERS[query.folder ?? 'inbox'] ?? query.folder!];
    const q = gmailQuery(query);
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const { data } = await client.users.messages.list({ userId: 'me', labelIds, q, maxResults: query.limit, pageToken }, callOptions);
      if (page === query.page) return { ids: (data.messages ?? []).map((m) => m.id!).filter(Boolean), estimate: data.resultSizeEstimate ?? 0 };
      if (!data.nextPageToken) return { ids: [], estimate: data.resultSizeEstimate ?? 0 };
      pageToken = data.nextPageToken;
    }
  }

  return {
    mailer: 'gmail',

    verify: () =>
      call(async () => {
        await client.users.getProfile({ userId: 'me' }, callOptions);
      }),

    send: (mail) =>
      call(async () => {
        const raw = (await composeMime(mail, { keepBcc: true })).toString('base64url');
        const { data } = await client.users.messages.send(
          { userId: 'me', requestBody: { raw, ...(mail.threadId ? { threadId: mail.threadId } : {}) } },
          callOptions,
        );
        return { providerMessageId: data.id ?? null };
      }),

    findSentByMessageId: (messageId) =>
      call(async () => {
        const { data } = await client.users.messages.list(
          { userId: 'me', q: `rfc822msgid:${messageId.replace(/^<|>$/g, '')}`, includeSpamTrash: true, maxResults: 1 },
          callOptions,
        );
        const found = data.messages?.[0];
        return found ? { state: 'found' as const, providerMessageId: found.id ?? null } : { state: 'not_found' as const };
      }),

    reader: {
      listMessages: (query) =>
        call(async () => {
          if (query.page > GMAIL_MAX_PAGE_WALK) {
            throw new ConnectorError('rejected', `Gmail pages by token: pages beyond ${GMAIL_MAX_PAGE_WALK} are not walked (narrow the list with search or dates)`, {
              provider: 'gmail',
            });
          }
          const { ids, estimate } = await idsOfPage(query);
          const messages = await Promise.all(
            ids.map(async (id) => {
              const { data } = await client.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: LIST_HEADERS }, callOptions);
              return summaryOf(data);
            }),
          );
          return { messages, total: Math.max(estimate, (query.page - 1) * query.limit + messages.length) };
        }),

      getMessage: (id) =>
        call(async () => {
          const { data } = await client.users.messages.get({ userId: 'me', id, format: 'full' }, callOptions);
          const headers = data.payload?.headers;
          return {
            ...summaryOf(data),
            cc: addressList(header(headers, 'Cc')),
            message_id: header(headers, 'Message-ID'),
            references: (header(headers, 'References') ?? '').split(/\s+/).filter(Boolean),
            html: bodyOf(data.payload, 'text/html'),
            text: bodyOf(data.payload, 'text/plain'),
            attachments: attachmentsOf(data.payload),
          };
        }),
    },
  };
}

// One interface for every mail provider a user's mailbox can live at (§6.11):
// Gmail (@googleapis/gmail), Outlook (Microsoft Graph), any other provider
// over SMTP (nodemailer), and the sandbox that sends nothing. The domain and
// the activities see only this; which implementation serves an account is
// the composition root's choice (services/services.ts → createMailConnectors).
//
// Sending is split from reading: an SMTP account has no inbox to read here
// (IMAP is left out, README "Mail"), the sandbox's "inbox" is what LIO
// recorded, which the domain reads from its own table.
//
// Every method throws ConnectorError (connectors/connector-error.ts) and
// nothing else; no implementation retries on its own: the Temporal activity
// that calls `send` decides (it holds the send-once record).

export type MailerKind = 'gmail' | 'outlook' | 'smtp' | 'sandbox';

export interface OAuthMailCredentials {
  access_token: string;
  refresh_token?: string;
  /** epoch milliseconds */
  expiry_date?: number;
}

export interface PasswordMailCredentials {
  password: string;
}

export type MailCredentials = OAuthMailCredentials | PasswordMailCredentials;

/** What is not secret about an SMTP account; the others need nothing beyond their tokens. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (465); false: STARTTLS when the server offers it (587, 25) */
  secure: boolean;
  /** the login; default: the from address */
  user?: string;
}

export interface MailAccount {
  mailer: MailerKind;
  address: string;
  credentials: MailCredentials;
  settings: Partial<SmtpSettings> & Record<string, unknown>;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface OutgoingMail {
  from: { address: string; name?: string | null };
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  html: string;
  text: string;
  /** our own Message-ID (`<…@…>`), set before the first attempt: how an in-doubt send is found at the provider */
  messageId: string;
  /** a reply: the Message-ID it answers and the thread's References, kept so mail clients thread it */
  inReplyTo?: string;
  references?: string[];
  /** the provider's id of the message answered (Outlook replies through it) and its thread (Gmail keeps the reply in it) */
  replyToProviderId?: string;
  threadId?: string | null;
  attachments?: MailAttachment[];
  /** a calendar invitation (iCalendar text whose METHOD is `method`): a text/calendar part mail clients offer to accept, and invite.ics */
  invitation?: { method: 'REQUEST' | 'CANCEL'; content: string };
}

/** The name an invitation is attached under. */
export const INVITATION_FILENAME = 'invite.ics';

export interface SentMail {
  /** the provider's id for the sent message; null where the provider does not say (Outlook's sendMail answers 202 without one) */
  providerMessageId: string | null;
}

export type SentLookup =
  /** the provider has it: it was sent */
  | { state: 'found'; providerMessageId: string | null }
  /** the provider certainly does not have it: sending it now sends it once */
  | { state: 'not_found' }
  /** the provider cannot be asked (SMTP): whether it went out is unknown */
  | { state: 'unknown' };

export interface MailListQuery {
  /** inbox (default), sent, drafts, spam, trash, or the provider's own folder/label id */
  folder?: string;
  search?: string;
  unreadOnly?: boolean;
  /** received at or after / before */
  after?: Date;
  before?: Date;
  page: number;
  limit: number;
}

export interface MailSummary {
  id: string;
  thread_id: string | null;
  from: string | null;
  to: string[];
  subject: string | null;
  snippet: string | null;
  /** ISO 8601 */
  date: string | null;
  unread: boolean;
}

export interface MailDetail extends MailSummary {
  cc: string[];
  /** the RFC 5322 Message-ID, which a reply's In-Reply-To names */
  message_id: string | null;
  references: string[];
  /** as the provider has it: the API sanitises before showing */
  html: string | null;
  text: string | null;
  attachments: { filename: string; content_type: string; size: number }[];
}

export interface MailPage {
  messages: MailSummary[];
  /** the provider's count of matching messages (Gmail's is an estimate) */
  total: number;
}

export interface MailReader {
  listMessages(query: MailListQuery): Promise<MailPage>;
  /** ConnectorError not_found when the mailbox has no such message */
  getMessage(id: string): Promise<MailDetail>;
}

export interface MailConnector {
  readonly mailer: MailerKind;
  /** the test call made before a configuration is stored: the credentials work (ConnectorError auth / rejected when not) */
  verify(): Promise<void>;
  send(mail: OutgoingMail): Promise<SentMail>;
  /** whether an earlier attempt's message reached the provider, by our Message-ID */
  findSentByMessageId(messageId: string): Promise<SentLookup>;
  /** null where this kind of account has no inbox LIO can read (SMTP, the sandbox) */
  readonly reader: MailReader | null;
}

/** What a connector reports when the provider refreshed the account's tokens: store them (sealed) for the next call. */
export interface MailConnectorHooks {
  onTokens?(tokens: OAuthMailCredentials): void;
}

export const isOAuthCredentials = (credentials: MailCredentials): credentials is OAuthMailCredentials => 'access_token' in credentials;

/** Well-known folder names → Gmail label ids. */
export const GMAIL_FOLDERS: Record<string, string> = { inbox: 'INBOX', sent: 'SENT', drafts: 'DRAFT', spam: 'SPAM', trash: 'TRASH', starred: 'STARRED' };

/** Well-known folder names → Outlook's well-known folder names. */
export const OUTLOOK_FOLDERS: Record<string, string> = {
  inbox: 'inbox',
  sent: 'sentitems',
  drafts: 'drafts',
  spam: 'junkemail',
  trash: 'deleteditems',
  archive: 'archive',
};

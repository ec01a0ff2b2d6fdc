// Tracked email (§9.2): every email LIO sends on behalf of engagement (an
// approved AI draft, an ABM bulk email, a sequence step) is recorded as a
// tracked_emails row, and its HTML carries, before it is queued:
// - an open pixel: /api/v1/track/open/<token>, the token naming the row;
// - click links: every http(s) link becomes /api/v1/track/click/<token>,
//   the token sealing the row AND the original URL, so the redirect can only
//   ever go where the sender's email pointed (never an open redirect);
// - an unsubscribe link: /api/v1/track/unsubscribe/<token> (organization +
//   address), which suppresses the address for that organization.
// Tokens are signed (domain/platform/signed-token.ts): a tampered or made-up
// token verifies to nothing, and the public endpoints record nothing for it.
import sanitizeHtml from 'sanitize-html';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import type { TokenSigner } from '../platform/signed-token.js';
import type { MailAccountRecord } from '../communications/mail-configuration.service.js';
import { queueMail, sanitizeMailHtml, type MailToQueue, type OutboundMessageView } from '../communications/mail-delivery.js';

/** The purposes a tracking token is signed for: a token of one is refused as another. */
export const TRACKING_PURPOSE = { open: 'track-open', click: 'track-click', unsubscribe: 'unsubscribe' } as const;

/** A link longer than this is left as it is (not tracked) rather than made into a token a mail client may cut. */
export const MAX_TRACKED_URL_LENGTH = 2048;

export interface OpenToken {
  /** tracked_emails.id */
  e: number;
}
export interface ClickToken {
  e: number;
  /** the link's original URL */
  u: string;
}
export interface UnsubscribeToken {
  /** organization id */
  o: number;
  /** lower-case address */
  a: string;
}

const isInt = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** The tracked email of an open token, or null for anything not signed by us as one. */
export function readOpenToken(tokens: TokenSigner, token: string): OpenToken | null {
  const data = tokens.verify(TRACKING_PURPOSE.open, token) as Partial<OpenToken> | null;
  return data && isInt(data.e) ? { e: data.e } : null;
}

/** The tracked email and target URL of a click token, or null (a forged or altered token: no redirect at all). */
export function readClickToken(tokens: TokenSigner, token: string): ClickToken | null {
  const data = tokens.verify(TRACKING_PURPOSE.click, token) as Partial<ClickToken> | null;
  if (!data || !isInt(data.e) || typeof data.u !== 'string' || !isTrackableUrl(data.u)) return null;
  return { e: data.e, u: data.u };
}

export function readUnsubscribeToken(tokens: TokenSigner, token: string): UnsubscribeToken | null {
  const data = tokens.verify(TRACKING_PURPOSE.unsubscribe, token) as Partial<UnsubscribeToken> | null;
  return data && isInt(data.o) && typeof data.a === 'string' && data.a.includes('@') ? { o: data.o, a: data.a } : null;
}

function isTrackableUrl(url: string): boolean {
  if (url.length > MAX_TRACKED_URL_LENGTH) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface TrackingLinks {
  tokens: TokenSigner;
  /** PUBLIC_BASE_URL: where recipients' mail clients reach the tracking endpoints */
  publicBaseUrl: string;
}

const publicUrl = (links: TrackingLinks, path: string) => `${links.publicBaseUrl.replace(/\/+$/, '')}${path}`;

export const unsubscribeUrl = (links: TrackingLinks, orgId: number, address: string) =>
  publicUrl(links, `/api/v1/track/unsubscribe/${links.tokens.sign(TRACKING_PURPOSE.unsubscribe, { o: orgId, a: address.toLowerCase() } satisfies UnsubscribeToken)}`);

/**
 * The email's sanitised HTML with its links tracked, the unsubscribe link
 * and the open pixel added (last, so a client that loads images lazily
 * still reaches it only when the message is shown).
 */
export function instrumentHtml(html: string, links: TrackingLinks, trackedEmailId: number, unsubscribe: { orgId: number; address: string }): string {
  // a second pass over HTML the mail rules just sanitised, only to rewrite
  // links: it keeps what the first pass kept (no script or style is left to
  // allow, so sanitize-html's warning about allowing them does not apply)
  const tracked = sanitizeHtml(sanitizeMailHtml(html), {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs.href;
        if (!href || !isTrackableUrl(href)) return { tagName, attribs };
        const token = links.tokens.sign(TRACKING_PURPOSE.click, { e: trackedEmailId, u: href } satisfies ClickToken);
        return { tagName, attribs: { ...attribs, href: publicUrl(links, `/api/v1/track/click/${token}`) } };
      },
    },
  });
  const pixel = publicUrl(links, `/api/v1/track/open/${links.tokens.sign(TRACKING_PURPOSE.open, { e: trackedEmailId } satisfies OpenToken)}`);
  const footer = `<p style="font-size:12px;color:#6b7280"><a href="${unsubscribeUrl(links, unsubscribe.orgId, unsubscribe.address)}">Unsubscribe</a></p>`;
  return `${tracked}${footer}<img src="${pixel}" width="1" height="1" alt="" />`;
}

/** Whom a tracked email is about: what its opens and clicks are counted against. */
export interface TrackedMailTarget {
  source: 'ai_email' | 'abm_bulk' | 'sequence';
  leadId?: number | null;
  contactId?: number | null;
  targetAccountId?: number | null;
  /** the one recipient (tracking is per person) */
  recipient: string;
}

/** Lower-cased addresses among `addresses` that the organization must not email (unsubscribed, bounced). */
export async function suppressedAddresses(db: Database, orgId: number, addresses: readonly string[]): Promise<Set<string>> {
  if (addresses.length === 0) return new Set();
  const { rows } = await db.pool.query<{ email: string }>('SELECT email FROM email_suppressions WHERE org_id = $1 AND email = ANY($2::text[])', [
    orgId,
    addresses.map((a) => a.toLowerCase()),
  ]);
  return new Set(rows.map((r) => r.email));
}

/**
 * Queues one tracked email to one person: its tracked_emails row (found
 * again under the same `idempotencyKey`, so a retried caller tracks and
 * queues one message, not two), the instrumented HTML, and the message
 * through the mail pipeline (send once, durable delivery). Refuses
 * (422 recipient_unsubscribed) an address the organization must not email.
 */
export async function queueTrackedMail(
  db: Database,
  links: TrackingLinks,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  account: Pick<MailAccountRecord, 'configId' | 'mailer' | 'address' | 'fromName' | 'needsReauth'>,
  mail: Pick<MailToQueue, 'subject' | 'body' | 'cc' | 'bcc'>,
  target: TrackedMailTarget,
  idempotencyKey: string,
): Promise<{ message: OutboundMessageView; trackedEmailId: number }> {
  const recipient = target.recipient.trim();
  if ((await suppressedAddresses(db, scope.orgId, [recipient])).size > 0) {
    throw new ApiError('validation_error', `${recipient} unsubscribed from this organization's email`, { code: 'recipient_unsubscribed' });
  }
  const inserted = await db.pool.query<{ id: number }>(
    `INSERT INTO tracked_emails (org_id, lead_id, contact_id, target_account_id, source, recipient, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (org_id, idempotency_key) DO NOTHING
     RETURNING id`,
    [scope.orgId, target.leadId ?? null, target.contactId ?? null, target.targetAccountId ?? null, target.source, recipient, idempotencyKey],
  );
  // Found again by a statement of its own: when a concurrent caller with the same key inserted first, the
  // INSERT above waited for it and did nothing, and a SELECT in that same statement (its snapshot taken
  // before the other committed) would not see the row either.
  const trackedEmailId =
    inserted.rows[0]?.id ??
    (await db.pool.query<{ id: number }>('SELECT id FROM tracked_emails WHERE org_id = $1 AND idempotency_key = $2', [scope.orgId, idempotencyKey])).rows[0]!.id;
  const body = instrumentHtml(mail.body, links, trackedEmailId, { orgId: scope.orgId, address: recipient });
  const message = await queueMail(db, scope, account, { ...mail, to: [recipient], body }, `tracked:${idempotencyKey}`);
  await db.pool.query('UPDATE tracked_emails SET outbound_message_id = $3 WHERE org_id = $1 AND id = $2 AND outbound_message_id IS NULL', [
    scope.orgId,
    trackedEmailId,
    message.id,
  ]);
  return { message, trackedEmailId };
}

// What the public tracking endpoints record (§9.2, docs/engagement.md):
// opens, clicks and unsubscribes of tracked emails (domain/engagement/email-tracking.ts
// signs their tokens). A person's open becomes an email_opened signal, their
// third open of one email email_opened_3x (once), a click link_clicked.
// Machine fetches — mail-privacy proxies, link scanners, anything within
// MACHINE_WINDOW_MS of delivery — are counted apart and make no signal.
// A token that does not verify records nothing.
import type { Database } from '../platform/db.js';
import type { TokenSigner } from '../platform/signed-token.js';
import { transaction } from '../platform/transaction.js';
import { readClickToken, readOpenToken, readUnsubscribeToken } from './email-tracking.js';
import { ApiError } from '../platform/errors.js';
import { recordSignal, type SignalInput } from './intent-signals.js';

/**
 * A tracking signal for the email's lead, unless the lead was deleted since the
 * email was sent: the open or click is still counted, it just belongs to no lead
 * now. (recordSignal finds no lead without a failed statement, so the
 * transaction goes on.)
 */
async function signalOfTracking(tx: Parameters<typeof recordSignal>[0], input: SignalInput, now: Date): Promise<void> {
  try {
    await recordSignal(tx, input, now);
  } catch (err) {
    if (!(err instanceof ApiError && err.kind === 'not_found')) throw err;
  }
}

/** A fetch this soon after the message was sent is a machine's: no person opens or clicks a mail within seconds of its delivery. */
export const MACHINE_WINDOW_MS = 10_000;

/** The number of a person's opens of one email that records email_opened_3x. */
export const REPEATED_OPEN_COUNT = 3;

export interface Requester {
  userAgent: string | null;
  ip: string | null;
}

// Mail-privacy proxies and prefetchers that load images on the recipient's behalf (docs/engagement.md says which and why).
const OPEN_PROXY_AGENTS = [
  /GoogleImageProxy/i, // Gmail: images are fetched through Google's proxy (also for real human opens: see docs)
  /ggpht\.com/i,
  /YahooMailProxy/i, // Yahoo Mail prefetch
  // Outlook.com's image proxy and Exchange's server-side fetches; NOT "ms-office"/"MSOffice 16": that is desktop
  // Outlook loading images as a person reads the mail
  /OutlookImageProxy|Microsoft-Exchange/i,
  /BingPreview/i,
];

// Security gateways and link scanners that follow every link of an incoming mail.
const LINK_SCANNER_AGENTS = [
  /BingPreview|Barracuda|Mimecast|Proofpoint|Symantec|Forcepoint|SafeLinks|MSOffice-URL-Scan|Trend ?Micro|Sophos/i,
  /bot\b|crawler|spider|scanner|preview/i,
  /python-requests|curl\/|wget\/|Go-http-client|HeadlessChrome|okhttp|java\//i,
];

// Apple Mail Privacy Protection loads every image of a mail from Apple's network (17.0.0.0/8) with a bare "Mozilla/5.0" agent.
const APPLE_NETWORK = /^(::ffff:)?17\./;
const BARE_AGENT = /^Mozilla\/5\.0$/;

/** Whether an open is a mail-privacy proxy's or a prefetcher's rather than a person's, from who fetched the pixel. */
export function isMachineOpener({ userAgent, ip }: Requester): boolean {
  const agent = userAgent?.trim() ?? '';
  if (!agent) return true;
  if (OPEN_PROXY_AGENTS.some((pattern) => pattern.test(agent))) return true;
  return BARE_AGENT.test(agent) && ip !== null && APPLE_NETWORK.test(ip);
}

/** Whether a click is a link scanner's rather than a person's, from who followed the link. */
export function isMachineClicker({ userAgent }: Requester): boolean {
  const agent = userAgent?.trim() ?? '';
  return !agent || LINK_SCANNER_AGENTS.some((pattern) => pattern.test(agent));
}

export type OpenOutcome = 'ignored' | 'machine' | 'person';

/**
 * Counts an open of the email named by `token`: one UPDATE decides whether it
 * is a person's (the requester is no known machine and the mail was not sent
 * within MACHINE_WINDOW_MS) and which person's open it is (open_count after
 * it), so among concurrent opens exactly one is the third. A person's open of
 * an email about a lead records email_opened, and the third email_opened_3x,
 * in the same transaction.
 */
export async function recordOpen(db: Database, tokens: TokenSigner, token: string, requester: Requester, now = new Date()): Promise<OpenOutcome> {
  const open = readOpenToken(tokens, token);
  if (!open) return 'ignored';
  const machine = isMachineOpener(requester);
  return transaction(db.pool, { actorId: null }, async (tx) => {
    const { rows } = await tx.query<{ org_id: number; lead_id: number | null; open_count: number; person: boolean }>(
      `WITH judged AS (
         SELECT t.id, NOT $2::boolean AND (m.sent_at IS NULL OR m.sent_at <= $3::timestamptz - make_interval(secs => $4::float8 / 1000)) AS person
           FROM tracked_emails t LEFT JOIN outbound_messages m ON m.id = t.outbound_message_id AND m.org_id = t.org_id
          WHERE t.id = $1)
       UPDATE tracked_emails t
          SET open_count = t.open_count + CASE WHEN j.person THEN 1 ELSE 0 END,
              machine_open_count = t.machine_open_count + CASE WHEN j.person THEN 0 ELSE 1 END,
              first_opened_at = CASE WHEN j.person THEN coalesce(t.first_opened_at, $3) ELSE t.first_opened_at END,
              last_opened_at = CASE WHEN j.person THEN $3 ELSE t.last_opened_at END
         FROM judged j
        WHERE t.id = j.id
        RETURNING t.org_id, t.lead_id, t.open_count, j.person`,
      [open.e, machine, now, MACHINE_WINDOW_MS],
    );
    const opened = rows[0];
    if (!opened) return 'ignored';
    if (!opened.person) return 'machine';
    if (opened.lead_id !== null) {
      const signal = { orgId: opened.org_id, leadId: opened.lead_id, source: 'tracking', trackedEmailId: open.e, occurredAt: now };
      await signalOfTracking(tx, { ...signal, signalType: 'email_opened', detail: { open_count: opened.open_count } }, now);
      if (opened.open_count === REPEATED_OPEN_COUNT) {
        await signalOfTracking(tx, { ...signal, signalType: 'email_opened_3x', detail: { open_count: opened.open_count } }, now);
      }
    }
    return 'person';
  });
}

export type ClickOutcome = { url: null } | { url: string; recorded: OpenOutcome };

/**
 * The URL sealed in a click token (null: the token is not ours, no redirect
 * at all) after counting the click: a person's click on an email about a lead
 * records link_clicked. A valid token of an email that no longer exists still
 * redirects (the URL is the one the sender wrote) and records nothing.
 */
export async function recordClick(db: Database, tokens: TokenSigner, token: string, requester: Requester, now = new Date()): Promise<ClickOutcome> {
  const click = readClickToken(tokens, token);
  if (!click) return { url: null };
  const machine = isMachineClicker(requester);
  const recorded = await transaction(db.pool, { actorId: null }, async (tx): Promise<OpenOutcome> => {
    const { rows } = await tx.query<{ org_id: number; lead_id: number | null; person: boolean }>(
      `WITH judged AS (
         SELECT t.id, NOT $2::boolean AND (m.sent_at IS NULL OR m.sent_at <= $3::timestamptz - make_interval(secs => $4::float8 / 1000)) AS person
           FROM tracked_emails t LEFT JOIN outbound_messages m ON m.id = t.outbound_message_id AND m.org_id = t.org_id
          WHERE t.id = $1)
       UPDATE tracked_emails t SET click_count = t.click_count + CASE WHEN j.person THEN 1 ELSE 0 END
         FROM judged j WHERE t.id = j.id
        RETURNING t.org_id, t.lead_id, j.person`,
      [click.e, machine, now, MACHINE_WINDOW_MS],
    );
    const clicked = rows[0];
    if (!clicked) return 'ignored';
    if (!clicked.person) return 'machine';
    if (clicked.lead_id !== null) {
      await signalOfTracking(
        tx,
        { orgId: clicked.org_id, leadId: clicked.lead_id, signalType: 'link_clicked', detail: { url: click.u }, source: 'tracking', trackedEmailId: click.e, occurredAt: now },
        now,
      );
    }
    return 'person';
  });
  return { url: click.u, recorded };
}

/** The address and organization an unsubscribe token names, or null for a token that is not ours. */
export const unsubscribeTarget = (tokens: TokenSigner, token: string) => readUnsubscribeToken(tokens, token);

/**
 * Suppresses the token's address for its organization (idempotent: a second
 * unsubscribe changes nothing). False for a token that is not ours; an
 * organization that no longer exists suppresses nothing.
 */
export async function unsubscribe(db: Database, tokens: TokenSigner, token: string): Promise<boolean> {
  const target = readUnsubscribeToken(tokens, token);
  if (!target) return false;
  await db.pool.query(
    `INSERT INTO email_suppressions (org_id, email, reason)
     SELECT id, $2, 'unsubscribed' FROM organizations WHERE id = $1
     ON CONFLICT (org_id, email) DO NOTHING`,
    [target.o, target.a.toLowerCase()],
  );
  return true;
}

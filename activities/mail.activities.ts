// Mail delivery (§6.11 send and reply): one activity sends one recorded
// message (outbound_messages) through its configuration's connector, and is
// retried by Temporal, never by the SDK.
//
// Before anything, the account's shared throttle (provider_throttles) is
// honoured: a 429 anywhere, in any process, holds every send of that mailbox
// until its Retry-After. Then the message is claimed (send-once record):
// - claimed: sent now; a 429, a 5xx or a refused connection releases it (the
//   provider certainly did not take it) and the attempt fails retryably (a
//   429 with nextRetryDelay = Retry-After);
// - in doubt (an earlier attempt timed out or died mid-send): the provider is
//   asked for our Message-ID first (Gmail rfc822msgid:, Outlook
//   internetMessageId); found: it is marked sent, not sent again; SMTP
//   cannot be asked, so the message is failed rather than perhaps sent twice;
// - a timeout leaves it "sending", so the next attempt is in doubt.
// Refused credentials (after the connector's one refresh) mark the
// configuration needs_reauth and fail the message without retrying. Tokens
// refreshed during the attempt are sealed and stored, whatever its outcome.
import { ApplicationFailure } from '@temporalio/activity';
import { ConnectorError } from '../connectors/connector-error.js';
import type { MailAttachment, MailConnector } from '../connectors/mail/index.js';
import { openStoredFile } from '../domain/crm/file-attachment.service.js';
import { mailThrottleKey } from '../domain/communications/inbox.service.js';
import { markMailConfigNeedsReauth, openMailAccount, storeRefreshedTokens, type MailAccountRecord } from '../domain/communications/mail-configuration.service.js';
import type { MailPayload } from '../domain/communications/mail-delivery.js';
import { ApiError } from '../domain/platform/errors.js';
import { claimMessage, markFailed, markSent, releaseMessage, type OutboundMessageRow } from '../domain/platform/outbound-message.js';
import { pauseAfterRateLimit, waitOutThrottle } from './provider-throttle.js';
import type { ActivityDeps } from './activity-deps.js';

export interface MailDeliveryInput {
  orgId: number;
  /** the outbound_messages id (a bigint, as text) */
  messageId: string;
}

export type MailDeliveryOutcome = { status: 'sent'; providerMessageId: string | null } | { status: 'failed'; reason: string };


const outcomeOf = (message: OutboundMessageRow): MailDeliveryOutcome =>
  message.status === 'sent' ? { status: 'sent', providerMessageId: message.provider_message_id } : { status: 'failed', reason: message.last_error ?? 'not sent' };

export const IN_DOUBT_UNANSWERABLE =
  'an earlier attempt may have sent it (no answer in time) and an SMTP server cannot be asked afterwards, so it is not sent again';

function outgoingOf(payload: MailPayload, attachments: MailAttachment[]) {
  return {
    attachments,
    from: payload.from,
    to: payload.to,
    cc: payload.cc,
    bcc: payload.bcc,
    subject: payload.subject,
    html: payload.html,
    text: payload.text,
    messageId: payload.message_id,
    ...(payload.in_reply_to ? { inReplyTo: payload.in_reply_to } : {}),
    references: payload.references,
    threadId: payload.thread_id,
    ...(payload.reply_to_provider_id ? { replyToProviderId: payload.reply_to_provider_id } : {}),
    ...(payload.invitation ? { invitation: { method: payload.invitation.method, content: payload.invitation.ics } } : {}),
  };
}

export function createMailActivities({ database, services }: ActivityDeps) {
  const { pool } = database;

  async function fail(message: OutboundMessageRow, reason: string): Promise<MailDeliveryOutcome> {
    await markFailed(pool, message.id, reason);
    return { status: 'failed', reason };
  }

  async function accountOf(message: OutboundMessageRow): Promise<MailAccountRecord | null> {
    if (message.config_id === null) return null;
    try {
      return await openMailAccount(database, services.secrets, message.org_id, message.config_id);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  /** The attached files' contents, read from storage now (a file deleted since the mail was queued fails it: ApiError not_found). */
  async function attachmentsOf(orgId: number, payload: MailPayload): Promise<MailAttachment[]> {
    const files: MailAttachment[] = [];
    for (const ref of payload.attachments ?? []) {
      const file = await openStoredFile(database, services.storage, { orgId }, ref.file_id);
      files.push({ filename: file.fileName, contentType: file.mimeType, content: Buffer.from(await new Response(file.body).arrayBuffer()) });
    }
    return files;
  }

  /** Sends a claimed (or in-doubt) message; `phase` tells which call failed, since only a failed send may release the claim. */
  async function sendClaimed(
    connector: MailConnector,
    message: OutboundMessageRow,
    inDoubt: boolean,
    phase: { current: 'lookup' | 'send' },
  ): Promise<MailDeliveryOutcome> {
    const payload = message.payload as unknown as MailPayload;
    if (inDoubt) {
      phase.current = 'lookup';
      const lookup = await connector.findSentByMessageId(payload.message_id);
      if (lookup.state === 'found') {
        await markSent(pool, message.id, lookup.providerMessageId);
        return { status: 'sent', providerMessageId: lookup.providerMessageId };
      }
      if (lookup.state === 'unknown') return fail(message, IN_DOUBT_UNANSWERABLE);
    }
    phase.current = 'send';
    const { providerMessageId } = await connector.send(outgoingOf(payload, await attachmentsOf(message.org_id, payload)));
    await markSent(pool, message.id, providerMessageId);
    return { status: 'sent', providerMessageId };
  }

  async function settleFailure(message: OutboundMessageRow, account: MailAccountRecord, err: ConnectorError, phase: 'lookup' | 'send'): Promise<MailDeliveryOutcome> {
    const key = mailThrottleKey(account);
    // a failed lookup leaves the message in doubt; only a send the provider refused outright may be released
    const release = () => (phase === 'send' ? releaseMessage(pool, message.id, err.message) : Promise.resolve());
    switch (err.failure) {
      case 'rate_limited': {
        const paused = await pauseAfterRateLimit(pool, key.provider, key.account, err.details.retryAfterMs ?? 1000, err.message);
        await release();
        throw paused;
      }
      case 'unavailable':
        await release();
        throw ApplicationFailure.retryable(err.message, err.failure);
      case 'timeout':
        // left "sending": the next attempt finds it in doubt and asks the provider before sending again
        throw ApplicationFailure.retryable(err.message, err.failure);
      case 'auth':
        await markMailConfigNeedsReauth(pool, message.org_id, account.configId, err.message);
        return fail(message, err.message);
      default:
        return fail(message, err.message);
    }
  }

  return {
    /** Sends one recorded mail through its configuration, at most once. */
    async sendMailMessage({ orgId, messageId }: MailDeliveryInput): Promise<MailDeliveryOutcome> {
      const { rows } = await pool.query<OutboundMessageRow>(`SELECT * FROM outbound_messages WHERE id = $1 AND org_id = $2 AND channel = 'mail'`, [messageId, orgId]);
      const message = rows[0];
      if (!message) return { status: 'failed', reason: 'the message no longer exists' };
      if (message.status === 'sent' || message.status === 'failed') return outcomeOf(message);
      const account = await accountOf(message);
      if (!account) return fail(message, 'its mail configuration no longer exists');
      if (account.needsReauth) return fail(message, "the mail provider refused the configuration's credentials: add it again to authorise it");

      const key = mailThrottleKey(account);
      await waitOutThrottle(pool, key.provider, key.account, `mail configuration ${account.configId}`);

      const claim = await claimMessage(pool, message.id);
      if (claim.state === 'settled') return outcomeOf(claim.message);
      const refreshed: Promise<void>[] = [];
      const phase = { current: 'send' as 'lookup' | 'send' };
      try {
        const connector = services.mail.forAccount(account, {
          onTokens: (tokens) => refreshed.push(storeRefreshedTokens(pool, services.secrets, orgId, account.configId, tokens)),
        });
        return await sendClaimed(connector, claim.message, claim.state === 'in_doubt', phase);
      } catch (err) {
        // an attached file deleted since the mail was queued: it cannot be sent as written
        if (err instanceof ApiError && err.kind === 'not_found') return fail(claim.message, 'an attached file no longer exists');
        if (!(err instanceof ConnectorError)) throw err;
        return await settleFailure(claim.message, account, err, phase.current);
      } finally {
        await Promise.all(refreshed);
      }
    },

    /** The retries ran out: the message is failed (never sent later by surprise), unless it was sent meanwhile. */
    async giveUpMailMessage({ orgId, messageId, reason }: MailDeliveryInput & { reason: string }): Promise<MailDeliveryOutcome> {
      const { rows } = await pool.query<OutboundMessageRow>(`SELECT * FROM outbound_messages WHERE id = $1 AND org_id = $2`, [messageId, orgId]);
      if (!rows[0]) return { status: 'failed', reason };
      if (rows[0].status === 'sent') return outcomeOf(rows[0]);
      return fail(rows[0], `gave up after retries: ${reason}`);
    },
  };
}

export type MailActivities = ReturnType<typeof createMailActivities>;

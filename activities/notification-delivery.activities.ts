// Notification delivery to Slack and Teams: one activity records an event's
// messages (one send-once outbound_messages row per routed channel), another
// delivers one message, and is retried by Temporal, never by the SDK.
//
// A delivery honours the provider's Retry-After for the whole workspace or
// webhook across processes (provider_throttles) before it claims the
// message; a claimed message is posted once. A 429 releases it (the provider
// refused it unprocessed) and the activity fails retryably with the
// Retry-After as its next delay; a lost answer (timeout) — and on Slack a
// 5xx, which may come after the post — leaves it "sending" (in doubt), and
// the next attempt asks Slack for the message by its metadata key before
// posting, while a Teams webhook, which cannot be asked, is never posted to
// again (its 5xx is taken at its word and retried). A refused token marks the
// connection as needing re-authorisation and fails the message without
// retrying.
import { ApplicationFailure } from '@temporalio/activity';
import { ConnectorError, type ConnectorFailure } from '../connectors/connector-error.js';
import { getJob } from '../domain/jobs/job.service.js';
import { markNeedsReauth } from '../domain/integrations/connected-app.service.js';
import {
  NOTIFICATION_EVENT_TYPES,
  announcementOfImport,
  announcementOfRecord,
  findSlackConnection,
  findTeamsConnection,
  recordAnnouncement,
  type AnnouncementPayload,
  type NotificationEventType,
} from '../domain/integrations/messaging.service.js';
import { claimMessage, markFailed, markSent, releaseMessage, type OutboundMessageRow } from '../domain/platform/outbound-message.js';
import { ApiError } from '../domain/platform/errors.js';
import { pauseAfterRateLimit, waitOutThrottle } from './provider-throttle.js';
import type { ActivityDeps } from './activity-deps.js';

export interface AnnounceInput {
  orgId: number;
  eventType: string;
  subjectId: number;
}

export interface DeliverInput {
  orgId: number;
  messageId: string;
}

export type DeliveryOutcome = { status: 'sent'; providerMessageId: string | null } | { status: 'failed'; reason: string };

/** Slack refuses a rate-limited call before acting on it; a 5xx may come after it posted, so the next attempt asks first. */
const SLACK_POST_UNTAKEN = (failure: ConnectorFailure) => failure === 'rate_limited';
/** A webhook cannot be asked: a 429 or a 5xx is taken at its word (not posted), only a lost answer is in doubt. */
const TEAMS_POST_UNTAKEN = (failure: ConnectorFailure) => failure === 'rate_limited' || failure === 'unavailable';
/** a failed look-up settles nothing */
const STILL_IN_DOUBT = () => false;

/** the jobs whose end is announced as "import finished" */
const IMPORT_JOB_TYPES = ['lead_import', 'hubspot_import'] as const;

const isEventType = (value: string): value is NotificationEventType => (NOTIFICATION_EVENT_TYPES as readonly string[]).includes(value);


export function createNotificationDeliveryActivities({ database, services, config }: ActivityDeps) {
  const { pool } = database;

  /** The finished import's announcement from its job (read by the job module, the only one touching jobs); null when it is gone. */
  async function importAnnouncement(orgId: number, jobId: number) {
    try {
      return announcementOfImport(await getJob(database, { orgId }, jobId, IMPORT_JOB_TYPES));
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async function loadMessage({ orgId, messageId }: DeliverInput): Promise<OutboundMessageRow | null> {
    const { rows } = await pool.query<OutboundMessageRow>('SELECT * FROM outbound_messages WHERE id = $1 AND org_id = $2', [messageId, orgId]);
    return rows[0] ?? null;
  }

  /**
   * What the provider's refusal does to the message and the connection;
   * throws what Temporal should retry. A retryable failure releases the
   * message only when `untaken` says it proves the provider did not act on
   * it; otherwise the message stays "sending" and the next attempt finds it
   * in doubt (and, on Slack, asks before posting again).
   */
  async function settleFailure(
    message: OutboundMessageRow,
    provider: 'slack' | 'teams',
    account: string,
    err: ConnectorError,
    untaken: (failure: ConnectorFailure) => boolean,
  ): Promise<DeliveryOutcome> {
    const release = () => (untaken(err.failure) ? releaseMessage(pool, message.id, err.message) : Promise.resolve());
    switch (err.failure) {
      case 'rate_limited': {
        const paused = await pauseAfterRateLimit(pool, provider, account, err.details.retryAfterMs ?? 1000, err.message);
        await release();
        throw paused;
      }
      case 'unavailable':
      case 'timeout':
        await release();
        throw ApplicationFailure.retryable(err.message, err.failure);
      case 'auth':
        await markNeedsReauth(database, message.org_id, provider, err.message);
        await markFailed(pool, message.id, err.message);
        return { status: 'failed', reason: err.message };
      default:
        await markFailed(pool, message.id, err.message);
        return { status: 'failed', reason: err.message };
    }
  }

  async function deliverToSlack(message: OutboundMessageRow, payload: AnnouncementPayload): Promise<DeliveryOutcome> {
    const connection = await findSlackConnection(database, services.secrets, message.org_id);
    if (!connection) {
      await markFailed(pool, message.id, 'Slack is not connected');
      return { status: 'failed', reason: 'Slack is not connected' };
    }
    const account = connection.teamId || `org:${message.org_id}`;
    await waitOutThrottle(pool, 'slack', account, `Slack workspace ${account}`);
    const client = services.slack.forToken(connection.botToken);
    const claim = await claimMessage(pool, message.id);
    if (claim.state === 'settled') return outcomeOf(claim.message);
    if (claim.state === 'in_doubt') {
      try {
        const ts = await client.findPostedByKey(payload.channel, message.idempotency_key);
        if (ts) {
          await markSent(pool, message.id, ts);
          return { status: 'sent', providerMessageId: ts };
        }
      } catch (err) {
        if (!(err instanceof ConnectorError)) throw err;
        // the question went unanswered: the message stays in doubt until Slack answers it
        return settleFailure(message, 'slack', account, err, STILL_IN_DOUBT);
      }
    }
    try {
      const { ts } = await client.postMessage({
        channel: payload.channel,
        text: `*${payload.title}*\n${payload.text}`,
        blocks: slackBlocks(payload),
        idempotencyKey: message.idempotency_key,
      });
      await markSent(pool, message.id, ts);
      return { status: 'sent', providerMessageId: ts };
    } catch (err) {
      if (!(err instanceof ConnectorError)) throw err;
      return settleFailure(message, 'slack', account, err, SLACK_POST_UNTAKEN);
    }
  }

  async function deliverToTeams(message: OutboundMessageRow, payload: AnnouncementPayload): Promise<DeliveryOutcome> {
    const connection = await findTeamsConnection(database, services.secrets, message.org_id);
    if (!connection) {
      await markFailed(pool, message.id, 'Microsoft Teams is not connected');
      return { status: 'failed', reason: 'Microsoft Teams is not connected' };
    }
    const account = new URL(connection.webhookUrl).host;
    await waitOutThrottle(pool, 'teams', account, `the Teams webhook ${account}`);
    const claim = await claimMessage(pool, message.id);
    if (claim.state === 'settled') return outcomeOf(claim.message);
    if (claim.state === 'in_doubt') {
      // a webhook answers no id and cannot be asked what it posted: at most once
      const reason = 'an earlier attempt may have posted it (no answer in time); the webhook cannot say, so it is not posted again';
      await markFailed(pool, message.id, reason);
      return { status: 'failed', reason };
    }
    try {
      await services.teams.postCard(connection.webhookUrl, { title: payload.title, text: payload.text, facts: payload.facts });
      await markSent(pool, message.id, null);
      return { status: 'sent', providerMessageId: null };
    } catch (err) {
      if (!(err instanceof ConnectorError)) throw err;
      return settleFailure(message, 'teams', account, err, TEAMS_POST_UNTAKEN);
    }
  }

  return {
    /** Records the event's messages (one per routed channel; none when its subject is gone) and answers their ids. */
    async recordAnnouncement({ orgId, eventType, subjectId }: AnnounceInput): Promise<string[]> {
      if (!isEventType(eventType)) throw ApplicationFailure.nonRetryable(`unknown notification event type "${eventType}"`, 'unknown_event_type');
      const announcement = eventType === 'import_finished' ? await importAnnouncement(orgId, subjectId) : await announcementOfRecord(database, orgId, eventType, subjectId);
      if (!announcement) return [];
      const messages = await recordAnnouncement(database, orgId, { eventType, subjectId, announcement }, config.SANDBOX_CONNECTORS);
      return messages.map((m) => String(m.id));
    },

    /** Delivers one recorded message through its connector, at most once. */
    async deliverMessage(input: DeliverInput): Promise<DeliveryOutcome> {
      const message = await loadMessage(input);
      if (!message) return { status: 'failed', reason: 'the message no longer exists' };
      if (message.status === 'sent' || message.status === 'failed') return outcomeOf(message);
      const payload = message.payload as unknown as AnnouncementPayload;
      if (message.connector === 'sandbox') {
        // recorded, not sent: what a developer without credentials sees in the sandbox list
        const claim = await claimMessage(pool, message.id);
        if (claim.state !== 'settled') await markSent(pool, message.id, `sandbox:${message.id}`);
        return outcomeOf((await loadMessage(input))!);
      }
      if (message.channel === 'teams') return deliverToTeams(message, payload);
      if (message.channel === 'slack') return deliverToSlack(message, payload);
      return { status: 'failed', reason: `a ${message.channel} message is not delivered here` };
    },

    /** A message whose retries ran out: failed with the last reason, so it is never sent later by surprise. */
    async giveUpMessage({ orgId, messageId, reason }: DeliverInput & { reason: string }): Promise<void> {
      const message = await loadMessage({ orgId, messageId });
      if (message) await markFailed(pool, message.id, `gave up: ${reason}`);
    },
  };
}

function outcomeOf(message: OutboundMessageRow): DeliveryOutcome {
  return message.status === 'sent'
    ? { status: 'sent', providerMessageId: message.provider_message_id }
    : { status: 'failed', reason: message.last_error ?? `the message is ${message.status}` };
}

function slackBlocks(payload: AnnouncementPayload): Record<string, unknown>[] {
  return [
    { type: 'header', text: { type: 'plain_text', text: payload.title.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: payload.text.slice(0, 3000) } },
    ...(payload.facts.length > 0
      ? [{ type: 'section', fields: payload.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: `*${f.title}*\n${f.value}`.slice(0, 2000) })) }]
      : []),
  ];
}

export type NotificationDeliveryActivities = ReturnType<typeof createNotificationDeliveryActivities>;

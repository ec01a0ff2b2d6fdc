// Slack and Teams for an organization (§6.14 and beyond): their connections
// (a Slack bot token, a Teams Workflows webhook with an optional Graph token
// for listing channels — sealed like every connection), the channels each
// event type is announced to (notification_routes), and the announcements
// themselves: what an event says, and the outbound_messages rows that make
// each channel's post a send-once record before anything is sent
// (domain/platform/outbound-message.ts). Sending is the worker's
// (activities/notification-delivery.activities.ts); an event reaches it
// through the outbox ('notification.announce', written by the change that
// makes the event, in its transaction), a test notification through
// 'notification.deliver'.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { recordOutboundMessage, type OutboundMessageRow } from '../platform/outbound-message.js';
import { outboxInsert } from '../platform/outbox-events.js';
import type { SecretBox } from '../platform/secret-box.js';
import { transaction, type SqlClient } from '../platform/transaction.js';
import { assertMayManageConnections, findConnection, saveConnection, type ConnectedAppView } from './connected-app.service.js';

// intent_alert: a hot-lead alert of the intent rule (domain/engagement/hot-leads.ts), one per lead and hot
// episode; hot_lead is the lead score reaching HOT_LEAD_SCORE, once per lead
export const NOTIFICATION_EVENT_TYPES = ['hot_lead', 'deal_won', 'import_finished', 'follow_up_due', 'intent_alert'] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export const MESSAGING_PROVIDERS = ['slack', 'teams'] as const;
export type MessagingProvider = (typeof MESSAGING_PROVIDERS)[number];

/** The channel of a Teams route: a connection has one webhook, which posts to the channel its flow was made for. */
export const TEAMS_WEBHOOK_CHANNEL = 'default';

// ---- connections ------------------------------------------------------------

interface SlackSecret {
  bot_token: string;
}

interface TeamsSecret {
  webhook_url: string;
  graph_access_token?: string;
}

export interface SlackConnectionInput {
  botToken: string;
  /** the workspace the token belongs to, as Slack's auth.test answered (the caller verified the token) */
  teamId: string;
  teamName: string;
}

/** Connects Slack (admins only), replacing an earlier connection: the bot token sealed, the workspace kept as settings. */
export const connectSlack = (db: Database, secrets: SecretBox, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, input: SlackConnectionInput) =>
  saveConnection<SlackSecret>(db, secrets, scope, 'slack', {
    secret: { bot_token: input.botToken },
    hintOf: input.botToken,
    settings: { team_id: input.teamId, team_name: input.teamName },
  });

export interface TeamsConnectionInput {
  /** an https Teams Workflows webhook URL the caller had the egress check */
  webhookUrl: string;
  /** a Microsoft Graph token with Channel.ReadBasic.All, for listing a team's channels */
  graphAccessToken?: string;
}

/** Connects Teams (admins only): the webhook URL is a secret (anyone holding it can post), so it is sealed with the Graph token. */
export const connectTeams = (db: Database, secrets: SecretBox, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, input: TeamsConnectionInput) =>
  saveConnection<TeamsSecret>(db, secrets, scope, 'teams', {
    secret: { webhook_url: input.webhookUrl, ...(input.graphAccessToken ? { graph_access_token: input.graphAccessToken } : {}) },
    hintOf: input.webhookUrl,
    settings: { webhook_host: new URL(input.webhookUrl).host, channel_listing: input.graphAccessToken !== undefined },
  });

export interface SlackConnection {
  botToken: string;
  teamId: string;
  teamName: string;
  needsReauth: boolean;
}

export interface TeamsConnection {
  webhookUrl: string;
  graphAccessToken: string | null;
  needsReauth: boolean;
}

export async function findSlackConnection(db: Database, secrets: SecretBox, orgId: number): Promise<SlackConnection | null> {
  const connection = await findConnection<SlackSecret>(db, secrets, orgId, 'slack');
  if (!connection) return null;
  return {
    botToken: connection.secret.bot_token,
    teamId: String(connection.settings.team_id ?? ''),
    teamName: String(connection.settings.team_name ?? ''),
    needsReauth: connection.needsReauth,
  };
}

export async function findTeamsConnection(db: Database, secrets: SecretBox, orgId: number): Promise<TeamsConnection | null> {
  const connection = await findConnection<TeamsSecret>(db, secrets, orgId, 'teams');
  if (!connection) return null;
  return { webhookUrl: connection.secret.webhook_url, graphAccessToken: connection.secret.graph_access_token ?? null, needsReauth: connection.needsReauth };
}

export const slackNotConnected = () =>
  new ApiError('validation_error', 'Slack is not connected: an admin connects it with POST /api/connected-apps/slack/connect', { code: 'slack_not_connected' });

export const teamsNotConnected = () =>
  new ApiError('validation_error', 'Microsoft Teams is not connected: an admin connects it with POST /api/connected-apps/teams/connect', {
    code: 'teams_not_connected',
  });

/** The Slack connection the API calls Slack with: 422 when there is none. */
export async function requireSlackConnection(db: Database, secrets: SecretBox, orgId: number): Promise<SlackConnection> {
  const connection = await findSlackConnection(db, secrets, orgId);
  if (!connection) throw slackNotConnected();
  return connection;
}

// ---- notification routes ----------------------------------------------------

export interface NotificationRouteSet {
  event_type: NotificationEventType;
  /** Slack channel ids the event is posted to */
  slack_channels: string[];
  /** whether it is posted to the Teams webhook */
  teams: boolean;
}

/** Every event type with the channels it is announced to (none: not announced). */
export async function listNotificationRoutes(db: Database, scope: Pick<Scope, 'orgId' | 'roleName'>): Promise<NotificationRouteSet[]> {
  assertMayManageConnections(scope);
  const { rows } = await db.pool.query<{ event_type: string; provider: string; channel: string }>(
    'SELECT event_type, provider, channel FROM notification_routes WHERE org_id = $1 ORDER BY event_type, provider, channel',
    [scope.orgId],
  );
  return NOTIFICATION_EVENT_TYPES.map((eventType) => {
    const routes = rows.filter((r) => r.event_type === eventType);
    return {
      event_type: eventType,
      slack_channels: routes.filter((r) => r.provider === 'slack').map((r) => r.channel),
      teams: routes.some((r) => r.provider === 'teams'),
    };
  });
}

/** Replaces the routes of each event type given (admins only); event types not given keep theirs. */
export async function replaceNotificationRoutes(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  routes: { event_type: NotificationEventType; slack_channels: string[]; teams: boolean }[],
): Promise<NotificationRouteSet[]> {
  assertMayManageConnections(scope);
  await transaction(db.pool, { actorId: scope.userId }, async (client) => {
    for (const route of routes) {
      await client.query('DELETE FROM notification_routes WHERE org_id = $1 AND event_type = $2', [scope.orgId, route.event_type]);
      const channels = [
        ...[...new Set(route.slack_channels)].map((channel) => ['slack', channel] as const),
        ...(route.teams ? [['teams', TEAMS_WEBHOOK_CHANNEL] as const] : []),
      ];
      if (channels.length === 0) continue;
      await client.query(
        `INSERT INTO notification_routes (org_id, event_type, provider, channel, created_by)
         SELECT $1, $2, provider, channel, $3 FROM unnest($4::text[], $5::text[]) AS r(provider, channel)`,
        [scope.orgId, route.event_type, scope.userId, channels.map(([p]) => p), channels.map(([, c]) => c)],
      );
    }
  });
  return listNotificationRoutes(db, scope);
}

// ---- announcements ----------------------------------------------------------

/** What an announcement says, in the shape both Slack (text) and Teams (an Adaptive Card) post. */
export interface Announcement {
  title: string;
  text: string;
  facts: { title: string; value: string }[];
}

/** The stored payload of an announcement's outbound message: where it goes and what it says. */
export interface AnnouncementPayload extends Announcement {
  provider: MessagingProvider;
  channel: string;
  event_type: NotificationEventType;
  subject_id: number | null;
  test: boolean;
}

const EVENT_TITLES: Record<NotificationEventType, string> = {
  hot_lead: 'Hot lead',
  deal_won: 'Deal won',
  import_finished: 'Import finished',
  follow_up_due: 'Follow-up due',
  intent_alert: 'Hot lead (intent signals)',
};

const fullName = (first: string | null, last: string | null) => [first, last].filter(Boolean).join(' ') || 'Unnamed lead';

/** The announcement of a lead, deal or follow-up event, or null when its subject is gone (deleted before the worker got to it). */
export async function announcementOfRecord(
  db: Database,
  orgId: number,
  eventType: Exclude<NotificationEventType, 'import_finished'>,
  subjectId: number,
): Promise<Announcement | null> {
  if (eventType === 'hot_lead') {
    const { rows } = await db.pool.query<{ first_name: string | null; last_name: string | null; company: string | null; score: number }>(
      'SELECT first_name, last_name, company, score FROM leads WHERE id = $1 AND org_id = $2',
      [subjectId, orgId],
    );
    const lead = rows[0];
    if (!lead) return null;
    const name = fullName(lead.first_name, lead.last_name);
    return {
      title: EVENT_TITLES.hot_lead,
      text: `${name}${lead.company ? ` (${lead.company})` : ''} reached a lead score of ${lead.score}`,
      facts: [
        { title: 'Lead', value: name },
        { title: 'Score', value: String(lead.score) },
      ],
    };
  }
  if (eventType === 'intent_alert') {
    const { rows } = await db.pool.query<{ first_name: string | null; last_name: string | null; company: string | null; heat: number; reasons: { signal_type: string; contribution: number }[] }>(
      `SELECT l.first_name, l.last_name, l.company, a.heat, a.reasons
         FROM intent_alerts a JOIN leads l ON l.id = a.lead_id AND l.org_id = a.org_id
        WHERE a.id = $1 AND a.org_id = $2`,
      [subjectId, orgId],
    );
    const alert = rows[0];
    if (!alert) return null;
    const name = fullName(alert.first_name, alert.last_name);
    const signals = alert.reasons.slice(0, 8).map((r) => `${r.signal_type} (+${r.contribution})`).join(', ');
    return {
      title: EVENT_TITLES.intent_alert,
      text: `${name}${alert.company ? ` (${alert.company})` : ''} is hot: heat ${Math.round(alert.heat * 10) / 10} from ${signals || 'recent signals'}`,
      facts: [
        { title: 'Lead', value: name },
        { title: 'Heat', value: String(Math.round(alert.heat * 10) / 10) },
        { title: 'Signals', value: signals.slice(0, 300) },
      ],
    };
  }
  if (eventType === 'deal_won') {
    const { rows } = await db.pool.query<{ title: string; value: string; first_name: string | null; last_name: string | null; pipeline: string }>(
      `SELECT d.title, d.value::text AS value, l.first_name, l.last_name, p.name AS pipeline
         FROM deals d JOIN leads l ON l.id = d.lead_id AND l.org_id = d.org_id JOIN pipelines p ON p.id = d.pipeline_id AND p.org_id = d.org_id
        WHERE d.id = $1 AND d.org_id = $2`,
      [subjectId, orgId],
    );
    const deal = rows[0];
    if (!deal) return null;
    return {
      title: EVENT_TITLES.deal_won,
      text: `${deal.title} was won (${Number(deal.value)})`,
      facts: [
        { title: 'Deal', value: deal.title },
        { title: 'Value', value: String(Number(deal.value)) },
        { title: 'Lead', value: fullName(deal.first_name, deal.last_name) },
        { title: 'Pipeline', value: deal.pipeline },
      ],
    };
  }
  const { rows } = await db.pool.query<{ follow_up_date: Date; first_name: string | null; last_name: string | null; notes: string | null }>(
    `SELECT f.follow_up_date, l.first_name, l.last_name, f.notes
       FROM follow_ups f JOIN leads l ON l.id = f.lead_id AND l.org_id = f.org_id
      WHERE f.id = $1 AND f.org_id = $2`,
    [subjectId, orgId],
  );
  const followUp = rows[0];
  if (!followUp) return null;
  const name = fullName(followUp.first_name, followUp.last_name);
  return {
    title: EVENT_TITLES.follow_up_due,
    text: `The follow-up with ${name} is due`,
    facts: [
      { title: 'Lead', value: name },
      { title: 'Due', value: followUp.follow_up_date.toISOString() },
      ...(followUp.notes ? [{ title: 'Notes', value: followUp.notes.slice(0, 300) }] : []),
    ],
  };
}

/** The announcement of a finished import, from its job's counts (the job module reads them: only it touches jobs). */
export function announcementOfImport(job: { id: number; type: string; status: string; processed: number; created: number; merged: number; failed: number }): Announcement {
  return {
    title: EVENT_TITLES.import_finished,
    text: `Import #${job.id} finished (${job.status}): ${job.created} created, ${job.merged} merged, ${job.failed} failed of ${job.processed}`,
    facts: [
      { title: 'Job', value: `#${job.id} (${job.type})` },
      { title: 'Created', value: String(job.created) },
      { title: 'Merged', value: String(job.merged) },
      { title: 'Failed', value: String(job.failed) },
    ],
  };
}

/** What a test notification of an event type says: clearly a test, in that event's shape. */
export function sampleAnnouncement(eventType: NotificationEventType): Announcement {
  return {
    title: `${EVENT_TITLES[eventType]} (test notification)`,
    text: `This is a test of LIO's "${EVENT_TITLES[eventType].toLowerCase()}" notification: real ones will look like this.`,
    facts: [{ title: 'Event type', value: eventType }],
  };
}

/** Where an organization's messages to a provider go out: its connection, the sandbox (dev, unconnected), or nowhere. */
export type MessagingConnector = MessagingProvider | 'sandbox';

export async function connectorFor(db: Database, orgId: number, provider: MessagingProvider, sandbox: boolean): Promise<MessagingConnector | null> {
  const { rows } = await db.pool.query('SELECT 1 FROM connected_apps WHERE org_id = $1 AND provider = $2 AND secret_sealed IS NOT NULL', [orgId, provider]);
  if (rows.length > 0) return provider;
  return sandbox ? 'sandbox' : null;
}

/** The idempotency key of an event's post to one channel: the same event to the same channel is one message, ever. */
export const announcementKey = (eventType: NotificationEventType, subjectId: number, provider: MessagingProvider, channel: string) =>
  `announce:${eventType}:${subjectId}:${provider}:${channel}`;

/**
 * Records one outbound message per routed channel of the event (send-once
 * rows, before anything is sent) and answers them, already-recorded ones
 * included so a retried activity sends what is left. Channels of a provider
 * the organization has not connected are skipped, unless the sandbox records
 * them (dev); nothing is recorded for an event without routes.
 */
export async function recordAnnouncement(
  db: Database,
  orgId: number,
  event: { eventType: NotificationEventType; subjectId: number; announcement: Announcement },
  sandbox: boolean,
): Promise<OutboundMessageRow[]> {
  const { rows: routes } = await db.pool.query<{ provider: MessagingProvider; channel: string }>(
    'SELECT provider, channel FROM notification_routes WHERE org_id = $1 AND event_type = $2 ORDER BY provider, channel',
    [orgId, event.eventType],
  );
  const messages: OutboundMessageRow[] = [];
  for (const route of routes) {
    const connector = await connectorFor(db, orgId, route.provider, sandbox);
    if (!connector) continue;
    const payload: AnnouncementPayload = { ...event.announcement, provider: route.provider, channel: route.channel, event_type: event.eventType, subject_id: event.subjectId, test: false };
    const { message } = await recordOutboundMessage(db.pool, {
      orgId,
      channel: route.provider,
      connector,
      idempotencyKey: announcementKey(event.eventType, event.subjectId, route.provider, route.channel),
      payload: payload as unknown as Record<string, unknown>,
    });
    messages.push(message);
  }
  return messages;
}

/**
 * A test notification (§6.14): one Slack message of the event type's sample,
 * recorded with its outbox event in one transaction so the worker delivers it
 * the way it delivers real events. 422 slack_not_connected unless Slack is
 * connected or the sandbox records it.
 */
export async function requestTestNotification(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  input: { channel: string; eventType: NotificationEventType },
  sandbox: boolean,
): Promise<OutboundMessageRow> {
  const connector = await connectorFor(db, scope.orgId, 'slack', sandbox);
  if (!connector) throw slackNotConnected();
  const payload: AnnouncementPayload = { ...sampleAnnouncement(input.eventType), provider: 'slack', channel: input.channel, event_type: input.eventType, subject_id: null, test: true };
  return transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const { message } = await recordOutboundMessage(client, {
      orgId: scope.orgId,
      channel: 'slack',
      connector,
      idempotencyKey: `test:${randomUUID()}`,
      payload: payload as unknown as Record<string, unknown>,
      createdBy: scope.userId,
    });
    await requestDelivery(client, scope.orgId, message.id);
    return message;
  });
}

/** The outbox event that has the worker deliver a recorded message (in the caller's transaction). */
async function requestDelivery(client: SqlClient, orgId: number, messageId: string) {
  await client.query(
    outboxInsert({ kind: 'notification.deliver', orgId: 'm.org_id', payload: { messageId: 'm.id' }, from: '(SELECT $1::int AS org_id, $2::text AS id) AS m' }),
    [orgId, String(messageId)],
  );
}


// Request and response shapes of Slack, Teams and notification routes (§6.14 and beyond).
import { z } from '@hono/zod-openapi';
import { NOTIFICATION_EVENT_TYPES } from '../../../domain/integrations/messaging.service.js';
import { boundedIntParam } from '../../openapi/params.js';

/** Slack's ids of conversations: C…, G… (private, legacy) or D… */
const slackChannelId = z
  .string()
  .trim()
  .regex(/^[CGD][A-Z0-9]{2,30}$/, 'a Slack channel id such as C0123456789')
  .openapi({ example: 'C0123456789' });

export const slackConnectBody = z.object({
  bot_token: z
    .string()
    .trim()
    .regex(/^xox[bp]-[A-Za-z0-9-]{10,250}$/, 'a Slack bot token (xoxb-…)')
    .openapi({ description: "A Slack app's bot token (scopes: chat:write, channels:read, groups:read, channels:history for in-doubt checks); verified with auth.test before it is stored" }),
});

export const teamsConnectBody = z.object({
  webhook_url: z
    .string()
    .trim()
    .max(2000)
    .url()
    .openapi({ format: 'uri', description: 'The https URL of a Teams Workflows webhook ("When a Teams webhook request is received"); must resolve to a public address' }),
  access_token: z
    .string()
    .trim()
    .min(1)
    .max(5000)
    .optional()
    .openapi({ description: 'A Microsoft Graph access token with Channel.ReadBasic.All, used only to list channels (GET /api/teams/channels)' }),
});

export const slackChannelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    is_private: z.boolean(),
    is_member: z.boolean().openapi({ description: 'Whether the bot is in the channel (it must be to post there)' }),
    num_members: z.number().int().nullable(),
  })
  .openapi('SlackChannel');

export const slackChannelsQuery = z.object({
  cursor: z.string().trim().max(500).optional().openapi({ description: "next_cursor of the previous page (Slack's cursor); absent: the first page" }),
  limit: boundedIntParam(1, 1000).default(100).openapi({ description: 'Channels per page (Slack may answer fewer)' }),
});

export const slackChannelsEnvelope = z
  .object({
    success: z.literal(true),
    message: z.string(),
    data: z.array(slackChannelSchema),
    total: z.number().int().openapi({ description: "Channels on this page (Slack does not tell the total)" }),
    page: z.number().int().openapi({ description: 'Always 1: pages are walked with next_cursor' }),
    limit: z.number().int(),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as cursor for the next page; null on the last page' }),
  })
  .openapi('SlackChannelPage');

export const testNotificationBody = z.object({
  channel: slackChannelId,
  event_type: z.enum(NOTIFICATION_EVENT_TYPES),
});

export const outboundMessageSchema = z
  .object({
    id: z.string().openapi({ description: 'The outbound message (send-once record) of the notification' }),
    channel: z.enum(['slack', 'teams']),
    connector: z.string().openapi({ description: "slack, teams, or sandbox (recorded, not sent: SANDBOX_CONNECTORS with nothing connected)" }),
    status: z.enum(['queued', 'sending', 'sent', 'failed']),
    created_at: z.string(),
  })
  .openapi('OutboundNotification');

export const teamsChannelsQuery = z.object({
  team_id: z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9:@._-]+$/, 'a Microsoft Teams team (group) id'),
});

export const teamsChannelSchema = z
  .object({
    id: z.string(),
    display_name: z.string(),
    description: z.string().nullable(),
    membership_type: z.string().nullable(),
  })
  .openapi('TeamsChannel');

export const notificationRouteSchema = z
  .object({
    event_type: z.enum(NOTIFICATION_EVENT_TYPES),
    slack_channels: z.array(z.string()),
    teams: z.boolean(),
  })
  .openapi('NotificationRoute');

export const notificationRoutesBody = z.object({
  routes: z
    .array(
      z.object({
        event_type: z.enum(NOTIFICATION_EVENT_TYPES),
        slack_channels: z.array(slackChannelId).max(20).default([]),
        teams: z.boolean().default(false),
      }),
    )
    .min(1)
    .max(NOTIFICATION_EVENT_TYPES.length)
    .superRefine((routes, ctx) => {
      const seen = new Set<string>();
      routes.forEach((route, index) => {
        if (seen.has(route.event_type)) ctx.addIssue({ code: 'custom', path: [index, 'event_type'], message: `${route.event_type} is given twice` });
        seen.add(route.event_type);
      });
    })
    .openapi({ description: 'The channels of each event type given (replacing its earlier ones); event types not given keep theirs' }),
});

import { z } from '@hono/zod-openapi';
import { errorResponse, jsonContent, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { connectedAppSchema } from '../connected-apps/connected-app.schemas.js';
import {
  notificationRouteSchema,
  notificationRoutesBody,
  outboundMessageSchema,
  slackChannelsEnvelope,
  slackChannelsQuery,
  slackConnectBody,
  teamsChannelSchema,
  teamsChannelsQuery,
  teamsConnectBody,
  testNotificationBody,
} from './messaging.schemas.js';

const tags = ['Integrations'];

const providerFailed = (provider: string, code: string) =>
  errorResponse(`${provider} failed, rate limited the request, did not answer in time, or its address is not an allowed destination (error.code ${code})`);

export const connectSlackRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/connected-apps/slack/connect',
  tags,
  summary: 'Connect Slack (beyond the spec)',
  description:
    "Admins only (403 otherwise). Verifies the bot token with Slack's auth.test, then stores it sealed (replacing an earlier one) with the workspace's id and name. " +
    '422 slack_reauth_required when Slack refuses the token; 502 slack_unavailable when Slack cannot be asked.',
  request: { body: { required: true, content: jsonContent(slackConnectBody) } },
  responses: {
    200: { description: 'Connected', content: jsonContent(okEnvelope(connectedAppSchema)) },
    502: providerFailed('Slack', 'slack_unavailable'),
  },
});

export const disconnectSlackRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/connected-apps/slack/disconnect',
  tags,
  summary: 'Disconnect Slack (beyond the spec)',
  description: 'Admins only (403 otherwise). Forgets the bot token; notifications still queued for Slack fail. Disconnecting twice is harmless.',
  responses: { 200: { description: 'Disconnected', content: jsonContent(okEnvelope(connectedAppSchema)) } },
});

export const connectTeamsRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/connected-apps/teams/connect',
  tags,
  summary: 'Connect Microsoft Teams (beyond the spec)',
  description:
    'Admins only (403 otherwise). Stores, sealed, the Teams Workflows webhook that notifications are posted to (https only, and only one resolving to a public address: ' +
    '422 webhook_url_refused otherwise), and optionally a Graph access token for listing channels.',
  request: { body: { required: true, content: jsonContent(teamsConnectBody) } },
  responses: { 200: { description: 'Connected', content: jsonContent(okEnvelope(connectedAppSchema)) } },
});

export const disconnectTeamsRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/connected-apps/teams/disconnect',
  tags,
  summary: 'Disconnect Microsoft Teams (beyond the spec)',
  description: 'Admins only (403 otherwise). Forgets the webhook URL and the Graph token. Disconnecting twice is harmless.',
  responses: { 200: { description: 'Disconnected', content: jsonContent(okEnvelope(connectedAppSchema)) } },
});

export const slackChannelsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/slack/channels',
  tags,
  summary: 'List Slack channels',
  description:
    "The connected workspace's public and private channels the bot can see, a page at a time through Slack's cursor (cursor, limit; next_cursor answers the next). " +
    "422 slack_not_connected / slack_reauth_required; 429 slack_rate_limited with Slack's Retry-After; 502 slack_unavailable.",
  request: { query: slackChannelsQuery },
  responses: {
    200: { description: 'A page of channels', content: jsonContent(slackChannelsEnvelope) },
    502: providerFailed('Slack', 'slack_unavailable'),
  },
});

export const slackTestNotificationRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/slack/test-notification',
  tags,
  summary: 'Send a test Slack notification',
  description:
    "Posts a sample notification of the event type to the channel through the same durable delivery as real events (retried, rate limited, sent once). " +
    'Answers 202 at once with the outbound message; its status moves to sent or failed. 422 slack_not_connected unless Slack is connected ' +
    '(or the server records messages in its sandbox).',
  request: { body: { required: true, content: jsonContent(testNotificationBody) } },
  responses: { 202: { description: 'Queued', content: jsonContent(okEnvelope(outboundMessageSchema)) } },
});

export const teamsChannelsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/teams/channels',
  tags,
  summary: 'List Teams channels',
  description:
    "A team's channels from Microsoft Graph, with the Graph token stored at connection. 422 teams_not_connected, teams_channel_listing_not_configured " +
    '(connected without a Graph token) or teams_reauth_required; 404 when Graph knows no such team; 502 teams_unavailable.',
  request: { query: teamsChannelsQuery },
  responses: {
    200: { description: 'Channels', content: jsonContent(okEnvelope(z.array(teamsChannelSchema))) },
    502: providerFailed('Microsoft Graph', 'teams_unavailable'),
  },
});

export const listNotificationRoutesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/notification-routes',
  tags,
  summary: 'Notification routes (beyond the spec)',
  description: 'Admins only (403 otherwise). Every event type (hot_lead, deal_won, import_finished, follow_up_due) with the Slack channels and whether Teams it is announced to.',
  responses: { 200: { description: 'Routes', content: jsonContent(okEnvelope(z.array(notificationRouteSchema))) } },
});

export const replaceNotificationRoutesRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/notification-routes',
  tags,
  summary: 'Set notification routes (beyond the spec)',
  description: 'Admins only (403 otherwise). Replaces the channels of each event type given; answers every event type with its channels.',
  request: { body: { required: true, content: jsonContent(notificationRoutesBody) } },
  responses: { 200: { description: 'Routes', content: jsonContent(okEnvelope(z.array(notificationRouteSchema))) } },
});

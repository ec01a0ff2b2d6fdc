import type { RouteHandler } from '@hono/zod-openapi';
import { assertMayManageConnections, markNeedsReauth, removeConnection } from '../../../domain/integrations/connected-app.service.js';
import {
  connectSlack,
  connectTeams,
  findTeamsConnection,
  listNotificationRoutes,
  replaceNotificationRoutes,
  requestTestNotification,
  requireSlackConnection,
  teamsNotConnected,
} from '../../../domain/integrations/messaging.service.js';
import { apiErrorOfFailure, type ConnectorFailure, type OutsideService } from '../../../domain/platform/connector-failure.js';
import { ApiError } from '../../../domain/platform/errors.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type {
  connectSlackRoute,
  connectTeamsRoute,
  disconnectSlackRoute,
  disconnectTeamsRoute,
  listNotificationRoutesRoute,
  replaceNotificationRoutesRoute,
  slackChannelsRoute,
  slackTestNotificationRoute,
  teamsChannelsRoute,
} from './messaging.routes.js';

/** What a provider's failure answers (apiErrorOfFailure): never its body, only its kind. */
function providerFailure(failure: ConnectorFailure | null, err: unknown, provider: OutsideService): never {
  throw failure ? apiErrorOfFailure(provider, failure) : err;
}

const SLACK: OutsideService = { name: 'Slack', code: 'slack' };
const TEAMS: OutsideService = { name: 'Microsoft Teams', code: 'teams' };

export const connectSlackHandler: RouteHandler<typeof connectSlackRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  // refused before Slack is called: only admins connect apps
  assertMayManageConnections(c.var.auth);
  const { bot_token } = c.req.valid('json');
  let workspace;
  try {
    workspace = await services.slack.forToken(bot_token).authTest();
  } catch (err) {
    providerFailure(services.slack.failureOf(err), err, SLACK);
  }
  const view = await connectSlack(database, services.secrets, c.var.auth, { botToken: bot_token, teamId: workspace.teamId, teamName: workspace.teamName });
  return ok(c, view, `Slack connected (workspace ${workspace.teamName})`);
};

export const disconnectSlackHandler: RouteHandler<typeof disconnectSlackRoute, AppEnv> = async (c) =>
  ok(c, await removeConnection(c.var.deps.database, c.var.auth, 'slack'), 'Slack disconnected');

export const connectTeamsHandler: RouteHandler<typeof connectTeamsRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  assertMayManageConnections(c.var.auth);
  const body = c.req.valid('json');
  try {
    // checked here and again by the egress on every post: what a name resolves to can change
    await services.teams.checkWebhook(body.webhook_url);
  } catch (err) {
    const failure = services.teams.failureOf(err);
    if (!failure) throw err;
    throw new ApiError('validation_error', `webhook_url: ${failure.message}`, { code: 'webhook_url_refused' });
  }
  const view = await connectTeams(database, services.secrets, c.var.auth, { webhookUrl: body.webhook_url, graphAccessToken: body.access_token });
  return ok(c, view, 'Microsoft Teams connected');
};

export const disconnectTeamsHandler: RouteHandler<typeof disconnectTeamsRoute, AppEnv> = async (c) =>
  ok(c, await removeConnection(c.var.deps.database, c.var.auth, 'teams'), 'Microsoft Teams disconnected');

export const slackChannelsHandler: RouteHandler<typeof slackChannelsRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const { cursor, limit } = c.req.valid('query');
  // the connection is read (and its pooled client released) before Slack is called
  const connection = await requireSlackConnection(database, services.secrets, c.var.auth.orgId);
  try {
    const page = await services.slack.forToken(connection.botToken).listChannels({ cursor, limit });
    return okList(c, { data: page.channels, total: page.channels.length, page: 1, limit, next_cursor: page.nextCursor }, 'Slack channels retrieved');
  } catch (err) {
    const failure = services.slack.failureOf(err);
    // a revoked token shows in the connected-apps list instead of failing silently on every use
    if (failure?.failure === 'auth') await markNeedsReauth(database, c.var.auth.orgId, 'slack', failure.message);
    providerFailure(failure, err, SLACK);
  }
};

export const slackTestNotificationHandler: RouteHandler<typeof slackTestNotificationRoute, AppEnv> = async (c) => {
  const { config, database } = c.var.deps;
  const body = c.req.valid('json');
  const message = await requestTestNotification(database, c.var.auth, { channel: body.channel, eventType: body.event_type }, config.SANDBOX_CONNECTORS);
  return ok(
    c,
    { id: String(message.id), channel: 'slack' as const, connector: message.connector, status: message.status, created_at: message.created_at.toISOString() },
    'Test notification queued',
    202,
  );
};

export const teamsChannelsHandler: RouteHandler<typeof teamsChannelsRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const { team_id } = c.req.valid('query');
  const connection = await findTeamsConnection(database, services.secrets, c.var.auth.orgId);
  if (!connection) throw teamsNotConnected();
  if (!connection.graphAccessToken) {
    throw new ApiError('validation_error', 'Listing Teams channels needs a Microsoft Graph access token: connect Teams again with access_token', {
      code: 'teams_channel_listing_not_configured',
    });
  }
  try {
    return ok(c, await services.teams.listChannels(connection.graphAccessToken, team_id), 'Teams channels retrieved');
  } catch (err) {
    providerFailure(services.teams.failureOf(err), err, TEAMS);
  }
};

export const listNotificationRoutesHandler: RouteHandler<typeof listNotificationRoutesRoute, AppEnv> = async (c) =>
  ok(c, await listNotificationRoutes(c.var.deps.database, c.var.auth), 'Notification routes retrieved');

export const replaceNotificationRoutesHandler: RouteHandler<typeof replaceNotificationRoutesRoute, AppEnv> = async (c) =>
  ok(c, await replaceNotificationRoutes(c.var.deps.database, c.var.auth, c.req.valid('json').routes), 'Notification routes saved');

// Slack's Web API through the official client (@slack/web-api 8.2.0), one
// client per bot token, every request out through the egress (the client's
// `fetch` option: 8.x takes a fetch function, not an agent).
//
// The client's own retries are off (`retries: 0`): by default it retries any
// non-200 answer up to 10 times over ~30 minutes, chat.postMessage included,
// which can post a message twice; and `rejectRateLimitedCalls` makes a 429
// throw at once with its Retry-After instead of pausing the whole client
// (ENGINEERING.md §8). Retries belong to the Temporal activity that calls
// this, which records each message before sending it (outbound_messages) and
// honours Retry-After per workspace across processes (provider_throttles).
//
// Every posted message carries metadata naming its idempotency key, so a
// send that timed out (in doubt: Slack may have posted it) can be looked up
// in the channel's recent history instead of being posted again.
import { LogLevel, WebClient, type FetchFunction } from '@slack/web-api';
import { ConnectorError, failureOfStatus } from '../connector-error.js';
import { egressFailureKind, type Egress } from '../egress.js';

const PROVIDER = 'slack';
/** metadata event type of every message LIO posts: its payload holds the message's idempotency key */
export const SLACK_MESSAGE_EVENT_TYPE = 'lio_notification';
/** Slack's largest page of conversations.list */
export const SLACK_MAX_CHANNEL_PAGE = 1000;
/** how far back an in-doubt message is looked for (a retried activity runs within minutes of the lost answer) */
const IN_DOUBT_WINDOW_SECONDS = 24 * 3600;
/** history pages read while looking for an in-doubt message */
const IN_DOUBT_MAX_PAGES = 5;

export interface SlackWorkspace {
  teamId: string;
  teamName: string;
  botUserId: string | null;
}

export interface SlackChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_member: boolean;
  num_members: number | null;
}

export interface SlackChannelPage {
  channels: SlackChannel[];
  /** Slack's cursor of the next page; null after the last */
  nextCursor: string | null;
}

export interface SlackMessage {
  channel: string;
  text: string;
  /** Block Kit blocks; `text` stays the notification's fallback */
  blocks?: Record<string, unknown>[];
  /** the outbound message's key, posted as metadata so an in-doubt send can be found */
  idempotencyKey: string;
}

/** What one bot token can do. */
export interface SlackClient {
  /** the workspace the token belongs to (auth.test): how a token is verified before it is stored */
  authTest(): Promise<SlackWorkspace>;
  listChannels(page: { cursor?: string; limit: number }): Promise<SlackChannelPage>;
  /** posts the message; answers Slack's timestamp of it (its id within the channel) */
  postMessage(message: SlackMessage): Promise<{ ts: string }>;
  /** the timestamp of a message this connector posted under `idempotencyKey` in the channel's recent history, or null when the whole recent history lacks it */
  findPostedByKey(channel: string, idempotencyKey: string): Promise<string | null>;
}

export interface SlackConnector {
  forToken(botToken: string): SlackClient;
  /** the ConnectorError a call's error is, for callers that know the connector by its interface only (the API); else null */
  failureOf(err: unknown): ConnectorError | null;
}

export interface SlackSettings {
  egress: Egress;
  /** SLACK_API_URL: Slack's API, or a local fake in tests */
  apiUrl: string;
  /** milliseconds a request may take before it is abandoned (and, for a post, is in doubt) */
  timeoutMs: number;
}

/** Slack's error codes that mean the token no longer works: re-authorise, never retry. */
const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'no_permission', 'missing_scope', 'ekm_access_denied']);
const NOT_FOUND_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);
/** errors Slack answers with 200 and ok:false that are worth another attempt */
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

interface SlackErrorShape {
  code?: string;
  data?: { error?: string };
  retryAfter?: number;
  statusCode?: number;
  original?: unknown;
}

const isTimeout = (err: unknown) => err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');

/** The ConnectorError a failure of the Slack client (or of the egress under it) stands for. Messages name Slack's error code, never a body. */
export function slackFailureOf(err: unknown, egress: Egress): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as SlackErrorShape;
  switch (e.code) {
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      const failure = AUTH_ERRORS.has(code) ? 'auth' : NOT_FOUND_ERRORS.has(code) ? 'not_found' : TRANSIENT_ERRORS.has(code) ? 'unavailable' : 'rejected';
      return new ConnectorError(failure, `Slack refused the call: ${code}`, { provider: PROVIDER, status: 200 });
    }
    case 'slack_webapi_rate_limited_error': {
      const retryAfterMs = Math.max(0, (e.retryAfter ?? 1) * 1000);
      return new ConnectorError('rate_limited', `Slack rate limited the workspace (retry after ${retryAfterMs} ms)`, { provider: PROVIDER, status: 429, retryAfterMs });
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 502;
      return new ConnectorError(failureOfStatus(status), `Slack answered HTTP ${status}`, { provider: PROVIDER, status });
    }
    case 'slack_webapi_request_error': {
      const original = e.original;
      if (isTimeout(original)) return new ConnectorError('timeout', 'Slack did not answer in time', { provider: PROVIDER });
      const egressFailure = egress.failureOf(original);
      if (!egressFailure) return new ConnectorError('unavailable', 'Slack could not be reached', { provider: PROVIDER });
      // a connection dropped after the request was written is in doubt, like no answer in time
      const kind = egressFailureKind(egressFailure);
      const what = { timeout: 'Slack gave no complete answer', unavailable: 'Slack could not be reached', refused: 'Slack could not be called' }[kind];
      return new ConnectorError(kind, `${what}: ${egressFailure.message}`, { provider: PROVIDER });
    }
    default:
      if (isTimeout(err)) return new ConnectorError('timeout', 'Slack did not answer in time', { provider: PROVIDER });
      return new ConnectorError('unavailable', "Slack's answer could not be read", { provider: PROVIDER });
  }
}

/** The client's fetch, through the egress: Slack's bodies are url-encoded strings (no file uploads here). */
function egressFetch(egress: Egress): FetchFunction {
  return async (url, init = {}) => {
    if (init.body !== undefined && typeof init.body !== 'string') throw new Error('multipart bodies are not sent by this connector');
    const response = await egress.fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: init.signal });
    return response;
  };
}

export function createSlackConnector(settings: SlackSettings): SlackConnector {
  const fetch = egressFetch(settings.egress);
  // the client joins method names to the URL as they are: it must end with a slash
  const slackApiUrl = settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/`;
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw slackFailureOf(err, settings.egress);
    }
  };

  return {
    failureOf: (err) => (err instanceof ConnectorError ? err : null),

    forToken(botToken) {
      const client = new WebClient(botToken, {
        slackApiUrl,
        fetch,
        timeout: settings.timeoutMs,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        // an absolute URL as a method name would leave the configured API
        allowAbsoluteUrls: false,
        // failures reach the caller as ConnectorErrors (and its logs); the client's own console warnings would duplicate them
        logLevel: LogLevel.ERROR,
      });
      return {
        authTest: () =>
          call(async () => {
            const answer = await client.auth.test();
            return { teamId: answer.team_id ?? '', teamName: answer.team ?? '', botUserId: answer.user_id ?? null };
          }),

        listChannels: ({ cursor, limit }) =>
          call(async () => {
            const answer = await client.conversations.list({
              cursor,
              limit: Math.min(limit, SLACK_MAX_CHANNEL_PAGE),
              exclude_archived: true,
              types: 'public_channel,private_channel',
            });
            return {
              channels: (answer.channels ?? []).map((channel) => ({
                id: channel.id ?? '',
                name: channel.name ?? '',
                is_private: channel.is_private ?? false,
                is_member: channel.is_member ?? false,
                num_members: channel.num_members ?? null,
              })),
              nextCursor: answer.response_metadata?.next_cursor || null,
            };
          }),

        postMessage: ({ channel, text, blocks, idempotencyKey }) =>
          call(async () => {
            const answer = await client.chat.postMessage({
              channel,
              text,
              ...(blocks ? { blocks: blocks as never } : {}),
              metadata: { event_type: SLACK_MESSAGE_EVENT_TYPE, event_payload: { key: idempotencyKey } },
              unfurl_links: false,
            });
            if (!answer.ts) throw new ConnectorError('unavailable', 'Slack accepted the message without a timestamp', { provider: PROVIDER });
            return { ts: answer.ts };
          }),

        findPostedByKey: (channel, idempotencyKey) =>
          call(async () => {
            const oldest = String(Math.floor(Date.now() / 1000) - IN_DOUBT_WINDOW_SECONDS);
            let cursor: string | undefined;
            for (let page = 0; page < IN_DOUBT_MAX_PAGES; page++) {
              const answer = await client.conversations.history({ channel, oldest, cursor, limit: 200, include_all_metadata: true });
              const found = (answer.messages ?? []).find(
                (m) => m.metadata?.event_type === SLACK_MESSAGE_EVENT_TYPE && (m.metadata.event_payload as { key?: unknown } | undefined)?.key === idempotencyKey,
              );
              if (found?.ts) return found.ts;
              cursor = answer.response_metadata?.next_cursor || undefined;
              if (!cursor) return null;
            }
            // not found in what was read, but the history goes on: "not posted" cannot be claimed, so it is not posted again
            throw new ConnectorError('rejected', 'the message could not be confirmed in the channel history', { provider: PROVIDER });
          }),
      };
    },
  };
}

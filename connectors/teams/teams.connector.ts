// Microsoft Teams: notifications are Adaptive Cards posted to a Teams
// Workflows webhook (the replacement of Office 365 connectors), and a team's
// channels are read from Microsoft Graph (GET /teams/{id}/channels). Both
// with plain fetch through the egress: the webhook URL is the tenant's, so
// the egress checks its destination on every post (and the connection
// checked it when it was stored); Graph's address is the operator's
// (MICROSOFT_GRAPH_BASE_URL) and a paging link must stay on it. Neither
// retries on its own: a webhook post is not idempotent, and retries belong to
// the Temporal activity that records each message before sending it.
import { ConnectorError, failureOfStatus } from '../connector-error.js';
import { egressFailureKind, type Egress } from '../egress.js';
import { retryAfterMs } from '../rate-limiter.js';

const WEBHOOK = 'teams';
const GRAPH = 'microsoft_graph';
/** pages of a team's channels read at most (Graph answers them all on one page today; the bound keeps a looping nextLink finite) */
const MAX_CHANNEL_PAGES = 20;

export interface TeamsCard {
  title: string;
  text: string;
  /** label → value lines under the text */
  facts?: { title: string; value: string }[];
}

export interface TeamsChannel {
  id: string;
  display_name: string;
  description: string | null;
  membership_type: string | null;
}

export interface TeamsConnector {
  /** resolves when a webhook URL may be stored: https, and a destination the egress allows; else a ConnectorError (refused) */
  checkWebhook(webhookUrl: string): Promise<void>;
  /** posts the card to the webhook (Teams answers 202 Accepted with no id) */
  postCard(webhookUrl: string, card: TeamsCard): Promise<void>;
  /** every channel of a team, following @odata.nextLink on the configured Graph host only */
  listChannels(accessToken: string, teamId: string): Promise<TeamsChannel[]>;
  /** the ConnectorError a call's error is, for callers that know the connector by its interface only (the API); else null */
  failureOf(err: unknown): ConnectorError | null;
}

export interface TeamsSettings {
  egress: Egress;
  /** MICROSOFT_GRAPH_BASE_URL, e.g. https://graph.microsoft.com/v1.0 */
  graphBaseUrl: string;
  /** milliseconds a request may take before it is abandoned (a post is then in doubt) */
  timeoutMs: number;
}

/** The Adaptive Card message body a Teams Workflows webhook ("When a Teams webhook request is received") takes. */
export function adaptiveCardMessage(card: TeamsCard) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: card.title, weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text: card.text, wrap: true },
            ...(card.facts && card.facts.length > 0 ? [{ type: 'FactSet', facts: card.facts }] : []),
          ],
        },
      },
    ],
  };
}

function failureOfAnswer(provider: string, response: Response, what: string): ConnectorError {
  const status = response.status;
  if (status === 429) {
    const wait = retryAfterMs(response.headers.get('retry-after')) ?? 1000;
    return new ConnectorError('rate_limited', `${what} rate limited the request (retry after ${wait} ms)`, { provider, status, retryAfterMs: wait });
  }
  return new ConnectorError(failureOfStatus(status), `${what} answered HTTP ${status}`, { provider, status });
}

function failureOfError(provider: string, err: unknown, egress: Egress, what: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new ConnectorError('timeout', `${what} did not answer in time`, { provider });
  }
  const egressFailure = egress.failureOf(err);
  if (!egressFailure) return new ConnectorError('unavailable', `${what} could not be reached`, { provider });
  // a connection dropped after the request was written is in doubt, like no answer in time: a webhook post is then not repeated
  const kind = egressFailureKind(egressFailure);
  const verb = { timeout: 'gave no complete answer', unavailable: 'could not be reached', refused: 'could not be called' }[kind];
  return new ConnectorError(kind, `${what} ${verb}: ${egressFailure.message}`, { provider });
}

export function createTeamsConnector(settings: TeamsSettings): TeamsConnector {
  const { egress } = settings;
  const graphBase = new URL(settings.graphBaseUrl.endsWith('/') ? settings.graphBaseUrl : `${settings.graphBaseUrl}/`);

  async function send(provider: string, what: string, url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    try {
      return await egress.fetch(url, { ...init, signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (err) {
      throw failureOfError(provider, err, egress, what);
    }
  }

  return {
    failureOf: (err) => (err instanceof ConnectorError ? err : null),

    async checkWebhook(webhookUrl) {
      let url: URL;
      try {
        url = new URL(webhookUrl);
      } catch {
        throw new ConnectorError('rejected', 'the webhook URL is not a URL', { provider: WEBHOOK });
      }
      if (url.protocol !== 'https:') throw new ConnectorError('rejected', 'the webhook URL must use https', { provider: WEBHOOK });
      if (url.username || url.password) throw new ConnectorError('rejected', 'the webhook URL must not carry credentials', { provider: WEBHOOK });
      try {
        await egress.checkDestination(url.href);
      } catch (err) {
        throw failureOfError(WEBHOOK, err, egress, 'the webhook');
      }
    },

    async postCard(webhookUrl, card) {
      const response = await send(WEBHOOK, 'the Teams webhook', webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(adaptiveCardMessage(card)),
      });
      if (response.status < 200 || response.status >= 300) throw failureOfAnswer(WEBHOOK, response, 'the Teams webhook');
    },

    async listChannels(accessToken, teamId) {
      const channels: TeamsChannel[] = [];
      let next: string | undefined = new URL(`teams/${encodeURIComponent(teamId)}/channels`, graphBase).href;
      for (let page = 0; next && page < MAX_CHANNEL_PAGES; page++) {
        const response = await send(GRAPH, 'Microsoft Graph', next, { method: 'GET', headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
        if (!response.ok) throw failureOfAnswer(GRAPH, response, 'Microsoft Graph');
        let body: { value?: { id?: string; displayName?: string; description?: string | null; membershipType?: string | null }[]; '@odata.nextLink'?: string };
        try {
          body = (await response.json()) as typeof body;
        } catch {
          throw new ConnectorError('unavailable', "Microsoft Graph's answer could not be read", { provider: GRAPH });
        }
        for (const channel of body.value ?? []) {
          channels.push({
            id: channel.id ?? '',
            display_name: channel.displayName ?? '',
            description: channel.description ?? null,
            membership_type: channel.membershipType ?? null,
          });
        }
        next = body['@odata.nextLink'];
        // the bearer token goes to the configured Graph host only, never to wherever a link points
        if (next !== undefined && new URL(next).origin !== graphBase.origin) {
          throw new ConnectorError('refused', "Microsoft Graph's next page points off the configured Graph host", { provider: GRAPH });
        }
      }
      return channels;
    },
  };
}

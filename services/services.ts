// The composition root: every outside service's client, the egress they all
// go out through, and the limiters they share, built once per process from
// the operator's configuration (ENGINEERING.md §3.13). The API's process
// entry (api/server.ts) hands the result to its handlers as
// c.var.deps.services, the worker (worker/worker.ts) to its activities as
// deps.services; neither builds a connector of its own, and connectors keep
// no module-level state, so two apps in one process (tests) share nothing.
import { createEgress, type Egress, type EgressSettings } from '../connectors/egress.js';
import { createHubspotConnectors, type HubspotConnectors } from '../connectors/hubspot/hubspot.connector.js';
import { createSandboxVoiceConnector } from '../connectors/voice/sandbox.connector.js';
import { createTwilioConnector } from '../connectors/voice/twilio.connector.js';
import type { VoiceConnector } from '../connectors/voice/voice.connector.js';
import { createSlackConnector, type SlackConnector } from '../connectors/slack/slack.connector.js';
import { createTeamsConnector, type TeamsConnector } from '../connectors/teams/teams.connector.js';
import { createLlmConnector, type LlmConnector } from '../connectors/llm/llm.connector.js';
import { createCalendarConnectors, type CalendarConnectors } from '../connectors/calendar/index.js';
import { createMailConnectors, type MailConnectors } from '../connectors/mail/index.js';
import type { EnrichmentEngine } from '../domain/jobs/enrichment.js';
import type { Config } from '../domain/platform/config.js';
import { createFileStorage, type FileStorage } from '../domain/platform/file-storage.js';
import { createSecretBox, parseCredentialsKey, type SecretBox } from '../domain/platform/secret-box.js';
import { createTokenSigner, type TokenSigner } from '../domain/platform/signed-token.js';
import { createEnrichmentEngine } from './enrichment.js';

export interface Services {
  /** the one way out for every outbound request; its agents keep connections alive for every connector */
  egress: Egress;
  /** the enrichment waterfall; its http provider's rate limiter paces every lookup of the process */
  enrichment: EnrichmentEngine;
  /** HubSpot connectors per connected account, with each account's limiter */
  hubspot: HubspotConnectors;
  /** the language model of every AI feature (LLM_BASE_URL), or the labelled offline generator when none is configured */
  llm: LlmConnector;
  /** Slack's Web API (SLACK_API_URL), a client per connected workspace's bot token; no retries of its own */
  slack: SlackConnector;
  /** Teams Workflows webhooks and Graph's channel list (MICROSOFT_GRAPH_BASE_URL); no retries of its own */
  teams: TeamsConnector;
  /** a connector per mail account: Gmail (GOOGLE_*), Outlook (MICROSOFT_*), SMTP, the sandbox (SANDBOX_CONNECTORS only); no retries of their own */
  mail: MailConnectors;
  /** a Google or Outlook calendar per connected account (the user's gmail/outlook mail configuration tokens); no retries of their own */
  calendar: CalendarConnectors;
  /** where uploaded and exported files are kept (STORAGE_DIR) */
  storage: FileStorage;
  /** seals and opens every organization's stored credentials (CREDENTIALS_KEY, its previous keys during a rotation) */
  secrets: SecretBox;
  /** signs and verifies the tokens of tracking pixels, click redirects and unsubscribe links */
  tokens: TokenSigner;
  /** numbers and calls: Twilio when the operator configured an account, the sandbox in development (SANDBOX_CONNECTORS), else null (voice off) */
  voice: VoiceConnector | null;
}

function voiceConnectorOf(config: Config, egress: Egress): VoiceConnector | null {
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN) {
    return createTwilioConnector(
      {
        accountSid: config.TWILIO_ACCOUNT_SID,
        authToken: config.TWILIO_AUTH_TOKEN,
        apiKeySid: config.TWILIO_API_KEY_SID,
        apiKeySecret: config.TWILIO_API_KEY_SECRET,
        twimlAppSid: config.TWILIO_TWIML_APP_SID,
        apiBaseUrl: config.TWILIO_API_BASE_URL,
        timeoutMs: config.EGRESS_TIMEOUT_MS,
      },
      egress,
    );
  }
  return config.SANDBOX_CONNECTORS ? createSandboxVoiceConnector() : null;
}

const commaList = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

function egressSettingsOf(
  config: Pick<Config, 'EGRESS_ALLOW_PRIVATE_NETWORKS' | 'EGRESS_ALLOWED_HOSTS' | 'EGRESS_MAX_RESPONSE_BYTES' | 'EGRESS_TIMEOUT_MS'>,
): EgressSettings {
  return {
    allowPrivateNetworks: config.EGRESS_ALLOW_PRIVATE_NETWORKS,
    allowedHosts: commaList(config.EGRESS_ALLOWED_HOSTS),
    maxResponseBytes: config.EGRESS_MAX_RESPONSE_BYTES,
    timeoutMs: config.EGRESS_TIMEOUT_MS,
  };
}

/** The secret box of CREDENTIALS_KEY and its previous keys, as every process of this configuration opens credentials with. */
export const secretBoxOf = (config: Pick<Config, 'CREDENTIALS_KEY' | 'CREDENTIALS_PREVIOUS_KEYS'>): SecretBox =>
  createSecretBox(parseCredentialsKey(config.CREDENTIALS_KEY), commaList(config.CREDENTIALS_PREVIOUS_KEYS).map(parseCredentialsKey));

/** The token signer of CREDENTIALS_KEY and its previous keys (a link signed before a rotation still verifies). */
export const tokenSignerOf = (config: Pick<Config, 'CREDENTIALS_KEY' | 'CREDENTIALS_PREVIOUS_KEYS'>): TokenSigner =>
  createTokenSigner(parseCredentialsKey(config.CREDENTIALS_KEY), commaList(config.CREDENTIALS_PREVIOUS_KEYS).map(parseCredentialsKey));

export function createServices(config: Config): Services {
  const egress = createEgress(egressSettingsOf(config));
  return {
    egress,
    enrichment: createEnrichmentEngine(config, egress),
    hubspot: createHubspotConnectors({ egress, requestsPer10s: config.HUBSPOT_REQUESTS_PER_10S }),
    llm: createLlmConnector(
      { baseUrl: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL, timeoutMs: config.LLM_TIMEOUT_MS },
      egress,
    ),
    slack: createSlackConnector({ egress, apiUrl: config.SLACK_API_URL, timeoutMs: config.EGRESS_TIMEOUT_MS }),
    teams: createTeamsConnector({ egress, graphBaseUrl: config.MICROSOFT_GRAPH_BASE_URL, timeoutMs: config.EGRESS_TIMEOUT_MS }),
    mail: createMailConnectors({
      egress,
      google: { clientId: config.GOOGLE_CLIENT_ID, clientSecret: config.GOOGLE_CLIENT_SECRET, tokenUrl: config.GOOGLE_TOKEN_URL, apiBaseUrl: config.GOOGLE_API_BASE_URL },
      microsoft: {
        clientId: config.MICROSOFT_CLIENT_ID,
        clientSecret: config.MICROSOFT_CLIENT_SECRET,
        tokenUrl: config.MICROSOFT_TOKEN_URL,
        graphBaseUrl: config.MICROSOFT_GRAPH_BASE_URL,
      },
      smtpTimeoutMs: config.EGRESS_TIMEOUT_MS,
      sandboxAllowed: config.SANDBOX_CONNECTORS,
    }),
    calendar: createCalendarConnectors({
      egress,
      google: {
        clientId: config.GOOGLE_CLIENT_ID,
        clientSecret: config.GOOGLE_CLIENT_SECRET,
        tokenUrl: config.GOOGLE_TOKEN_URL,
        apiBaseUrl: config.GOOGLE_CALENDAR_API_BASE_URL ?? config.GOOGLE_API_BASE_URL,
      },
      microsoft: {
        clientId: config.MICROSOFT_CLIENT_ID,
        clientSecret: config.MICROSOFT_CLIENT_SECRET,
        tokenUrl: config.MICROSOFT_TOKEN_URL,
        graphBaseUrl: config.MICROSOFT_GRAPH_BASE_URL,
      },
    }),
    storage: createFileStorage(config.STORAGE_DIR),
    secrets: secretBoxOf(config),
    tokens: tokenSignerOf(config),
    voice: voiceConnectorOf(config, egress),
  };
}

// Google OAuth2 for the Gmail and Calendar connectors: the `auth.OAuth2`
// client that @googleapis/gmail exports (the same google-auth-library copy
// the generated clients use; adding our own would give two copies whose
// classes do not match), built per connected account from its stored tokens.
//
// - Every request of the client (token refreshes and the API calls the
//   generated clients make through it) goes out through the egress agent.
// - The token URL is the operator's (GOOGLE_TOKEN_URL), so tests talk to a fake.
// - `forceRefreshOnFailure`: without it a 401 on a token that still has an
//   expiry time is thrown as is instead of refreshing (ENGINEERING §8).
// - The `tokens` event (a refresh happened) is handed to onTokens, so the
//   caller seals and stores the new access token: the next activity starts
//   from it instead of refreshing again.
// - gaxios retries are off: retries belong to the Temporal activities.
import { auth } from '@googleapis/gmail';
import { egressFailureKind, type Egress } from '../egress.js';
import { ConnectorError, failureOfStatus } from '../connector-error.js';
import { retryAfterMs } from '../rate-limiter.js';

export type GoogleOAuth2 = InstanceType<typeof auth.OAuth2>;

export interface GoogleTokens {
  access_token: string;
  refresh_token?: string;
  /** epoch milliseconds */
  expiry_date?: number;
}

export interface GoogleAuthSettings {
  clientId?: string;
  clientSecret?: string;
  /** the OAuth token endpoint (GOOGLE_TOKEN_URL) */
  tokenUrl: string;
  egress: Egress;
  tokens: GoogleTokens;
  /** called with the complete token set after every refresh (the refresh token is kept when Google sends none) */
  onTokens?: (tokens: GoogleTokens) => void;
}

export function createGoogleAuth(settings: GoogleAuthSettings): GoogleOAuth2 {
  const client = new auth.OAuth2({
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    endpoints: { oauth2TokenUrl: settings.tokenUrl },
    forceRefreshOnFailure: true,
    // node-fetch (gaxios' fetch on Node) takes the function form and asks it per URL
    transporterOptions: { agent: (url: URL) => settings.egress.agentFor(url), retry: false },
  });
  client.setCredentials({ ...settings.tokens });
  let refreshToken = settings.tokens.refresh_token;
  client.on('tokens', (fresh) => {
    if (!fresh.access_token) return;
    // Google answers a refresh without repeating the refresh token: the stored one stays valid
    refreshToken = fresh.refresh_token ?? refreshToken;
    settings.onTokens?.({
      access_token: fresh.access_token,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(fresh.expiry_date ? { expiry_date: fresh.expiry_date } : {}),
    });
  });
  return client;
}

interface GaxiosLikeError {
  status?: number;
  code?: string | number;
  config?: { url?: string | URL };
  response?: { status?: number; headers?: Headers | Record<string, string> };
  cause?: unknown;
  message?: string;
}

const headerOf = (headers: Headers | Record<string, string> | undefined, name: string): string | null => {
  if (!headers) return null;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const record = headers as Record<string, string>;
  return record[name] ?? record[name.toLowerCase()] ?? null;
};

/**
 * The ConnectorError a Google client (gmail, calendar, the OAuth2 refresh)
 * failure stands for. A refused refresh (the token endpoint answering 400
 * invalid_grant / 401, or no refresh token to refresh with) is `auth`: the
 * account must be connected again. Never carries Google's answer body.
 */
export function googleConnectorError(err: unknown, options: { provider: string; tokenUrl: string; egress: Egress }): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as GaxiosLikeError;
  const status = e.response?.status ?? (typeof e.status === 'number' ? e.status : undefined);
  const url = e.config?.url ? String(e.config.url) : '';
  const provider = options.provider;
  if (status !== undefined) {
    if (url.startsWith(options.tokenUrl) && status >= 400 && status < 500 && status !== 429) {
      return new ConnectorError('auth', `the token refresh was refused (HTTP ${status})`, { provider, status });
    }
    const failure = failureOfStatus(status);
    const wait = failure === 'rate_limited' ? retryAfterMs(headerOf(e.response?.headers, 'retry-after')) : null;
    return new ConnectorError(failure, `${provider} answered HTTP ${status}`, { provider, status, ...(wait !== null ? { retryAfterMs: wait } : {}) });
  }
  // google-auth-library's own refusal to refresh: a 401 and no refresh token to get a new access token with
  if (typeof e.message === 'string' && /no refresh token|refresh token is set/i.test(e.message)) {
    return new ConnectorError('auth', 'the access token was refused and there is no refresh token', { provider });
  }
  const egressFailure = options.egress.failureOf(err) ?? options.egress.failureOf(e.cause);
  if (egressFailure) {
    return new ConnectorError(egressFailureKind(egressFailure), egressFailure.message, { provider });
  }
  if (e.code === 'ETIMEDOUT' || (err instanceof Error && err.name === 'AbortError')) {
    return new ConnectorError('timeout', `${provider} did not answer in time`, { provider });
  }
  return new ConnectorError('unavailable', `${provider} request failed`, { provider });
}

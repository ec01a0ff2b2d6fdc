// Microsoft Graph (Outlook mail and calendar, Teams) through the official
// client, @microsoft/microsoft-graph-client, with our own middleware chain
// instead of the stock one:
// - authentication: the stock AuthenticationHandler silently drops the
//   Authorization header for hosts it does not know as Graph hosts over
//   http:// (ENGINEERING §8), i.e. on every local fake; ours always sets it,
//   and on a 401 asks the token provider for a fresh token once and repeats
//   the request (a 401 means Graph did not act on it, so repeating a POST is
//   safe);
// - no RetryHandler: the stock one retries POSTs (a sendMail twice); retries
//   belong to the Temporal activities, which honour Retry-After through the
//   shared provider throttle;
// - transport: every request goes out through the egress (SSRF checks,
//   time and size budgets).
// Also here: the refresh-token grant against MICROSOFT_TOKEN_URL with the
// installation's MICROSOFT_CLIENT_ID/SECRET, and the Graph error → ConnectorError mapping.
import { Client, GraphError, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { egressFailureKind, type Egress } from '../egress.js';
import { ConnectorError, failureOfStatus, type ConnectorFailure } from '../connector-error.js';
import { retryAfterMs } from '../rate-limiter.js';

export interface GraphAccessTokenProvider {
  /** the access token to send; with forceRefresh, a new one (the current one was refused) */
  (options?: { forceRefresh?: boolean }): Promise<string>;
}

export interface GraphClientSettings {
  /** MICROSOFT_GRAPH_BASE_URL, version included (https://graph.microsoft.com/v1.0) */
  baseUrl: string;
  egress: Egress;
  accessToken: GraphAccessTokenProvider;
}

/** The request's headers as a plain record (the client hands a Headers, an array or a record). */
function headerRecord(headers: unknown): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers as [string, string][]);
  return { ...(headers as Record<string, string>) };
}

async function bodyText(body: unknown): Promise<string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body instanceof Blob) return body.text();
  return JSON.stringify(body);
}

// The Graph client replaces whatever a middleware throws with a GraphError of
// status -1 that keeps only the thrown error's name and message, so a timeout
// (in doubt) and a refused refresh (re-authorise) would both read as "failed".
// A failure thrown in Graph's own error shape ({ error: { code, message } })
// keeps its code: the ConnectorError's kind travels in it, and
// graphConnectorError reads it back.
const CARRIED = 'lio_connector_failure:';

function carried(err: ConnectorError): ConnectorError {
  const code = `${CARRIED}${err.failure}:${err.details.retryAfterMs ?? ''}`;
  return Object.assign(err, { error: { code, message: err.message } });
}

class BearerAuthMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly accessToken: GraphAccessTokenProvider,
    private readonly egress: Egress,
  ) {}
  setNext(next: Middleware) {
    this.next = next;
  }
  private async token(options?: { forceRefresh?: boolean }): Promise<string> {
    try {
      return await this.accessToken(options);
    } catch (err) {
      throw carried(graphConnectorError(err, this.egress));
    }
  }
  async execute(context: Context): Promise<void> {
    const send = async (token: string) => {
      context.options = { ...context.options, headers: { ...headerRecord(context.options?.headers), Authorization: `Bearer ${token}` } };
      await this.next!.execute(context);
    };
    await send(await this.token());
    if (context.response?.status === 401) await send(await this.token({ forceRefresh: true }));
  }
}

class EgressHttpMiddleware implements Middleware {
  constructor(private readonly egress: Egress) {}
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : (context.request as Request).url;
    const options = context.options ?? {};
    try {
      context.response = await this.egress.fetch(url, {
        method: options.method ?? 'GET',
        headers: headerRecord(options.headers),
        body: await bodyText(options.body),
        signal: options.signal ?? undefined,
      });
    } catch (err) {
      throw carried(graphConnectorError(err, this.egress));
    }
  }
}

/** A Graph client whose requests carry the account's token and go out through the egress, never retried by the client. */
export function createGraphClient(settings: GraphClientSettings): Client {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const versioned = /^(.*)\/(v1\.0|beta)$/.exec(base);
  const auth = new BearerAuthMiddleware(settings.accessToken, settings.egress);
  auth.setNext(new EgressHttpMiddleware(settings.egress));
  return Client.initWithMiddleware({
    middleware: auth,
    baseUrl: versioned ? versioned[1]! : base,
    defaultVersion: versioned ? versioned[2]! : 'v1.0',
  });
}

export interface MicrosoftTokens {
  access_token: string;
  refresh_token?: string;
  /** epoch milliseconds */
  expiry_date?: number;
}

export interface MicrosoftRefreshSettings {
  tokenUrl: string;
  clientId?: string;
  clientSecret?: string;
  egress: Egress;
}

/**
 * A new access token for a refresh token (OAuth2 refresh_token grant at
 * MICROSOFT_TOKEN_URL, the installation's app id and secret). A refused grant
 * (400 invalid_grant, 401) is ConnectorError 'auth': the mailbox must be
 * connected again.
 */
export async function refreshMicrosoftToken(settings: MicrosoftRefreshSettings, refreshToken: string | undefined): Promise<MicrosoftTokens> {
  const provider = 'microsoft';
  if (!refreshToken) throw new ConnectorError('auth', 'the access token was refused and there is no refresh token', { provider });
  if (!settings.clientId || !settings.clientSecret) throw new ConnectorError('auth', 'MICROSOFT_CLIENT_ID/SECRET are not configured: tokens cannot be refreshed', { provider });
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
  });
  let response: Response;
  try {
    response = await settings.egress.fetch(settings.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
  } catch (err) {
    throw graphConnectorError(err, settings.egress);
  }
  if (response.status === 400 || response.status === 401) throw new ConnectorError('auth', `the token refresh was refused (HTTP ${response.status})`, { provider, status: response.status });
  if (!response.ok) throw statusError(response.status, response.headers.get('retry-after'));
  const body = (await response.json().catch(() => null)) as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown } | null;
  if (!body || typeof body.access_token !== 'string') throw new ConnectorError('unavailable', 'the token endpoint answered without an access token', { provider });
  return {
    access_token: body.access_token,
    refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : refreshToken,
    ...(typeof body.expires_in === 'number' ? { expiry_date: Date.now() + body.expires_in * 1000 } : {}),
  };
}

function statusError(status: number, retryAfter: string | null): ConnectorError {
  const failure = failureOfStatus(status);
  const wait = failure === 'rate_limited' ? retryAfterMs(retryAfter) : null;
  return new ConnectorError(failure, `microsoft graph answered HTTP ${status}`, { provider: 'microsoft', status, ...(wait !== null ? { retryAfterMs: wait } : {}) });
}

/** The ConnectorError a Graph client (or token endpoint) failure stands for; never Graph's answer body. */
export function graphConnectorError(err: unknown, egress: Egress): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof GraphError && typeof code === 'string' && code.startsWith(CARRIED)) {
    const [failure, wait] = code.slice(CARRIED.length).split(':') as [ConnectorFailure, string];
    return new ConnectorError(failure, err.message, { provider: 'microsoft', ...(wait ? { retryAfterMs: Number(wait) } : {}) });
  }
  if (err instanceof GraphError && err.statusCode > 0) {
    const headers = err.headers as Headers | undefined;
    return statusError(err.statusCode, headers?.get?.('retry-after') ?? null);
  }
  const egressFailure = egress.failureOf(err);
  if (egressFailure) {
    return new ConnectorError(egressFailureKind(egressFailure), egressFailure.message, { provider: 'microsoft' });
  }
  return new ConnectorError('unavailable', 'microsoft graph request failed', { provider: 'microsoft' });
}

// What went wrong with an outside service, in the one shape every connector
// (mail, calendar, Slack, Teams, voice, LLM) reports it, whatever its SDK
// threw: activities decide from `kind` whether to retry (Temporal's retry
// policy, never the SDK's), when (`retryAfterMs`, also recorded in the shared
// provider throttle) and whether the configuration needs re-authorisation.
// `message` names the status or failure, never the outside answer's body.
// Retry-After is read with retryAfterMs() of connectors/rate-limiter.ts.
export type ConnectorFailure =
  /** the credentials were refused (after a refresh where one was possible): re-authorise, do not retry */
  | 'auth'
  /** 429: retry after retryAfterMs (the provider's Retry-After), on every process */
  | 'rate_limited'
  /** 5xx, connection refused or reset: the provider did not take the request; retry */
  | 'unavailable'
  /** no answer in time: the provider may or may not have acted on it (a send is "in doubt") */
  | 'timeout'
  /** 4xx other than the above: the request itself is wrong; retrying will not help */
  | 'rejected'
  /** the thing asked for does not exist at the provider */
  | 'not_found'
  /** the egress refused the destination (SSRF check) or the answer was too large */
  | 'refused';

export class ConnectorError extends Error {
  constructor(
    readonly failure: ConnectorFailure,
    message: string,
    readonly details: { provider: string; status?: number; retryAfterMs?: number } = { provider: 'unknown' },
  ) {
    super(message);
    this.name = 'ConnectorError';
  }

  /** whether trying the same request again later can succeed */
  get retryable(): boolean {
    return this.failure === 'rate_limited' || this.failure === 'unavailable' || this.failure === 'timeout';
  }
}

export const isConnectorError = (err: unknown): err is ConnectorError => err instanceof ConnectorError;

/** The failure an HTTP status stands for (401/403 auth, 404 not_found, 429 rate_limited, 408/5xx unavailable, other 4xx rejected). */
export function failureOfStatus(status: number): ConnectorFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'unavailable';
  return 'rejected';
}

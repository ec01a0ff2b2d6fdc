// How the domain reads an outside service's failure without importing the
// connectors (they sit beside the domain, not below it): a ConnectorError
// (connectors/connector-error.ts) is recognised by its shape.
import { ApiError } from './errors.js';

export type ConnectorFailureKind = 'auth' | 'rate_limited' | 'unavailable' | 'timeout' | 'rejected' | 'not_found' | 'refused';

export interface ConnectorFailure {
  failure: ConnectorFailureKind;
  message: string;
  details: { provider: string; status?: number; retryAfterMs?: number };
}

const KINDS: readonly string[] = ['auth', 'rate_limited', 'unavailable', 'timeout', 'rejected', 'not_found', 'refused'];

/** The ConnectorError `err` is, or null when it is something else. */
export function connectorFailureOf(err: unknown): ConnectorFailure | null {
  if (!(err instanceof Error) || err.name !== 'ConnectorError') return null;
  const failure = (err as Error & { failure?: unknown }).failure;
  return typeof failure === 'string' && KINDS.includes(failure) ? (err as unknown as ConnectorFailure) : null;
}

/** An outside service as its failures are named to API clients: "The mail provider", error codes mail_…. */
export interface OutsideService {
  name: string;
  code: string;
}

/**
 * The one answer an API request gives for an outside service's failure —
 * 422 `<code>_reauth_required` (credentials refused: connect again; the
 * caller marks the configuration first), 429 `<code>_rate_limited` with the
 * provider's Retry-After, 422 `<code>_rejected`, 404 `<code>_not_found`, and
 * 502 `<code>_unavailable` for a failure, a timeout or a destination the
 * egress refused. The message names the failure, never the provider's body.
 */
export function apiErrorOfFailure(service: OutsideService, failure: ConnectorFailure): ApiError {
  switch (failure.failure) {
    case 'auth':
      return new ApiError('validation_error', `${service.name} refused the stored credentials (${failure.message}): connect it again`, {
        code: `${service.code}_reauth_required`,
      });
    case 'rate_limited':
      return new ApiError('rate_limited', `${service.name} asked to slow down: retry later`, {
        code: `${service.code}_rate_limited`,
        retryAfterSeconds: Math.max(1, Math.ceil((failure.details.retryAfterMs ?? 1000) / 1000)),
      });
    case 'rejected':
      return new ApiError('validation_error', `${service.name} refused the request: ${failure.message}`, { code: `${service.code}_rejected` });
    case 'not_found':
      return new ApiError('not_found', `${service.name}: ${failure.message}`, { code: `${service.code}_not_found` });
    default:
      return new ApiError('bad_gateway', `${service.name} failed or could not be reached: ${failure.message}`, { code: `${service.code}_unavailable` });
  }
}

/** `err` as the API answers it when it is an outside service's failure; any other error unchanged. */
export const apiErrorOf = (service: OutsideService, err: unknown): Error => {
  const failure = connectorFailureOf(err);
  return failure ? apiErrorOfFailure(service, failure) : (err as Error);
};

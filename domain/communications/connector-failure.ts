// How the domain reads an outside service's failure without importing the
// connectors (they sit beside the domain, not below it): a ConnectorError
// (connectors/connector-error.ts) is recognised by its shape.
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

// Errors are thrown as ApiError(kind) anywhere below the HTTP layer and
// formatted once, by api/app.ts, into the spec's §3 envelope.

export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  validation_error: 422,
  rate_limited: 429,
  internal_error: 500,
  /** an outside service failed, refused or could not be reached (or its address was refused by the egress check) */
  bad_gateway: 502,
  /** the server is saturated for now (database pool exhausted); always sent with Retry-After */
  service_unavailable: 503,
} as const;

export type ErrorKind = keyof typeof errorStatus;

export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly options: {
      /** a machine-readable reason within the kind, e.g. "duplicate_lead" */
      code?: string;
      /** per-field problems, for validation errors */
      details?: { path: string; message: string }[];
      retryAfterSeconds?: number;
      /** extra fields merged into the error object, e.g. the id of an existing duplicate */
      meta?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): (typeof errorStatus)[ErrorKind] {
    return errorStatus[this.kind];
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);

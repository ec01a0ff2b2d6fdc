import pino from 'pino';

// Secrets never reach the logs, even if a caller logs a whole request or body.
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'new_password',
  'current_password',
  'confirm_password',
  '*.access_token',
  'access_token',
  '*.refresh_token',
  'refresh_token',
  '*.secret',
  '*.auth_token',
  '*.webhook_url',
  '*.secret_sealed',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

// A database error carries the values of the statement that failed:
// PostgreSQL's message, detail ("Key (ssn)=(…) already exists"), where and
// hint can quote them, and Prisma's message and meta can quote the query's
// arguments. Of such an error only these identifying fields are logged.
const POSTGRES_ERROR_FIELDS = ['code', 'severity', 'routine', 'schema', 'table', 'column', 'dataType', 'constraint'] as const;
// what a Prisma error's meta.driverAdapterError.cause says without values (kinds such as InvalidInputValue carry a message)
const PRISMA_ADAPTER_CAUSE_FIELDS = ['kind', 'originalCode', 'constraint', 'table', 'column'] as const;
// causes are followed this deep (a cycle of causes must not loop)
const MAX_CAUSE_DEPTH = 5;

type ErrorRecord = Error & Record<string, unknown>;

// pg's DatabaseError: a SQLSTATE code and the server's severity and routine
const isPostgresError = (err: ErrorRecord) => typeof err.code === 'string' && typeof err.severity === 'string' && 'routine' in err;
// PrismaClientKnownRequestError, …UnknownRequestError, …ValidationError, …InitializationError, …RustPanicError
const isPrismaError = (err: ErrorRecord) => err.name.startsWith('PrismaClient');

const pick = (source: unknown, fields: readonly string[]) =>
  source !== null && typeof source === 'object'
    ? Object.fromEntries(fields.filter((f) => (source as Record<string, unknown>)[f] !== undefined).map((f) => [f, (source as Record<string, unknown>)[f]]))
    : {};

// the stack's first lines repeat the message; the frames alone say where
const stackFrames = (stack: string | undefined) => stack?.split('\n').filter((line) => /^\s+at /.test(line)).join('\n');

function databaseErrorRecord(err: ErrorRecord): Record<string, unknown> {
  const record: Record<string, unknown> = { type: err.constructor.name, redacted: 'values and message of a database error are not logged' };
  if (isPostgresError(err)) Object.assign(record, pick(err, POSTGRES_ERROR_FIELDS));
  else {
    const meta = err.meta as Record<string, unknown> | undefined;
    const cause = (meta?.driverAdapterError as { cause?: unknown } | undefined)?.cause;
    Object.assign(record, pick(err, ['code']), {
      meta: { ...pick(meta, ['modelName', 'target']), ...(cause !== undefined && { driverAdapterError: pick(cause, PRISMA_ADAPTER_CAUSE_FIELDS) }) },
    });
  }
  return { ...record, stack: stackFrames(err.stack) };
}

/**
 * The error serializer of every logger (API and worker, `err` and the
 * Temporal SDK's `error`): pino's standard fields for an ordinary error, the
 * identifying fields only for a database error — wherever it sits, also as
 * the cause of another error (pino's own serializer would copy a cause's
 * message into the outer one).
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const error = err as ErrorRecord;
  if (isPostgresError(error) || isPrismaError(error)) return databaseErrorRecord(error);
  const record: Record<string, unknown> = { ...pino.stdSerializers.err(error), message: error.message, stack: error.stack };
  for (const [key, value] of Object.entries(error)) if (value instanceof Error) record[key] = depth < MAX_CAUSE_DEPTH ? serializeError(value, depth + 1) : value.name;
  if (error.cause !== undefined) record.cause = depth < MAX_CAUSE_DEPTH ? serializeError(error.cause, depth + 1) : '[cause]';
  if (error instanceof AggregateError) record.aggregateErrors = error.errors.map((e) => (depth < MAX_CAUSE_DEPTH ? serializeError(e, depth + 1) : '[error]'));
  return record;
}

export const createLogger = (level: string, name = 'lio', destination?: pino.DestinationStream) =>
  pino(
    { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { err: serializeError, error: serializeError } },
    destination,
  );

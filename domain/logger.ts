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
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export const createLogger = (level: string, name = 'lio', destination?: pino.DestinationStream) =>
  pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);

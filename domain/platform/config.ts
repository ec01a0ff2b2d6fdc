// Process configuration from the environment, parsed once. Every setting but
// JWT_SECRET has an embedded default; `npm run dev` supplies that one.
import { z } from 'zod';

/** The shortest JWT_SECRET accepted: 32 characters, 256 bits if random, HS256's key size (RFC 7518 §3.2). */
export const JWT_SECRET_MIN_LENGTH = 32;
// secrets this repository published as defaults or examples: anyone could sign tokens with them
const PUBLISHED_SECRETS = ['lio-dev-secret-change-me-in-production', 'change-me-to-a-long-random-secret'];
const JWT_SECRET_HOW = `set a random value of at least ${JWT_SECRET_MIN_LENGTH} characters, e.g. \`openssl rand -base64 48\` (\`npm run dev\` generates one per data folder)`;

// The one setting without a default: a default signing secret would be known to everyone.
const jwtSecret = z
  .string({ error: `is required: ${JWT_SECRET_HOW}` })
  .min(JWT_SECRET_MIN_LENGTH, { error: `is too short: ${JWT_SECRET_HOW}` })
  .refine((secret) => !PUBLISHED_SECRETS.includes(secret), { error: `is a value published with LIO: ${JWT_SECRET_HOW}` });

const CREDENTIALS_KEY_HOW = 'set 32 random bytes in base64, e.g. `openssl rand -base64 32` (`npm run dev` generates one per data folder)';
const credentialsKey = z
  .string({ error: `is required: ${CREDENTIALS_KEY_HOW}` })
  .refine((text) => Buffer.from(text.trim(), 'base64').length === 32, { error: `is not 32 bytes in base64: ${CREDENTIALS_KEY_HOW}` });
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

const configSchema = z.object({
  DATABASE_URL: z.string().min(1),
  // The API process's database limits (domain/platform/db.ts apiDatabaseOptions); 0 turns a timeout off.
  /** PostgreSQL connections per API process */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).default(10),
  /** the server cancels an API statement running longer; the request answers 503 with Retry-After */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** the server closes an API connection left idle inside a transaction this long, releasing its locks */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(60_000),
  /** a request that waits longer for a free pooled connection answers 503 with Retry-After instead of queueing */
  DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(0).default(3_000),
  /** one time budget per API request (multipart uploads excepted) for all its waits; past it the answer is 503 with Retry-After; 0: none */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /** GET requests one organization may have in progress at once in one API process (429 beyond); unset: half DATABASE_POOL_SIZE, rounded up */
  ORG_CONCURRENT_READ_LIMIT: z.coerce.number().int().min(1).optional(),
  /** the worker's statement_timeout: activities run long statements by design, this only ends runaway ones; 0: no limit */
  WORKER_DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(600_000),
  /** the server closes a worker connection left idle inside a transaction this long, releasing its locks; 0: never */
  WORKER_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(300_000),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('lio'),
  JWT_SECRET: jwtSecret,
  PORT: z.coerce.number().int().positive().default(3000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STORAGE_DIR: z.string().default('.data/storage'),
  /** max size in bytes of every request body but multipart uploads (which have the two limits below); a larger one is a 413 before it is read */
  JSON_BODY_MAX_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /** max upload size in bytes for documents and images */
  UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** max size in bytes of a lead import file (CSV or XLSX); it is streamed to disk, never held in memory */
  IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(100 * 1024 * 1024),
  /** max bytes all parts of an XLSX import may inflate to (decompression bombs); unset: 5 × IMPORT_MAX_BYTES */
  IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES: z.coerce.number().int().positive().optional(),
  /** max compression ratio of any XLSX part larger than 1 MiB inflated (ordinary sheets compress 5–30-fold) */
  IMPORT_XLSX_MAX_RATIO: z.coerce.number().positive().default(100),
  /** requests per minute per client IP on POST /auth/login */
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(20),
  /** requests per minute per API key on the ingestion endpoints */
  INGEST_RATE_LIMIT: z.coerce.number().int().positive().default(6000),
  /** requests per minute per client IP on the public tracking endpoints (open pixel, click, unsubscribe) */
  TRACKING_RATE_LIMIT: z.coerce.number().int().positive().default(1200),
  /** requests per minute per client IP on the public booking pages and endpoints (docs/booking.md) */
  BOOKING_RATE_LIMIT: z.coerce.number().int().positive().default(300),
  /** booking confirmations (and cancellations) per minute per client IP */
  BOOKING_CONFIRM_RATE_LIMIT: z.coerce.number().int().positive().default(20),
  /** submissions per minute per client IP on a hosted web form's POST (docs/web-forms.md) */
  WEB_FORM_IP_RATE_LIMIT: z.coerce.number().int().positive().default(20),
  /** submissions per minute per hosted web form, whoever sends them */
  WEB_FORM_RATE_LIMIT: z.coerce.number().int().positive().default(600),
  /** a hosted web form sent back sooner than this after it was served is treated as a bot's (ms) */
  WEB_FORM_MIN_FILL_MS: z.coerce.number().int().nonnegative().default(3000),
  /** the largest body a hosted web form's POST takes (bytes) */
  WEB_FORM_MAX_BODY_BYTES: z.coerce.number().int().positive().default(64 * 1024),
  /** HubSpot's API (tests point it at a local fake); a connection's own base_path is used only with HUBSPOT_ALLOW_TENANT_BASE_PATH */
  HUBSPOT_BASE_PATH: z.string().url().default('https://api.hubapi.com'),
  /** let an organization's admin point its HubSpot connection at another base URL (still subject to the egress check) */
  HUBSPOT_ALLOW_TENANT_BASE_PATH: flag,
  /** outbound requests may reach loopback, private, link-local and CGNAT addresses: for tests and labs only, never in production */
  EGRESS_ALLOW_PRIVATE_NETWORKS: flag,
  /** "host:port" destinations (comma-separated) exempt from the private-address refusal, e.g. one local fake or proxy */
  EGRESS_ALLOWED_HOSTS: z.string().default(''),
  /** bytes an outside service's answer (headers included) may have; a larger one is cut off and the call fails */
  EGRESS_MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024),
  /** milliseconds one outbound request may take from connecting to the last byte of its answer */
  EGRESS_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** client-side ceiling on HubSpot requests per 10 s per connected account (HubSpot allows 100–190 by plan) */
  HUBSPOT_REQUESTS_PER_10S: z.coerce.number().int().positive().default(100),
  /** enrichment providers in the order they are tried for every field (the waterfall); "derived" needs nothing, "http" its base URL */
  ENRICHMENT_PROVIDERS: z.string().default('http,derived'),
  /** per-field order overrides, e.g. "website:derived,http;job_title:http" (fields of leads and companies) */
  ENRICHMENT_FIELD_PROVIDERS: z.string().default(''),
  /** people/company enrichment API (PDL-shaped: /v5/person/enrich, /v5/company/enrich); the http provider is off when unset */
  ENRICHMENT_HTTP_BASE_URL: z.string().url().optional(),
  ENRICHMENT_HTTP_API_KEY: z.string().min(1).optional(),
  /** client-side ceiling on requests per second to the http provider, shared by everything in one process */
  ENRICHMENT_HTTP_RATE_PER_SEC: z.coerce.number().positive().default(100),
  /** how long POST /lead-enrichment/enrich and /company/enrich wait for providers before handing the work to a job */
  ENRICHMENT_SYNC_BUDGET_MS: z.coerce.number().int().positive().default(3000),
  /** leads per activity of a bulk enrichment job */
  ENRICHMENT_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(50),
  /** the key that seals every organization's credentials at rest (AES-256-GCM, domain/platform/secret-box.ts); required like JWT_SECRET */
  CREDENTIALS_KEY: credentialsKey,
  /** earlier CREDENTIALS_KEY values (comma-separated) that still open what they sealed, until `npm run credentials:rotate` re-sealed it */
  CREDENTIALS_PREVIOUS_KEYS: z.string().default(''),
  /** the address the outside world reaches this API at (https://lio.example.com): provider callbacks (Twilio status, recordings) are built on it and their signatures checked against it */
  PUBLIC_BASE_URL: z.string().url().default('http://localhost:3000'),
  /** record outbound mail, Slack and Teams messages and calls instead of sending them where nothing real is configured (`npm run dev` turns it on; never on by default) */
  SANDBOX_CONNECTORS: flag,
  /** Google OAuth client of this LIO installation (Gmail and Calendar); refresh tokens are exchanged with it */
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  /** Google's API root (tests point it at a local fake); unset: each API's own (gmail.googleapis.com, www.googleapis.com) */
  GOOGLE_API_BASE_URL: z.string().url().optional(),
  /** Google Calendar's own API root where it differs from GOOGLE_API_BASE_URL (a per-API private endpoint; tests with two fakes); unset: GOOGLE_API_BASE_URL */
  GOOGLE_CALENDAR_API_BASE_URL: z.string().url().optional(),
  GOOGLE_TOKEN_URL: z.string().url().default('https://oauth2.googleapis.com/token'),
  /** Microsoft identity platform app of this installation (Outlook mail, calendar, Teams channels) */
  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  MICROSOFT_GRAPH_BASE_URL: z.string().url().default('https://graph.microsoft.com/v1.0'),
  MICROSOFT_TOKEN_URL: z.string().url().default('https://login.microsoftonline.com/common/oauth2/v2.0/token'),
  /** Slack's Web API (tests point it at a local fake) */
  SLACK_API_URL: z.string().url().default('https://slack.com/api/'),
  /** this installation's Twilio account: each organization gets a subaccount under it; voice is off (or sandboxed) when unset */
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  /** an API key of that account and the TwiML app browsers call through, for voice Access Tokens */
  TWILIO_API_KEY_SID: z.string().min(1).optional(),
  TWILIO_API_KEY_SECRET: z.string().min(1).optional(),
  TWILIO_TWIML_APP_SID: z.string().min(1).optional(),
  /** Twilio's API host (tests point it at a local fake): every *.twilio.com request goes there */
  TWILIO_API_BASE_URL: z.string().url().optional(),
  /** seconds between an agent call's checks with the provider while it runs (a safety net for callbacks that never arrive) */
  VOICE_CALL_POLL_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** any OpenAI-compatible endpoint; unset: the deterministic offline generator answers (labelled as such) */
  LLM_BASE_URL: z.string().url().optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** milliseconds one completion may take (the egress's EGRESS_TIMEOUT_MS bounds it too); the activity retries a timeout */
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** milliseconds one saved-query statement may run (SET LOCAL statement_timeout; the request's budget lowers it): over it, 422 query_timeout */
  SAVED_QUERY_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(5_000),
  /** trust X-Forwarded-For for the client IP (only behind a proxy you control) */
  TRUST_PROXY: flag,
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

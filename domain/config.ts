// Process configuration from the environment, parsed once. Every setting has
// an embedded default so `npm run dev` needs nothing; production sets them.
import { z } from 'zod';

const configSchema = z.object({
  DATABASE_URL: z.string().min(1),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('lio'),
  JWT_SECRET: z.string().min(16).default('lio-dev-secret-change-me-in-production'),
  PORT: z.coerce.number().int().positive().default(3000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STORAGE_DIR: z.string().default('.data/storage'),
  /** max upload size in bytes for documents and images */
  UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** requests per minute per client IP on POST /auth/login */
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(20),
  /** requests per minute per API key on the ingestion endpoints */
  INGEST_RATE_LIMIT: z.coerce.number().int().positive().default(6000),
  /** trust X-Forwarded-For for the client IP (only behind a proxy you control) */
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
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

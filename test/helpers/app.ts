// One real app per test file, on the run's PostgreSQL database.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createApp, type App } from '../../api/app.js';
import type { AppDeps } from '../../api/app-env.js';
import { loadConfig, type Config } from '../../domain/platform/config.js';
import { createDatabase, type Database } from '../../domain/platform/db.js';
import { createLogger } from '../../domain/platform/logger.js';
import { createServices } from '../../services/services.js';
import { checkResponsesAgainstSchemas } from './response-schemas.js';

export interface TestApp {
  app: App;
  deps: AppDeps;
  database: Database;
  /** JSON request with optional bearer token / API key; returns status, headers and parsed body */
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  apiKey?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // API bodies are asserted field by field in tests
  body: any;
}

export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return loadConfig({
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    JWT_SECRET: 'test-secret-0123456789abcdef-0123456789',
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    STORAGE_DIR: `.data/test-storage/${randomBytes(4).toString('hex')}`,
    // rate limits are exercised by their own tests with small limits
    LOGIN_RATE_LIMIT: '100000',
    INGEST_RATE_LIMIT: '100000',
    ...overrides,
  });
}

export function createTestApp(configOverrides: Partial<Record<keyof Config, string>> = {}): TestApp {
  const config = testConfig(configOverrides);
  const database = createDatabase(config.DATABASE_URL, { max: 5 });
  const deps: AppDeps = { config, database, logger: createLogger('silent'), services: createServices(config) };
  const app = createApp(deps);
  checkResponsesAgainstSchemas(app);
  return {
    app,
    deps,
    database,
    async call(method, path, options = {}) {
      const url = new URL(path, 'http://lio.test');
      for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.apiKey) headers['x-api-key'] = options.apiKey;
      let body: BodyInit | undefined;
      if (options.body instanceof FormData) body = options.body;
      else if (options.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      }
      const res = await app.request(url.pathname + url.search, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // non-JSON bodies (pages, files) are returned as text
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    close: () => database.close(),
  };
}

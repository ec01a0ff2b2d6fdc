// API process entry (production: DATABASE_URL etc. from the environment).
// The worker runs separately (`npm run worker`); `npm run dev` runs both, each in
// its own process.
import { serve, type ServerType } from '@hono/node-server';
import { pathToFileURL } from 'node:url';
import type { AppDeps } from './app-env.js';
import { createApp } from './app.js';
import { loadConfig } from '../domain/platform/config.js';
import { apiDatabaseOptions, createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';
import { describeEnrichmentProviders } from '../services/enrichment.js';
import { createServices } from '../services/services.js';

/** Serves the API with the outside services' clients the composition root builds for this process. */
export function startApiServer(deps: Omit<AppDeps, 'services'>): Promise<ServerType> {
  const app = createApp({ ...deps, services: createServices(deps.config) });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: deps.config.PORT, hostname: deps.config.HOST }, () => resolve(server));
  });
}

export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'lio-api');
  const database = createDatabase(config.DATABASE_URL, apiDatabaseOptions(config, logger));
  const server = await startApiServer({ config, database, logger });
  logger.info({ port: config.PORT }, `LIO API listening on http://${config.HOST}:${config.PORT}`);
  logger.info(describeEnrichmentProviders(config), 'enrichment providers');
  const shutdown = async () => {
    await closeServer(server);
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

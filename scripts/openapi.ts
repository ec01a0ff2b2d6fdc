// Prints the OpenAPI document generated from the route definitions, without
// a database or Temporal (nothing connects until a request is served).
import { randomBytes } from 'node:crypto';
import { createApp, openApiDocument } from '../api/app.js';
import { createServices } from '../services/services.js';
import { loadConfig } from '../domain/platform/config.js';
import { createDatabase } from '../domain/platform/db.js';
import { createLogger } from '../domain/platform/logger.js';

// nothing is signed or sealed: any strong secret and key will do
const config = loadConfig({
  DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused',
  JWT_SECRET: randomBytes(32).toString('hex'),
  CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'silent',
});
const database = createDatabase(config.DATABASE_URL);
const app = createApp({ config, database, logger: createLogger('silent'), services: createServices(config) });
// compact: the document is read by tools (pipe it through `jq .` to read it), and indented it would pass 1 MiB
process.stdout.write(`${JSON.stringify(openApiDocument(app))}\n`);
await database.close();

// What every activity factory takes: the worker builds one of these per
// process (worker/worker.ts), the outside services' clients coming from the
// composition root (services/services.ts), so no activity builds a
// connector, an egress or a limiter of its own.
import type { Logger } from 'pino';
import type { Config } from '../domain/platform/config.js';
import type { Database } from '../domain/platform/db.js';
import type { Services } from '../services/services.js';

export interface ActivityDeps {
  database: Database;
  services: Services;
  config: Config;
  logger: Logger;
}

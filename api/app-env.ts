import type { Logger } from 'pino';
import type { AuthContext } from '../domain/platform/auth-context.js';
import type { Config } from '../domain/platform/config.js';
import type { Database } from '../domain/platform/db.js';
import type { Services } from '../services/services.js';
import type { OrganizationSlots } from './middleware/request-budget.js';

/** What the HTTP layer needs from the process: built once by server.ts (or a test). */
export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
  /** the outside services' clients, built by the composition root (services/services.ts): handlers never build a connector */
  services: Services;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    logger: Logger;
    /** set by the auth middleware on every authenticated route */
    auth: AuthContext;
    /** reads in progress per organization in this process (middleware/request-budget.ts) */
    organizationReads: OrganizationSlots;
  };
}

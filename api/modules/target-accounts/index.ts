import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './target-accounts.handlers.js';
import * as routes from './target-accounts.routes.js';

/** Target accounts (§6.8 ABM, all but the outreach plans: api/modules/outreach) and the ABM reports. */
export function mountTargetAccounts(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'listTargetAccounts',
    'createTargetAccount',
    'viewTargetAccount',
    'updateTargetAccount',
    'deleteTargetAccount',
    'addTargetAccountContact',
    'sendTargetAccountBulkEmail',
    'abmFunnel',
    'abmTopEngaged',
  ]);
}

// Mail (§6.11): mail configurations, the inbox (list, view, send, reply) and
// the follow-up of a queued message; the sandbox's record of what would have
// been sent (GET /api/sandbox/messages; its page /sandbox is api/pages/sandbox.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './mail.handlers.js';
import * as routes from './mail.routes.js';

export function mountMail(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'listMailConfigurations',
    'addMailConfiguration',
    'listInbox',
    'viewInboxMessage',
    'sendMail',
    'replyMail',
    'viewOutboundMail',
    'listSandboxMessages',
  ]);
}

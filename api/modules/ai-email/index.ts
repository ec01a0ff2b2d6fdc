// AI email (§6.9): drafts per lead, bulk drafting jobs, approve and tracked send (domain/engagement/ai-email.service.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './ai-email.handlers.js';
import * as routes from './ai-email.routes.js';

export function mountAiEmail(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['generateDraft', 'bulkGenerate', 'listLeadDrafts', 'approveDraft', 'sendDraft']);
}

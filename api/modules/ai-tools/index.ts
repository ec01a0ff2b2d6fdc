// AI tools (§6.9): magic pen and the email generator (domain/engagement/ai-tools.service.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './ai-tools.handlers.js';
import * as routes from './ai-tools.routes.js';

export function mountAiTools(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['magicpen', 'emailGenerator']);
}

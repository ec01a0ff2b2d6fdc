import type { RouteHandler } from '@hono/zod-openapi';
import { generateEmailBody, magicpen } from '../../../domain/engagement/ai-tools.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import type { emailGeneratorRoute, magicpenRoute } from './ai-tools.routes.js';

export const magicpenHandler: RouteHandler<typeof magicpenRoute, AppEnv> = async (c) =>
  ok(c, await magicpen(c.var.deps.database, c.var.deps.services.llm, c.var.auth, c.req.valid('json')), 'Note enhanced');

export const emailGeneratorHandler: RouteHandler<typeof emailGeneratorRoute, AppEnv> = async (c) =>
  ok(c, await generateEmailBody(c.var.deps.database, c.var.deps.services.llm, c.var.auth, c.req.valid('json')), 'Email generated');

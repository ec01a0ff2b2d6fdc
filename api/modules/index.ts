import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { mountAuth } from './auth/index.js';

/** Every resource module, mounted in one place. */
export function mountModules(app: OpenAPIHono<AppEnv>) {
  mountAuth(app);
}

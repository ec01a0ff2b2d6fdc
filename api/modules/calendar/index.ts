// Calendar (§6.11): working hours, availability and a provider calendar's
// events (domain/communications/calendar.service.ts, availability.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './calendar.handlers.js';
import * as routes from './calendar.routes.js';

export function mountCalendar(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, ['getWorkingHours', 'saveWorkingHours', 'availability', 'listCalendarEvents', 'createCalendarEvent']);
}

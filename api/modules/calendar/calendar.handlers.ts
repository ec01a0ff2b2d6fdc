import type { RouteHandler } from '@hono/zod-openapi';
import { MAX_AVAILABILITY_RANGE_DAYS } from '../../../domain/communications/availability.js';
import {
  calendarAvailability,
  calendarUserOf,
  createCalendarEvent,
  getCalendarSettings,
  listCalendarEvents,
  saveCalendarSettings,
  type CalendarDeps,
} from '../../../domain/communications/calendar.service.js';
import { ApiError } from '../../../domain/platform/errors.js';
import { dateRangeFilter, type DateBound } from '../../../domain/platform/list-query.js';
import type { AppEnv } from '../../app-env.js';
import { ok } from '../../openapi/envelopes.js';
import type * as routes from './calendar.routes.js';
import type { Context } from 'hono';

const DAY_MS = 86_400_000;

const calendarDeps = (c: Context<AppEnv>): CalendarDeps => ({
  secrets: c.var.deps.services.secrets,
  calendars: c.var.deps.services.calendar,
  sandboxCalendar: c.var.deps.config.SANDBOX_CONNECTORS,
});

/** from/to of an events list as instants (dates are whole UTC days), default the coming week, at most 62 days. */
function eventRange(from: DateBound | undefined, to: DateBound | undefined, now: Date) {
  const bounds = dateRangeFilter(from, to);
  const start = bounds?.gte ?? now;
  const end = bounds?.lt ?? bounds?.lte ?? new Date(start.getTime() + 7 * DAY_MS);
  if (end.getTime() - start.getTime() > MAX_AVAILABILITY_RANGE_DAYS * DAY_MS) {
    throw new ApiError('validation_error', `to: the range may cover at most ${MAX_AVAILABILITY_RANGE_DAYS} days`, { details: [{ path: 'to', message: `at most ${MAX_AVAILABILITY_RANGE_DAYS} days after from` }] });
  }
  return { start, end };
}

export const getWorkingHoursHandler: RouteHandler<typeof routes.getWorkingHoursRoute, AppEnv> = async (c) => {
  const userId = c.req.valid('query').user_id ?? calendarUserOf(c.var.auth);
  return ok(c, await getCalendarSettings(c.var.deps.database, c.var.auth, userId), 'Working hours retrieved');
};

export const saveWorkingHoursHandler: RouteHandler<typeof routes.saveWorkingHoursRoute, AppEnv> = async (c) =>
  ok(c, await saveCalendarSettings(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Working hours saved');

export const availabilityHandler: RouteHandler<typeof routes.availabilityRoute, AppEnv> = async (c) =>
  ok(c, await calendarAvailability(c.var.deps.database, calendarDeps(c), c.var.auth, c.req.valid('query')), 'Availability retrieved');

export const listCalendarEventsHandler: RouteHandler<typeof routes.listCalendarEventsRoute, AppEnv> = async (c) => {
  const { from, to } = c.req.valid('query');
  const events = await listCalendarEvents(c.var.deps.database, calendarDeps(c), c.var.auth, c.req.valid('param').provider, eventRange(from, to, new Date()));
  return ok(c, events, 'Events retrieved');
};

export const createCalendarEventHandler: RouteHandler<typeof routes.createCalendarEventRoute, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const event = {
    summary: (body.summary ?? body.title)!,
    description: body.description,
    location: body.location,
    start: body.start,
    end: body.end,
    timeZone: body.time_zone,
    attendees: body.attendees,
  };
  const { provider } = c.req.valid('param');
  const created = await createCalendarEvent(c.var.deps.database, calendarDeps(c), c.var.auth, provider, event, c.req.valid('header')['idempotency-key']);
  return ok(c, created, 'Event created', 201);
};

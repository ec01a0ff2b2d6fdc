// Calendars (§6.11): a user's working hours, their availability, their
// provider calendar's events, and keeping a meeting's provider event in line
// with the meeting (the calendar workflow's step).
//
// A user's provider calendar is reached with the OAuth tokens of their gmail
// (Google Calendar) or outlook (Outlook calendar) mail configuration: tokens
// the provider refreshes are sealed and stored again, and a refused refresh
// marks that mail configuration needs_reauth (shown in its list). The
// sandbox calendar (SANDBOX_CONNECTORS only) keeps its events in LIO: they
// are the user's meetings booked in it.
import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import type { SecretBox } from '../platform/secret-box.js';
import { throttledFor, throttleProvider } from '../platform/provider-throttle.js';
import { transaction } from '../platform/transaction.js';
import {
  availabilityRange,
  availableSlots,
  DEFAULT_WORKING_HOURS,
  HH_MM,
  WEEKDAYS,
  type Interval,
  type Weekday,
  type WorkingHours,
} from './availability.js';
import { apiErrorOfFailure, connectorFailureOf, type ConnectorFailure } from '../platform/connector-failure.js';
import { findUserMailAccount, markMailConfigNeedsReauth, storeRefreshedTokens, type MailAccountRecord, type OAuthTokens } from './mail-configuration.service.js';
import { createMeeting, MEETING_CANCELLED, presentMeeting, type Attendee, type CalendarProvider, type MeetingView } from './meeting.service.js';

/** events the sandbox calendar lists at most, as a provider's list is bounded */
const MAX_SANDBOX_EVENTS = 2500;

// ---- the connectors as the domain sees them (services.calendar fits this shape) ----

export type ProviderCalendarKind = Exclude<CalendarProvider, 'sandbox'>;

export interface ProviderEventInput {
  summary: string;
  description?: string | null;
  location?: string | null;
  start: Date;
  end: Date;
  timeZone: string;
  attendees?: Attendee[];
}

export interface ProviderEvent {
  id: string;
  summary: string;
  description: string | null;
  location: string | null;
  start: string;
  end: string;
  all_day: boolean;
  attendees: { email: string; name: string | null }[];
  web_link: string | null;
}

export interface ProviderCalendar {
  freeBusy(from: Date, to: Date): Promise<Interval[]>;
  listEvents(from: Date, to: Date): Promise<ProviderEvent[]>;
  createEvent(event: ProviderEventInput & { idempotencyId: string }): Promise<ProviderEvent>;
  updateEvent(eventId: string, event: ProviderEventInput): Promise<ProviderEvent>;
  deleteEvent(eventId: string): Promise<void>;
}

export interface ProviderCalendars {
  forAccount(provider: ProviderCalendarKind, tokens: OAuthTokens, hooks?: { onTokens?: (tokens: OAuthTokens) => void }): ProviderCalendar;
}

export interface CalendarDeps {
  secrets: SecretBox;
  calendars: ProviderCalendars;
  /** whether the sandbox calendar may be used (SANDBOX_CONNECTORS) */
  sandboxCalendar: boolean;
}

/** how long an account is left alone after a 429 that named no Retry-After */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 5_000;

const MAILER_OF: Record<ProviderCalendarKind, 'gmail' | 'outlook'> = { google: 'gmail', outlook: 'outlook' };

/** The throttle key of a connected account (provider_throttles.account): its mail configuration. */
export const calendarThrottleAccount = (configId: number) => `mail_configuration:${configId}`;
export const calendarThrottleProvider = (provider: ProviderCalendarKind) => `${provider}_calendar`;

// ---- working hours ----

export interface CalendarSettingsView {
  user_id: number;
  timezone: string;
  working_hours: Record<Weekday, [string, string][]>;
  buffer_minutes: number;
  /** true until the user saved their own: Mon–Fri 09:00–17:00 in their profile's time zone (or UTC) */
  is_default: boolean;
  updated_at: string | null;
}

const everyWeekday = (hours: WorkingHours) =>
  Object.fromEntries(WEEKDAYS.map((day) => [day, (hours[day] ?? []).map(([s, e]) => [s, e] as [string, string])])) as Record<Weekday, [string, string][]>;

async function assertUserOfOrg(db: Database, orgId: number, userId: number) {
  const user = await db.prisma.user.findFirst({ where: { id: userId, org_id: orgId }, select: { timezone: true } });
  if (!user) throw notFound('User');
  return user;
}

export async function getCalendarSettings(db: Database, scope: { orgId: number }, userId: number): Promise<CalendarSettingsView> {
  const [user, stored] = await Promise.all([
    assertUserOfOrg(db, scope.orgId, userId),
    db.prisma.calendarSetting.findFirst({ where: { user_id: userId, org_id: scope.orgId } }),
  ]);
  if (!stored) {
    return { user_id: userId, timezone: user.timezone || 'UTC', working_hours: everyWeekday(DEFAULT_WORKING_HOURS), buffer_minutes: 0, is_default: true, updated_at: null };
  }
  return {
    user_id: userId,
    timezone: stored.timezone,
    working_hours: everyWeekday(stored.working_hours as WorkingHours),
    buffer_minutes: stored.buffer_minutes,
    is_default: false,
    updated_at: stored.updated_at.toISOString(),
  };
}

export interface CalendarSettingsInput {
  timezone: string;
  working_hours: WorkingHours;
  buffer_minutes: number;
}

/** Each day's ranges must be HH:MM with start before end and must not overlap (422 naming the day). */
export function workingHoursProblem(hours: WorkingHours): { path: string; message: string } | null {
  for (const day of WEEKDAYS) {
    const ranges = [...(hours[day] ?? [])].sort((a, b) => a[0].localeCompare(b[0]));
    for (const [i, [start, end]] of ranges.entries()) {
      if (!HH_MM.test(start) || !HH_MM.test(end) || start === '24:00') return { path: `working_hours.${day}`, message: 'times are HH:MM (00:00–23:59; an end may be 24:00)' };
      if (end <= start) return { path: `working_hours.${day}`, message: `${start}–${end}: the end must be after the start` };
      const next = ranges[i + 1];
      if (next && next[0] < end) return { path: `working_hours.${day}`, message: `${start}–${end} overlaps ${next[0]}–${next[1]}` };
    }
  }
  return null;
}

/** The caller's own working hours, replaced whole (one upsert, scoped by organization). */
export async function saveCalendarSettings(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, input: CalendarSettingsInput): Promise<CalendarSettingsView> {
  if (scope.userId === null) throw new ApiError('forbidden', 'Working hours belong to a user: call with a user token, not an API key', { code: 'user_required' });
  const problem = workingHoursProblem(input.working_hours);
  if (problem) throw new ApiError('validation_error', `${problem.path}: ${problem.message}`, { details: [problem] });
  const userId = scope.userId;
  const hours = everyWeekday(input.working_hours) as unknown as Prisma.InputJsonValue;
  await transaction(db.prisma, { actorId: userId }, async (tx) => {
    // user_id is the key: a row of another organization for this id cannot exist, but the update is scoped all the same
    const { count } = await tx.calendarSetting.updateMany({
      where: { user_id: userId, org_id: scope.orgId },
      data: { timezone: input.timezone, working_hours: hours, buffer_minutes: input.buffer_minutes, updated_at: new Date() },
    });
    if (count === 0) {
      await tx.calendarSetting.create({ data: { user_id: userId, org_id: scope.orgId, timezone: input.timezone, working_hours: hours, buffer_minutes: input.buffer_minutes } });
    }
  });
  return getCalendarSettings(db, scope, userId);
}

// ---- a user's provider calendar ----

interface OpenedCalendar {
  provider: ProviderCalendarKind;
  orgId: number;
  calendar: ProviderCalendar;
  account: MailAccountRecord;
  /** stores the tokens the provider refreshed during the calls made (call after them, whatever their outcome) */
  settle(): Promise<void>;
}

/** The provider calendar of a user's connected mail account, or null when they connected none of that provider. */
async function openProviderCalendar(
  db: Database,
  deps: Pick<CalendarDeps, 'secrets' | 'calendars'>,
  scope: { orgId: number; userId: number },
  provider: ProviderCalendarKind,
): Promise<OpenedCalendar | null> {
  const account = await findUserMailAccount(db, deps.secrets, scope, MAILER_OF[provider]);
  if (!account || !('access_token' in account.credentials)) return null;
  let refreshed: OAuthTokens | null = null;
  const calendar = deps.calendars.forAccount(provider, account.credentials, {
    onTokens: (tokens) => {
      refreshed = tokens;
    },
  });
  return {
    provider,
    orgId: scope.orgId,
    calendar,
    account,
    async settle() {
      if (refreshed) await storeRefreshedTokens(db, deps.secrets, scope.orgId, account.configId, refreshed);
    },
  };
}

/** A ConnectorError-shaped failure (connector-failure.ts) for an account still paused by an earlier 429. */
function throttledFailure(provider: ProviderCalendarKind, waitMs: number): Error {
  const failure: ConnectorFailure = { failure: 'rate_limited', message: `the ${provider} calendar is paused after a 429`, details: { provider, retryAfterMs: waitMs } };
  return Object.assign(new Error(failure.message), failure, { name: 'ConnectorError' });
}

/**
 * Runs calls on a user's provider calendar: not before the account's
 * shared throttle (provider_throttles, every process) allows, recording a
 * 429's Retry-After in it; storing refreshed tokens afterwards; marking the
 * mail configuration needs_reauth when the provider refused the
 * authorisation. Throws the ConnectorError as it came (the caller decides
 * what it means: an HTTP answer, a retry).
 */
async function withProviderCalendar<T>(db: Database, opened: OpenedCalendar, work: (calendar: ProviderCalendar) => Promise<T>): Promise<T> {
  const throttle = [calendarThrottleProvider(opened.provider), calendarThrottleAccount(opened.account.configId)] as const;
  const waitMs = await throttledFor(db.pool, ...throttle);
  if (waitMs > 0) throw throttledFailure(opened.provider, waitMs);
  try {
    return await work(opened.calendar);
  } catch (err) {
    const failure = connectorFailureOf(err);
    if (failure?.failure === 'auth') await markMailConfigNeedsReauth(db, opened.orgId, opened.account.configId, failure.message);
    if (failure?.failure === 'rate_limited') await throttleProvider(db.pool, ...throttle, failure.details.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS);
    throw err;
  } finally {
    await opened.settle();
  }
}

/** A provider failure as the API answers it (the provider's answer body is never in it). */
const apiErrorOf = (provider: ProviderCalendarKind, failure: ConnectorFailure): ApiError =>
  apiErrorOfFailure({ name: `The ${provider} calendar`, code: 'calendar' }, failure);

/** calls on a user's provider calendar from a request: failures become the API's errors */
async function callProviderCalendar<T>(db: Database, deps: Pick<CalendarDeps, 'secrets' | 'calendars'>, scope: { orgId: number; userId: number }, provider: ProviderCalendarKind, work: (calendar: ProviderCalendar) => Promise<T>): Promise<T> {
  const opened = await openProviderCalendar(db, deps, scope, provider);
  if (!opened) {
    throw new ApiError('validation_error', `No ${MAILER_OF[provider]} mail configuration is connected for this user: add one to use the ${provider} calendar`, { code: 'calendar_not_connected' });
  }
  try {
    return await withProviderCalendar(db, opened, work);
  } catch (err) {
    const failure = connectorFailureOf(err);
    throw failure ? apiErrorOf(provider, failure) : err;
  }
}

/** The calling user: calendars and working hours belong to a user, not to an API key (403 user_required). */
export const calendarUserOf = (scope: { userId: number | null }) => {
  if (scope.userId === null) throw new ApiError('forbidden', 'A calendar belongs to a user: call with a user token, not an API key', { code: 'user_required' });
  return scope.userId;
};

function assertSandbox(deps: Pick<CalendarDeps, 'sandboxCalendar'>) {
  if (!deps.sandboxCalendar) throw new ApiError('validation_error', 'The sandbox calendar is not enabled on this server (SANDBOX_CONNECTORS)', { code: 'sandbox_disabled' });
}

/** A meeting booked in the sandbox calendar as that calendar's event. */
const sandboxEventOf = (meeting: MeetingView): ProviderEvent => ({
  id: meeting.calendar_event_id ?? `sandbox-${meeting.id}`,
  summary: meeting.title,
  description: meeting.description,
  location: meeting.location,
  start: meeting.start_time,
  end: meeting.end_time,
  all_day: false,
  attendees: meeting.attendees.map((a) => ({ email: a.email, name: a.name ?? null })),
  web_link: null,
});

/** The sandbox calendar's events: the user's meetings booked in it, not cancelled. */
async function sandboxEvents(db: Database, scope: { orgId: number; userId: number }, from: Date, to: Date): Promise<ProviderEvent[]> {
  const meetings = await db.prisma.meeting.findMany({
    where: { org_id: scope.orgId, user_id: scope.userId, calendar_provider: 'sandbox', status: { not: MEETING_CANCELLED }, start_time: { lt: to }, end_time: { gt: from } },
    orderBy: [{ start_time: 'asc' }, { id: 'asc' }],
    take: MAX_SANDBOX_EVENTS,
  });
  return meetings.map((m) => sandboxEventOf(presentMeeting(m)));
}

export async function listCalendarEvents(db: Database, deps: CalendarDeps, scope: { orgId: number; userId: number | null }, provider: CalendarProvider, range: Interval) {
  const userId = calendarUserOf(scope);
  if (range.end <= range.start) throw new ApiError('validation_error', 'to: must be after from', { details: [{ path: 'to', message: 'must be after from' }] });
  if (provider === 'sandbox') {
    assertSandbox(deps);
    return sandboxEvents(db, { orgId: scope.orgId, userId }, range.start, range.end);
  }
  return callProviderCalendar(db, deps, { orgId: scope.orgId, userId }, provider, (calendar) => calendar.listEvents(range.start, range.end));
}

/** Bytes as base32hex (0-9, a-v): the alphabet of Google's event ids, also a valid Outlook transactionId. */
const base32hex = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex')}`).toString(32);

/**
 * The event id of a direct create: derived from the client's Idempotency-Key
 * (per organization, user and provider), so the same request repeated answers
 * the event the first one made; a fresh one without a key.
 */
function directEventId(scope: { orgId: number; userId: number }, provider: ProviderCalendarKind, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `lio${base32hex(randomBytes(12))}`;
  return `lio${base32hex(createHash('sha256').update(`${scope.orgId}:${scope.userId}:${provider}:${idempotencyKey}`).digest().subarray(0, 20))}`;
}

export async function createCalendarEvent(
  db: Database,
  deps: CalendarDeps,
  scope: { orgId: number; userId: number | null },
  provider: CalendarProvider,
  event: ProviderEventInput,
  idempotencyKey?: string,
) {
  const userId = calendarUserOf(scope);
  if (event.end <= event.start) throw new ApiError('validation_error', 'end: must be after start', { details: [{ path: 'end', message: 'must be after start' }] });
  if (provider === 'sandbox') {
    assertSandbox(deps);
    const meeting = await createMeeting(
      db,
      { orgId: scope.orgId, userId },
      {
        title: event.summary,
        start_time: event.start,
        end_time: event.end,
        timezone: event.timeZone,
        description: event.description,
        location: event.location,
        attendees: event.attendees,
        calendar_provider: 'sandbox',
      },
      { sandboxCalendar: true },
    );
    return sandboxEventOf(meeting);
  }
  const idempotencyId = directEventId({ orgId: scope.orgId, userId }, provider, idempotencyKey);
  return callProviderCalendar(db, deps, { orgId: scope.orgId, userId }, provider, (calendar) => calendar.createEvent({ ...event, idempotencyId }));
}

// ---- availability ----

export interface AvailabilityQuery {
  date?: string;
  from?: string;
  to?: string;
  duration: number;
  tz?: string;
  user_id?: number;
  step?: number;
}

/**
 * Free slots of a user of the caller's organization (default the caller):
 * their working hours and buffer, minus their LIO meetings that are not
 * cancelled and, when they connected Google or Outlook mail, their provider
 * calendar's busy time (a provider that fails is an error, never a calendar
 * silently treated as free).
 */
export async function calendarAvailability(db: Database, deps: Pick<CalendarDeps, 'secrets' | 'calendars'>, scope: { orgId: number; userId: number | null }, query: AvailabilityQuery, now = new Date()) {
  const userId = query.user_id ?? calendarUserOf(scope);
  const settings = await getCalendarSettings(db, scope, userId);
  const presentIn = query.tz ?? settings.timezone;
  const range = availabilityRange({ date: query.date, from: query.from, to: query.to, zone: presentIn, now });
  const buffer = settings.buffer_minutes * 60_000;
  // meetings that end within the buffer before the range still keep its first minutes busy
  const meetings = await db.prisma.meeting.findMany({
    where: {
      org_id: scope.orgId,
      user_id: userId,
      status: { not: MEETING_CANCELLED },
      start_time: { lt: new Date(range.end.getTime() + buffer) },
      end_time: { gt: new Date(range.start.getTime() - buffer) },
    },
    select: { start_time: true, end_time: true },
  });
  const busy: Interval[] = meetings.map((m) => ({ start: m.start_time, end: m.end_time }));
  const provided = await providerBusyTimes(db, deps, { orgId: scope.orgId, userId }, { start: new Date(range.start.getTime() - buffer), end: new Date(range.end.getTime() + buffer) }, 'throw');
  busy.push(...provided.busy);
  const sources: string[] = ['lio', ...provided.sources];
  const slots = availableSlots({
    from: range.start,
    to: range.end,
    durationMinutes: query.duration,
    stepMinutes: query.step ?? 15,
    workingHours: settings.working_hours,
    userTimeZone: settings.timezone,
    bufferMinutes: settings.buffer_minutes,
    busy,
    presentIn,
    notBefore: now,
  });
  return {
    user_id: userId,
    timezone: presentIn,
    user_timezone: settings.timezone,
    duration: query.duration,
    buffer_minutes: settings.buffer_minutes,
    from: range.start.toISOString(),
    to: range.end.toISOString(),
    busy_sources: sources,
    slots,
  };
}

/**
 * The busy times of a user's connected provider calendars (Google, Outlook)
 * in `range`, and which answered. `onFailure` 'throw': a provider that fails
 * is the caller's error (as the API answers it); 'skip': it is left out and
 * named in `failed`, for callers that answer from LIO's own data then (public
 * booking, which must not fail because a rep's calendar does).
 */
export async function providerBusyTimes(
  db: Database,
  deps: Pick<CalendarDeps, 'secrets' | 'calendars'>,
  scope: { orgId: number; userId: number },
  range: Interval,
  onFailure: 'throw' | 'skip',
): Promise<{ busy: Interval[]; sources: ProviderCalendarKind[]; failed: ProviderCalendarKind[] }> {
  const result = { busy: [] as Interval[], sources: [] as ProviderCalendarKind[], failed: [] as ProviderCalendarKind[] };
  for (const provider of ['google', 'outlook'] as const) {
    const opened = await openProviderCalendar(db, deps, scope, provider);
    if (!opened) continue;
    try {
      result.busy.push(...(await withProviderCalendar(db, opened, (calendar) => calendar.freeBusy(range.start, range.end))));
    } catch (err) {
      const failure = connectorFailureOf(err);
      if (!failure) throw err;
      if (onFailure === 'throw') throw apiErrorOf(provider, failure);
      result.failed.push(provider);
      continue;
    }
    result.sources.push(provider);
  }
  return result;
}

// ---- a meeting's provider event (the calendar workflow's steps) ----

/**
 * The meeting's event id at the provider, chosen by LIO so that every attempt
 * to book it names the same event: base32hex (Google's event id alphabet,
 * also a valid Outlook transactionId). An Outlook event removed when the
 * meeting was cancelled cannot be restored, so Outlook's id also names the
 * meeting's version (its updated_at): attempts at the same version share it.
 */
export function meetingEventId(orgId: number, meetingId: number, rebookedAt?: Date): string {
  return `lio${orgId.toString(32)}m${meetingId.toString(32)}${rebookedAt ? `r${rebookedAt.getTime().toString(32)}` : ''}`;
}

export type MeetingCalendarOutcome =
  | { outcome: 'booked' | 'updated'; eventId: string }
  | { outcome: 'removed' }
  /** nothing to do: the meeting is gone, or not booked in a provider calendar */
  | { outcome: 'nothing' }
  /** the user's mail configuration of that provider is gone: there is no calendar to write to */
  | { outcome: 'not_connected' };

const eventOfMeeting = (m: { title: string; description: string | null; location: string | null; start_time: Date; end_time: Date; timezone: string; attendees: unknown }): ProviderEventInput => ({
  summary: m.title,
  description: m.description,
  location: m.location,
  start: m.start_time,
  end: m.end_time,
  timeZone: m.timezone,
  attendees: m.attendees as Attendee[],
});

/**
 * Brings the meeting's provider event in line with the meeting as it is now:
 * books it when it has no event yet (idempotent by meetingEventId: a retried
 * attempt finds the event the last one made), updates it, or removes it when
 * the meeting is cancelled. Reads the meeting afresh each time, so running it
 * again after any number of changes converges. ConnectorErrors are thrown
 * as they came (the activity decides about retries).
 */
export async function syncMeetingCalendar(db: Database, deps: Pick<CalendarDeps, 'secrets' | 'calendars'>, ref: { orgId: number; meetingId: number }): Promise<MeetingCalendarOutcome> {
  const meeting = await db.prisma.meeting.findFirst({ where: { id: ref.meetingId, org_id: ref.orgId } });
  if (!meeting || (meeting.calendar_provider !== 'google' && meeting.calendar_provider !== 'outlook')) return { outcome: 'nothing' };
  const provider = meeting.calendar_provider;
  const opened = await openProviderCalendar(db, deps, { orgId: ref.orgId, userId: meeting.user_id }, provider);
  if (!opened) return { outcome: 'not_connected' };
  const storeEventId = (eventId: string | null, whereEventId: string | null) =>
    db.prisma.meeting.updateMany({ where: { id: meeting.id, org_id: ref.orgId, calendar_event_id: whereEventId }, data: { calendar_event_id: eventId } });

  if (meeting.status === MEETING_CANCELLED) {
    // a Google booking whose attempt timed out before its id was stored still has the id LIO chose
    const eventId = meeting.calendar_event_id ?? (provider === 'google' ? meetingEventId(ref.orgId, meeting.id) : null);
    if (eventId === null) return { outcome: 'nothing' };
    await withProviderCalendar(db, opened, (calendar) => calendar.deleteEvent(eventId));
    if (meeting.calendar_event_id !== null) await storeEventId(null, meeting.calendar_event_id);
    return { outcome: 'removed' };
  }
  const event = eventOfMeeting(meeting);
  if (meeting.calendar_event_id !== null) {
    try {
      const updated = await withProviderCalendar(db, opened, (calendar) => calendar.updateEvent(meeting.calendar_event_id!, event));
      return { outcome: 'updated', eventId: updated.id };
    } catch (err) {
      // removed at the provider (by the user, in their calendar): book it again below
      if (connectorFailureOf(err)?.failure !== 'not_found') throw err;
      await storeEventId(null, meeting.calendar_event_id);
    }
  }
  // Google restores an event under its old id (a deleted event still holds it); an Outlook transactionId
  // would answer the removed event, so Outlook's names the meeting's version (updated_at)
  const idempotencyId = meetingEventId(ref.orgId, meeting.id, provider === 'outlook' ? meeting.updated_at : undefined);
  const created = await withProviderCalendar(db, opened, (calendar) => calendar.createEvent({ ...event, idempotencyId }));
  await storeEventId(created.id, null);
  return { outcome: 'booked', eventId: created.id };
}

/** Removes the provider event of a deleted meeting (the event's id came with the deletion; Google's can be recomputed). */
export async function removeMeetingEvent(
  db: Database,
  deps: Pick<CalendarDeps, 'secrets' | 'calendars'>,
  ref: { orgId: number; meetingId: number; userId: number; provider: string; calendarEventId: string | null },
): Promise<MeetingCalendarOutcome> {
  if (ref.provider !== 'google' && ref.provider !== 'outlook') return { outcome: 'nothing' };
  // a Google booking may have been made by an attempt whose id was never stored
  const eventId = ref.calendarEventId ?? (ref.provider === 'google' ? meetingEventId(ref.orgId, ref.meetingId) : null);
  if (eventId === null) return { outcome: 'nothing' };
  const opened = await openProviderCalendar(db, deps, { orgId: ref.orgId, userId: ref.userId }, ref.provider);
  if (!opened) return { outcome: 'not_connected' };
  await withProviderCalendar(db, opened, (calendar) => calendar.deleteEvent(eventId));
  return { outcome: 'removed' };
}

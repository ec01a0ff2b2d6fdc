// Availability (§6.11 GET /api/calendar/availability) as a pure computation:
// the slots of a duration in which a user can meet, from their working hours
// (local wall-clock times in their own IANA time zone), minus what keeps them
// busy (the provider's free/busy and LIO meetings) widened by their buffer,
// presented in the caller's time zone. No I/O: the calendar service gathers
// the inputs.
//
// Wall-clock times become instants through Intl (the platform's time zone
// database), never through a fixed offset, so a working day that spans a
// daylight-saving change still starts and ends at the local times the user
// set, and a slot shown to a caller in another zone carries that zone's
// offset at that instant.

import { ApiError } from '../platform/errors.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM" local times; an end of "24:00" is the end of the day. */
export type WorkingRange = readonly [start: string, end: string];
export type WorkingHours = Partial<Record<Weekday, readonly WorkingRange[]>>;

/** Mon–Fri 09:00–17:00, what a user who never set working hours gets. */
export const DEFAULT_WORKING_HOURS: WorkingHours = {
  mon: [['09:00', '17:00']],
  tue: [['09:00', '17:00']],
  wed: [['09:00', '17:00']],
  thu: [['09:00', '17:00']],
  fri: [['09:00', '17:00']],
};

/** The longest span one availability request may cover: bounds the work of one request. */
export const MAX_AVAILABILITY_RANGE_DAYS = 62;
export const MAX_BUFFER_MINUTES = 240;
export const MIN_SLOT_MINUTES = 5;
export const MAX_SLOT_MINUTES = 8 * 60;

export const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export interface Interval {
  start: Date;
  end: Date;
}

export interface AvailabilityInput {
  /** the span asked about; slots lie entirely within it */
  from: Date;
  to: Date;
  durationMinutes: number;
  /** slot starts lie this far apart, counted from the start of each working range */
  stepMinutes: number;
  workingHours: WorkingHours;
  /** the IANA time zone the working hours are in (the user's) */
  userTimeZone: string;
  /** kept free before and after every busy interval */
  bufferMinutes: number;
  busy: readonly Interval[];
  /** the IANA time zone the slots are presented in (the caller's) */
  presentIn: string;
  /** no slot starts before this instant (now: the past is not available) */
  notBefore?: Date;
}

export interface Slot {
  /** RFC 3339 with the offset of `presentIn` at that instant */
  start: string;
  end: string;
}

/** Whether `zone` is a time zone name the platform knows (an IANA name such as Europe/Berlin, or UTC). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(?:\/[A-Za-z0-9_+\-]+)*$/.test(zone) || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** Reads the wall-clock fields of instants in one zone; one formatter per zone per computation. */
class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** The wall-clock fields of an instant in this zone. */
  fields(instant: number) {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(instant))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
  }

  /** The zone's offset from UTC at an instant, in ms (east positive). */
  offsetAt(instant: number): number {
    const f = this.fields(instant);
    const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    return wall - Math.floor(instant / 1000) * 1000;
  }

  localDate(instant: number): LocalDate {
    const { year, month, day } = this.fields(instant);
    return { year, month, day };
  }

  /**
   * The instant a wall-clock time on a local date happens. A time skipped by
   * a spring-forward change (02:30 in New York on its DST day) is moved
   * forward by the length of the gap (03:30), as Temporal's "compatible"
   * disambiguation does; a time that happens twice on a fall-back day is its
   * first occurrence.
   */
  instantOf(date: LocalDate, minutesOfDay: number): number {
    const wall = Date.UTC(date.year, date.month - 1, date.day) + minutesOfDay * MINUTE_MS;
    const before = this.offsetAt(wall - DAY_MS / 2);
    const after = this.offsetAt(wall + DAY_MS / 2);
    // the earlier offset first: on a fall-back day it names the first occurrence
    for (const offset of [before, after]) {
      const candidate = wall - offset;
      if (this.offsetAt(candidate) === offset) return candidate;
    }
    // in a gap: neither offset reproduces the wall time; the clocks jumped at the instant the later offset starts
    return wall - before;
  }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const nextDate = ({ year, month, day }: LocalDate, days: number): LocalDate => {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

const weekdayOf = ({ year, month, day }: LocalDate): Weekday => WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]!;

/** The working ranges that touch [from, to], as instants, from the user's local dates around the span. */
function workingWindows(clock: ZoneClock, hours: WorkingHours, from: number, to: number): { start: number; end: number }[] {
  const windows: { start: number; end: number }[] = [];
  // a local day begins up to 14 hours before or after the UTC day: one day of margin each side
  const last = nextDate(clock.localDate(to), 1);
  for (let date = nextDate(clock.localDate(from), -1); ; date = nextDate(date, 1)) {
    for (const [start, end] of hours[weekdayOf(date)] ?? []) {
      const window = { start: clock.instantOf(date, minutesOf(start)), end: clock.instantOf(date, minutesOf(end)) };
      if (window.end > from && window.start < to && window.end > window.start) windows.push(window);
    }
    if (date.year === last.year && date.month === last.month && date.day === last.day) break;
  }
  // ranges may be listed in any order; slots are answered in time order
  return windows.sort((a, b) => a.start - b.start);
}

/** RFC 3339 text of an instant with the zone's offset at that instant, e.g. 2026-03-08T09:00:00-04:00. */
export function formatInZone(instant: Date, zone: string, clock = new ZoneClock(zone)): string {
  const t = instant.getTime();
  const f = clock.fields(t);
  const offsetMinutes = Math.round(clock.offsetAt(t) / MINUTE_MS);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** The instant a local date's midnight happens in a zone (the start of that day there). */
export function startOfLocalDay(date: string, zone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(new ZoneClock(zone).instantOf({ year, month, day }, 0));
}

/**
 * The free slots: every start on the step within a working range such that
 * the whole slot lies in that range, in [from, to], not before `notBefore`,
 * and clear of every busy interval widened by the buffer (a slot may end
 * exactly where a widened busy interval begins, and begin where one ends).
 */
export function availableSlots(input: AvailabilityInput): Slot[] {
  const from = Math.max(input.from.getTime(), input.notBefore?.getTime() ?? -Infinity);
  const to = input.to.getTime();
  if (to <= from) return [];
  const duration = input.durationMinutes * MINUTE_MS;
  const step = input.stepMinutes * MINUTE_MS;
  const buffer = input.bufferMinutes * MINUTE_MS;
  const busy = input.busy
    .map((b) => ({ start: b.start.getTime() - buffer, end: b.end.getTime() + buffer }))
    .filter((b) => b.end > from && b.start < to)
    .sort((a, b) => a.start - b.start);
  const presenter = new ZoneClock(input.presentIn);
  const slots: Slot[] = [];
  let previousStart = -Infinity;
  for (const window of workingWindows(new ZoneClock(input.userTimeZone), input.workingHours, from, to)) {
    const firstStep = window.start >= from ? 0 : Math.ceil((from - window.start) / step);
    for (let start = window.start + firstStep * step; start + duration <= Math.min(window.end, to); start += step) {
      // overlapping working ranges must not answer the same slot twice
      if (start <= previousStart) continue;
      const end = start + duration;
      if (busy.some((b) => b.start < end && b.end > start)) continue;
      slots.push({ start: formatInZone(new Date(start), input.presentIn, presenter), end: formatInZone(new Date(end), input.presentIn, presenter) });
      previousStart = start;
    }
  }
  return slots;
}

export interface AvailabilityRangeInput {
  /** one local day (YYYY-MM-DD) in `zone`; excludes from/to */
  date?: string;
  /** a local date (its midnight in `zone`) or an RFC 3339 date-time; default now */
  from?: string;
  /** a local date (through the end of that day in `zone`) or an RFC 3339 date-time; default a week after `from` */
  to?: string;
  zone: string;
  now: Date;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_RANGE_DAYS = 7;

const invalidRange = (path: string, message: string) => new ApiError('validation_error', `${path}: ${message}`, { details: [{ path, message }] });

/** The span an availability request asks about, as instants: dates are whole days of the caller's zone. */
export function availabilityRange({ date, from, to, zone, now }: AvailabilityRangeInput): Interval {
  if (date !== undefined && (from !== undefined || to !== undefined)) throw invalidRange('date', 'give either date or from/to, not both');
  const startOf = (text: string) => (DATE_ONLY.test(text) ? startOfLocalDay(text, zone) : new Date(text));
  const endOf = (text: string) => {
    if (!DATE_ONLY.test(text)) return new Date(text);
    const next = new Date(Date.parse(`${text}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
    return startOfLocalDay(next, zone);
  };
  const start = date !== undefined ? startOf(date) : from !== undefined ? startOf(from) : now;
  const end = date !== undefined ? endOf(date) : to !== undefined ? endOf(to) : new Date(start.getTime() + DEFAULT_RANGE_DAYS * DAY_MS);
  if (end.getTime() <= start.getTime()) throw invalidRange('to', 'must be after from');
  if (end.getTime() - start.getTime() > MAX_AVAILABILITY_RANGE_DAYS * DAY_MS) {
    throw invalidRange('to', `the range may cover at most ${MAX_AVAILABILITY_RANGE_DAYS} days`);
  }
  return { start, end };
}

// When an outreach step may go out (§6.8 outreach plans): at its
// scheduled_at, unless that falls in the recipient's quiet hours — then at the
// end of them, in the recipient's own time zone (the contact's, else the
// organization's, else UTC). Pure: the sequence's activity computes the send
// time here and the workflow sleeps until it. Local times are read with the
// Intl API, so daylight-saving changes are those of the IANA database, not an
// offset guessed once.

/** Local hours [start, end) in which nothing is sent; start > end wraps midnight (20 → 8: 20:00–08:00); start = end: none. */
export interface QuietHours {
  start: number;
  end: number;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { start: 20, end: 8 };

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string | null | undefined): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The recipient's zone: the first valid of the candidates (contact, organization), else UTC. */
export function recipientTimeZone(...candidates: (string | null | undefined)[]): string {
  return candidates.find(isTimeZone) ?? 'UTC';
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The wall-clock time in `zone` at `instant`. */
export function localTimeOf(instant: Date, zone: string): LocalTime {
  const parts = Object.fromEntries(formatterOf(zone).formatToParts(instant).map((p) => [p.type, p.value]));
  return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour!, minute: +parts.minute!, second: +parts.second! };
}

/** How far `zone` is ahead of UTC at `instant`, in ms (seconds dropped: whole-minute offsets only). */
function offsetAt(instant: number, zone: string): number {
  const l = localTimeOf(new Date(instant), zone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant the wall clock in `zone` first shows `hour`:00 on the given
 * local date. A wall time skipped by a daylight-saving jump (e.g. 02:30 on a
 * spring-forward night) answers the first instant after the gap.
 */
export function instantOfLocal(zone: string, date: { year: number; month: number; day: number }, hour: number): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour);
  // two passes: the offset at the first guess may be the other side of a change
  const first = wall - offsetAt(wall, zone);
  const second = wall - offsetAt(first, zone);
  if (localTimeOf(new Date(second), zone).hour === hour) return new Date(second);
  if (localTimeOf(new Date(first), zone).hour === hour) return new Date(first);
  // in a gap: the later of the two readings lands after it
  return new Date(Math.max(first, second));
}

/** Whether the local hour lies in the quiet hours. */
export function inQuietHours(hour: number, quiet: QuietHours): boolean {
  if (quiet.start === quiet.end) return false;
  return quiet.start < quiet.end ? hour >= quiet.start && hour < quiet.end : hour >= quiet.start || hour < quiet.end;
}

/**
 * When a step scheduled at `scheduledAt` goes out to a recipient in `zone`:
 * `scheduledAt` itself outside the quiet hours, else the next `quiet.end`:00
 * of the recipient's wall clock after it — never earlier than scheduled.
 */
export function sendTimeOf(scheduledAt: Date, zone: string, quiet: QuietHours = DEFAULT_QUIET_HOURS): Date {
  const local = localTimeOf(scheduledAt, zone);
  if (!inQuietHours(local.hour, quiet)) return scheduledAt;
  const today = instantOfLocal(zone, local, quiet.end);
  if (today.getTime() > scheduledAt.getTime()) return today;
  // the quiet hours end tomorrow (local calendar arithmetic: a local day may last 23 or 25 hours)
  const tomorrow = new Date(Date.UTC(local.year, local.month - 1, local.day + 1));
  return instantOfLocal(zone, { year: tomorrow.getUTCFullYear(), month: tomorrow.getUTCMonth() + 1, day: tomorrow.getUTCDate() }, quiet.end);
}

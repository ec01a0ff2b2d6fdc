// The availability computation (domain/communications/availability.ts) on its
// own: working hours in the user's zone across daylight-saving changes, busy
// intervals at and across slot edges, buffers, a caller in another zone, and
// the bounds of the span asked about.
import { describe, expect, it } from 'vitest';
import {
  availabilityRange,
  availableSlots,
  isTimeZone,
  MAX_AVAILABILITY_RANGE_DAYS,
  type AvailabilityInput,
  type WorkingHours,
} from '../../domain/communications/availability.js';
import { ApiError } from '../../domain/platform/errors.js';

const at = (iso: string) => new Date(iso);
const busy = (start: string, end: string) => ({ start: at(start), end: at(end) });

/** Availability over one span with 60-minute slots every 60 minutes, no buffer, nothing busy, unless overridden. */
function slots(overrides: Partial<AvailabilityInput> & Pick<AvailabilityInput, 'from' | 'to' | 'workingHours' | 'userTimeZone'>) {
  return availableSlots({ durationMinutes: 60, stepMinutes: 60, bufferMinutes: 0, busy: [], presentIn: overrides.userTimeZone, ...overrides });
}

const starts = (list: { start: string }[]) => list.map((s) => s.start);
const everyDay = (ranges: [string, string][]): WorkingHours => ({
  sun: ranges,
  mon: ranges,
  tue: ranges,
  wed: ranges,
  thu: ranges,
  fri: ranges,
  sat: ranges,
});

describe('working hours', () => {
  it('offers every step of a working day whose slot fits before the day ends', () => {
    const result = slots({
      from: at('2026-06-15T00:00:00Z'),
      to: at('2026-06-16T00:00:00Z'),
      workingHours: { mon: [['09:00', '12:00']] },
      userTimeZone: 'UTC',
      stepMinutes: 30,
    });
    expect(result).toEqual([
      { start: '2026-06-15T09:00:00+00:00', end: '2026-06-15T10:00:00+00:00' },
      { start: '2026-06-15T09:30:00+00:00', end: '2026-06-15T10:30:00+00:00' },
      { start: '2026-06-15T10:00:00+00:00', end: '2026-06-15T11:00:00+00:00' },
      { start: '2026-06-15T10:30:00+00:00', end: '2026-06-15T11:30:00+00:00' },
      { start: '2026-06-15T11:00:00+00:00', end: '2026-06-15T12:00:00+00:00' },
    ]);
  });

  it('offers nothing on a day without working hours, or with an empty list', () => {
    const saturday = { from: at('2026-06-20T00:00:00Z'), to: at('2026-06-21T00:00:00Z'), userTimeZone: 'UTC' };
    expect(slots({ ...saturday, workingHours: { mon: [['09:00', '17:00']] } })).toEqual([]);
    expect(slots({ ...saturday, workingHours: { sat: [] } })).toEqual([]);
  });

  it('answers the slots of several ranges in one day in time order, whatever order they were listed in', () => {
    const result = slots({
      from: at('2026-06-15T00:00:00Z'),
      to: at('2026-06-16T00:00:00Z'),
      workingHours: { mon: [['14:00', '16:00'], ['09:00', '10:00']] },
      userTimeZone: 'UTC',
    });
    expect(starts(result)).toEqual(['2026-06-15T09:00:00+00:00', '2026-06-15T14:00:00+00:00', '2026-06-15T15:00:00+00:00']);
  });

  it('runs a range ending at 24:00 to midnight', () => {
    const result = slots({ from: at('2026-06-15T00:00:00Z'), to: at('2026-06-16T00:00:00Z'), workingHours: { mon: [['22:00', '24:00']] }, userTimeZone: 'UTC' });
    expect(result.at(-1)).toEqual({ start: '2026-06-15T23:00:00+00:00', end: '2026-06-16T00:00:00+00:00' });
  });
});

describe('daylight-saving changes', () => {
  it('America/New_York spring forward: the night range loses its skipped hour, and a slot across the gap lasts an hour', () => {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT
    const result = slots({
      from: at('2026-03-08T00:00:00Z'),
      to: at('2026-03-09T00:00:00Z'),
      workingHours: { sun: [['00:00', '06:00']] },
      userTimeZone: 'America/New_York',
    });
    expect(result).toEqual([
      { start: '2026-03-08T00:00:00-05:00', end: '2026-03-08T01:00:00-05:00' },
      { start: '2026-03-08T01:00:00-05:00', end: '2026-03-08T03:00:00-04:00' },
      { start: '2026-03-08T03:00:00-04:00', end: '2026-03-08T04:00:00-04:00' },
      { start: '2026-03-08T04:00:00-04:00', end: '2026-03-08T05:00:00-04:00' },
      { start: '2026-03-08T05:00:00-04:00', end: '2026-03-08T06:00:00-04:00' },
    ]);
  });

  it('America/New_York: 09:00 local stays 09:00 across the change, so it moves by an hour in UTC', () => {
    const result = slots({
      from: at('2026-03-06T00:00:00Z'),
      to: at('2026-03-10T00:00:00Z'),
      workingHours: { fri: [['09:00', '10:00']], mon: [['09:00', '10:00']] },
      userTimeZone: 'America/New_York',
      presentIn: 'UTC',
    });
    expect(starts(result)).toEqual(['2026-03-06T14:00:00+00:00', '2026-03-09T13:00:00+00:00']);
  });

  it('America/New_York fall back: 01:00 happens twice and both hours are offered', () => {
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST
    const result = slots({
      from: at('2026-11-01T00:00:00Z'),
      to: at('2026-11-02T00:00:00Z'),
      workingHours: { sun: [['00:00', '04:00']] },
      userTimeZone: 'America/New_York',
    });
    expect(starts(result)).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:00:00-05:00',
      '2026-11-01T02:00:00-05:00',
      '2026-11-01T03:00:00-05:00',
    ]);
  });

  it('Europe/Berlin spring forward: a range starting in the skipped hour starts after the gap', () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and is read as 03:30
    const result = slots({
      from: at('2026-03-28T00:00:00Z'),
      to: at('2026-03-31T00:00:00Z'),
      workingHours: { sun: [['02:30', '04:30']], mon: [['09:00', '10:00']] },
      userTimeZone: 'Europe/Berlin',
      durationMinutes: 30,
      stepMinutes: 30,
    });
    expect(result).toEqual([
      { start: '2026-03-29T03:30:00+02:00', end: '2026-03-29T04:00:00+02:00' },
      { start: '2026-03-29T04:00:00+02:00', end: '2026-03-29T04:30:00+02:00' },
      { start: '2026-03-30T09:00:00+02:00', end: '2026-03-30T09:30:00+02:00' },
      { start: '2026-03-30T09:30:00+02:00', end: '2026-03-30T10:00:00+02:00' },
    ]);
  });

  it('Europe/Berlin fall back: the range 02:00–03:00 lasts two hours that day', () => {
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET
    const result = slots({
      from: at('2026-10-24T00:00:00Z'),
      to: at('2026-10-26T00:00:00Z'),
      workingHours: everyDay([['02:00', '03:00']]),
      userTimeZone: 'Europe/Berlin',
    });
    expect(result).toEqual([
      { start: '2026-10-24T02:00:00+02:00', end: '2026-10-24T03:00:00+02:00' },
      { start: '2026-10-25T02:00:00+02:00', end: '2026-10-25T02:00:00+01:00' },
      { start: '2026-10-25T02:00:00+01:00', end: '2026-10-25T03:00:00+01:00' },
    ]);
  });
});

describe('busy intervals and buffers', () => {
  const morning = { from: at('2026-06-15T00:00:00Z'), to: at('2026-06-16T00:00:00Z'), workingHours: { mon: [['09:00', '12:00']] }, userTimeZone: 'UTC', stepMinutes: 30 } as const;

  it('a busy hour exactly on slot edges leaves the slots that end at its start and begin at its end', () => {
    const result = slots({ ...morning, busy: [busy('2026-06-15T10:00:00Z', '2026-06-15T11:00:00Z')] });
    expect(starts(result)).toEqual(['2026-06-15T09:00:00+00:00', '2026-06-15T11:00:00+00:00']);
  });

  it('a busy interval partly inside slots removes every slot it touches', () => {
    const result = slots({ ...morning, busy: [busy('2026-06-15T10:15:00Z', '2026-06-15T10:45:00Z')] });
    expect(starts(result)).toEqual(['2026-06-15T09:00:00+00:00', '2026-06-15T11:00:00+00:00']);
  });

  it('a busy interval beginning before the working day and ending inside it removes the slots up to its end', () => {
    const result = slots({ ...morning, busy: [busy('2026-06-15T07:00:00Z', '2026-06-15T09:30:00Z')] });
    expect(starts(result)).toEqual(['2026-06-15T09:30:00+00:00', '2026-06-15T10:00:00+00:00', '2026-06-15T10:30:00+00:00', '2026-06-15T11:00:00+00:00']);
  });

  it('the buffer keeps its minutes free before and after each busy interval', () => {
    const result = slots({
      ...morning,
      workingHours: { mon: [['08:00', '13:00']] },
      stepMinutes: 15,
      bufferMinutes: 15,
      busy: [busy('2026-06-15T10:00:00Z', '2026-06-15T11:00:00Z')],
    });
    // the last slot before ends at 09:45 (busy from 10:00), the first after begins at 11:15 (busy until 11:00)
    expect(starts(result)).toEqual(
      ['08:00', '08:15', '08:30', '08:45', '11:15', '11:30', '11:45', '12:00'].map((time) => `2026-06-15T${time}:00+00:00`),
    );
  });
});

describe('time zones of the user and the caller', () => {
  it('presents a Tokyo working morning to a Los Angeles caller on the previous evening, with the caller offset', () => {
    const result = slots({
      from: at('2026-06-14T00:00:00Z'),
      to: at('2026-06-16T00:00:00Z'),
      workingHours: { mon: [['09:00', '11:00']] },
      userTimeZone: 'Asia/Tokyo',
      presentIn: 'America/Los_Angeles',
    });
    expect(result).toEqual([
      { start: '2026-06-14T17:00:00-07:00', end: '2026-06-14T18:00:00-07:00' },
      { start: '2026-06-14T18:00:00-07:00', end: '2026-06-14T19:00:00-07:00' },
    ]);
  });

  it('reads busy intervals as instants, whatever zone the user works in', () => {
    const result = slots({
      from: at('2026-06-15T00:00:00Z'),
      to: at('2026-06-16T00:00:00Z'),
      workingHours: { mon: [['09:00', '12:00']] },
      userTimeZone: 'Europe/Berlin',
      // 10:00–11:00 in Berlin (CEST, +02:00)
      busy: [busy('2026-06-15T08:00:00Z', '2026-06-15T09:00:00Z')],
    });
    expect(starts(result)).toEqual(['2026-06-15T09:00:00+02:00', '2026-06-15T11:00:00+02:00']);
  });
});

describe('the span asked about', () => {
  const day = { workingHours: { mon: [['09:00', '17:00']] }, userTimeZone: 'UTC', stepMinutes: 30 } as const;

  it('starts on the first step at or after from, and ends no later than to', () => {
    const result = slots({ ...day, from: at('2026-06-15T10:10:00Z'), to: at('2026-06-15T12:00:00Z') });
    expect(starts(result)).toEqual(['2026-06-15T10:30:00+00:00', '2026-06-15T11:00:00+00:00']);
  });

  it('offers nothing before notBefore (the past)', () => {
    const result = slots({ ...day, from: at('2026-06-15T00:00:00Z'), to: at('2026-06-16T00:00:00Z'), notBefore: at('2026-06-15T15:20:00Z') });
    expect(starts(result)).toEqual(['2026-06-15T15:30:00+00:00', '2026-06-15T16:00:00+00:00']);
  });

  it('reads a date as the whole day of the caller zone', () => {
    expect(availabilityRange({ date: '2026-03-08', zone: 'America/New_York', now: new Date() })).toEqual({
      start: at('2026-03-08T05:00:00Z'),
      // the spring-forward day is 23 hours long
      end: at('2026-03-09T04:00:00Z'),
    });
  });

  it('defaults to a week from now, and takes from/to as dates or date-times', () => {
    const now = at('2026-06-15T10:00:00Z');
    expect(availabilityRange({ zone: 'UTC', now })).toEqual({ start: now, end: at('2026-06-22T10:00:00Z') });
    expect(availabilityRange({ from: '2026-06-15', to: '2026-06-16T12:00:00+02:00', zone: 'Europe/Berlin', now })).toEqual({
      start: at('2026-06-14T22:00:00Z'),
      end: at('2026-06-16T10:00:00Z'),
    });
  });

  it(`refuses an empty or reversed span, date with from/to, and more than ${MAX_AVAILABILITY_RANGE_DAYS} days`, () => {
    const now = new Date();
    const refused = (input: Parameters<typeof availabilityRange>[0]) => {
      try {
        availabilityRange(input);
      } catch (err) {
        return err instanceof ApiError && err.kind === 'validation_error';
      }
      return false;
    };
    expect(refused({ from: '2026-06-15T10:00:00Z', to: '2026-06-15T10:00:00Z', zone: 'UTC', now })).toBe(true);
    expect(refused({ date: '2026-06-15', from: '2026-06-15', zone: 'UTC', now })).toBe(true);
    expect(refused({ from: '2026-01-01', to: '2026-03-04', zone: 'UTC', now })).toBe(true);
    expect(refused({ from: '2026-01-01', to: '2026-03-03', zone: 'UTC', now })).toBe(false);
  });
});

describe('isTimeZone', () => {
  it('accepts IANA names and UTC, refuses offsets, abbreviations that are not zones and unknown names', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata']) expect(isTimeZone(zone)).toBe(true);
    for (const zone of ['+02:00', 'Mars/Olympus', '', 'Europe/Berlin; DROP']) expect(isTimeZone(zone)).toBe(false);
  });
});

// When an outreach step goes out (domain/engagement/outreach-timing.ts): the
// recipient's quiet hours move it to their end, in the recipient's zone, on
// daylight-saving change days too; never earlier than scheduled.
import { describe, expect, it } from 'vitest';
import { inQuietHours, instantOfLocal, localTimeOf, recipientTimeZone, sendTimeOf, type QuietHours } from '../../domain/engagement/outreach-timing.js';

const at = (iso: string) => new Date(iso);

describe('sendTimeOf', () => {
  it('keeps a step scheduled outside the quiet hours, to the millisecond', () => {
    expect(sendTimeOf(at('2026-06-10T14:00:00.123Z'), 'America/New_York').toISOString()).toBe('2026-06-10T14:00:00.123Z');
    // 19:59 local is the last minute before the default quiet hours (20:00-08:00)
    expect(sendTimeOf(at('2026-06-10T23:59:00Z'), 'America/New_York').toISOString()).toBe('2026-06-10T23:59:00.000Z');
  });

  it('moves a step at 23:00 recipient time to 08:00 the next morning, and one at 05:00 to 08:00 the same morning', () => {
    // 23:00 EDT on 10 June = 03:00Z on the 11th; 08:00 EDT = 12:00Z
    expect(sendTimeOf(at('2026-06-11T03:00:00Z'), 'America/New_York').toISOString()).toBe('2026-06-11T12:00:00.000Z');
    expect(sendTimeOf(at('2026-06-10T09:00:00Z'), 'America/New_York').toISOString()).toBe('2026-06-10T12:00:00.000Z');
    // 20:00 sharp is quiet
    expect(sendTimeOf(at('2026-06-11T00:00:00Z'), 'America/New_York').toISOString()).toBe('2026-06-11T12:00:00.000Z');
  });

  it('lands at 08:00 local across the spring-forward night (America/New_York, 8 March 2026; Europe/Berlin, 29 March 2026)', () => {
    // 23:00 EST (UTC-5) on the 7th; 08:00 on the 8th is already EDT (UTC-4): 12:00Z, not 13:00Z
    expect(sendTimeOf(at('2026-03-08T04:00:00Z'), 'America/New_York').toISOString()).toBe('2026-03-08T12:00:00.000Z');
    // 23:00 CET (UTC+1) on the 28th; 08:00 on the 29th is CEST (UTC+2): 06:00Z
    expect(sendTimeOf(at('2026-03-28T22:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-03-29T06:00:00.000Z');
  });

  it('lands at 08:00 local across the fall-back night (America/New_York, 1 November 2026; Europe/Berlin, 25 October 2026)', () => {
    // 23:00 EDT on 31 October; 08:00 on 1 November is EST: 13:00Z
    expect(sendTimeOf(at('2026-11-01T03:00:00Z'), 'America/New_York').toISOString()).toBe('2026-11-01T13:00:00.000Z');
    // the repeated hour itself (01:30 EST, the second 01:30 of the night) is quiet too
    expect(sendTimeOf(at('2026-11-01T06:30:00Z'), 'America/New_York').toISOString()).toBe('2026-11-01T13:00:00.000Z');
    // 23:00 CEST on 24 October; 08:00 on the 25th is CET: 07:00Z
    expect(sendTimeOf(at('2026-10-24T21:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-10-25T07:00:00.000Z');
  });

  it('honours an organization\'s own quiet hours, wrapping midnight or not, and none when start equals end', () => {
    const lunch: QuietHours = { start: 12, end: 14 };
    expect(sendTimeOf(at('2026-06-10T10:30:00Z'), 'Europe/Berlin', lunch).toISOString()).toBe('2026-06-10T12:00:00.000Z');
    expect(sendTimeOf(at('2026-06-10T09:59:00Z'), 'Europe/Berlin', lunch).toISOString()).toBe('2026-06-10T09:59:00.000Z');
    expect(sendTimeOf(at('2026-06-10T21:00:00Z'), 'UTC', { start: 22, end: 6 }).toISOString()).toBe('2026-06-10T21:00:00.000Z');
    expect(sendTimeOf(at('2026-06-10T23:00:00Z'), 'UTC', { start: 22, end: 6 }).toISOString()).toBe('2026-06-11T06:00:00.000Z');
    expect(sendTimeOf(at('2026-06-10T03:00:00Z'), 'UTC', { start: 8, end: 8 }).toISOString()).toBe('2026-06-10T03:00:00.000Z');
  });

  it('ends quiet hours that end inside a daylight-saving gap at the first instant after it', () => {
    // 02:00 does not exist in New York on 8 March 2026: the clock goes from 01:59:59 EST to 03:00 EDT (07:00Z)
    expect(instantOfLocal('America/New_York', { year: 2026, month: 3, day: 8 }, 2).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(sendTimeOf(at('2026-03-08T05:30:00Z'), 'America/New_York', { start: 0, end: 2 }).toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });

  it('places a two-week, three-step sequence at its times in the recipient\'s zone', () => {
    const zone = 'Europe/Berlin';
    // day 0 at 22:00 local (quiet), day 7 at 09:00 local, day 14 at 06:30 local (quiet): the last crosses no change
    const steps = [at('2026-10-18T20:00:00Z'), at('2026-10-25T08:00:00Z'), at('2026-11-01T05:30:00Z')];
    expect(steps.map((s) => sendTimeOf(s, zone).toISOString())).toEqual([
      '2026-10-19T06:00:00.000Z', // 08:00 CEST
      '2026-10-25T08:00:00.000Z', // 09:00 CET, untouched
      '2026-11-01T07:00:00.000Z', // 08:00 CET
    ]);
  });

  it('never answers earlier than scheduled, and always outside the quiet hours, in zones with odd offsets and half-hour DST', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'];
    const quiet: QuietHours = { start: 20, end: 8 };
    // a deterministic spread of instants over 2026, every 7 hours 13 minutes
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += (7 * 60 + 13) * 60_000) {
      for (const zone of zones) {
        const scheduled = new Date(t);
        const send = sendTimeOf(scheduled, zone, quiet);
        expect(send.getTime()).toBeGreaterThanOrEqual(t);
        expect(send.getTime() - t).toBeLessThanOrEqual(13 * 3600_000);
        const local = localTimeOf(send, zone);
        expect(inQuietHours(local.hour, quiet), `${zone} ${scheduled.toISOString()} -> ${send.toISOString()}`).toBe(false);
        if (send.getTime() !== t) expect([local.hour, local.minute]).toEqual([8, 0]);
      }
    }
  });
});

describe('recipientTimeZone', () => {
  it('takes the contact\'s zone, else the organization\'s, else UTC; an unknown zone is passed over', () => {
    expect(recipientTimeZone('America/New_York', 'Europe/Berlin')).toBe('America/New_York');
    expect(recipientTimeZone(null, 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(recipientTimeZone('Mars/Olympus', 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(recipientTimeZone(undefined, 'nowhere')).toBe('UTC');
  });
});

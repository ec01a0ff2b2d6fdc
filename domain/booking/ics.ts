// The calendar invitation a booking's emails carry (RFC 5545 iCalendar, as
// iTIP RFC 5546 uses it in mail): METHOD:REQUEST for a new or moved booking,
// METHOD:CANCEL when it is cancelled. A mail client matches the invitations of
// one booking by UID and orders them by SEQUENCE, so the UID names the
// booking's meeting (kept across reschedules) and every change raises SEQUENCE.
// Pure: no I/O, no clock but the one given.

export type InvitationMethod = 'REQUEST' | 'CANCEL';

export interface Invitation {
  method: InvitationMethod;
  uid: string;
  sequence: number;
  start: Date;
  end: Date;
  /** when this version was made (DTSTAMP) */
  stamp: Date;
  summary: string;
  description?: string;
  organizer: { email: string; name?: string | null };
  attendee: { email: string; name?: string | null };
}

const CRLF = '\r\n';
/** RFC 5545 §3.1: lines longer than 75 octets are folded (the line break and one space do not count as content) */
const MAX_LINE_OCTETS = 75;

/** TEXT values (§3.3.11): backslash, semicolon, comma and line breaks escaped. */
export const escapeText = (text: string) => text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');

/** A parameter value (§3.2): quoted, since a name may hold ':' ';' ','; DQUOTE and control characters cannot appear in one at all. */
const paramValue = (text: string) => `"${text.replace(/["\u0000-\u001f\u007f]/g, '')}"`;

/** UTC date-time form (§3.3.5 FORM #2). */
export const icsInstant = (instant: Date) => instant.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** Folds one content line at 75 octets without splitting a UTF-8 character; continuation lines begin with one space. */
export function foldLine(line: string): string {
  const pieces: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // a continuation line's leading space takes one of its 75 octets
    const limit = pieces.length === 0 ? MAX_LINE_OCTETS : MAX_LINE_OCTETS - 1;
    if (octets + size > limit) {
      pieces.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  pieces.push(current);
  return pieces.join(`${CRLF} `);
}

const person = (property: 'ORGANIZER' | 'ATTENDEE', who: { email: string; name?: string | null }, extra = '') =>
  `${property}${who.name ? `;CN=${paramValue(who.name)}` : ''}${extra}:mailto:${who.email}`;

/** The invitation as iCalendar text: CRLF line ends, folded lines. */
export function buildInvitation(invitation: Invitation): string {
  const cancelled = invitation.method === 'CANCEL';
  const lines = [
    'BEGIN:VCALENDAR',
    'PRODID:-//LIO//Public booking//EN',
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    `METHOD:${invitation.method}`,
    'BEGIN:VEVENT',
    `UID:${invitation.uid}`,
    `SEQUENCE:${invitation.sequence}`,
    `DTSTAMP:${icsInstant(invitation.stamp)}`,
    `DTSTART:${icsInstant(invitation.start)}`,
    `DTEND:${icsInstant(invitation.end)}`,
    `SUMMARY:${escapeText(invitation.summary)}`,
    ...(invitation.description ? [`DESCRIPTION:${escapeText(invitation.description)}`] : []),
    person('ORGANIZER', invitation.organizer),
    person('ATTENDEE', invitation.attendee, `;ROLE=REQ-PARTICIPANT;PARTSTAT=${cancelled ? 'DECLINED' : 'NEEDS-ACTION'};RSVP=${cancelled ? 'FALSE' : 'TRUE'}`),
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join(CRLF) + CRLF;
}

/**
 * Reads iCalendar text back into its properties (unfolded, parameters
 * dropped, TEXT unescaped), the first occurrence of each: what tests and the
 * manage page need to check an invitation, not a general parser.
 */
export function readInvitation(text: string): Record<string, string> {
  const unfolded = text.replace(/\r\n[ \t]/g, '');
  const properties: Record<string, string> = {};
  for (const line of unfolded.split('\r\n')) {
    const colon = line.search(/:(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    if (colon <= 0) continue;
    const name = line.slice(0, colon).split(';')[0]!.toUpperCase();
    const value = line.slice(colon + 1).replace(/\\([\\;,nN])/g, (_, ch: string) => (ch === 'n' || ch === 'N' ? '\n' : ch));
    properties[name] ??= value;
  }
  return properties;
}

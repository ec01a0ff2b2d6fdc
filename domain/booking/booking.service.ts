// Public booking (issue 13, spec §10): the free slots of a rep's booking
// profile, confirming one (exactly one confirmation wins a slot), and the
// attendee's manage link (cancel, reschedule).
//
// Availability: the profile's working hours (in the profile's time zone),
// minus what keeps the rep busy — their LIO meetings, their confirmed
// bookings of every profile, and their connected Google/Outlook calendar's
// free/busy — each widened by the profile's buffers (buffer_after after a
// busy interval, buffer_before before it), no slot starting before now +
// minimum notice, none ending after now + horizon. A calendar provider that
// fails does not fail the page: the answer is LIO's data only, `partial: true`.
//
// One winner per slot: a confirmation takes a transaction-scoped advisory
// lock on the REP (not the profile: two profiles of one rep share their
// calendar), then checks that nothing of the rep's (confirmed bookings, LIO
// meetings) overlaps the slot widened by the buffers, then writes. Every
// confirmation for that rep queues on the lock, so the second sees the
// first's committed booking and answers 409 slot_unavailable. In the same
// transaction: the meeting (with its calendar outbox event, so the calendar
// workflow books it in the rep's calendar), the lead's demo_requested signal,
// the booking, and the confirmation mail (send-once pipeline, with the .ics).
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { paged, type ListParams } from '../platform/list-query.js';
import type { SecretBox } from '../platform/secret-box.js';
import type { TokenSigner } from '../platform/signed-token.js';
import { transaction } from '../platform/transaction.js';
import { availabilityRange, availableSlots, formatInZone, type Interval, type WorkingHours } from '../communications/availability.js';
import { providerBusyTimes, type ProviderCalendars } from '../communications/calendar.service.js';
import { findUserMailAccount, findUserSendingAccount, type MailAccountRecord } from '../communications/mail-configuration.service.js';
import { queueMailIn } from '../communications/mail-delivery.js';
import { changeMeetingIn, insertMeetingIn, lockUserTime, MEETING_CANCELLED, type CalendarProvider, type MeetingView } from '../communications/meeting.service.js';
import { createLead, dedupeEmail } from '../leads/lead.service.js';
import { recordSignal } from '../engagement/intent-signals.js';
import type { BookingProfile } from '../../generated/prisma/client.js';
import { bookableProfile, bookingPageUrl, publicNameOf, type BookingQuestion } from './booking-profile.service.js';
import { buildInvitation, type InvitationMethod } from './ics.js';
import type pg from 'pg';

export interface BookingDeps {
  secrets: SecretBox;
  calendars: ProviderCalendars;
  /** SANDBOX_CONNECTORS: the sandbox calendar and sandbox mail configurations may be used */
  sandbox: boolean;
  tokens: TokenSigner;
  /** where the links in the emails point (PUBLIC_BASE_URL) */
  publicBaseUrl: string;
}

/** One availability request covers at most this many days (the page asks for a week). */
export const MAX_BOOKING_RANGE_DAYS = 31;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Lead source 1 = Website (§11 Lead): the attendee came through the public booking page. */
const LEAD_SOURCE_WEBSITE = 1;
/** The purpose a manage link's token is signed for: a token of any other purpose (tracking, forms) is refused. */
const MANAGE_TOKEN_PURPOSE = 'booking-manage';

/** Slot starts lie this far apart from the start of each working range: back to back, at most an hour apart (a 90-minute meeting may start on any hour). */
export const slotStepMinutes = (duration: number) => Math.min(duration, 60);

// ---- availability ----

export interface BookingAvailabilityQuery {
  date?: string;
  from?: string;
  to?: string;
  duration?: number;
  tz?: string;
}

interface Busy {
  busy: Interval[];
  /** a connected calendar could not be asked: LIO's own data only */
  partial: boolean;
}

/** What keeps the rep busy around `range`: meetings, confirmed bookings and their provider calendar's busy times. */
async function busyOf(
  db: Database,
  deps: Pick<BookingDeps, 'secrets' | 'calendars'>,
  profile: BookingProfile,
  range: Interval,
  ignoring: { bookingId: number | null; meetingId: number | null } = { bookingId: null, meetingId: null },
): Promise<Busy> {
  const margin = (profile.buffer_before_minutes + profile.buffer_after_minutes) * MINUTE_MS;
  const around = { start: new Date(range.start.getTime() - margin), end: new Date(range.end.getTime() + margin) };
  const [{ rows }, provided] = await Promise.all([
    db.pool.query<{ start_time: Date; end_time: Date }>(
      `SELECT start_time, end_time FROM meetings
        WHERE org_id = $1 AND user_id = $2 AND status <> $5 AND start_time < $4 AND end_time > $3 AND id IS DISTINCT FROM $6
       UNION ALL
       SELECT start_time, end_time FROM bookings
        WHERE org_id = $1 AND user_id = $2 AND status = 'confirmed' AND start_time < $4 AND end_time > $3 AND id IS DISTINCT FROM $7`,
      [profile.org_id, profile.user_id, around.start, around.end, MEETING_CANCELLED, ignoring.meetingId, ignoring.bookingId],
    ),
    providerBusyTimes(db, deps, { orgId: profile.org_id, userId: profile.user_id }, around, 'skip'),
  ]);
  return { busy: [...rows.map((r) => ({ start: r.start_time, end: r.end_time })), ...provided.busy], partial: provided.failed.length > 0 };
}

/** The profile's free slots in [range], for one duration, shown in `presentIn`. */
function profileSlots(profile: BookingProfile, busy: Interval[], range: Interval, duration: number, presentIn: string, now: Date) {
  const horizonEnd = now.getTime() + profile.horizon_days * DAY_MS;
  const to = new Date(Math.min(range.end.getTime(), horizonEnd));
  if (to <= range.start) return [];
  // a slot needs buffer_before free before it and buffer_after after it: a busy interval keeps those minutes around itself
  const widened = busy.map((b) => ({
    start: new Date(b.start.getTime() - profile.buffer_after_minutes * MINUTE_MS),
    end: new Date(b.end.getTime() + profile.buffer_before_minutes * MINUTE_MS),
  }));
  return availableSlots({
    from: range.start,
    to,
    durationMinutes: duration,
    stepMinutes: slotStepMinutes(duration),
    workingHours: profile.working_hours as WorkingHours,
    userTimeZone: profile.timezone,
    bufferMinutes: 0,
    busy: widened,
    presentIn,
    notBefore: new Date(now.getTime() + profile.minimum_notice_minutes * MINUTE_MS),
  });
}

function offeredDuration(profile: BookingProfile, duration: number | undefined): number {
  const chosen = duration ?? profile.durations[0]!;
  if (!profile.durations.includes(chosen)) {
    throw new ApiError('validation_error', `duration: this page offers ${profile.durations.join(', ')} minutes`, {
      code: 'duration_not_offered',
      details: [{ path: 'duration', message: `one of ${profile.durations.join(', ')}` }],
    });
  }
  return chosen;
}

/** GET /api/v1/booking/:slug/availability. */
export async function bookingAvailability(db: Database, deps: Pick<BookingDeps, 'secrets' | 'calendars'>, slug: string, query: BookingAvailabilityQuery, now = new Date()) {
  const { profile } = await bookableProfile(db, slug);
  const duration = offeredDuration(profile, query.duration);
  const presentIn = query.tz ?? profile.timezone;
  const range = availabilityRange({ date: query.date, from: query.from, to: query.to, zone: presentIn, now });
  if (range.end.getTime() - range.start.getTime() > MAX_BOOKING_RANGE_DAYS * DAY_MS) {
    throw new ApiError('validation_error', `to: the range may cover at most ${MAX_BOOKING_RANGE_DAYS} days`, { details: [{ path: 'to', message: `at most ${MAX_BOOKING_RANGE_DAYS} days` }] });
  }
  const { busy, partial } = await busyOf(db, deps, profile, range);
  const slots = profileSlots(profile, busy, range, duration, presentIn, now);
  return {
    slug: profile.slug,
    timezone: presentIn,
    profile_timezone: profile.timezone,
    duration,
    from: range.start.toISOString(),
    to: range.end.toISOString(),
    partial,
    // the local date in the caller's zone is the first ten characters of the start as shown in it
    slots: slots.map((slot) => ({ ...slot, date: slot.start.slice(0, 10) })),
  };
}

// ---- confirming ----

export interface ConfirmInput {
  start: Date;
  end: Date;
  name?: string;
  email?: string;
  company?: string | null;
  phone?: string | null;
  notes?: string | null;
  answers?: Record<string, string>;
  /** the attendee's IANA time zone (their browser's), for the email's times */
  tz?: string;
  /** a manage token: this confirmation moves that booking here */
  reschedule_token?: string;
}

const MAX_ANSWER_CHARS = { text: 500, textarea: 5000, select: 200 } as const;

/** The answers to the profile's questions: required ones given, a select's among its options, nothing else (422 naming the question). */
export function checkAnswers(questions: BookingQuestion[], answers: Record<string, string> = {}): Record<string, string> {
  const problems: { path: string; message: string }[] = [];
  const known = new Set(questions.map((q) => q.key));
  for (const key of Object.keys(answers)) if (!known.has(key)) problems.push({ path: `answers.${key}`, message: 'not a question of this page' });
  const checked: Record<string, string> = {};
  for (const q of questions) {
    const value = (answers[q.key] ?? '').trim();
    if (!value) {
      if (q.required) problems.push({ path: `answers.${q.key}`, message: `${q.label}: an answer is required` });
      continue;
    }
    if (value.length > MAX_ANSWER_CHARS[q.type]) problems.push({ path: `answers.${q.key}`, message: `${q.label}: at most ${MAX_ANSWER_CHARS[q.type]} characters` });
    else if (q.type === 'select' && !q.options?.includes(value)) problems.push({ path: `answers.${q.key}`, message: `${q.label}: choose one of the options` });
    else checked[q.key] = value;
  }
  if (problems.length > 0) throw new ApiError('validation_error', problems.map((p) => p.message).join('; '), { details: problems });
  return checked;
}

const slotUnavailable = () =>
  new ApiError('conflict', 'This time is no longer available: pick another slot', { code: 'slot_unavailable' });

interface BookingRow {
  id: number;
  org_id: number;
  profile_id: number;
  user_id: number;
  meeting_id: number | null;
  lead_id: number | null;
  start_time: Date;
  end_time: Date;
  attendee_timezone: string | null;
  name: string;
  email: string;
  company: string | null;
  phone: string | null;
  notes: string | null;
  answers: Record<string, string>;
  status: 'confirmed' | 'cancelled' | 'rescheduled';
  rescheduled_from: number | null;
  cancelled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The calendar the rep's booked meetings go in: their connected Google calendar, else Outlook's, else the sandbox where allowed, else none. */
async function calendarOfRep(db: Database, deps: Pick<BookingDeps, 'secrets' | 'sandbox'>, scope: { orgId: number; userId: number }): Promise<CalendarProvider | null> {
  for (const [mailer, provider] of [['gmail', 'google'], ['outlook', 'outlook']] as const) {
    const account = await findUserMailAccount(db, deps.secrets, scope, mailer);
    if (account && 'access_token' in account.credentials) return provider;
  }
  return deps.sandbox ? 'sandbox' : null;
}

/** The attendee's lead: the organization's lead owning the address (matched case-insensitively), else a new one (lead source Website). */
async function leadOfAttendee(db: Database, profile: BookingProfile, input: { name: string; email: string; company?: string | null; phone?: string | null }) {
  const { rows } = await db.pool.query<{ id: number }>(`SELECT id FROM leads WHERE org_id = $1 AND dedupe_email = $2 ORDER BY id LIMIT 1`, [
    profile.org_id,
    dedupeEmail(input.email),
  ]);
  if (rows[0]) return { leadId: rows[0].id, matched: true };
  const [first, ...rest] = input.name.trim().split(/\s+/);
  // 'merge': a lead created for this address meanwhile (another booking, a form) is the one used, not a duplicate
  const { lead } = await createLead(
    db,
    { orgId: profile.org_id, userId: null },
    {
      first_name: first ?? input.name,
      last_name: rest.length > 0 ? rest.join(' ') : null,
      email: input.email,
      ...(input.company ? { company: input.company } : {}),
      ...(input.phone ? { phone_number: input.phone } : {}),
      lead_source: LEAD_SOURCE_WEBSITE,
      assigned_to: profile.user_id,
    },
    'merge',
  );
  return { leadId: lead.id, matched: false };
}

/** The manage links of a booking: its signed token, the page that shows it (cancel) and the booking page that moves it (reschedule). */
function manageLinksOf(deps: Pick<BookingDeps, 'tokens' | 'publicBaseUrl'>, booking: { id: number }, slug: string) {
  const token = signManageToken(deps.tokens, booking.id);
  const base = deps.publicBaseUrl.replace(/\/+$/, '');
  const page = bookingPageUrl(deps.publicBaseUrl, slug);
  return {
    token,
    page_url: page,
    manage_url: `${base}/api/v1/booking/manage/${token}`,
    reschedule_url: `${page}?reschedule=${encodeURIComponent(token)}`,
  };
}

/** The signed token of a booking's manage links. */
export const signManageToken = (tokens: TokenSigner, bookingId: number) => tokens.sign(MANAGE_TOKEN_PURPOSE, { b: bookingId });

/** The booking a manage token names, or null for anything we did not sign. */
export function readManageToken(tokens: TokenSigner, token: string): number | null {
  const data = tokens.verify(MANAGE_TOKEN_PURPOSE, token) as { b?: unknown } | null;
  return data && typeof data.b === 'number' && Number.isSafeInteger(data.b) && data.b > 0 ? data.b : null;
}


/** Whether anything of the rep's (confirmed bookings, LIO meetings not cancelled) lies within the slot widened by the buffers. */
async function repBusyDuring(client: pg.PoolClient, profile: BookingProfile, start: Date, end: Date, ignoring: { bookingId: number | null; meetingId: number | null }) {
  const from = new Date(start.getTime() - profile.buffer_before_minutes * MINUTE_MS);
  const to = new Date(end.getTime() + profile.buffer_after_minutes * MINUTE_MS);
  const { rowCount } = await client.query(
    `SELECT 1 FROM bookings WHERE org_id = $1 AND user_id = $2 AND status = 'confirmed' AND start_time < $4 AND end_time > $3 AND id IS DISTINCT FROM $5
     UNION ALL
     SELECT 1 FROM meetings WHERE org_id = $1 AND user_id = $2 AND status <> $7 AND start_time < $4 AND end_time > $3 AND id IS DISTINCT FROM $6
     LIMIT 1`,
    [profile.org_id, profile.user_id, from, to, ignoring.bookingId, ignoring.meetingId, MEETING_CANCELLED],
  );
  return rowCount !== 0;
}

interface Host {
  name: string;
  organization: string;
  account: MailAccountRecord | null;
}

async function hostOf(db: Database, deps: Pick<BookingDeps, 'secrets' | 'sandbox'>, profile: BookingProfile): Promise<Host> {
  const [user, org, account] = await Promise.all([
    db.prisma.user.findFirst({ where: { id: profile.user_id, org_id: profile.org_id }, select: { first_name: true, last_name: true } }),
    db.prisma.organization.findUnique({ where: { id: profile.org_id }, select: { name: true } }),
    findUserSendingAccount(db, deps.secrets, { orgId: profile.org_id, userId: profile.user_id }, { sandbox: deps.sandbox }),
  ]);
  return { name: user ? `${user.first_name}${user.last_name ? ` ${user.last_name}` : ''}` : 'your host', organization: org?.name ?? '', account };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** "Tuesday, 30 March 2027, 09:00 (Europe/Berlin)": a time as the attendee reads it. */
function whenText(instant: Date, zone: string) {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
  return `${text} (${zone})`;
}

interface MailContext {
  client: pg.PoolClient;
  profile: BookingProfile;
  host: Host;
  booking: BookingRow;
  meeting: { id: number; title: string };
  method: InvitationMethod;
  sequence: number;
  links: ReturnType<typeof manageLinksOf>;
  now: Date;
  uidDomain: string;
}

/** Queues the booking's confirmation (or cancellation) with its invitation, in the booking's transaction; null when the rep has no mailbox to send from. */
async function queueBookingMail(ctx: MailContext) {
  const { host, booking, method } = ctx;
  if (!host.account) return null;
  const zone = booking.attendee_timezone ?? ctx.profile.timezone;
  const minutes = Math.round((booking.end_time.getTime() - booking.start_time.getTime()) / MINUTE_MS);
  const cancelled = method === 'CANCEL';
  const rescheduled = booking.rescheduled_from !== null && !cancelled;
  const subject = `${cancelled ? 'Cancelled' : rescheduled ? 'Moved' : 'Confirmed'}: ${ctx.profile.title} with ${host.name}, ${whenText(booking.start_time, zone)}`;
  const body = cancelled
    ? `<p>Hello ${escapeHtml(booking.name)},</p><p>Your meeting “${escapeHtml(ctx.profile.title)}” with ${escapeHtml(host.name)} on ${escapeHtml(whenText(booking.start_time, zone))} is cancelled.</p>` +
      `<p><a href="${escapeHtml(ctx.links.page_url)}">Book another time</a></p>`
    : `<p>Hello ${escapeHtml(booking.name)},</p><p>Your ${minutes}-minute meeting “${escapeHtml(ctx.profile.title)}” with ${escapeHtml(host.name)}` +
      `${host.organization ? ` (${escapeHtml(host.organization)})` : ''} is ${rescheduled ? 'moved to' : 'confirmed for'} <strong>${escapeHtml(whenText(booking.start_time, zone))}</strong>.</p>` +
      `<p>The attached invitation adds it to your calendar.</p>` +
      `<p>Need to change it? <a href="${escapeHtml(ctx.links.reschedule_url)}">Reschedule</a> or <a href="${escapeHtml(ctx.links.manage_url)}">cancel</a>.</p>`;
  const ics = buildInvitation({
    method,
    uid: `booking-${booking.org_id}-${ctx.meeting.id}@${ctx.uidDomain}`,
    sequence: ctx.sequence,
    start: booking.start_time,
    end: booking.end_time,
    stamp: ctx.now,
    summary: ctx.meeting.title,
    description: cancelled ? undefined : `Reschedule: ${ctx.links.reschedule_url}\nCancel: ${ctx.links.manage_url}`,
    organizer: { email: host.account.address, name: host.account.fromName ?? host.name },
    attendee: { email: booking.email, name: booking.name },
  });
  const message = await queueMailIn(
    ctx.client,
    { orgId: booking.org_id, userId: null },
    host.account,
    { to: [booking.email], subject, body, invitation: { method, ics } },
    `booking:${booking.id}:${cancelled ? 'cancellation' : 'confirmation'}`,
  );
  return message;
}

const uidDomainOf = (publicBaseUrl: string) => {
  try {
    return new URL(publicBaseUrl).hostname || 'lio.local';
  } catch {
    return 'lio.local';
  }
};

/** How the answer tells the attendee about the email: queued (with its outbound message), or not sent and why. */
const confirmationOf = (message: { id: number } | null) =>
  message ? { status: 'queued' as const, message_id: message.id } : { status: 'not_sent' as const, reason: 'The host has no mailbox connected to send from; the booking stands.' };

function presentBooking(booking: BookingRow, meeting: Pick<MeetingView, 'id' | 'title' | 'start_time' | 'end_time' | 'timezone' | 'status' | 'calendar_booking'> | null, zone: string) {
  return {
    id: booking.id,
    status: booking.status,
    start: formatInZone(booking.start_time, zone),
    end: formatInZone(booking.end_time, zone),
    timezone: zone,
    name: booking.name,
    email: booking.email,
    rescheduled_from: booking.rescheduled_from,
    meeting: meeting && { id: meeting.id, title: meeting.title, start_time: meeting.start_time, end_time: meeting.end_time, timezone: meeting.timezone, status: meeting.status, calendar_booking: meeting.calendar_booking },
  };
}

async function bookingById(db: Database | pg.PoolClient, id: number, forUpdate = false): Promise<BookingRow | null> {
  const client = 'pool' in db ? db.pool : db;
  const { rows } = await client.query<BookingRow>(`SELECT * FROM bookings WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}

/**
 * POST /api/v1/booking/:slug/confirm. The slot must be one the availability
 * offers now (an offered duration, aligned to the slot step, inside the
 * working hours, notice and horizon, free): else 409 slot_unavailable. With
 * `reschedule_token` the booking it names (of this page, still confirmed)
 * moves here: it becomes `rescheduled`, the new one is confirmed, the meeting
 * moves (Rescheduled) and the attendee gets the updated invitation.
 */
export async function confirmBooking(db: Database, deps: BookingDeps, slug: string, input: ConfirmInput, now = new Date()) {
  const { profile } = await bookableProfile(db, slug);
  const duration = Math.round((input.end.getTime() - input.start.getTime()) / MINUTE_MS);
  if (input.end.getTime() - input.start.getTime() !== duration * MINUTE_MS || !profile.durations.includes(duration)) {
    throw new ApiError('validation_error', `end: the meeting lasts one of ${profile.durations.join(', ')} minutes`, {
      code: 'duration_not_offered',
      details: [{ path: 'end', message: `start plus one of ${profile.durations.join(', ')} minutes` }],
    });
  }
  const previous = input.reschedule_token !== undefined ? await bookingToMove(db, deps.tokens, profile, input.reschedule_token) : null;
  const attendee = previous
    ? { name: previous.name, email: previous.email, company: previous.company, phone: previous.phone, notes: previous.notes, answers: previous.answers }
    : { name: input.name!, email: input.email!, company: input.company ?? null, phone: input.phone ?? null, notes: input.notes ?? null, answers: checkAnswers(profile.questions as unknown as BookingQuestion[], input.answers) };
  const ignoring = { bookingId: previous?.id ?? null, meetingId: previous?.meeting_id ?? null };

  // offered now? (the provider calendar is asked here, outside the lock: a slow calendar must not hold every confirmation of the rep)
  const slot = { start: input.start, end: input.end };
  const { busy } = await busyOf(db, deps, profile, slot, ignoring);
  const offered = profileSlots(profile, busy, slot, duration, 'UTC', now);
  if (offered.length !== 1 || Date.parse(offered[0]!.start) !== input.start.getTime()) throw slotUnavailable();

  const lead = previous ? { leadId: previous.lead_id, matched: true } : await leadOfAttendee(db, profile, attendee);
  const [host, calendar] = await Promise.all([hostOf(db, deps, profile), previous ? Promise.resolve(null) : calendarOfRep(db, deps, { orgId: profile.org_id, userId: profile.user_id })]);
  const attendeeZone = input.tz ?? previous?.attendee_timezone ?? profile.timezone;
  const title = `${profile.title} with ${attendee.name}`.slice(0, 255);

  const outcome = await transaction(db.pool, { actorId: null }, async (client) => {
    await lockUserTime(client, profile.user_id);
    if (previous) {
      const current = await bookingById(client, previous.id, true);
      if (current?.status !== 'confirmed') throw bookingNotActive();
    }
    if (await repBusyDuring(client, profile, input.start, input.end, ignoring)) throw slotUnavailable();

    const moved = previous?.meeting_id ? await changeMeetingIn(client, profile.org_id, previous.meeting_id, { start_time: input.start, end_time: input.end }) : null;
    const meeting =
      moved ??
      (await insertMeetingIn(
        client,
        { orgId: profile.org_id, userId: profile.user_id },
        {
          title,
          start_time: input.start,
          end_time: input.end,
          timezone: profile.timezone,
          description: attendee.notes,
          attendees: [{ email: attendee.email, name: attendee.name }],
          lead_id: lead.leadId,
          calendar_provider: calendar ?? undefined,
        },
      ));
    const { rows } = await client.query<BookingRow>(
      `INSERT INTO bookings (org_id, profile_id, user_id, meeting_id, lead_id, start_time, end_time, attendee_timezone, name, email, company, phone, notes, answers, rescheduled_from, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, now())
       RETURNING *`,
      [
        profile.org_id, profile.id, profile.user_id, meeting.id, lead.leadId, input.start, input.end, attendeeZone,
        attendee.name, attendee.email, attendee.company, attendee.phone, attendee.notes, JSON.stringify(attendee.answers), previous?.id ?? null,
      ],
    );
    const booking = rows[0]!;
    if (previous) {
      await client.query(`UPDATE bookings SET status = 'rescheduled', updated_at = now() WHERE id = $1`, [previous.id]);
    } else if (lead.leadId !== null) {
      await recordSignal(client, {
        orgId: profile.org_id,
        leadId: lead.leadId,
        signalType: 'demo_requested',
        source: 'booking',
        detail: { booking_id: booking.id, profile: profile.slug, start: input.start.toISOString(), duration },
      }, now);
    }
    const links = manageLinksOf(deps, booking, profile.slug);
    // each booking of a meeting is one more version of its invitation
    const sequence = previous ? await invitationVersions(client, booking.org_id, meeting.id) - 1 : 0;
    const mail = await queueBookingMail({ client, profile, host, booking, meeting, method: 'REQUEST', sequence, links, now, uidDomain: uidDomainOf(deps.publicBaseUrl) });
    return { booking, meeting, links, mail };
  });
  return {
    ...presentBooking(outcome.booking, outcome.meeting, attendeeZone),
    lead_matched: lead.matched,
    manage_url: outcome.links.manage_url,
    reschedule_url: outcome.links.reschedule_url,
    /** the signed token of the manage links (the booking page redirects to its manage page) */
    manage_token: outcome.links.token,
    confirmation_email: confirmationOf(outcome.mail),
  };
}

const invitationVersions = async (client: pg.PoolClient, orgId: number, meetingId: number) =>
  Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM bookings WHERE org_id = $1 AND meeting_id = $2`, [orgId, meetingId])).rows[0]!.n);

const bookingNotActive = () => new ApiError('conflict', 'This booking was already cancelled or moved: use the link of the latest confirmation', { code: 'booking_not_active' });

/** The booking a reschedule token names: of this page and still confirmed (404 for a token that is not ours, 409 when it was cancelled or moved). */
async function bookingToMove(db: Database, tokens: TokenSigner, profile: BookingProfile, token: string): Promise<BookingRow> {
  const id = readManageToken(tokens, token);
  const booking = id === null ? null : await bookingById(db, id);
  if (!booking || booking.profile_id !== profile.id) throw notFound('Booking');
  if (booking.status !== 'confirmed') throw bookingNotActive();
  return booking;
}

// ---- the manage link ----

/** GET /api/v1/booking/manage/:token: the booking a manage link names (404 for a token that is not ours). */
export async function managedBooking(db: Database, tokens: TokenSigner, token: string) {
  const id = readManageToken(tokens, token);
  const booking = id === null ? null : await bookingById(db, id);
  if (!booking) throw notFound('Booking');
  const profile = await db.prisma.bookingProfile.findFirst({ where: { id: booking.profile_id, org_id: booking.org_id } });
  const host = await db.prisma.user.findFirst({ where: { id: booking.user_id, org_id: booking.org_id }, select: { first_name: true, last_name: true } });
  const zone = booking.attendee_timezone ?? profile?.timezone ?? 'UTC';
  return {
    ...presentBooking(booking, null, zone),
    title: profile?.title ?? 'Meeting',
    host_name: host ? publicNameOf(host) : null,
    /** the page it can be moved on (null when its profile is gone or disabled) */
    slug: profile?.status === 'active' ? profile.slug : null,
  };
}

/**
 * POST /api/v1/booking/manage/:token/cancel: the booking is cancelled, its
 * meeting Cancelled (the calendar workflow removes the provider event) and
 * the attendee gets a METHOD:CANCEL invitation. Cancelling again changes
 * nothing (`changed: false`).
 */
export async function cancelBooking(db: Database, deps: BookingDeps, token: string, now = new Date()) {
  const id = readManageToken(deps.tokens, token);
  const found = id === null ? null : await bookingById(db, id);
  if (!found) throw notFound('Booking');
  const profile = await db.prisma.bookingProfile.findFirst({ where: { id: found.profile_id, org_id: found.org_id } });
  const host = profile ? await hostOf(db, deps, profile) : null;
  const outcome = await transaction(db.pool, { actorId: null }, async (client) => {
    await lockUserTime(client, found.user_id);
    const booking = (await bookingById(client, found.id, true))!;
    if (booking.status !== 'confirmed') return { booking, changed: false, mail: null };
    const { rows } = await client.query<BookingRow>(`UPDATE bookings SET status = 'cancelled', cancelled_at = now(), updated_at = now() WHERE id = $1 RETURNING *`, [booking.id]);
    const meeting = booking.meeting_id ? await changeMeetingIn(client, booking.org_id, booking.meeting_id, { status: MEETING_CANCELLED }) : null;
    const mail =
      meeting && profile && host
        ? await queueBookingMail({
            client,
            profile,
            host,
            booking: rows[0]!,
            meeting,
            method: 'CANCEL',
            sequence: await invitationVersions(client, booking.org_id, meeting.id),
            links: manageLinksOf(deps, booking, profile.slug),
            now,
            uidDomain: uidDomainOf(deps.publicBaseUrl),
          })
        : null;
    return { booking: rows[0]!, changed: true, mail };
  });
  return { ...presentBooking(outcome.booking, null, outcome.booking.attendee_timezone ?? profile?.timezone ?? 'UTC'), changed: outcome.changed, cancellation_email: outcome.changed ? confirmationOf(outcome.mail) : null };
}

// ---- the reps' list ----

export const BOOKING_STATUSES = ['confirmed', 'cancelled', 'rescheduled'] as const;

/** GET /api/bookings: the caller's bookings (an admin: the organization's), newest start first. */
export async function listBookings(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  params: Pick<ListParams, 'page' | 'limit'> & { status?: (typeof BOOKING_STATUSES)[number]; profile_id?: number },
) {
  const where = {
    org_id: scope.orgId,
    ...(isAdmin(scope) ? {} : { user_id: scope.userId ?? -1 }),
    ...(params.status && { status: params.status }),
    ...(params.profile_id !== undefined && { profile_id: params.profile_id }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.booking.findMany({ where, orderBy: [{ start_time: 'desc' }, { id: 'desc' }], skip: (params.page - 1) * params.limit, take: params.limit }),
    db.prisma.booking.count({ where }),
  ]);
  return paged(
    rows.map((b) => ({
      id: b.id,
      profile_id: b.profile_id,
      user_id: b.user_id,
      meeting_id: b.meeting_id,
      lead_id: b.lead_id,
      start_time: b.start_time.toISOString(),
      end_time: b.end_time.toISOString(),
      attendee_timezone: b.attendee_timezone,
      name: b.name,
      email: b.email,
      company: b.company,
      phone: b.phone,
      notes: b.notes,
      answers: b.answers as Record<string, string>,
      status: b.status as (typeof BOOKING_STATUSES)[number],
      rescheduled_from: b.rescheduled_from,
      cancelled_at: b.cancelled_at?.toISOString() ?? null,
      created_at: b.created_at.toISOString(),
    })),
    total,
    params,
  );
}

// Meetings (§6.11, §11 Meeting): a user's meeting with a lead, contact or
// company, optionally booked in a calendar. A meeting booked in a provider's
// calendar (google, outlook) is written with an outbox event in the same
// transaction; the relay starts the meeting's calendar workflow, which books,
// moves or removes the provider's event with an idempotent call, so a
// provider outage delays the booking instead of losing it. The sandbox
// calendar keeps its events in LIO only: the meeting is its event.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Prisma } from '../../generated/prisma/client.js';
import { assertCredits, debitCredits, type AiFeatureName } from '../billing/credits.service.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type DateBound, type ListParams } from '../platform/list-query.js';
import type { OutboxPayloads } from '../platform/outbox-events.js';
import { transaction } from '../platform/transaction.js';
import { apiErrorOf, type OutsideService } from '../platform/connector-failure.js';

const LANGUAGE_MODEL: OutsideService = { name: 'The language model', code: 'llm' };

export const MEETING_STATUSES = { 1: 'Scheduled', 2: 'Rescheduled', 3: 'Held', 4: 'Cancelled', 5: 'No Show' } as const;
export type MeetingStatus = keyof typeof MEETING_STATUSES;
export const MEETING_CANCELLED: MeetingStatus = 4;
const MEETING_RESCHEDULED: MeetingStatus = 2;

export const MEETING_TOOLS = ['meet', 'teams', 'zoom', 'custom', 'none'] as const;
export type MeetingTool = (typeof MEETING_TOOLS)[number];

/** Calendars a meeting can be booked in: the providers reached through a user's mail configuration, and LIO's own sandbox. */
export const CALENDAR_PROVIDERS = ['google', 'outlook', 'sandbox'] as const;
export type CalendarProvider = (typeof CALENDAR_PROVIDERS)[number];

export const MEETING_SORTABLE_FIELDS = ['id', 'start_time', 'end_time', 'created_at'] as const;

export interface Attendee {
  email: string;
  name?: string | null;
}

export interface MeetingInput {
  title: string;
  start_time: Date;
  end_time: Date;
  timezone?: string;
  description?: string | null;
  location?: string | null;
  attendees?: Attendee[];
  meeting_tool?: MeetingTool;
  meeting_url?: string | null;
  lead_id?: number | null;
  contact_id?: number | null;
  company_id?: number | null;
  calendar_provider?: CalendarProvider;
}

export type MeetingPatch = Partial<Omit<MeetingInput, 'calendar_provider'>> & {
  status?: MeetingStatus;
  /** what was said, e.g. pasted from a recorder: what generate-summary summarises */
  transcript?: string | null;
};

export interface MeetingFilters {
  lead_id?: number;
  contact_id?: number;
  company_id?: number;
  status?: MeetingStatus;
  /** meetings starting at or after */
  from?: DateBound;
  /** meetings starting at or before (a date: through that whole UTC day) */
  to?: DateBound;
}

type MeetingRow = Prisma.MeetingGetPayload<object>;

/**
 * Where the meeting's provider event stands: booked (it exists), pending (the
 * calendar workflow has not booked it yet, or not yet removed it from a
 * cancelled meeting), removed (the meeting was cancelled and its event
 * removed); null when the meeting is in no calendar.
 */
function calendarBookingOf(meeting: Pick<MeetingRow, 'calendar_provider' | 'calendar_event_id' | 'status'>) {
  if (meeting.calendar_provider === null) return null;
  if (meeting.calendar_event_id !== null) return 'booked' as const;
  return meeting.status === MEETING_CANCELLED ? ('removed' as const) : ('pending' as const);
}

export function presentMeeting(meeting: MeetingRow) {
  const status = meeting.status as MeetingStatus;
  return {
    id: meeting.id,
    user_id: meeting.user_id,
    lead_id: meeting.lead_id,
    contact_id: meeting.contact_id,
    company_id: meeting.company_id,
    title: meeting.title,
    description: meeting.description,
    location: meeting.location,
    start_time: meeting.start_time.toISOString(),
    end_time: meeting.end_time.toISOString(),
    timezone: meeting.timezone,
    attendees: meeting.attendees as unknown as Attendee[],
    meeting_url: meeting.meeting_url,
    meeting_tool: meeting.meeting_tool as MeetingTool,
    status,
    status_text: MEETING_STATUSES[status],
    calendar_provider: meeting.calendar_provider as CalendarProvider | null,
    calendar_event_id: meeting.calendar_event_id,
    calendar_booking: calendarBookingOf(meeting),
    has_transcript: meeting.transcript !== null,
    summary: meeting.summary as MeetingSummary | null,
    created_at: meeting.created_at.toISOString(),
    updated_at: meeting.updated_at.toISOString(),
  };
}

export type MeetingView = ReturnType<typeof presentMeeting>;

export interface MeetingSummary {
  detail: 'brief' | 'detailed';
  text: string;
  generator: 'llm' | 'offline';
  model: string;
  generated_at: string;
}

const invalid = (path: string, message: string) => new ApiError('validation_error', `${path}: ${message}`, { details: [{ path, message }] });

/** The lead, contact and company a meeting is with must be the organization's (422 naming the one that is not). */
async function assertLinksOfOrg(db: Database, orgId: number, links: Pick<MeetingInput, 'lead_id' | 'contact_id' | 'company_id'>) {
  const checks = [
    ['lead_id', links.lead_id, (id: number) => db.prisma.lead.count({ where: { id, org_id: orgId } })],
    ['contact_id', links.contact_id, (id: number) => db.prisma.contact.count({ where: { id, org_id: orgId } })],
    ['company_id', links.company_id, (id: number) => db.prisma.company.count({ where: { id, org_id: orgId } })],
  ] as const;
  for (const [field, id, count] of checks) {
    if (typeof id === 'number' && (await count(id)) === 0) throw invalid(field, `${field.replace('_id', '')} ${id} does not exist`);
  }
}

const calendarEvent = (orgId: number, payload: OutboxPayloads['meeting.calendar']) => ({ org_id: orgId, kind: 'meeting.calendar', payload });

export async function listMeetings(db: Database, scope: { orgId: number }, params: ListParams<(typeof MEETING_SORTABLE_FIELDS)[number]> & MeetingFilters) {
  const where: Prisma.MeetingWhereInput = {
    org_id: scope.orgId,
    lead_id: params.lead_id,
    contact_id: params.contact_id,
    company_id: params.company_id,
    status: params.status,
    start_time: dateRangeFilter(params.from, params.to),
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { title: containsText(params.search_value) }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.meeting.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.meeting.count({ where }),
  ]);
  return paged(rows.map(presentMeeting), total, params);
}

export async function getMeeting(db: Database, scope: { orgId: number }, id: number): Promise<MeetingView> {
  const meeting = await db.prisma.meeting.findFirst({ where: { id, org_id: scope.orgId } });
  if (!meeting) throw notFound('Meeting');
  return presentMeeting(meeting);
}

/**
 * A new meeting, owned by the caller. With a provider calendar the booking is
 * queued in the same transaction (calendar_booking pending until the workflow
 * stored the event id); with the sandbox calendar the meeting is the event.
 */
export async function createMeeting(
  db: Database,
  scope: { orgId: number; userId: number | null },
  input: MeetingInput,
  options: { sandboxCalendar: boolean },
): Promise<MeetingView> {
  if (scope.userId === null) throw new ApiError('forbidden', 'A meeting belongs to a user: call with a user token, not an API key', { code: 'user_required' });
  if (input.end_time <= input.start_time) throw invalid('end_time', 'must be after start_time');
  if (input.calendar_provider === 'sandbox' && !options.sandboxCalendar) {
    throw invalid('calendar_provider', 'the sandbox calendar is not enabled on this server (SANDBOX_CONNECTORS)');
  }
  await assertLinksOfOrg(db, scope.orgId, input);
  const userId = scope.userId;
  if (input.calendar_provider === 'google' || input.calendar_provider === 'outlook') {
    const mailer = input.calendar_provider === 'google' ? 'gmail' : 'outlook';
    const connected = await db.prisma.mailConfiguration.count({ where: { org_id: scope.orgId, user_id: userId, mailer, state_id: 1 } });
    if (connected === 0) {
      throw new ApiError('validation_error', `calendar_provider: no ${mailer} mail configuration is connected for you: add one to book in the ${input.calendar_provider} calendar`, {
        code: 'calendar_not_connected',
      });
    }
  }
  const { calendar_provider: provider, attendees, ...fields } = input;
  const meeting = await transaction(db.prisma, { actorId: userId }, async (tx) => {
    await lockUserTimeIn(tx, userId);
    const created = await tx.meeting.create({
      data: { ...fields, attendees: (attendees ?? []) as unknown as Prisma.InputJsonValue, org_id: scope.orgId, user_id: userId, calendar_provider: provider ?? null },
    });
    if (provider === 'sandbox') {
      return tx.meeting.update({ where: { id: created.id }, data: { calendar_event_id: `sandbox-${created.id}` } });
    }
    if (provider) await tx.outboxEvent.create({ data: calendarEvent(scope.orgId, { meetingId: created.id }) });
    return created;
  });
  return presentMeeting(meeting);
}

/**
 * Serialises, for the rest of the transaction, every write that puts a
 * meeting into one user's time: a public booking checks under it that the
 * rep is free (domain/booking), so a meeting created or moved by hand at the
 * same instant is either seen by that check or written after the booking.
 */
// (selected FROM the call: Prisma cannot read the function's void result)
const USER_TIME_LOCK = `SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended('user_time:' || $1::int, 0))`;
export const lockUserTime = (client: pg.PoolClient, userId: number) => client.query(USER_TIME_LOCK, [userId]);
const lockUserTimeIn = (tx: Prisma.TransactionClient, userId: number) => tx.$queryRawUnsafe(USER_TIME_LOCK, userId);

const sameInstant = (a: Date | undefined, b: Date) => a === undefined || a.getTime() === b.getTime();

/**
 * One scoped write. A new start or end time makes the meeting Rescheduled
 * unless the same update sets a status; a meeting booked in a provider
 * calendar queues the calendar workflow whenever what the event shows
 * changed (it moves, updates or, for a cancelled meeting, removes the event).
 */
export async function updateMeeting(db: Database, scope: { orgId: number; userId: number | null }, id: number, patch: MeetingPatch): Promise<MeetingView> {
  const current = await db.prisma.meeting.findFirst({ where: { id, org_id: scope.orgId } });
  if (!current) throw notFound('Meeting');
  const start = patch.start_time ?? current.start_time;
  const end = patch.end_time ?? current.end_time;
  if (end <= start) throw invalid('end_time', 'must be after start_time');
  await assertLinksOfOrg(db, scope.orgId, patch);
  const moved = !sameInstant(patch.start_time, current.start_time) || !sameInstant(patch.end_time, current.end_time);
  const status = patch.status ?? (moved ? MEETING_RESCHEDULED : undefined);
  const { attendees, ...fields } = patch;
  const eventChanged =
    moved ||
    (['title', 'description', 'location', 'timezone', 'attendees', 'meeting_url', 'status'] as const).some((field) => patch[field] !== undefined);
  const meeting = await transaction(db.prisma, { actorId: scope.userId }, async (tx) => {
    if (moved) await lockUserTimeIn(tx, current.user_id);
    const [updated] = await tx.meeting.updateManyAndReturn({
      where: { id, org_id: scope.orgId },
      data: {
        ...fields,
        ...(attendees !== undefined && { attendees: attendees as unknown as Prisma.InputJsonValue }),
        ...(status !== undefined && { status }),
        updated_at: new Date(),
      },
    });
    if (!updated) throw notFound('Meeting');
    if (eventChanged && updated.calendar_provider !== null && updated.calendar_provider !== 'sandbox') {
      await tx.outboxEvent.create({ data: calendarEvent(scope.orgId, { meetingId: id }) });
    }
    return updated;
  });
  return presentMeeting(meeting);
}

// ---- meetings written inside a caller's raw-SQL transaction ----
// A public booking commits its meeting together with the booking, the lead's
// signal and the confirmation mail (domain/booking): these write the meeting
// and its calendar event on the caller's connection, under the same rules as
// createMeeting and updateMeeting (a provider calendar queues the calendar
// workflow in the same transaction; the sandbox calendar is the event).

/** The meeting.calendar event of the `meeting` CTE's row ({ meetingId } only: `removed` is for a deleted meeting, and optional, not null). */
const CALENDAR_OUTBOX_OF_MEETING = `INSERT INTO outbox_events (org_id, kind, payload) SELECT org_id, 'meeting.calendar', jsonb_build_object('meetingId', id) FROM meeting`;

/** A new meeting of `userId`, on the caller's transaction; the links (lead) must already be known to be the organization's. */
export async function insertMeetingIn(client: pg.PoolClient, scope: { orgId: number; userId: number }, input: MeetingInput): Promise<MeetingView> {
  if (input.end_time <= input.start_time) throw invalid('end_time', 'must be after start_time');
  const provider = input.calendar_provider ?? null;
  const withOutbox = provider === 'google' || provider === 'outlook';
  const { rows } = await client.query<MeetingRow>(
    `WITH meeting AS (
       INSERT INTO meetings (org_id, user_id, lead_id, contact_id, company_id, title, description, location, start_time, end_time, timezone,
                             attendees, meeting_url, meeting_tool, calendar_provider, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, now())
       RETURNING *
     )${withOutbox ? `, outbox AS (${CALENDAR_OUTBOX_OF_MEETING})` : ''}
     SELECT * FROM meeting`,
    [
      scope.orgId,
      scope.userId,
      input.lead_id ?? null,
      input.contact_id ?? null,
      input.company_id ?? null,
      input.title,
      input.description ?? null,
      input.location ?? null,
      input.start_time,
      input.end_time,
      input.timezone ?? 'UTC',
      JSON.stringify(input.attendees ?? []),
      input.meeting_url ?? null,
      input.meeting_tool ?? 'none',
      provider,
    ],
  );
  let meeting = rows[0]!;
  if (provider === 'sandbox') {
    const booked = await client.query<MeetingRow>(`UPDATE meetings SET calendar_event_id = 'sandbox-' || id WHERE id = $1 RETURNING *`, [meeting.id]);
    meeting = booked.rows[0]!;
  }
  return presentMeeting(meeting);
}

/**
 * Moves or cancels a meeting on the caller's transaction: a new time makes it
 * Rescheduled unless `status` is given; its provider event follows through
 * the calendar workflow. Null when the organization has no such meeting.
 */
export async function changeMeetingIn(
  client: pg.PoolClient,
  orgId: number,
  id: number,
  change: { start_time?: Date; end_time?: Date; status?: MeetingStatus },
): Promise<MeetingView | null> {
  const status = change.status ?? (change.start_time || change.end_time ? MEETING_RESCHEDULED : null);
  const { rows } = await client.query<MeetingRow>(
    `WITH meeting AS (
       UPDATE meetings SET start_time = coalesce($3, start_time), end_time = coalesce($4, end_time), status = coalesce($5, status), updated_at = now()
        WHERE id = $2 AND org_id = $1
        RETURNING *
     ), outbox AS (
       ${CALENDAR_OUTBOX_OF_MEETING} WHERE calendar_provider IN ('google', 'outlook')
     )
     SELECT * FROM meeting`,
    [orgId, id, change.start_time ?? null, change.end_time ?? null, status],
  );
  return rows[0] ? presentMeeting(rows[0]) : null;
}

/** Deletes the meeting; its provider event (when booked) is removed by the calendar workflow, told the event's id since the row is gone. */
export async function deleteMeeting(db: Database, scope: { orgId: number; userId: number | null }, id: number): Promise<void> {
  await transaction(db.prisma, { actorId: scope.userId }, async (tx) => {
    // one scoped statement that also answers where the meeting was booked (Prisma has no deleteManyAndReturn)
    const [deleted] = await tx.$queryRaw<{ user_id: number; calendar_provider: string | null; calendar_event_id: string | null }[]>`
      DELETE FROM meetings WHERE id = ${id} AND org_id = ${scope.orgId} RETURNING user_id, calendar_provider, calendar_event_id`;
    if (!deleted) throw notFound('Meeting');
    if (deleted.calendar_provider !== null && deleted.calendar_provider !== 'sandbox') {
      await tx.outboxEvent.create({
        data: calendarEvent(scope.orgId, {
          meetingId: id,
          removed: { userId: deleted.user_id, provider: deleted.calendar_provider, calendarEventId: deleted.calendar_event_id },
        }),
      });
    }
  });
}

export async function meetingTranscript(db: Database, scope: { orgId: number }, id: number) {
  const meeting = await db.prisma.meeting.findFirst({ where: { id, org_id: scope.orgId }, select: { id: true, transcript: true, updated_at: true } });
  if (!meeting) throw notFound('Meeting');
  if (meeting.transcript === null) {
    throw new ApiError('not_found', 'This meeting has no transcript yet: set one with POST /api/meeting/update/{id}', { code: 'transcript_not_found' });
  }
  return { meeting_id: meeting.id, transcript: meeting.transcript, updated_at: meeting.updated_at.toISOString() };
}

/** What writes a summary: the LLM connector (services.llm) as the domain sees it. */
export interface TextGenerator {
  complete(request: { system: string; prompt: string; maxTokens?: number }): Promise<{ text: string; generator: 'llm' | 'offline'; model: string }>;
}

const SUMMARY_FEATURES: Record<MeetingSummary['detail'], AiFeatureName> = {
  brief: 'meeting_summary_brief',
  detailed: 'meeting_summary_detailed',
};

const SUMMARY_INSTRUCTIONS: Record<MeetingSummary['detail'], { system: string; maxTokens: number }> = {
  brief: { system: 'You summarise sales meetings in at most five sentences: who met, what was discussed, what was agreed.', maxTokens: 300 },
  detailed: {
    system:
      'You summarise sales meetings in detail: the participants, the topics discussed, objections and answers, decisions, ' +
      'and a list of action items with their owners and dates where the transcript names them.',
    maxTokens: 1200,
  },
};

/**
 * Summarises the meeting's transcript (or, without one, its description as
 * notes). The organization must be able to pay before the model is called
 * (422 insufficient_credits, no model call); the summary is stored and the
 * credits debited in one transaction. The debit's key is the meeting, the
 * detail and the text summarised: a repeated request for the same summary of
 * the same text (a client retrying after a timeout) is not charged twice.
 */
export async function generateMeetingSummary(
  db: Database,
  generator: TextGenerator,
  scope: { orgId: number; userId: number | null },
  id: number,
  detail: MeetingSummary['detail'],
): Promise<MeetingSummary> {
  const meeting = await db.prisma.meeting.findFirst({
    where: { id, org_id: scope.orgId },
    select: { title: true, transcript: true, description: true, start_time: true },
  });
  if (!meeting) throw notFound('Meeting');
  const material = meeting.transcript ?? meeting.description;
  if (!material?.trim()) {
    throw new ApiError('validation_error', 'The meeting has neither a transcript nor notes (description) to summarise', { code: 'nothing_to_summarise' });
  }
  const feature = SUMMARY_FEATURES[detail];
  await assertCredits(db, scope.orgId, feature);
  const instructions = SUMMARY_INSTRUCTIONS[detail];
  const answer = await generator
    .complete({
      system: instructions.system,
      prompt: `Meeting "${meeting.title}" on ${meeting.start_time.toISOString()}.\n\n${meeting.transcript ? 'Transcript' : 'Notes'}:\n${material}`,
      maxTokens: instructions.maxTokens,
    })
    .catch((err: unknown) => {
      // the connector's message names the status or failure, never the model's answer
      throw apiErrorOf(LANGUAGE_MODEL, err);
    });
  const summary: MeetingSummary = { detail, text: answer.text, generator: answer.generator, model: answer.model, generated_at: new Date().toISOString() };
  const materialHash = createHash('sha256').update(material).digest('hex').slice(0, 32);
  // raw SQL: debitCredits posts on the connection of a pg transaction, and the summary must commit with it
  await transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const stored = await client.query('UPDATE meetings SET summary = $3::jsonb, updated_at = now() WHERE id = $1 AND org_id = $2', [id, scope.orgId, JSON.stringify(summary)]);
    if (stored.rowCount === 0) throw notFound('Meeting');
    await debitCredits(client, {
      orgId: scope.orgId,
      userId: scope.userId,
      feature,
      idempotencyKey: `meeting:${id}:${materialHash}`,
      reference: { meeting_id: id },
    });
  });
  return summary;
}

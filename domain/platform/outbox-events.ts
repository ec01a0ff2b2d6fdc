// Every kind of outbox event and its payload, in one place: the services
// that write events (leads, follow-ups, jobs) build their INSERT with
// outboxInsert, which is typed by this table, and the relay
// (worker/outbox-relay.ts) reads each payload back through its schema and
// must name a delivery for every kind. Payloads are kept small (ids): the
// relay's deliveries are idempotent and look up what they need. A kind is
// never renamed and a payload only gains optional fields, since rows written
// by an older API may still wait in the table during a rolling deploy.
import { z } from 'zod';

/** What a job can be asked to do through its workflow. */
export const JOB_CONTROL_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type JobControlAction = (typeof JOB_CONTROL_ACTIONS)[number];

const id = z.number().int();

/** kind -> payload: the one definition of what each event carries. */
export interface OutboxPayloads {
  /** score the lead (again) */
  'lead.score': { leadId: number };
  /** remind of the follow-up when it is due */
  'follow_up.due': { followUpId: number };
  /** start the job's workflow */
  'job.start': { jobId: number; type: string };
  /** steer the job's workflow; `seq` numbers the job's controls (none in events written before they were numbered) */
  'job.control': { jobId: number; type: string; action: JobControlAction; seq?: number };
  /** start the AI agent call's workflow (voice) */
  'call.start': { callId: number };
  /** the call's status changed (a provider callback was applied): wake its workflow */
  'call.status': { callId: number };
  /** announce an event (hot_lead | deal_won | import_finished | follow_up_due | intent_alert) of a lead, deal, job, follow-up or intent alert to the channels routed for it */
  'notification.announce': { eventType: string; subjectId: number };
  /** deliver one recorded outbound message (a test notification); the id of its outbound_messages row */
  'notification.deliver': { messageId: string };
  /** send one recorded mail (§6.11 send/reply); the id of its outbound_messages row */
  'mail.send': { messageId: string };
  /** the outreach sequence's steps, or its contact's stop conditions (reply, meeting, unsubscribe), changed: wake its workflow to read them again */
  'outreach.changed': { jobId: number };
  /** bring the meeting's provider calendar event in line with the meeting; `removed`: the meeting was deleted, remove its event */
  'meeting.calendar': { meetingId: number; removed?: { userId: number; provider: string; calendarEventId: string | null } };
  /** recompute the target account's health (written by the engagement triggers, prisma/migrations/20261206110000_account_health_triggers) */
  'account_health.refresh': { targetAccountId: number };
  /** make the hosted web form submission's lead (domain/webforms/submission.service.ts): the retry of a submission whose lead was not made yet */
  'web_form.submission': { submissionId: number };
  /** bring the organization's ABM automation Temporal Schedule in line with its stored settings (worker/schedules.ts) */
  'abm_schedule.sync': Record<string, never>;
  /** bring the organization's daily forecast Temporal Schedule in line with its forecast_settings row (worker/schedules.ts) */
  'forecast_schedule.sync': Record<string, never>;
  /** create the organization's weekly scoring-train Temporal Schedule (worker/schedules.ts), asked with its first scoring_train job */
  'scoring_schedule.sync': Record<string, never>;
}

export type OutboxKind = keyof OutboxPayloads;

const PAYLOAD_SCHEMAS: { [K in OutboxKind]: z.ZodType<OutboxPayloads[K]> } = {
  'lead.score': z.object({ leadId: id }),
  'follow_up.due': z.object({ followUpId: id }),
  'job.start': z.object({ jobId: id, type: z.string() }),
  'job.control': z.object({ jobId: id, type: z.string(), action: z.enum(JOB_CONTROL_ACTIONS), seq: id.optional() }),
  'call.start': z.object({ callId: id }),
  'call.status': z.object({ callId: id }),
  'notification.announce': z.object({ eventType: z.string(), subjectId: id }),
  'notification.deliver': z.object({ messageId: z.string().regex(/^\d+$/) }),
  'mail.send': z.object({ messageId: z.string().regex(/^\d+$/) }),
  'outreach.changed': z.object({ jobId: id }),
  'meeting.calendar': z.object({
    meetingId: id,
    removed: z.object({ userId: id, provider: z.string(), calendarEventId: z.string().nullable() }).optional(),
  }),
  'account_health.refresh': z.object({ targetAccountId: id }),
  'web_form.submission': z.object({ submissionId: id }),
  'abm_schedule.sync': z.object({}).strict() as z.ZodType<Record<string, never>>,
  'forecast_schedule.sync': z.object({}).strict() as z.ZodType<Record<string, never>>,
  'scoring_schedule.sync': z.object({}).strict() as z.ZodType<Record<string, never>>,
};

export const isOutboxKind = (kind: string): kind is OutboxKind => Object.hasOwn(PAYLOAD_SCHEMAS, kind);

/** A stored payload read back as its kind's type; throws (naming what is wrong) when it does not fit. */
export const parseOutboxPayload = <K extends OutboxKind>(kind: K, payload: unknown): OutboxPayloads[K] => PAYLOAD_SCHEMAS[kind].parse(payload);

/**
 * SQL: whether the organization (an SQL expression) routes announcements of
 * `eventType` to any channel (notification_routes). The services where
 * events happen write a 'notification.announce' event only then, so a bulk
 * change (an import scoring thousands of hot leads) starts no workflow for an
 * organization that listens to nothing.
 */
export const announcementRouted = (orgId: string, eventType: 'hot_lead' | 'deal_won' | 'import_finished' | 'follow_up_due' | 'intent_alert') =>
  `EXISTS (SELECT 1 FROM notification_routes nr WHERE nr.org_id = ${orgId} AND nr.event_type = '${eventType}')`;

/**
 * The SQL that writes one outbox event per row of `from` (a CTE or table of
 * the same statement, so the event and the change commit together): `orgId`
 * and each payload field are SQL expressions over that row. Every field of
 * the kind's payload must be given.
 */
export function outboxInsert<K extends OutboxKind>(event: {
  kind: K;
  orgId: string;
  payload: { [F in keyof OutboxPayloads[K]]-?: string };
  from: string;
}): string {
  const fields = Object.entries(event.payload as Record<string, string>).map(([field, expression]) => `'${field}', ${expression}`);
  return `INSERT INTO outbox_events (org_id, kind, payload)
       SELECT ${event.orgId}, '${event.kind}', jsonb_build_object(${fields.join(', ')}) FROM ${event.from}`;
}

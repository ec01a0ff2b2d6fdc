// Notifications (§6.15): messages for one user, always read and marked
// through that user's scope. Types 1 (lead_assigned) and 3
// (deal_stage_changed) are written by database triggers in the statement
// that makes the change (migration *_activity_feed); type 2 by the
// follow-up-due workflow when a follow-up falls due; type 4 by the import job
// when it ends. Every writer notifies only current members of the
// organization the event belongs to.
import { Prisma, type Notification } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { announcementRouted, outboxInsert } from '../platform/outbox-events.js';
import type { SqlClient } from '../platform/transaction.js';
import { anyFieldContains, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';
import { FOLLOW_UP_PENDING } from '../leads/lead-activity.service.js';

export const NOTIFICATION_TYPES = {
  lead_assigned: 1,
  follow_up_due: 2,
  deal_stage_changed: 3,
  import_finished: 4,
  hot_lead: 5,
} as const;
export type NotificationType = keyof typeof NOTIFICATION_TYPES;

export const NOTIFICATION_TYPE_IDS: readonly number[] = Object.values(NOTIFICATION_TYPES);

const TYPE_NAMES = new Map(Object.entries(NOTIFICATION_TYPES).map(([name, id]) => [id as number, name as NotificationType]));

export const NOTIFICATION_SORTABLE_FIELDS = ['id', 'created_at'] as const;

export interface NotificationFilters {
  is_read?: boolean;
  type_id?: number[];
}

/** Notifications belong to a user: an API key, which acts for no user, has none. */
function recipientOf(scope: Pick<Scope, 'orgId' | 'userId'>) {
  if (scope.userId === null) throw new ApiError('forbidden', 'Notifications need a user token, not an API key');
  return { org_id: scope.orgId, user_id: scope.userId };
}

export function presentNotification(notification: Notification) {
  return {
    id: notification.id,
    type_id: notification.type_id,
    type: TYPE_NAMES.get(notification.type_id) ?? null,
    title: notification.title,
    message: notification.message,
    data: notification.data as Record<string, unknown>,
    is_read: notification.is_read,
    read_at: notification.read_at?.toISOString() ?? null,
    created_at: notification.created_at.toISOString(),
  };
}

/**
 * The caller's notifications matching the filters (search_value: in the
 * title or message), and `unread`: how many of all the caller's
 * notifications are unread, whatever the filters (the badge count).
 */
export async function listNotifications(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  params: ListParams<(typeof NOTIFICATION_SORTABLE_FIELDS)[number]>,
  filters: NotificationFilters,
) {
  const recipient = recipientOf(scope);
  const where: Prisma.NotificationWhereInput = {
    ...recipient,
    is_read: filters.is_read,
    ...(filters.type_id && { type_id: { in: filters.type_id } }),
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && anyFieldContains(['title', 'message'], params.search_value)),
  };
  const [rows, total, unread] = await Promise.all([
    db.prisma.notification.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.notification.count({ where }),
    db.prisma.notification.count({ where: { ...recipient, is_read: false } }),
  ]);
  return { ...paged(rows.map(presentNotification), total, params), unread };
}

/** The caller's notifications among `ids`, or all of them; other users' ids are ignored. */
export type ReadTarget = { ids: number[] } | { all: true };

/** Marks the caller's unread notifications of `target` read; answers how many it marked. */
export async function markNotificationsRead(db: Database, scope: Pick<Scope, 'orgId' | 'userId'>, target: ReadTarget): Promise<number> {
  const { count } = await db.prisma.notification.updateMany({
    where: { ...recipientOf(scope), is_read: false, ...('ids' in target && { id: { in: target.ids } }) },
    data: { is_read: true, read_at: new Date() },
  });
  return count;
}

/** What remindOfFollowUpIfDue did: notified, or why not. */
export type FollowUpReminder =
  | { outcome: 'notified'; recipients: number }
  | { outcome: 'not_due'; due_at: string }
  | { outcome: 'not_pending' | 'follow_up_not_found' };

/**
 * If the follow-up is still pending and due as of `asOf` (the caller's
 * clock: the reminder workflow's), notifies its creator and its lead's
 * assignee, each once; otherwise answers why not, and when it is due if it
 * is not yet. One statement, so the follow-up is judged and the notifications
 * written from one snapshot. A follow-up is reminded of once per date: a
 * retried call notifies nobody again. The call that notifies also writes the
 * follow_up_due announcement (Slack/Teams, through the outbox) in the same
 * statement, so a retry announces nothing again either.
 */
export async function remindOfFollowUpIfDue(
  db: Database,
  { orgId, followUpId, asOf }: { orgId: number; followUpId: number; asOf: Date },
): Promise<FollowUpReminder> {
  const [followUp] = await db.prisma.$queryRaw<{ status: number; due_at: string; due: boolean; recipients: number }[]>`
    WITH follow_up AS (
      -- the date as ISO 8601 in UTC, as the API writes dates (whatever the session's time zone)
      SELECT f.*, to_char(f.follow_up_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS due_at,
             f.status = ${FOLLOW_UP_PENDING} AND f.follow_up_date <= ${asOf} AS due
        FROM follow_ups f
       WHERE f.id = ${followUpId} AND f.org_id = ${orgId}
    ), notified AS (
      INSERT INTO notifications (org_id, user_id, type_id, title, message, data)
      SELECT f.org_id, u.id, ${NOTIFICATION_TYPES.follow_up_due}, 'Follow-up due',
             format('Your follow-up with %s is due', COALESCE(NULLIF(concat_ws(' ', l.first_name, l.last_name), ''), l.email, 'Lead #' || l.id)),
             jsonb_build_object('model_type', 'lead', 'model_id', l.id, 'lead_id', l.id, 'follow_up_id', f.id, 'follow_up_date', f.due_at)
        FROM follow_up f
        JOIN leads l ON l.id = f.lead_id AND l.org_id = f.org_id
        JOIN users u ON u.org_id = f.org_id AND u.deleted_at IS NULL AND u.id IN (f.created_by, l.assigned_to)
       WHERE f.due
         AND NOT EXISTS (
           SELECT 1 FROM notifications n
            WHERE n.org_id = f.org_id AND n.type_id = ${NOTIFICATION_TYPES.follow_up_due}
              AND n.data @> jsonb_build_object('follow_up_id', f.id, 'follow_up_date', f.due_at))
      RETURNING 1
    ), announced AS (
      ${Prisma.raw(
        outboxInsert({
          kind: 'notification.announce',
          orgId: 'f.org_id',
          payload: { eventType: `'follow_up_due'::text`, subjectId: 'f.id' },
          from: `follow_up f WHERE f.due AND EXISTS (SELECT 1 FROM notified) AND ${announcementRouted('f.org_id', 'follow_up_due')}`,
        }),
      )}
    )
    SELECT status, due_at, due, (SELECT count(*)::int FROM notified) AS recipients FROM follow_up`;
  if (!followUp) return { outcome: 'follow_up_not_found' };
  if (followUp.status !== FOLLOW_UP_PENDING) return { outcome: 'not_pending' };
  if (!followUp.due) return { outcome: 'not_due', due_at: followUp.due_at };
  return { outcome: 'notified', recipients: followUp.recipients };
}

export interface ImportFinished {
  orgId: number;
  /** who started the import */
  userId: number;
  jobId: number;
  /** counts by outcome, e.g. { created: 120, updated: 4, failed: 2 } */
  summary: Record<string, number>;
}

/**
 * Tells the user who started an import that it ended, with its counts. One
 * notification per job: a retried call (an activity retry) adds none.
 * Answers whether it notified; a user no longer in the organization is not.
 */
export async function notifyImportFinished(db: Database, { orgId, userId, jobId, summary }: ImportFinished): Promise<boolean> {
  const counts = Object.entries(summary).map(([outcome, count]) => `${count} ${outcome}`);
  const message = `Import ${jobId} finished${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`;
  const data = { model_type: 'import_job', model_id: jobId, job_id: jobId, summary };
  const inserted = await db.prisma.$executeRaw`
    INSERT INTO notifications (org_id, user_id, type_id, title, message, data)
    SELECT u.org_id, u.id, ${NOTIFICATION_TYPES.import_finished}, 'Import finished', ${message}, ${JSON.stringify(data)}::jsonb
      FROM users u
     WHERE u.id = ${userId} AND u.org_id = ${orgId} AND u.deleted_at IS NULL
       AND NOT EXISTS (
         SELECT 1 FROM notifications n
          WHERE n.org_id = u.org_id AND n.type_id = ${NOTIFICATION_TYPES.import_finished}
            AND n.data @> jsonb_build_object('job_id', ${jobId}::int))`;
  return inserted === 1;
}

/**
 * Tells a lead's assigned rep that the lead became hot (an intent alert,
 * domain/engagement/hot-leads.ts), in the transaction that raised the alert:
 * one notification per alert. A user no longer in the organization is not notified.
 */
export async function insertHotLeadNotification(
  client: SqlClient,
  alert: { orgId: number; userId: number; leadId: number; alertId: number; heat: number; signalTypes: string[] },
): Promise<void> {
  const data = { model_type: 'lead', model_id: alert.leadId, alert_id: alert.alertId, heat: alert.heat, signal_types: alert.signalTypes };
  await client.query(
    `INSERT INTO notifications (org_id, user_id, type_id, title, message, data)
     SELECT u.org_id, u.id, $3, 'Hot lead', 'Lead ' || coalesce(nullif(trim(concat_ws(' ', l.first_name, l.last_name)), ''), '#' || l.id) || ' is hot: ' || $4, $5::jsonb
       FROM users u JOIN leads l ON l.id = $6 AND l.org_id = u.org_id
      WHERE u.id = $2 AND u.org_id = $1 AND u.deleted_at IS NULL`,
    [alert.orgId, alert.userId, NOTIFICATION_TYPES.hot_lead, alert.signalTypes.join(', '), JSON.stringify(data), alert.leadId],
  );
}

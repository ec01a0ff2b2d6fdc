// The organization's weekly training schedule (Temporal Schedule
// `scoring-train:<org public id>`, a kind of worker/schedules.ts): Sundays
// 03:00 in the organization's time zone, each run recording a scoring_train
// job. It is requested with an organization's first scoring_train job: an
// admin's request, or the worker's maintenance round finding an organization
// with a closed deal (an outcome to learn from) and no training yet
// (ensureScoringSchedules) — the job is what marks the organization as done,
// so the schedule is asked for once.
import type pg from 'pg';
import { jobOfTypeExists } from '../jobs/job.service.js';
import type { Database } from '../platform/db.js';
import { outboxInsert } from '../platform/outbox-events.js';

export const scoringScheduleId = (orgPublicId: string) => `scoring-train:${orgPublicId}`;

/** Sunday 03:00 local time: the week's closed deals are in, and nobody is working. */
export const SCORING_TRAIN_CRON = '0 3 * * 0';

/** What the schedule sync reads: the weekly cron in the organization's zone. */
export async function scoringScheduleState(db: Database, orgId: number) {
  const { rows } = await db.pool.query<{ public_id: string; timezone: string }>('SELECT public_id, timezone FROM organizations WHERE id = $1', [orgId]);
  const org = rows[0]!;
  return { orgPublicId: org.public_id, schedule: { cron: SCORING_TRAIN_CRON, timezone: org.timezone, paused: false } };
}

/**
 * In the transaction recording a scoring_train job (before it): when the
 * organization has never had one, the sync event that creates its schedule.
 * Whichever comes first — an admin's request or the worker noticing the
 * first closed deal — asks for the schedule, once.
 */
export async function requestScheduleIfFirstTraining(client: pg.PoolClient, orgId: number): Promise<void> {
  await client.query(
    `${outboxInsert({ kind: 'scoring_schedule.sync', orgId: '$1::int', payload: {}, from: `(SELECT 1) AS one WHERE NOT ${jobOfTypeExists('$1::int', 'scoring_train')}` })}`,
    [orgId],
  );
}

// Temporal Schedules kept in line with the database: one per organization
// that scheduled ABM automation (domain/engagement/abm-automation.service.ts).
// The relay's abm_schedule.sync delivery calls syncAbmSchedule, which reads
// the stored settings (not the event: the latest save wins, whatever order
// events arrive in) and creates, updates, pauses, unpauses or deletes the
// schedule to match. Idempotent: syncing twice changes nothing the second
// time but the schedule's update count.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { abmScheduleId, abmScheduleState } from '../domain/engagement/abm-automation.service.js';
import type { Database } from '../domain/platform/db.js';
import { abmAutomationWorkflow } from '../workflows/abm-automation.workflow.js';
import { LIO_SEARCH_ATTRIBUTES } from './temporal-connection.js';

export interface ScheduleSyncDeps {
  database: Database;
  client: Client;
  taskQueue: string;
}

export type AbmScheduleSync = 'created' | 'updated' | 'deleted' | 'absent';

const notFound = (err: unknown) => err instanceof ScheduleNotFoundError;

export async function syncAbmSchedule({ database, client, taskQueue }: ScheduleSyncDeps, orgId: number): Promise<AbmScheduleSync> {
  const { orgPublicId, schedule } = await abmScheduleState(database, orgId);
  const scheduleId = abmScheduleId(orgPublicId);
  const handle = client.schedule.getHandle(scheduleId);
  if (!schedule) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (notFound(err)) return 'absent';
      throw err;
    }
  }
  const orgAttribute = [{ key: LIO_SEARCH_ATTRIBUTES.orgId, value: orgPublicId }];
  const spec = { cronExpressions: [schedule.cron], timezone: schedule.timezone };
  const action: ScheduleOptionsStartWorkflowAction<typeof abmAutomationWorkflow> = {
    type: 'startWorkflow',
    workflowType: abmAutomationWorkflow,
    args: [{ orgId }],
    taskQueue,
    // Temporal appends each run's scheduled time to this id
    workflowId: scheduleId,
    typedSearchAttributes: orgAttribute,
  };
  const state = { paused: schedule.paused, note: schedule.paused ? 'paused by the organization' : '' };
  // a run still going when the next is due is not doubled; a run missed while the server was down is caught up within the hour
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' };
  try {
    await handle.describe();
  } catch (err) {
    if (!notFound(err)) throw err;
    try {
      await client.schedule.create({ scheduleId, spec, action, policies, state, memo: { orgPublicId }, typedSearchAttributes: orgAttribute });
      return 'created';
    } catch (createErr) {
      // another relay created it meanwhile: bring it in line below
      if (!(createErr instanceof ScheduleAlreadyRunning)) throw createErr;
    }
  }
  await handle.update((previous) => ({ ...previous, spec, action, policies: { ...previous.policies, ...policies }, state }));
  return 'updated';
}

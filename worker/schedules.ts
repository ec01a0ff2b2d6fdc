// Temporal Schedules kept in line with the database: per organization, one
// schedule of each kind below (ABM automation, daily forecast, ...). A kind
// says what its schedule is called, what is stored for it now (cron, zone,
// paused — or nothing: the organization has no such schedule) and what each
// run starts. An outbox event of the kind (e.g. abm_schedule.sync) calls
// syncOrgSchedule, which reads the stored state (not the event: the latest
// save wins, whatever order events arrive in) and creates, updates, pauses,
// unpauses or deletes the schedule to match — so a change made by hand in
// the Temporal UI (a pause) lasts until the next sync, where the stored state
// wins. Idempotent: syncing twice changes nothing the second time but the
// schedule's update count.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { abmScheduleId, abmScheduleState } from '../domain/engagement/abm-automation.service.js';
import { forecastScheduleId, forecastScheduleState } from '../domain/forecasting/forecast-settings.js';
import type { Database } from '../domain/platform/db.js';
import { abmAutomationWorkflow } from '../workflows/abm-automation.workflow.js';
import { forecastScheduleWorkflow } from '../workflows/forecast-run.workflow.js';
import { scoringScheduleId, scoringScheduleState } from '../domain/scoring/scoring-schedule.js';
import { scheduledScoringTrainWorkflow } from '../workflows/scoring-train.workflow.js';
import { LIO_SEARCH_ATTRIBUTES } from './temporal-connection.js';

export interface ScheduleSyncDeps {
  database: Database;
  client: Client;
  taskQueue: string;
}

/** What is stored for an organization's schedule of one kind; `schedule: null` when it should not exist. */
export interface OrgScheduleState {
  orgPublicId: string;
  schedule: { cron: string; timezone: string; paused: boolean } | null;
}

/** One kind of per-organization schedule. */
export interface OrgScheduleKind<W extends Workflow = Workflow> {
  /** the schedule's id (also the prefix of its runs' workflow ids), from the organization's public id */
  scheduleId: (orgPublicId: string) => string;
  /** the state stored now */
  state: (database: Database, orgId: number) => Promise<OrgScheduleState>;
  /** the workflow each run starts */
  workflow: W;
  /** its arguments */
  args: (orgId: number) => Parameters<W>;
}

const kind = <W extends Workflow>(k: OrgScheduleKind<W>) => k as unknown as OrgScheduleKind;

/** Every per-organization schedule kind, by name (an outbox event `<name>_schedule.sync` or the like syncs it). */
export const ORG_SCHEDULE_KINDS = {
  abm: kind({ scheduleId: abmScheduleId, state: abmScheduleState, workflow: abmAutomationWorkflow, args: (orgId) => [{ orgId }] as const }),
  forecast: kind({ scheduleId: forecastScheduleId, state: forecastScheduleState, workflow: forecastScheduleWorkflow, args: (orgId) => [{ orgId }] as const }),
  scoring_train: kind({ scheduleId: scoringScheduleId, state: scoringScheduleState, workflow: scheduledScoringTrainWorkflow, args: (orgId) => [{ orgId }] as const }),
} satisfies Record<string, OrgScheduleKind>;

export type OrgScheduleKindName = keyof typeof ORG_SCHEDULE_KINDS;

export type OrgScheduleSync = 'created' | 'updated' | 'deleted' | 'absent';

const notFound = (err: unknown) => err instanceof ScheduleNotFoundError;

/** Brings the organization's schedule of this kind in line with its stored state. */
export async function syncOrgSchedule({ database, client, taskQueue }: ScheduleSyncDeps, kindName: OrgScheduleKindName, orgId: number): Promise<OrgScheduleSync> {
  const scheduleKind: OrgScheduleKind = ORG_SCHEDULE_KINDS[kindName];
  const { orgPublicId, schedule } = await scheduleKind.state(database, orgId);
  const scheduleId = scheduleKind.scheduleId(orgPublicId);
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
  const action: ScheduleOptionsStartWorkflowAction<Workflow> = {
    type: 'startWorkflow',
    workflowType: scheduleKind.workflow,
    args: scheduleKind.args(orgId),
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

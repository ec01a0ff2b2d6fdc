// Scheduled ABM automation end to end against the real Temporal dev server
// (the time-skipping test server has no Schedules): PUT /api/abm/automation
// → abm_schedule.sync outbox event → the relay creates the organization's
// Temporal Schedule abm-automation:<org public id> with the stored cron,
// zone and paused state (the same next run times the API answered); pausing
// and disabling follow; a triggered run refreshes the health of the active
// target accounts through their account-health workflows and wakes the
// running outreach sequences.
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LIO_SEARCH_ATTRIBUTES, type TemporalClient } from '../../worker/temporal-connection.js';
import type { TestApp } from '../helpers/app.js';
import { createScheduleTestSystem, type ScheduleTestSystem } from '../helpers/schedule-system.js';
import type { TestSystem } from '../helpers/system.js';
import { seedTargetAccount } from '../helpers/outreach-seed.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let schedules: ScheduleTestSystem;
let system: TestSystem;
let t: TestApp;
let temporal: TemporalClient;

beforeAll(async () => {
  schedules = await createScheduleTestSystem('abmauto');
  ({ system, temporal } = schedules);
  t = system.t;
});

afterAll(() => schedules?.close());

const put = (tenant: Tenant, body: unknown) => t.call('PUT', '/api/abm/automation', { token: tenant.token, body });

const scheduleWhen = (scheduleId: string, check: (d: ScheduleDescription) => void) => schedules.scheduleWhen(scheduleId, check);

describe('the organization\'s Temporal Schedule follows its ABM automation settings', () => {
  it('is created with the stored cron, zone and memo, pauses, runs on trigger, and is deleted when disabled', async () => {
    const tenant = await seedTenant(t);
    const scheduleId = `abm-automation:${tenant.orgPublicId}`;
    schedules.track(scheduleId);

    const saved = await put(tenant, { enabled: true, days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '09:00', timezone: 'Europe/Berlin' });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.data.schedule_id).toBe(scheduleId);
    const created = await scheduleWhen(scheduleId, () => undefined);
    expect(created.spec.timezone).toBe('Europe/Berlin');
    expect(created.state.paused).toBe(false);
    expect(created.memo).toEqual({ orgPublicId: tenant.orgPublicId });
    expect(created.typedSearchAttributes.get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);
    expect(created.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'abmAutomationWorkflow',
      workflowId: scheduleId,
      taskQueue: t.deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ orgId: tenant.orgId }],
    });
    // a description answers them as TypedSearchAttributes (a start takes pairs too)
    expect((created.action.typedSearchAttributes as TypedSearchAttributes).get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);
    // Temporal's own reading of the cron in the zone agrees with the runs the API computed
    expect(created.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString())).toEqual(saved.body.data.next_runs);

    // moved to Saturdays 18:45 in New York, paused: the same schedule, updated
    const paused = await put(tenant, { enabled: true, days: ['sat'], time: '18:45', timezone: 'America/New_York', paused: true });
    expect(paused.status).toBe(200);
    const updated = await scheduleWhen(scheduleId, (d) => expect(d.state.paused).toBe(true));
    expect(updated.spec.timezone).toBe('America/New_York');
    expect(updated.state.note).toBe('paused by the organization');

    // a run refreshes the active target accounts' health (not a paused account's)
    const { prisma } = t.database;
    const companies = await Promise.all(['Active', 'Paused'].map((name) => prisma.company.create({ data: { org_id: tenant.orgId, company_name: `${name} Co` } })));
    const active = await prisma.targetAccount.create({ data: { org_id: tenant.orgId, company_id: companies[0]!.id } });
    const inactive = await prisma.targetAccount.create({ data: { org_id: tenant.orgId, company_id: companies[1]!.id, status: 'paused' } });
    // and wakes a running outreach sequence (a task step a day away, on an account of its own)
    const planned = await seedTargetAccount(t, tenant);
    const step = await t.call('POST', `/api/target-accounts/${planned.accountId}/outreach-plans`, {
      token: tenant.token,
      body: { contact_id: planned.contacts[0]!.id, channel: 'task', scheduled_at: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(step.status, JSON.stringify(step.body)).toBe(201);
    const sequenceJob = await vi.waitFor(
      async () => {
        const job = await prisma.job.findUniqueOrThrow({ where: { id: step.body.data.job_id } });
        expect(job.status).toBe('running');
        return job;
      },
      { timeout: 20_000, interval: 200 },
    );
    await put(tenant, { enabled: true, days: ['sat'], time: '18:45', timezone: 'America/New_York', paused: false });
    await scheduleWhen(scheduleId, (d) => expect(d.state.paused).toBe(false));
    // the sequence's wake-ups so far (planning wakes it too), once the relay delivered everything written until now
    await vi.waitFor(async () => expect(await prisma.outboxEvent.count({ where: { org_id: tenant.orgId } })).toBe(0), { timeout: 20_000, interval: 200 });
    const wakeUps = async () =>
      (await temporal.client.workflow.getHandle(sequenceJob.workflow_id).fetchHistory()).events!.filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'outreachChanged',
      ).length;
    const wokenBefore = await wakeUps();
    const handle = temporal.client.schedule.getHandle(scheduleId);
    await handle.trigger();
    const started = await scheduleWhen(scheduleId, (d) => expect(d.info.recentActions).toHaveLength(1));
    const run = temporal.client.workflow.getHandle(started.info.recentActions[0]!.action.workflow.workflowId);
    expect(run.workflowId.startsWith(`${scheduleId}-`)).toBe(true);
    expect(await run.result()).toEqual({ accountsRefreshed: 2, sequencesWoken: 1 });
    await vi.waitFor(
      async () => expect((await prisma.targetAccount.findUniqueOrThrow({ where: { id: active.id } })).health_computed_at).not.toBeNull(),
      { timeout: 20_000, interval: 200 },
    );
    expect((await prisma.targetAccount.findUniqueOrThrow({ where: { id: inactive.id } })).health_computed_at).toBeNull();
    await vi.waitFor(async () => expect(await wakeUps()).toBe(wokenBefore + 1), { timeout: 20_000, interval: 200 });

    const disabled = await put(tenant, { enabled: false });
    expect(disabled.status).toBe(200);
    await vi.waitFor(
      async () => {
        const gone = await handle.describe().then(
          () => false,
          (err) => err instanceof ScheduleNotFoundError,
        );
        expect(gone).toBe(true);
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  it('keeps one schedule per organization: another organization\'s save leaves it alone', async () => {
    const [a, b] = [await seedTenant(t), await seedTenant(t)];
    const ids = [a, b].map((tenant) => `abm-automation:${tenant.orgPublicId}`);
    schedules.track(...ids);
    await put(a, { enabled: true, days: ['mon'], time: '08:00', timezone: 'Asia/Tokyo' });
    await put(b, { enabled: true, days: ['sun'], time: '20:15', timezone: 'UTC', paused: true });
    const ofA = await scheduleWhen(ids[0]!, () => undefined);
    const ofB = await scheduleWhen(ids[1]!, (d) => expect(d.state.paused).toBe(true));
    expect([ofA.spec.timezone, ofA.state.paused, ofA.action.args]).toEqual(['Asia/Tokyo', false, [{ orgId: a.orgId }]]);
    expect([ofB.spec.timezone, ofB.action.args]).toEqual(['UTC', [{ orgId: b.orgId }]]);
  });
});

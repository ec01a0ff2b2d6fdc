// Forecast runs and the daily forecast schedule end to end against the real
// Temporal dev server (the time-skipping server has no Schedules): a run
// snapshots every open deal in batches of 500 with progress in the jobs API,
// a rerun the same day replaces the day's snapshots, a run survives a worker
// restart mid-way, pause/resume/cancel go through the jobs API; the
// schedule forecast:<org> is created (with the OrgId search attribute), runs
// on trigger, pauses with the settings, wins over a pause made by hand, and
// is requested by the worker for an organization that has deals.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScheduleDescription } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LIO_SEARCH_ATTRIBUTES, type TemporalClient } from '../../worker/temporal-connection.js';
import type { TestApp } from '../helpers/app.js';
import { defaultPipeline, seedDeal, seedLead, utcToday } from '../helpers/forecast-seed.js';
import { createScheduleTestSystem, type ScheduleTestSystem } from '../helpers/schedule-system.js';
import type { TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let schedules: ScheduleTestSystem;
let system: TestSystem;
let t: TestApp;
let temporal: TemporalClient;

beforeAll(async () => {
  schedules = await createScheduleTestSystem('forecastrun');
  ({ system, temporal } = schedules);
  t = system.t;
});

afterAll(() => schedules?.close());

/** `count` open deals in the default pipeline's stages, plus one won and one lost (not forecast). */
async function seedOpenDeals(tenant: Tenant, count: number) {
  const pipeline = await defaultPipeline(t, tenant);
  const leadId = await seedLead(t, tenant);
  // in statements of at most 1000 rows: the deals triggers make a larger one outlast the test pool's statement timeout
  for (let from = 1; from <= count; from += 1000) {
    await t.database.pool.query(
      `INSERT INTO deals (org_id, lead_id, pipeline_id, stage_id, title, value, expected_close_date, updated_at)
       SELECT $1, $2, $3, (ARRAY[$4, $5, $6]::int[])[1 + n % 3], 'Deal ' || n, 1000 + n, current_date + (n % 90), now()
         FROM generate_series($7::int, $8::int) AS n`,
      [tenant.orgId, leadId, pipeline.id, pipeline.stage('Qualification'), pipeline.stage('Proposal'), pipeline.stage('Negotiation'), from, Math.min(count, from + 999)],
    );
  }
  await seedDeal(t, tenant, { leadId, pipelineId: pipeline.id, stageId: pipeline.stage('Won'), value: 10, expectedClose: utcToday() });
  await seedDeal(t, tenant, { leadId, pipelineId: pipeline.id, stageId: pipeline.stage('Lost'), value: 10, expectedClose: utcToday() });
  return pipeline;
}

const getJob = async (tenant: Tenant, id: number) => (await t.call('GET', `/api/jobs/${id}`, { token: tenant.token })).body.data;

async function jobWhen(tenant: Tenant, id: number, done: (job: any) => boolean, timeout = 60_000) {
  return vi.waitFor(
    async () => {
      const job = await getJob(tenant, id);
      if (!done(job)) throw new Error(`job ${id}: ${JSON.stringify({ status: job.status, progress: job.progress })}`);
      return job;
    },
    { timeout, interval: 200 },
  );
}

const snapshotsOf = (tenant: Tenant) =>
  t.database.pool.query<{ n: number; jobs: number[] }>(
    `SELECT count(*)::int AS n, array_agg(DISTINCT job_id) AS jobs FROM deal_forecasts WHERE org_id = $1 AND snapshot_date = $2::date`,
    [tenant.orgId, utcToday()],
  );

describe('forecast_run jobs', () => {
  it('snapshots every open deal in batches of 500; a rerun the same day replaces the snapshots', { timeout: 120_000 }, async () => {
    const tenant = await seedTenant(t);
    await seedOpenDeals(tenant, 1200);
    const started = await t.call('POST', '/api/forecast/runs', { token: tenant.token });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const first = await jobWhen(tenant, started.body.data.id, (j) => j.status === 'completed');
    expect(first.progress).toMatchObject({ total: 1200, processed: 1200, percent: 100 });
    expect(first.result).toEqual({ snapshot_date: utcToday(), deals: 1200 });
    expect((await snapshotsOf(tenant)).rows[0]).toEqual({ n: 1200, jobs: [first.id] });
    // three batch activities: 500 + 500 + 200
    const history = await temporal.client.workflow.getHandle(first.workflow_id).fetchHistory();
    const batches = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'snapshotForecastBatch');
    expect(batches).toHaveLength(3);

    // the stage probability changes; the rerun replaces today's snapshots (no second row per deal)
    const pipeline = await defaultPipeline(t, tenant);
    await t.database.pool.query('UPDATE stages SET probability = 0.9 WHERE id = $1', [pipeline.stage('Qualification')]);
    const again = await t.call('POST', '/api/forecast/runs', { token: tenant.token });
    expect(again.status).toBe(202);
    const second = await jobWhen(tenant, again.body.data.id, (j) => j.status === 'completed');
    expect((await snapshotsOf(tenant)).rows[0]).toEqual({ n: 1200, jobs: [second.id] });
    const { rows } = await t.database.pool.query<{ p: number }>(
      `SELECT DISTINCT win_probability AS p FROM deal_forecasts WHERE org_id = $1 AND stage_id = $2 AND snapshot_date = $3::date`,
      [tenant.orgId, pipeline.stage('Qualification'), utcToday()],
    );
    // 0.9, less 5 points of silence, less 10 for a value over 100× the median won deal (10): every deal of the stage
    expect(rows.map((r) => r.p)).toEqual([0.75]);
  });

  it('a worker restart mid-run: the run continues from its checkpoint, each deal snapshot once', { timeout: 180_000 }, async () => {
    const tenant = await seedTenant(t);
    await seedOpenDeals(tenant, 5000);
    const started = await t.call('POST', '/api/forecast/runs', { token: tenant.token });
    await jobWhen(tenant, started.body.data.id, (j) => j.progress.processed >= 500);
    await system.restartWorker();
    const job = await jobWhen(tenant, started.body.data.id, (j) => j.status === 'completed', 120_000);
    expect(job.progress).toMatchObject({ total: 5000, processed: 5000 });
    expect((await snapshotsOf(tenant)).rows[0]).toEqual({ n: 5000, jobs: [job.id] });
  });

  /**
   * Runs `work` while the deals table is locked: a run's first step (which
   * counts the open deals) waits, so a control sent meanwhile reaches the
   * job before any batch, whatever the machine's speed.
   */
  async function withDealsLocked(work: () => Promise<void>) {
    const client = await t.database.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE deals IN ACCESS EXCLUSIVE MODE');
      await work();
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  const outboxDrained = (tenant: Tenant) =>
    vi.waitFor(async () => expect(await t.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId } })).toBe(0), { timeout: 20_000, interval: 100 });

  it('pauses, resumes and cancels through the jobs API', { timeout: 120_000 }, async () => {
    const tenant = await seedTenant(t);
    await seedOpenDeals(tenant, 700);
    let id = 0;
    await withDealsLocked(async () => {
      id = (await t.call('POST', '/api/forecast/runs', { token: tenant.token })).body.data.id;
      expect((await t.call('POST', `/api/jobs/${id}/pause`, { token: tenant.token })).status).toBe(202);
      await outboxDrained(tenant);
    });
    const paused = await jobWhen(tenant, id, (j) => j.status === 'paused');
    // nothing is snapshot while paused
    await sleep(1000);
    expect((await snapshotsOf(tenant)).rows[0]!.n).toBe(0);
    expect((await getJob(tenant, id)).progress.processed).toBe(0);
    expect(paused.status).toBe('paused');
    expect((await t.call('POST', `/api/jobs/${id}/resume`, { token: tenant.token })).status).toBe(202);
    const done = await jobWhen(tenant, id, (j) => j.status === 'completed');
    expect(done.progress.processed).toBe(700);

    let cancelled = 0;
    await withDealsLocked(async () => {
      cancelled = (await t.call('POST', '/api/forecast/runs', { token: tenant.token })).body.data.id;
      // its workflow has begun (a cancel that overtakes the start is retried by the relay after a back-off)
      await jobWhen(tenant, cancelled, (j) => j.status === 'running');
      expect((await t.call('POST', `/api/jobs/${cancelled}/cancel`, { token: tenant.token })).status).toBe(202);
      // the workflow took the cancellation (it asked its waiting first step to stop) before the deals are free
      const workflowId = (await getJob(tenant, cancelled)).workflow_id as string;
      await vi.waitFor(
        async () => {
          const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
          expect(history.events!.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
        },
        { timeout: 30_000, interval: 200 },
      );
    });
    await jobWhen(tenant, cancelled, (j) => j.status === 'cancelled');
    // the cancelled run wrote nothing, even once its first step got the deals: today's snapshots are still the first run's
    await sleep(1000);
    expect((await snapshotsOf(tenant)).rows[0]).toEqual({ n: 700, jobs: [id] });
    expect((await getJob(tenant, cancelled)).progress.processed).toBe(0);
    // and a new run may start
    expect((await t.call('POST', '/api/forecast/runs', { token: tenant.token })).status).toBe(202);
  });
});

const scheduleWhen = (scheduleId: string, check: (d: ScheduleDescription) => void) => schedules.scheduleWhen(scheduleId, check);

describe('the organization\'s daily forecast schedule', () => {
  it('is created with the OrgId attribute, runs a forecast_run job on trigger, follows pauses, wins over a pause by hand', { timeout: 120_000 }, async () => {
    const tenant = await seedTenant(t);
    await t.database.pool.query(`UPDATE organizations SET timezone = 'Europe/Berlin' WHERE id = $1`, [tenant.orgId]);
    await seedOpenDeals(tenant, 30);
    const scheduleId = `forecast:${tenant.orgPublicId}`;
    schedules.track(scheduleId);

    const saved = await t.call('PUT', '/api/forecast/settings', { token: tenant.token, body: { run_at: '06:30' } });
    expect(saved.status).toBe(200);
    const created = await scheduleWhen(scheduleId, () => undefined);
    expect(created.spec.timezone).toBe('Europe/Berlin');
    expect(created.state.paused).toBe(false);
    expect(created.memo).toEqual({ orgPublicId: tenant.orgPublicId });
    expect(created.typedSearchAttributes.get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);
    expect(created.action).toMatchObject({ type: 'startWorkflow', workflowType: 'forecastScheduleWorkflow', workflowId: scheduleId, args: [{ orgId: tenant.orgId }] });
    expect((created.action.typedSearchAttributes as TypedSearchAttributes).get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);
    // every next run is at 06:30 in Berlin
    for (const at of created.info.nextActionTimes.slice(0, 3)) {
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(at)).toBe('06:30');
    }

    // a triggered run records a forecast_run job (the jobs API shows it) that completes
    const handle = temporal.client.schedule.getHandle(scheduleId);
    await handle.trigger();
    const triggered = await scheduleWhen(scheduleId, (d) => expect(d.info.recentActions).toHaveLength(1));
    const run = temporal.client.workflow.getHandle(triggered.info.recentActions[0]!.action.workflow.workflowId);
    const jobId = (await run.result()) as number;
    const job = await jobWhen(tenant, jobId, (j) => j.status === 'completed');
    expect(job).toMatchObject({ type: 'forecast_run', params: { trigger: 'schedule' }, progress: { processed: 30 } });

    // paused through the settings
    await t.call('PUT', '/api/forecast/settings', { token: tenant.token, body: { paused: true } });
    const paused = await scheduleWhen(scheduleId, (d) => expect(d.state.paused).toBe(true));
    expect(paused.state.note).toBe('paused by the organization');

    // unpaused in the settings, then paused by hand in the Temporal UI: the next change brings the stored state back
    await t.call('PUT', '/api/forecast/settings', { token: tenant.token, body: { paused: false } });
    await scheduleWhen(scheduleId, (d) => expect(d.state.paused).toBe(false));
    await handle.pause('by hand');
    await t.call('PUT', '/api/forecast/settings', { token: tenant.token, body: { run_at: '07:15' } });
    const restored = await scheduleWhen(scheduleId, (d) => expect(d.state.paused).toBe(false));
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(restored.info.nextActionTimes[0]!)).toBe('07:15');
  });

  it('the worker requests the schedule of an organization with deals (and of none without)', { timeout: 120_000 }, async () => {
    const [withDeals, without] = [await seedTenant(t), await seedTenant(t)];
    await seedOpenDeals(withDeals, 3);
    const ids = [withDeals, without].map((tenant) => `forecast:${tenant.orgPublicId}`);
    schedules.track(...ids);
    // the worker does it at start (and every minute): restart it rather than wait
    await system.restartWorker();
    const made = await scheduleWhen(ids[0]!, () => undefined);
    expect(made.state.paused).toBe(false);
    expect(made.typedSearchAttributes.get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(withDeals.orgPublicId);
    expect((await t.call('GET', '/api/forecast/settings', { token: withDeals.token })).body.data).toMatchObject({ run_at: '02:00', stored: true });
    expect((await t.call('GET', '/api/forecast/settings', { token: without.token })).body.data.stored).toBe(false);
    const absent = await temporal.client.schedule.getHandle(ids[1]!).describe().then(
      () => false,
      () => true,
    );
    expect(absent).toBe(true);
  });
});

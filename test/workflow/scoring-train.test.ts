// The learning score on a real worker and Temporal dev server: an admin's
// training request runs as a scoring_train job, activates the model and
// starts the lead_rescore job by itself (outbox → relay → workflow), which
// rescores every lead; a large rescoring reports progress and pauses and
// resumes through the jobs API; the organization's weekly training schedule
// exists with its OrgId and records a scoring_train job when it fires.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTemporalClient, LIO_SEARCH_ATTRIBUTES, type TemporalClient } from '../../worker/temporal-connection.js';
import type { TestApp } from '../helpers/app.js';
import { industryDecides, seedOutcomes } from '../helpers/scoring-seed.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let system: TestSystem;
let t: TestApp;
let temporal: TemporalClient;
const schedulesMade: string[] = [];

beforeAll(async () => {
  system = await createTestSystem('scoringtrain', { worker: true });
  t = system.t;
  temporal = await connectTemporalClient(t.deps.config);
});

afterAll(async () => {
  // the dev server outlives this file: leave no schedule firing into a dropped database
  for (const id of schedulesMade) await temporal?.client.schedule.getHandle(id).delete().catch(() => undefined);
  await temporal?.connection.close();
  await system?.close();
});

const getJob = async (tenant: Tenant, id: number) => (await t.call('GET', `/api/jobs/${id}`, { token: tenant.token })).body.data;

async function jobWhen(tenant: Tenant, id: number, done: (job: { status: string; progress: { processed: number; total: number | null } }) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(tenant, id);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there: ${JSON.stringify(job)}`);
    await sleep(150);
  }
}

/**
 * An admin's training request; its job id. The worker's maintenance round may have recorded the organization's first
 * training (it has closed deals) a moment before: then that unfinished job is the one (409 names it).
 */
async function requestTraining(tenant: Tenant): Promise<number> {
  const res = await t.call('POST', '/api/scoring/model/train', { token: tenant.token });
  if (res.status === 202) return res.body.data.id;
  expect(res.status).toBe(409);
  const open = await t.database.prisma.job.findFirstOrThrow({ where: { org_id: tenant.orgId, type: 'scoring_train', status: { in: ['queued', 'running'] } } });
  return open.id;
}

describe('scoring_train and lead_rescore jobs (real worker, real Temporal)', () => {
  it('trains on request, activates the model, and rescores every lead by itself', { timeout: 120_000 }, async () => {
    const tenant = await seedTenant(t);
    schedulesMade.push(`scoring-train:${tenant.orgPublicId}`);
    await seedOutcomes(t.database.pool, tenant.orgId, industryDecides(160), 'wf');
    const trained = await jobWhen(tenant, await requestTraining(tenant), (j) => j.status === 'completed');
    expect(trained.result).toMatchObject({ model_version: expect.any(Number), status: 'active', rescore_job_id: expect.any(Number) });
    const version: number = trained.result.model_version;
    const rescored = await jobWhen(tenant, trained.result.rescore_job_id, (j) => j.status === 'completed');
    expect(rescored).toMatchObject({
      type: 'lead_rescore', params: { reason: `model v${version} activated` }, progress: { processed: 160, total: 160 }, result: { rescored: 160, model: `logistic-v1 v${version}` },
    });
    const { rows } = await t.database.pool.query<{ industry: string; score: number; model: string }>(
      `SELECT industry, score, ai_information->'scoring'->>'model' AS model FROM leads WHERE org_id = $1`,
      [tenant.orgId],
    );
    expect(rows.every((r) => r.model === 'logistic-v1')).toBe(true);
    const lowestSoftware = Math.min(...rows.filter((r) => r.industry === 'Software').map((r) => r.score));
    const highestRetail = Math.max(...rows.filter((r) => r.industry === 'Retail').map((r) => r.score));
    expect(lowestSoftware).toBeGreaterThan(highestRetail);
  });

  it('rescores 20,000 leads with progress, held by a pause and finished after the resume', { timeout: 180_000 }, async () => {
    const tenant = await seedTenant(t);
    await t.database.pool.query(
      `INSERT INTO leads (org_id, first_name, email, job_title, lead_source)
       SELECT $1, 'Lead ' || n, 'lead' || n || '@bulk.example', CASE WHEN n % 3 = 0 THEN 'CEO' ELSE 'Analyst' END, 1 + n % 5
         FROM generate_series(1, 20000) AS n`,
      [tenant.orgId],
    );
    const started = await t.call('POST', '/api/scoring/rescore', { token: tenant.token });
    expect(started.status).toBe(202);
    const id: number = started.body.data.id;
    // paused at once: it holds at the first batch boundary it reaches (before any batch, or after one or a few)
    expect((await t.call('POST', `/api/jobs/${id}/pause`, { token: tenant.token })).status).toBe(202);
    const paused = await jobWhen(tenant, id, (j) => j.status === 'paused');
    expect(paused.progress.total).toBe(20000);
    expect(paused.progress.processed).toBeLessThan(20000);
    expect(paused.progress.processed % 1000).toBe(0);
    await sleep(1500);
    expect((await getJob(tenant, id)).progress.processed).toBe(paused.progress.processed);
    expect((await t.call('POST', `/api/jobs/${id}/resume`, { token: tenant.token })).status).toBe(202);
    const done = await jobWhen(tenant, id, (j) => j.status === 'completed', 150_000);
    expect(done.progress).toMatchObject({ processed: 20000, total: 20000, percent: 100 });
    const { rows } = await t.database.pool.query<{ unscored: number }>(
      `SELECT count(*)::int AS unscored FROM leads WHERE org_id = $1 AND NOT ai_information ? 'scoring'`,
      [tenant.orgId],
    );
    expect(rows[0]!.unscored).toBe(0);
  });

  it('keeps a weekly training schedule per organization, with its OrgId, that records a scoring_train job when it fires', { timeout: 90_000 }, async () => {
    const tenant = await seedTenant(t);
    const scheduleId = `scoring-train:${tenant.orgPublicId}`;
    schedulesMade.push(scheduleId);
    await t.database.pool.query(`UPDATE organizations SET timezone = 'Europe/Berlin' WHERE id = $1`, [tenant.orgId]);
    // too few outcomes: the first training completes, saying so
    await seedOutcomes(t.database.pool, tenant.orgId, industryDecides(12), 'sched');
    const skipped = await jobWhen(tenant, await requestTraining(tenant), (j) => j.status === 'completed');
    expect(skipped.result).toMatchObject({ skipped: 'not enough outcomes: 12 of 40 leads with a closed deal' });

    const handle = temporal.client.schedule.getHandle(scheduleId);
    const schedule = await vi.waitFor(() => handle.describe(), { timeout: 20_000, interval: 200 });
    expect(schedule.spec.timezone).toBe('Europe/Berlin');
    expect(schedule.typedSearchAttributes.get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);
    expect((schedule.action.typedSearchAttributes as TypedSearchAttributes).get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledScoringTrainWorkflow', args: [{ orgId: tenant.orgId }] });
    // Sundays 03:00 in Berlin
    const next = schedule.info.nextActionTimes[0]!;
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('Sun 03:00');

    await handle.trigger();
    const scheduled = await vi.waitFor(
      async () => {
        const job = await t.database.prisma.job.findFirst({ where: { org_id: tenant.orgId, type: 'scoring_train', params: { path: ['trigger'], equals: 'schedule' } } });
        expect(job).not.toBeNull();
        return job!;
      },
      { timeout: 30_000, interval: 300 },
    );
    const ran = await jobWhen(tenant, scheduled.id, (j) => j.status === 'completed');
    expect(ran.result).toMatchObject({ skipped: 'not enough outcomes: 12 of 40 leads with a closed deal' });
  });
});

// The jobs API (beyond the spec): every job type listed, viewed and
// controlled in one place. A job is recorded with its job.start outbox event
// in one statement; controls become job.control events for the relay (their
// delivery to a running workflow is tested in test/workflow/export.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, type JobType } from '../../domain/jobs/job.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { statementStamps } from '../helpers/statement-stamp.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const recordJob = (tenant: Tenant, type: JobType, params: Record<string, unknown> = {}) =>
  createJob(t.database.pool, { orgId: tenant.orgId, userId: tenant.adminId }, { type, params, total: 10 });

const outboxOf = (orgId: number) =>
  t.database.prisma.outboxEvent.findMany({ where: { org_id: orgId, kind: { startsWith: 'job.' } }, orderBy: { id: 'asc' } });

describe('jobs API', () => {
  it('records a job with its business workflow id and a job.start event in one statement', async () => {
    const tenant = await seedTenant(t);
    const job = await recordJob(tenant, 'export', { export_type: 'leads' });
    expect(job.workflow_id).toBe(`export:${tenant.orgPublicId}:${job.id}`);
    expect(job.status).toBe('queued');
    const events = await outboxOf(tenant.orgId);
    expect(events.map((e) => [e.kind, e.payload])).toEqual([['job.start', { jobId: job.id, type: 'export' }]]);
    const [jobRow, event] = await statementStamps(t.database.pool, [
      { table: 'jobs', id: job.id },
      { table: 'outbox_events', id: events[0]!.id },
    ]);
    expect(event).toEqual(jobRow);
  });

  it('lists jobs of every type with filters, and shows one with its progress', async () => {
    const tenant = await seedTenant(t);
    const exportJob = await recordJob(tenant, 'export');
    const importJob = await recordJob(tenant, 'lead_import');
    await t.database.prisma.job.update({ where: { id: importJob.id }, data: { status: 'running', processed: 4, created: 3, failed: 1 } });

    const all = await t.call('GET', '/api/jobs', { token: tenant.token });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ success: true, total: 2, page: 1, limit: 10 });
    expect(all.body.data.map((j: { id: number }) => j.id)).toEqual([importJob.id, exportJob.id]);

    const imports = await t.call('GET', '/api/jobs', { token: tenant.token, query: { type: 'lead_import', status: 'running,paused' } });
    expect(imports.body.data.map((j: { id: number }) => j.id)).toEqual([importJob.id]);
    const none = await t.call('GET', '/api/jobs', { token: tenant.token, query: { type: 'export', status: 'completed' } });
    expect(none.body.total).toBe(0);

    const one = await t.call('GET', `/api/jobs/${importJob.id}`, { token: tenant.token });
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject({
      id: importJob.id,
      type: 'lead_import',
      status: 'running',
      workflow_id: `lead_import:${tenant.orgPublicId}:${importJob.id}`,
      progress: { total: 10, processed: 4, created: 3, merged: 0, skipped: 0, failed: 1, percent: 40 },
      error: null,
      finished_at: null,
    });
  });

  it('rejects unknown types and statuses with 422 in the spec envelope', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ type: 'sync' }, { status: 'done' }, { order_by: 'params' }]) {
      const res = await t.call('GET', '/api/jobs', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body.success).toBe(false);
      expect(res.body.error.type).toBeTruthy();
    }
  });

  it('turns pause, resume and cancel into job.control events for the job workflow', async () => {
    const tenant = await seedTenant(t);
    const job = await recordJob(tenant, 'lead_import');
    await t.database.prisma.job.update({ where: { id: job.id }, data: { status: 'running' } });
    for (const action of ['pause', 'resume', 'cancel']) {
      const res = await t.call('POST', `/api/jobs/${job.id}/${action}`, { token: tenant.token });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body).toMatchObject({ success: true, message: `Job ${action} requested`, data: { id: job.id } });
    }
    const controls = (await outboxOf(tenant.orgId)).filter((e) => e.kind === 'job.control').map((e) => e.payload);
    // numbered in the order accepted: the workflow applies them in that order however they are delivered
    expect(controls).toEqual(['pause', 'resume', 'cancel'].map((action, i) => ({ jobId: job.id, type: 'lead_import', action, seq: i + 1 })));
  });

  it('judges pause and resume by what was last asked: 409 naming the state for a resume of a job never paused, or a second pause', async () => {
    const tenant = await seedTenant(t);
    const job = await recordJob(tenant, 'export');
    await t.database.prisma.job.update({ where: { id: job.id }, data: { status: 'running' } });
    const control = (action: string) => t.call('POST', `/api/jobs/${job.id}/${action}`, { token: tenant.token });
    const expectConflict = async (action: string, message: string) => {
      const res = await control(action);
      expect(res.status, action).toBe(409);
      expect(res.body).toMatchObject({ success: false, error: { code: 'job_state', message } });
    };
    await expectConflict('resume', 'The job is running; it cannot be asked to resume');
    expect((await control('pause')).status).toBe(202);
    // the workflow has not paused yet, but a pause is pending: a second one is refused, a resume taken
    await expectConflict('pause', 'The job is running with a pause pending; it cannot be asked to pause');
    expect((await control('resume')).status).toBe(202);
    // once the workflow has recorded the pause, the resume already asked for is pending
    await t.database.prisma.job.update({ where: { id: job.id }, data: { status: 'paused' } });
    await expectConflict('resume', 'The job is paused with a resume pending; it cannot be asked to resume');
    // ... and a pause right after that resume is taken (not refused because the status still says paused)
    expect((await control('pause')).status).toBe(202);
    await expectConflict('pause', 'The job is paused; it cannot be asked to pause');
    const actions = (await outboxOf(tenant.orgId)).filter((e) => e.kind === 'job.control').map((e) => e.payload);
    expect(actions).toEqual([
      { jobId: job.id, type: 'export', action: 'pause', seq: 1 },
      { jobId: job.id, type: 'export', action: 'resume', seq: 2 },
      { jobId: job.id, type: 'export', action: 'pause', seq: 3 },
    ]);
  });

  it('accepts one of several pauses sent at once (the check and the request are one statement)', async () => {
    const tenant = await seedTenant(t);
    const job = await recordJob(tenant, 'export');
    await t.database.prisma.job.update({ where: { id: job.id }, data: { status: 'running' } });
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.call('POST', `/api/jobs/${job.id}/pause`, { token: tenant.token })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409]);
    expect((await outboxOf(tenant.orgId)).filter((e) => e.kind === 'job.control')).toHaveLength(1);
  });

  it('answers 409 for a control the job state does not allow, naming the state', async () => {
    const tenant = await seedTenant(t);
    const job = await recordJob(tenant, 'export');
    await t.database.prisma.job.update({ where: { id: job.id }, data: { status: 'completed', finished_at: new Date() } });
    for (const action of ['pause', 'resume', 'cancel']) {
      const res = await t.call('POST', `/api/jobs/${job.id}/${action}`, { token: tenant.token });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('completed');
    }
    expect((await outboxOf(tenant.orgId)).filter((e) => e.kind === 'job.control')).toEqual([]);
  });

  it("hides another organization's jobs: 404, and absent from its list", async () => {
    const [a, b] = await seedTwoTenants(t);
    const job = await recordJob(a, 'export');
    expect((await t.call('GET', `/api/jobs/${job.id}`, { token: b.token })).status).toBe(404);
    expect((await t.call('POST', `/api/jobs/${job.id}/cancel`, { token: b.token })).status).toBe(404);
    expect((await t.call('GET', '/api/jobs', { token: b.token })).body.total).toBe(0);
    expect((await outboxOf(a.orgId)).filter((e) => e.kind === 'job.control')).toEqual([]);
  });
});

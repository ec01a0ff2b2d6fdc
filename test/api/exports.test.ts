// §6.15 exports over HTTP: validation of the export request (the filters of
// each type are its list endpoint's), the list of export jobs, and download
// rules (same organization only, completed only). The file itself is
// written by domain/jobs/export.service.ts here, without Temporal; the workflow,
// CSV contents, pause/resume/cancel and scale are in test/workflow/export.test.ts.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExportSlice } from '../../domain/jobs/export.service.js';
import { createFileStorage } from '../../domain/platform/file-storage.js';
import { createJob } from '../../domain/jobs/job.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const startExport = (tenant: Tenant, body: unknown) => t.call('POST', '/api/exports/create', { token: tenant.token, body });

/** What the export workflow does, done in-process: writes the whole file, then marks the job completed. */
async function completeExport(tenant: Tenant, jobId: number) {
  const storage = createFileStorage(t.deps.config.STORAGE_DIR);
  const ref = { orgId: tenant.orgId, jobId };
  while (!(await writeExportSlice(t.database, storage, ref)).done);
  await t.database.prisma.job.update({ where: { id: jobId }, data: { status: 'completed', finished_at: new Date() } });
}

describe('POST /api/exports/create', () => {
  it('records an export job with its parsed filters and answers at once with it', async () => {
    const tenant = await seedTenant(t);
    const res = await startExport(tenant, { export_type: 'leads', filters: { state_id: [1, 2], score_min: 10, created_from: '2026-01-01' } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({
      success: true,
      message: 'Export started',
      data: {
        type: 'export',
        status: 'queued',
        workflow_id: `export:${tenant.orgPublicId}:${res.body.data.id}`,
        params: {
          export_type: 'leads',
          filters: { state_id: [1, 2], score_min: 10, created_from: { at: '2026-01-01T00:00:00.000Z', dateOnly: true } },
        },
        progress: { processed: 0 },
        download_url: null,
      },
    });
    const events = await t.database.prisma.outboxEvent.findMany({ where: { org_id: tenant.orgId, kind: 'job.start' } });
    expect(events.map((e) => e.payload)).toEqual([{ jobId: res.body.data.id, type: 'export' }]);
  });

  it('takes each type with the filters of its list endpoint, and none', async () => {
    const tenant = await seedTenant(t);
    for (const body of [
      { export_type: 'leads' },
      { export_type: 'clients', filters: { assigned_to: 'true', country: 'France' } },
      { export_type: 'companies', filters: { industry: 'Software,Retail', my: true } },
      { export_type: 'contacts', filters: { company_id: '3,4', status: 1, search_value: 'ann' } },
    ]) {
      const res = await startExport(tenant, body);
      expect(res.status, JSON.stringify([body, res.body])).toBe(202);
      expect(res.body.data.params.export_type).toBe(body.export_type);
    }
  });

  it('rejects an unknown export_type, unknown filter keys and invalid filter values with 422 in the spec envelope', async () => {
    const tenant = await seedTenant(t);
    for (const body of [
      { export_type: 'deals' },
      { export_type: 'leads', filters: { statuz: 1 } },
      // a contact filter is not a company filter: each type takes its own list's keys
      { export_type: 'companies', filters: { lead_id: 3 } },
      { export_type: 'leads', filters: { state_id: 'x' } },
      { export_type: 'contacts', filters: { start_date: 'yesterday' } },
      { export_type: 'leads', filters: 'state_id=1' },
    ]) {
      const res = await startExport(tenant, body);
      expect(res.status, JSON.stringify([body, res.body])).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { type: 'validation_error' } });
      expect(res.body.error.message).toBeTruthy();
    }
    const missing = await startExport(tenant, { filters: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.success).toBe(false);
    expect(await t.database.prisma.job.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });
});

describe('GET /api/exports/list', () => {
  it("lists only the organization's export jobs, newest first, with the §5 paging", async () => {
    const [a, b] = await seedTwoTenants(t);
    const ids: number[] = [];
    for (const export_type of ['leads', 'companies', 'contacts']) ids.push((await startExport(a, { export_type })).body.data.id);
    await createJob(t.database.pool, { orgId: a.orgId, userId: a.adminId }, { type: 'lead_import', params: {} });
    await startExport(b, { export_type: 'leads' });

    const all = await t.call('GET', '/api/exports/list', { token: a.token });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ success: true, total: 3, page: 1, limit: 10 });
    expect(all.body.data.map((j: { id: number }) => j.id)).toEqual([...ids].reverse());
    expect(all.body.data.every((j: { type: string; download_url: null }) => j.type === 'export' && j.download_url === null)).toBe(true);

    const second = await t.call('GET', '/api/exports/list', { token: a.token, query: { page: 2, limit: 2 } });
    expect(second.body).toMatchObject({ total: 3, page: 2, limit: 2 });
    expect(second.body.data.map((j: { id: number }) => j.id)).toEqual([ids[0]]);
    const oldestFirst = await t.call('GET', '/api/exports/list', { token: a.token, query: { order_in: 'asc', limit: 1 } });
    expect(oldestFirst.body.data.map((j: { id: number }) => j.id)).toEqual([ids[0]]);

    const bad = await t.call('GET', '/api/exports/list', { token: a.token, query: { order_by: 'params' } });
    expect(bad.status).toBe(422);
  });
});

describe('GET /api/exports/download/{id}', () => {
  it('is 409 with a clear message until the export has completed', async () => {
    const tenant = await seedTenant(t);
    const { id } = (await startExport(tenant, { export_type: 'leads' })).body.data;
    for (const status of ['queued', 'running', 'paused', 'failed', 'cancelled']) {
      await t.database.prisma.job.update({ where: { id }, data: { status } });
      const res = await t.call('GET', `/api/exports/download/${id}`, { token: tenant.token });
      expect(res.status, status).toBe(409);
      expect(res.body).toMatchObject({
        success: false,
        error: { type: 'conflict', code: 'export_not_ready', message: `The export is ${status}; it can be downloaded once it has completed` },
      });
    }
  });

  it("serves a completed export's CSV as an attachment to its organization only", async () => {
    const [a, b] = await seedTwoTenants(t);
    await t.database.prisma.lead.create({ data: { org_id: a.orgId, first_name: 'Ada', last_name: 'Lovelace', email: 'ada@a.example' } });
    const created = await startExport(a, { export_type: 'leads' });
    await completeExport(a, created.body.data.id);

    const res = await t.call('GET', `/api/exports/download/${created.body.data.id}`, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="leads-export-${created.body.data.id}.csv"; filename*=UTF-8''leads-export-${created.body.data.id}.csv`,
    );
    const rows = parse(res.body, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toMatchObject([{ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@a.example', status_text: 'New' }]);

    const listed = await t.call('GET', '/api/exports/list', { token: a.token });
    expect(listed.body.data[0]).toMatchObject({
      status: 'completed',
      download_url: `/api/exports/download/${created.body.data.id}`,
      result: { file_name: `leads-export-${created.body.data.id}.csv`, rows: 1, download_url: `/api/exports/download/${created.body.data.id}` },
      progress: { total: 1, processed: 1, percent: 100 },
    });

    // another organization's export, and a job of another type, are not found
    const other = await t.call('GET', `/api/exports/download/${created.body.data.id}`, { token: b.token });
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('Ada');
    const importJob = await createJob(t.database.pool, { orgId: a.orgId, userId: a.adminId }, { type: 'lead_import', params: {} });
    expect((await t.call('GET', `/api/exports/download/${importJob.id}`, { token: a.token })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/exports/download/999999999', { token: a.token })).status).toBe(404);
  });
});

describe('writing the file (domain/jobs/export.service.ts)', () => {
  it('resumes an interrupted slice from its recorded checkpoint: no row written or counted twice', async () => {
    const tenant = await seedTenant(t);
    for (let i = 1; i <= 5; i++) {
      await t.database.prisma.lead.create({ data: { org_id: tenant.orgId, first_name: `Lead${i}`, last_name: 'Row' } });
    }
    const { id } = (await startExport(tenant, { export_type: 'leads' })).body.data;
    const storage = createFileStorage(t.deps.config.STORAGE_DIR);
    const ref = { orgId: tenant.orgId, jobId: id };
    const small = { batchRows: 2, sliceBatches: 1 };
    expect(await writeExportSlice(t.database, storage, ref, small)).toEqual({ done: false });
    const afterFirst = await t.database.prisma.job.findUniqueOrThrow({ where: { id } });
    expect(afterFirst).toMatchObject({ total: 5, processed: 2 });

    // a slice that wrote rows and died before recording them: its bytes are past the recorded size
    const recordedSize = (afterFirst.checkpoint as { bytes: number }).bytes;
    const interrupted = await storage.openForWriting(afterFirst.output_key!, recordedSize);
    await interrupted.append('999,Written,But,Never,Recorded\n');
    await interrupted.close();

    while (!(await writeExportSlice(t.database, storage, ref, small)).done);
    await t.database.prisma.job.update({ where: { id }, data: { status: 'completed' } });
    const job = await t.database.prisma.job.findUniqueOrThrow({ where: { id } });
    expect(job).toMatchObject({ total: 5, processed: 5, result: { rows: 5 } });
    const res = await t.call('GET', `/api/exports/download/${id}`, { token: tenant.token });
    const rows = parse(res.body, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.map((r) => r.first_name)).toEqual(['Lead1', 'Lead2', 'Lead3', 'Lead4', 'Lead5']);
    expect(Number(res.headers.get('content-length'))).toBe((job.result as { size: number }).size);
  });
});

// §6.2 lead imports over HTTP: the streamed upload and what it refuses
// (type by content, empty, no header row, oversized, damaged workbook), the
// job it records, the import job list and the per-row error report. The
// import itself (mapping, duplicates, row errors, exactly-once) runs in
// test/workflow/lead-import.test.ts.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp({ IMPORT_MAX_BYTES: String(64 * 1024) });
});
afterAll(() => t.close());

const CSV = 'First Name,Last Name,E-mail\nJane,Doe,jane@acme.example\n';
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

function upload(tenant: Tenant, file: BlobPart | null, name = 'leads.csv', fields: Record<string, string> = {}) {
  const form = new FormData();
  if (file !== null) form.append('file', new File([file], name));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return t.call('POST', '/api/lead/lead-imports', { token: tenant.token, body: form });
}

/** Files left in the organization's storage folder: a refused upload leaves none. */
const storedFiles = async (tenant: Tenant) =>
  readdir(path.join(t.deps.config.STORAGE_DIR, String(tenant.orgId))).catch(() => [] as string[]);

async function workbook(rows: unknown[][]): Promise<ArrayBuffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Leads');
  for (const row of rows) sheet.addRow(row);
  return (await book.xlsx.writeBuffer()) as ArrayBuffer;
}

describe('POST /api/lead/lead-imports', () => {
  it('stores a CSV and answers 202 with the queued job, started through the outbox', async () => {
    const tenant = await seedTenant(t);
    const res = await upload(tenant, CSV, 'my leads.csv', { duplicates: 'merge' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({
      success: true,
      message: 'Import started',
      data: {
        type: 'lead_import',
        status: 'queued',
        workflow_id: `lead_import:${tenant.orgPublicId}:${res.body.data.id}`,
        params: { file_name: 'my leads.csv', format: 'csv', size: CSV.length, duplicates: 'merge' },
        progress: { total: null, processed: 0 },
        error_report_url: null,
      },
    });
    const job = await t.database.prisma.job.findUniqueOrThrow({ where: { id: res.body.data.id } });
    expect(job.input_key).toMatch(new RegExp(`^${tenant.orgId}/[0-9a-f]{32}\\.csv$`));
    expect(await storedFiles(tenant)).toEqual([path.basename(job.input_key!)]);
    const events = await t.database.prisma.outboxEvent.findMany({ where: { org_id: tenant.orgId, kind: 'job.start' } });
    expect(events.map((e) => e.payload)).toEqual([{ jobId: job.id, type: 'lead_import' }]);
  });

  it('defaults duplicates to skip and recognises XLSX by content, whatever the name', async () => {
    const tenant = await seedTenant(t);
    const res = await upload(tenant, await workbook([['Email'], ['a@b.example']]), 'export.csv');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.data.params).toMatchObject({ format: 'xlsx', duplicates: 'skip' });
  });

  it('refuses what is not a CSV or XLSX by its content, with the envelope, storing nothing', async () => {
    const tenant = await seedTenant(t);
    const legacyXls = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    for (const [bytes, name, message] of [
      [PNG, 'leads.csv', /CSV or an XLSX/],
      [legacyXls, 'leads.xls', /Legacy Excel/],
      [Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6]), 'leads.xlsx', /damaged/],
    ] as const) {
      const res = await upload(tenant, bytes, name);
      expect(res.status, name).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { type: 'validation_error', code: 'unsupported_file_type' } });
      expect(res.body.error.message).toMatch(message);
    }
    expect(await storedFiles(tenant)).toEqual([]);
    expect(await t.database.prisma.job.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });

  it('refuses a workbook that is a zip but no spreadsheet', async () => {
    const tenant = await seedTenant(t);
    // a valid zip (empty central directory of an empty archive) holds no workbook
    const emptyZip = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
    const res = await upload(tenant, Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...emptyZip]), 'x.xlsx');
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/damaged or is not an Excel workbook/);
  });

  it('refuses an empty file and a CSV without a header row', async () => {
    const tenant = await seedTenant(t);
    const empty = await upload(tenant, '', 'leads.csv');
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toMatch(/empty/);
    for (const body of ['jane@acme.example,Jane,Doe\n', '\n\n   \n', 'foo,bar\n1,2\n']) {
      const res = await upload(tenant, body);
      expect(res.status, body).toBe(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', code: 'no_header_row' });
    }
    expect(await storedFiles(tenant)).toEqual([]);
  });

  it('answers 413 for a file over IMPORT_MAX_BYTES, whether or not the length was announced', async () => {
    const tenant = await seedTenant(t);
    const big = `email\n${'x@y.example\n'.repeat(7000)}`;
    const announced = await upload(tenant, big);
    expect(announced.status).toBe(413);
    expect(announced.body).toMatchObject({ success: false, error: { type: 'payload_too_large', max_bytes: 64 * 1024 } });
    // a chunked body: the limit is enforced while the file streams to disk
    const form = new FormData();
    form.append('file', new File([big], 'big.csv'));
    const request = new Request('http://lio.test/api/lead/lead-imports', { method: 'POST', body: form });
    const chunked = await t.app.request('/api/lead/lead-imports', {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.token}`, 'content-type': request.headers.get('content-type')! },
      body: request.body,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ success: false, error: { type: 'payload_too_large' } });
    expect(await storedFiles(tenant)).toEqual([]);
  });

  it('answers 400 for a body that is not multipart or has no file, 422 for an unknown duplicates policy', async () => {
    const tenant = await seedTenant(t);
    const json = await t.call('POST', '/api/lead/lead-imports', { token: tenant.token, body: { file: 'x' } });
    expect(json.status).toBe(400);
    expect(json.body.success).toBe(false);
    const noFile = await upload(tenant, null, 'x', { duplicates: 'skip' });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.message).toMatch(/file/);
    const badPolicy = await upload(tenant, CSV, 'leads.csv', { duplicates: 'overwrite' });
    expect(badPolicy.status).toBe(422);
    expect(badPolicy.body.error.message).toMatch(/duplicates/);
    expect(await storedFiles(tenant)).toEqual([]);
  });
});

describe('GET /api/import-job/list and /api/import-job/{id}/errors', () => {
  it('lists import jobs only, filtered by type, each with its error report link', async () => {
    const tenant = await seedTenant(t);
    const imported = (await upload(tenant, CSV)).body.data.id as number;
    const { prisma } = t.database;
    const hubspot = await prisma.job.create({
      data: { org_id: tenant.orgId, type: 'hubspot_import', workflow_id: `hubspot_import:${tenant.orgId}:x`, failed: 2 },
    });
    await prisma.job.create({ data: { org_id: tenant.orgId, type: 'export', workflow_id: `export:${tenant.orgId}:x` } });

    const all = await t.call('GET', '/api/import-job/list', { token: tenant.token });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ success: true, total: 2, page: 1, limit: 10 });
    expect(all.body.data.map((j: { id: number }) => j.id)).toEqual([hubspot.id, imported]);
    expect(all.body.data.map((j: { error_report_url: string | null }) => j.error_report_url)).toEqual([`/api/import-job/${hubspot.id}/errors`, null]);

    const leadsOnly = await t.call('GET', '/api/import-job/list', { token: tenant.token, query: { type: 'lead_import', order_in: 'asc' } });
    expect(leadsOnly.body.data.map((j: { id: number }) => j.id)).toEqual([imported]);
    const exportType = await t.call('GET', '/api/import-job/list', { token: tenant.token, query: { type: 'export' } });
    expect(exportType.status).toBe(422);
  });

  it('downloads the error report as CSV in row order, for the same organization only', async () => {
    const [a, b] = await seedTwoTenants(t);
    const jobId = (await upload(a, CSV)).body.data.id as number;
    await t.database.prisma.jobRowError.createMany({
      data: [
        { org_id: a.orgId, job_id: jobId, row_number: 7, column: 'E-mail', reason: 'email: "x" is not an email address' },
        { org_id: a.orgId, job_id: jobId, row_number: 3, column: null, reason: 'the row names no lead, "really"' },
      ],
    });
    const res = await t.call('GET', `/api/import-job/${jobId}/errors`, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain(`import-${jobId}-errors.csv`);
    expect(parse(res.body as string, { columns: true })).toEqual([
      { row_number: '3', column: '', reason: 'the row names no lead, "really"' },
      { row_number: '7', column: 'E-mail', reason: 'email: "x" is not an email address' },
    ]);
    expect((await t.call('GET', `/api/import-job/${jobId}/errors`, { token: b.token })).status).toBe(404);
    const exportJob = await t.database.prisma.job.create({ data: { org_id: a.orgId, type: 'export', workflow_id: 'export:x' } });
    expect((await t.call('GET', `/api/import-job/${exportJob.id}/errors`, { token: a.token })).status).toBe(404);
  });
});

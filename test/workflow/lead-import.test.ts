// Lead imports end to end: upload through the API, the job started by the
// outbox relay, the import workflow run by a real worker against the real
// Temporal dev server. Functional cases run the worker in-process; the
// exactly-once case runs it as a separate process and SIGKILLs it mid-import.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Readable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLeadImportActivities } from '../../activities/lead-import.activities.js';
import type { ImportSlice } from '../../domain/jobs/lead-import-slice.js';
import { createFileStorage } from '../../domain/platform/file-storage.js';
import { classifyImportFile } from '../../domain/jobs/lead-import-file.js';
import { CheckpointMovedError, commitImportBatch, loadRowContext, START_OF_FILE, writeImportBatch } from '../../domain/jobs/lead-import.service.js';
import { mapHeader, readLeadRow, type ImportedLead } from '../../domain/jobs/lead-import.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { scoreLead } from '../../domain/leads/lead-scoring.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/scratch-database.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { killGroup, spawnWorker, workerEnvOf } from '../helpers/worker-process.js';
import { buildZip, zipParts } from '../helpers/zip.js';

function upload(t: TestApp, tenant: Tenant, file: BlobPart, name = 'leads.csv', fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new File([file], name));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return t.call('POST', '/api/lead/lead-imports', { token: tenant.token, body: form });
}

/** Uploads a file and waits for its import job to end; answers the job as the API shows it. */
async function importFile(t: TestApp, tenant: Tenant, file: BlobPart, name = 'leads.csv', fields: Record<string, string> = {}) {
  const res = await upload(t, tenant, file, name, fields);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForJob(t, tenant, res.body.data.id);
}

async function waitForJob(t: TestApp, tenant: Tenant, jobId: number, timeout = 30_000) {
  return vi.waitFor(
    async () => {
      const list = await t.call('GET', '/api/import-job/list', { token: tenant.token, query: { limit: 100 } });
      const job = list.body.data.find((j: { id: number }) => j.id === jobId);
      expect(['completed', 'failed', 'cancelled']).toContain(job.status);
      return job;
    },
    { timeout, interval: 200 },
  );
}

const leadsOf = (t: TestApp, tenant: Tenant) => t.database.prisma.lead.findMany({ where: { org_id: tenant.orgId }, orderBy: { id: 'asc' } });

describe('lead import workflow (in-process worker)', () => {
  let system: TestSystem;
  let t: TestApp;

  beforeAll(async () => {
    system = await createTestSystem('import', { worker: true });
    t = system.t;
  });

  afterAll(async () => {
    await system?.close();
  });

  it('maps tolerant headers to lead fields, keeps unknown columns as custom fields, links companies and tags, scores inline', async () => {
    const tenant = await seedTenant(t);
    const csv = [
      'FIRST-NAME, Last Name ,E-mail,Phone,Company Name,job_title,Lead Source,PRIORITY,Tags,Shoe Size,LinkedIn',
      'Jane,Doe,Jane@Acme.example,+1 415 555 0100,Acme,Chief Executive Officer,Referral,High,vip; East,44,linkedin.com/in/jane-doe',
      'John,Roe,john@acme.example,,ACME,Engineer,1,2,vip,,',
    ].join('\r\n');
    const job = await importFile(t, tenant, csv);
    expect(job).toMatchObject({
      status: 'completed',
      progress: { total: 2, processed: 2, created: 2, merged: 0, skipped: 0, failed: 0, percent: 100 },
      result: { created: 2, merged: 0, skipped: 0, failed: 0 },
      error_report_url: null,
    });
    const [jane, john] = await leadsOf(t, tenant);
    expect(jane).toMatchObject({
      first_name: 'Jane', last_name: 'Doe', email: 'Jane@Acme.example', dedupe_email: 'jane@acme.example', phone_number: '+1 415 555 0100',
      company: 'Acme', job_title: 'Chief Executive Officer', lead_source: 2, priority: 3, status: 1,
      linkedin_url: 'https://linkedin.com/in/jane-doe', custom_fields: { 'Shoe Size': '44' }, created_by: tenant.adminId,
    });
    expect(john).toMatchObject({ lead_source: 1, priority: 2, custom_fields: {} });
    // one company for "Acme" and "ACME"
    expect(jane!.company_id).not.toBeNull();
    expect(john!.company_id).toBe(jane!.company_id);
    const tags = await t.database.prisma.customLookup.findMany({ where: { org_id: tenant.orgId, type: 'tag' }, orderBy: { name: 'asc' } });
    expect(tags.map((tag) => tag.name)).toEqual(['East', 'vip']);
    expect(jane!.tags.sort()).toEqual(tags.map((tag) => tag.id).sort());
    const expected = scoreLead({ ...jane!, estimated_value: null });
    expect(jane!.score).toBe(expected.score);
    expect(jane!.ai_information).toMatchObject({ scoring: { score: expected.score, model: 'rules-v1', breakdown: expected.breakdown } });
    // scored inline: no scoring event per lead
    expect(await t.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'lead.score' } })).toBe(0);
    // the row triggers still record who created each lead, and the importer hears that the import finished
    const feed = await t.database.prisma.activityFeedEntry.findMany({ where: { org_id: tenant.orgId, model_type: 'lead', action: 'created' } });
    expect(feed.map((f) => [f.model_id, f.actor_id])).toEqual([[jane!.id, tenant.adminId], [john!.id, tenant.adminId]]);
    const notification = await t.database.prisma.notification.findFirstOrThrow({ where: { org_id: tenant.orgId, user_id: tenant.adminId } });
    expect(notification).toMatchObject({ title: 'Import finished', message: `Import ${job.id} finished: 2 created, 0 merged, 0 skipped, 0 failed` });
  });

  it('skips duplicates of existing leads and of earlier rows by default', async () => {
    const tenant = await seedTenant(t);
    const scope = { orgId: tenant.orgId, userId: tenant.adminId };
    await createLead(t.database, scope, { first_name: 'Old', last_name: 'Lead', email: 'old@x.example', job_title: 'Intern' });
    const csv = 'email,first name,job title\nOLD@x.example,Olga,CTO\nnew@x.example,Nina,\nNEW@x.example,Nora,\n';
    const job = await importFile(t, tenant, csv);
    expect(job.progress).toMatchObject({ processed: 3, created: 1, skipped: 2, merged: 0, failed: 0 });
    const leads = await leadsOf(t, tenant);
    expect(leads.map((l) => [l.email, l.first_name, l.job_title])).toEqual([['old@x.example', 'Old', 'Intern'], ['new@x.example', 'Nina', null]]);
  });

  it('merges duplicates into the existing lead (values, custom fields, tags, score) or accepts them as duplicates', async () => {
    const tenant = await seedTenant(t);
    const scope = { orgId: tenant.orgId, userId: tenant.adminId };
    const { lead: existing } = await createLead(t.database, scope, {
      first_name: 'Old', last_name: 'Lead', email: 'old@x.example', tags: ['kept'], custom_fields: { keep: 'me' },
    });
    const csv = 'email,job title,city,tags,Favourite Colour\nold@x.example,CTO,,new-tag,blue\nOLD@x.example,,Paris,,\n';
    const merged = await importFile(t, tenant, csv, 'merge.csv', { duplicates: 'merge' });
    expect(merged.progress).toMatchObject({ processed: 2, created: 0, merged: 2, skipped: 0 });
    const after = await t.database.prisma.lead.findUniqueOrThrow({ where: { id: existing.id } });
    expect(after).toMatchObject({ first_name: 'Old', job_title: 'CTO', city: 'Paris', custom_fields: { keep: 'me', 'Favourite Colour': 'blue' } });
    expect(after.tags).toHaveLength(2);
    expect(after.score).toBe(scoreLead({ ...after, estimated_value: null }).score);

    const accepted = await importFile(t, tenant, 'email,first name\nold@x.example,Twin\n', 'accept.csv', { duplicates: 'accept' });
    expect(accepted.progress).toMatchObject({ created: 1, merged: 0, skipped: 0 });
    const twin = await t.database.prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId, first_name: 'Twin' } });
    expect(twin).toMatchObject({ duplicate_of: existing.id, dedupe_email: null, email: 'old@x.example' });
  });

  it('records rows that fail validation or parsing in the error report and imports the rest', async () => {
    const tenant = await seedTenant(t);
    const csv = [
      'First Name,Last Name,Email,Status,Phone',
      'A,Short,a@x.example,,', // row 2: first name too short
      'Bea,G,not-an-email,,', // row 3: two problems, one failed row
      'Cy,Good,cy@x.example,99,', // row 4: unknown status
      ',,,,', // blank: ignored
      'Dee,Good,dee@x.example,,call me', // row 6 (blank row 5 not counted)
      'Eve,"Stray"Quote,eve@x.example,,', // row 7: stray quote kept
      'Fay,Good,fay@x.example,New,', // row 8: status by label
      'Gus,"Unclosed,gus@x.example,,', // row 9: cannot be parsed
    ].join('\n');
    const job = await importFile(t, tenant, csv);
    expect(job).toMatchObject({ status: 'completed', progress: { processed: 7, created: 2, failed: 5, skipped: 0 } });
    expect(job.error_report_url).toBe(`/api/import-job/${job.id}/errors`);
    const leads = await leadsOf(t, tenant);
    expect(leads.map((l) => [l.first_name, l.last_name, l.status])).toEqual([['Eve', '"Stray"Quote', 1], ['Fay', 'Good', 1]]);
    const report = await t.call('GET', job.error_report_url, { token: tenant.token });
    expect(report.status).toBe(200);
    const rows = parse(report.body as string, { columns: true }) as { row_number: string; column: string; reason: string }[];
    expect(rows.map((r) => [r.row_number, r.column])).toEqual([
      ['2', 'First Name'], ['3', 'Last Name'], ['3', 'Email'], ['4', 'Status'], ['6', 'Phone'], ['9', ''],
    ]);
    expect(rows[0]!.reason).toMatch(/first_name: must be 2–50 characters/);
    expect(rows[3]!.reason).toMatch(/not one of this organization's status values/);
    expect(rows[5]!.reason).toMatch(/could not be read as CSV/);
  });

  it('imports the first worksheet of an XLSX workbook', async () => {
    const tenant = await seedTenant(t);
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Leads');
    sheet.addRow(['First Name', 'Last Name', 'Email', 'Estimated Value', 'Notes']);
    sheet.addRow(['Xena', 'Xu', 'xena@x.example', 25000.5, { richText: [{ text: 'rich ' }, { text: 'text' }] }]);
    sheet.addRow([]);
    sheet.addRow(['Yuri', 'Yo', { text: 'yuri@x.example', hyperlink: 'mailto:yuri@x.example' }, null, null]);
    book.addWorksheet('Ignored').addRow(['Email']);
    const job = await importFile(t, tenant, new Uint8Array(await book.xlsx.writeBuffer()), 'leads.xlsx');
    expect(job).toMatchObject({ status: 'completed', progress: { processed: 2, created: 2, failed: 0 } });
    const leads = await leadsOf(t, tenant);
    expect(leads.map((l) => [l.first_name, l.email, l.estimated_value?.toNumber() ?? null, l.notes])).toEqual([
      ['Xena', 'xena@x.example', 25000.5, 'rich text'],
      ['Yuri', 'yuri@x.example', null, null],
    ]);
  });

  it('imports a workbook whose zip stores the worksheet before or after the shared strings (both valid orders)', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Leads');
    sheet.addRow(['First Name', 'Last Name', 'Email']);
    sheet.addRow(['Ada', 'Lovelace', 'ada@x.example']);
    sheet.addRow(['Alan', 'Turing', 'alan@x.example']);
    const parts = zipParts(Buffer.from(await book.xlsx.writeBuffer()));
    const strings = parts.find((p) => p.name === 'xl/sharedStrings.xml')!;
    const worksheet = parts.find((p) => p.name === 'xl/worksheets/sheet1.xml')!;
    const rest = parts.filter((p) => p !== strings && p !== worksheet);
    // exceljs's streaming reader left {sharedString: N} cells for the second order (exceljs#683): no header, nothing imported
    for (const order of [[...rest, strings, worksheet], [...rest, worksheet, strings]]) {
      const tenant = await seedTenant(t);
      const job = await importFile(t, tenant, new Uint8Array(buildZip(order)), 'leads.xlsx');
      expect(job, order.map((p) => p.name).join(' ')).toMatchObject({ status: 'completed', progress: { processed: 2, created: 2, failed: 0 } });
      const leads = await leadsOf(t, tenant);
      expect(leads.map((l) => [l.first_name, l.last_name, l.email])).toEqual([['Ada', 'Lovelace', 'ada@x.example'], ['Alan', 'Turing', 'alan@x.example']]);
    }
  });

  it('decodes UTF-8 as UTF-8 and other bytes as Windows-1252, per byte sequence', async () => {
    const tenant = await seedTenant(t);
    const csv = Buffer.concat([
      Buffer.from('\ufeffFirst Name,Last Name,Email\n', 'utf8'),
      Buffer.from('Zoë,Müller,zoe@x.example\n', 'utf8'),
      Buffer.from('Ren', 'latin1'), Buffer.from([0xe9]), Buffer.from(',Caf', 'latin1'), Buffer.from([0xe9, 0x80]), Buffer.from(',rene@x.example\n'),
      Buffer.from('José,Ç', 'utf8'), Buffer.from([0xe7]), Buffer.from(',jose@x.example\n'),
    ]);
    const job = await importFile(t, tenant, new Uint8Array(csv));
    expect(job.progress).toMatchObject({ created: 3, failed: 0 });
    const leads = await leadsOf(t, tenant);
    expect(leads.map((l) => [l.first_name, l.last_name])).toEqual([['Zoë', 'Müller'], ['René', 'Café€'], ['José', 'Çç']]);
  });

  it('resumes from its checkpoint slice after slice (tiny batches), committing each row exactly once', async () => {
    const tenant = await seedTenant(t);
    const storage = createFileStorage(t.deps.config.STORAGE_DIR);
    const lines = ['Email,First Name'];
    for (let i = 1; i <= 23; i++) lines.push(i % 5 === 0 ? `bad-${i},Name${i}` : `r${i}@x.example,Name${i}`);
    lines.push('"unclosed,x');
    const stored = await storage.storeStream(tenant.orgId, Readable.from([Buffer.from(lines.join('\n'))]), {
      maxBytes: 1e6, label: 'file', fileName: 'slices.csv', classify: classifyImportFile,
    });
    // recorded without its outbox event: this test drives the activity itself
    const job = await t.database.prisma.job.create({
      data: {
        org_id: tenant.orgId, type: 'lead_import', workflow_id: `lead_import:${tenant.orgId}:slices`, input_key: stored.key, created_by: tenant.adminId,
        params: { file_name: 'slices.csv', format: 'csv', size: stored.size, duplicates: 'skip' },
      },
    });
    const activities = createLeadImportActivities(t.deps, { batchRows: 3, sliceMs: 0 });
    const ref = { orgId: tenant.orgId, jobId: job.id };
    const runSlice = async () => (await new MockActivityEnvironment().run(activities.importLeadSlice, ref)) as ImportSlice;
    const slices: number[] = [];
    let slice: ImportSlice;
    do {
      slice = await runSlice();
      slices.push(slice.row);
    } while (!slice.done);
    expect(slices.length).toBeGreaterThan(5);
    const after = await t.database.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(after).toMatchObject({ processed: 24, created: 19, failed: 5, skipped: 0 });
    const leads = await leadsOf(t, tenant);
    expect(leads.map((l) => l.email)).toEqual(lines.slice(1, 24).filter((l) => !l.startsWith('bad')).map((l) => l.split(',')[0]));
    const errors = await t.database.prisma.jobRowError.findMany({ where: { job_id: job.id }, orderBy: { row_number: 'asc' } });
    expect(errors.map((e) => e.row_number)).toEqual([6, 11, 16, 21, 25]);

    // a stale attempt (one that started before the checkpoint moved) writes nothing
    const stale = commitImportBatch(t.database, {
      orgId: tenant.orgId, jobId: job.id, actorId: null, policy: 'skip', errors: [], from: START_OF_FILE, to: { row: 3, resume: { row: 3, offset: 10 } },
      rows: [{ row: 2, lead: { ...leads[0]!, email: 'late@x.example', dedupe_email: 'late@x.example', tags: [], custom_fields: {}, estimated_value: null } as never }],
    });
    await expect(stale).rejects.toBeInstanceOf(CheckpointMovedError);
    expect(await t.database.prisma.lead.count({ where: { org_id: tenant.orgId } })).toBe(19);
  });

  it('writes two batches at once, in parallel where their keys differ, committing them in order; a batch behind a failed one writes nothing', async () => {
    const tenant = await seedTenant(t);
    const job = await t.database.prisma.job.create({
      data: {
        org_id: tenant.orgId, type: 'lead_import', workflow_id: `lead_import:${tenant.orgId}:pairs`, input_key: 'unused', created_by: tenant.adminId,
        params: { file_name: 'pairs.csv', format: 'csv', size: 1, duplicates: 'skip' },
      },
    });
    const context = await loadRowContext(t.database, tenant.orgId);
    const mapping = mapHeader(['Email', 'First Name'])!;
    let row = 1;
    const rowsOf = (cells: [string, string][]) =>
      cells.map(([email, name]) => ({ row: ++row, lead: (readLeadRow([email, name], mapping, context) as { lead: ImportedLead }).lead }));
    const at = (r: number) => ({ row: r, resume: { row: r, offset: r * 10 } });
    const batchOf = (rows: ReturnType<typeof rowsOf>, from: ReturnType<typeof at>) =>
      ({ orgId: tenant.orgId, jobId: job.id, actorId: null, policy: 'skip' as const, rows, errors: [], from, to: at(row) });

    // the second batch repeats both keys of the first, in the opposite order: it inserts once the first has, and skips them
    const first = writeImportBatch(t.database, batchOf(rowsOf([['a@pair.example', 'Ann'], ['b@pair.example', 'Bob'], ['', 'Keyless']]), START_OF_FILE));
    const second = writeImportBatch(t.database, batchOf(rowsOf([['b@pair.example', 'Bob'], ['a@pair.example', 'Ann'], ['c@pair.example', 'Cy']]), at(4)), first);
    // keys apart: the fourth batch inserts while the third is being written
    const third = writeImportBatch(t.database, batchOf(rowsOf([['d@pair.example', 'Di']]), at(7)), second);
    const fourth = writeImportBatch(t.database, batchOf(rowsOf([['e@pair.example', 'Ed']]), at(8)), third);
    expect(await Promise.all([first.committed, second.committed, third.committed, fourth.committed])).toEqual([
      { created: 3, merged: 0, skipped: 0, failed: 0 },
      { created: 1, merged: 0, skipped: 2, failed: 0 },
      { created: 1, merged: 0, skipped: 0, failed: 0 },
      { created: 1, merged: 0, skipped: 0, failed: 0 },
    ]);
    const leads = await leadsOf(t, tenant);
    expect(leads.map((l) => l.email)).toEqual(['a@pair.example', 'b@pair.example', null, 'c@pair.example', 'd@pair.example', 'e@pair.example']);
    expect(await t.database.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ processed: 8, created: 6, skipped: 2, checkpoint: at(9) });

    // a stale batch (its range is committed) fails, and the batch written behind it writes nothing either
    const stale = writeImportBatch(t.database, batchOf(rowsOf([['f@pair.example', 'Flo']]), START_OF_FILE));
    const behind = writeImportBatch(t.database, batchOf(rowsOf([['g@pair.example', 'Gil']]), at(10)), stale);
    await expect(stale.committed).rejects.toBeInstanceOf(CheckpointMovedError);
    await expect(behind.committed).rejects.toBeInstanceOf(CheckpointMovedError);
    expect(await t.database.prisma.lead.count({ where: { org_id: tenant.orgId } })).toBe(6);
    expect(await t.database.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ processed: 8, checkpoint: at(9) });
  });

  it('fails the job with a clear message when a workbook has no header row', async () => {
    const tenant = await seedTenant(t);
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Data').addRow(['jane@x.example', 'Jane']);
    const job = await importFile(t, tenant, new Uint8Array(await book.xlsx.writeBuffer()), 'data.xlsx');
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/first row must be a header row/);
    expect(await t.database.prisma.lead.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });
});

const BULK_ROWS = 100_000;

describe('lead import exactly-once across a killed worker process', () => {
  let scratch: ScratchDatabase;
  let t: TestApp;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(inject('adminDatabaseUrl'), 'importkill');
    t = createTestApp({ DATABASE_URL: scratch.url, TEMPORAL_TASK_QUEUE: `import-kill-${randomBytes(4).toString('hex')}` });
  });

  afterAll(async () => {
    for (const worker of workers) killGroup(worker, 'SIGKILL');
    await t?.close();
    await scratch?.drop();
  });

  it('imports 100,000 rows exactly once although the worker is SIGKILLed mid-import', async () => {
    const tenant = await seedTenant(t);
    const marker = randomBytes(3).toString('hex');
    const emails = Array.from({ length: BULK_ROWS }, (_, i) => `lead${i}-${marker}@bulk${i % 50}.example`);
    const csv = `first_name,last_name,email,company,job_title\n${emails.map((e, i) => `First${i},Last${i},${e},Company ${i % 500},Manager`).join('\n')}\n`;
    workers.push(spawnWorker(workerEnvOf(t)));
    const res = await upload(t, tenant, csv);
    expect(res.status).toBe(202);
    const jobId: number = res.body.data.id;
    const progressOf = async () => (await t.database.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).processed;

    const atKill = await vi.waitFor(
      async () => {
        const processed = await progressOf();
        expect(processed).toBeGreaterThan(0);
        return processed;
      },
      { timeout: 45_000, interval: 50 },
    );
    killGroup(workers[0]!, 'SIGKILL');
    expect(atKill).toBeLessThan(BULK_ROWS);
    workers.push(spawnWorker(workerEnvOf(t)));

    const job = await waitForJob(t, tenant, jobId, 75_000);
    expect(job).toMatchObject({
      status: 'completed',
      progress: { total: BULK_ROWS, processed: BULK_ROWS, created: BULK_ROWS, merged: 0, skipped: 0, failed: 0 },
    });
    const { rows } = await t.database.pool.query<{ email: string }>('SELECT email FROM leads WHERE org_id = $1', [tenant.orgId]);
    expect(rows.length).toBe(BULK_ROWS);
    expect(rows.map((r) => r.email).sort()).toEqual([...emails].sort());
    // the triggers ran exactly once per lead too
    expect(await t.database.prisma.activityFeedEntry.count({ where: { org_id: tenant.orgId, model_type: 'lead' } })).toBe(BULK_ROWS);
    expect(await t.database.prisma.company.count({ where: { org_id: tenant.orgId } })).toBe(500);
  }, 120_000);
});

// Issue 8 §2 (limits), spreadsheet imports: XLSX decompression bombs. A
// workbook is a zip, and a sheet of one repeated row deflates about
// 1000-fold: a 22 KB upload inflated to 20 MB and was imported, a 155 KB one
// inflated to 150 MB and grew the server by ~280 MB in under two seconds.
// Bombs whose zip directory declares their sizes are refused at upload; one
// whose directory lies is stopped while inflating, its job failing with a
// clear error, and memory stays flat. The bombs are built here, streamed
// (the inflated text is never held by the test either).
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFileStorage } from '../../domain/platform/file-storage.js';
import { classifyImportFile, readXlsxRows, xlsxInflationLimits } from '../../domain/jobs/lead-import-file.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { buildZip, deflateRepeated, workbookParts } from '../helpers/zip.js';

const SHEET = 'xl/worksheets/sheet1.xml';
// one long cell of one repeated letter: deflate encodes runs at distance 1 in a few bits per 258 bytes
const ROW = `<row><c t="inlineStr"><is><t>${'A'.repeat(32_000)}</t></is></c></row>`;

/** A one-sheet workbook whose sheet inflates to about `bytes`; `declaredSize` makes its directory lie. */
async function bomb(bytes: number, declaredSize?: number): Promise<{ file: Buffer; inflated: number }> {
  const sheet = await deflateRepeated(
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      '<row><c t="inlineStr"><is><t>Email</t></is></c></row>',
    ROW,
    Math.ceil(bytes / ROW.length),
    '</sheetData></worksheet>',
  );
  const parts = workbookParts('').filter((p) => p.name !== SHEET);
  return { file: buildZip([...parts, { name: SHEET, ...sheet, declaredSize }]), inflated: sheet.size };
}

/** Peak resident memory above the start while `work` runs, sampled every 5 ms. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage().rss) - start;
}

const MB = 1e6;

let system: TestSystem;
let t: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  system = await createTestSystem('importbombs', { worker: true });
  t = system.t;
  tenant = await seedTenant(t);
});

afterAll(async () => {
  await system?.close();
});

function upload(file: Buffer) {
  const form = new FormData();
  form.append('file', new File([new Uint8Array(file)], 'leads.xlsx'));
  return t.call('POST', '/api/lead/lead-imports', { token: tenant.token, body: form });
}

const jobsOfTenant = () => t.database.prisma.job.count({ where: { org_id: tenant.orgId } });

describe('XLSX decompression bombs (issue 8 §2)', () => {
  it('refuses at upload a 22 KB workbook that inflates to 20 MB (422 decompression_limit, no job)', async () => {
    const { file, inflated } = await bomb(20 * MB);
    expect(file.length).toBeLessThan(30_000);
    expect(inflated).toBeGreaterThan(20 * MB);
    const before = await jobsOfTenant();
    const res = await upload(file);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({ success: false, error: { code: 'decompression_limit' } });
    expect(res.body.error.message).toMatch(/^The XLSX file is refused: its part xl\/worksheets\/sheet1.xml inflates \d+-fold .* at most 100-fold is allowed/);
    expect(await jobsOfTenant()).toBe(before);
  });

  it('refuses at upload a 155 KB workbook that inflates to 150 MB, with memory flat', async () => {
    const { file, inflated } = await bomb(150 * MB);
    expect(file.length).toBeLessThan(200_000);
    expect(inflated).toBeGreaterThan(150 * MB);
    let res: Awaited<ReturnType<typeof upload>> | undefined;
    const growth = await peakRssGrowth(async () => {
      res = await upload(file);
    });
    console.info(`150 MB bomb (${file.length} bytes) at upload: peak RSS growth ${(growth / MB).toFixed(1)} MB`);
    expect(res!.status, JSON.stringify(res!.body)).toBe(422);
    expect(res!.body.error.code).toBe('decompression_limit');
    // nothing was inflated: the upload's own buffers only
    expect(growth).toBeLessThan(40 * MB);
  }, 60_000);

  it('stops a workbook whose zip directory understates its sizes while inflating: the job fails with a clear error, memory flat', async () => {
    // declared 500 KB (1 MiB and under is never judged by ratio): the directory looks harmless, the upload is taken
    const { file } = await bomb(150 * MB, 500_000);
    const res = await upload(file);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const job = await vi.waitFor(
      async () => {
        const view = (await t.call('GET', `/api/jobs/${res.body.data.id}`, { token: tenant.token })).body.data;
        expect(view.status).toBe('failed');
        return view;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(job.error).toBe(
      'The XLSX file could not be read: its part xl/worksheets/sheet1.xml inflates past the 500000 bytes its zip directory declares (a forged or damaged file)',
    );
    // no further than the declared size: a few rows of 32 KB
    expect(job.progress.processed).toBeLessThan(500_000 / ROW.length + 2);

    // the same read in this process, measured: it stops at the declared size instead of inflating 150 MB
    const storage = createFileStorage(t.deps.config.STORAGE_DIR);
    const stored = await storage.storeStream(tenant.orgId, Readable.from([file]), {
      maxBytes: 1e7, label: 'import file', fileName: 'liar.xlsx', classify: classifyImportFile,
    });
    let rows = 0;
    let failure: unknown;
    const growth = await peakRssGrowth(async () => {
      try {
        for await (const _row of readXlsxRows(storage, stored, xlsxInflationLimits(t.deps.config))) rows += 1;
      } catch (err) {
        failure = err;
      }
    });
    console.info(`150 MB bomb declaring 500 KB, read by the job's reader: ${rows} rows, then stopped; peak RSS growth ${(growth / MB).toFixed(1)} MB`);
    expect(failure).toMatchObject({ name: 'ZipInflationError' });
    expect(rows).toBeLessThan(500_000 / ROW.length + 2);
    expect(growth).toBeLessThan(40 * MB);
  }, 60_000);
});

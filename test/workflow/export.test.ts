// Export jobs end to end: POST /api/exports/create records the job and its
// job.start event, the outbox relay starts exportWorkflow on a real worker
// (real Temporal), the CSV is streamed to storage and downloaded through the
// API. Also the shared jobs API on a running job: pause holds it (progress
// stops), resume finishes it, cancel ends it.
import type { ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'csv-parse/sync';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTemporalClient, LIO_SEARCH_ATTRIBUTES } from '../../worker/temporal-connection.js';
import { jobControlQuery, pauseJobSignal } from '../../workflows/job-control.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { killGroup, spawnWorker, workerEnvOf } from '../helpers/worker-process.js';

let system: TestSystem;
let t: TestApp;

beforeAll(async () => {
  system = await createTestSystem('export', { worker: true });
  t = system.t;
});

afterAll(async () => {
  await system?.close();
});

interface JobView {
  id: number;
  status: string;
  workflow_id: string;
  progress: { total: number | null; processed: number };
  result: Record<string, unknown>;
  download_url: string | null;
  error: string | null;
}

async function startExport(tenant: Tenant, body: unknown): Promise<JobView> {
  const res = await t.call('POST', '/api/exports/create', { token: tenant.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data;
}

const jobOf = async (tenant: Tenant, id: number): Promise<JobView> => (await t.call('GET', `/api/jobs/${id}`, { token: tenant.token })).body.data;

async function waitForJob(tenant: Tenant, id: number, until: (job: JobView) => boolean, timeout = 30_000): Promise<JobView> {
  return vi.waitFor(
    async () => {
      const job = await jobOf(tenant, id);
      if (job.status === 'failed') throw new Error(`export failed: ${job.error}`);
      expect(until(job), JSON.stringify(job)).toBe(true);
      return job;
    },
    { timeout, interval: 50 },
  );
}

async function download(tenant: Tenant, id: number): Promise<Record<string, string>[]> {
  const res = await t.call('GET', `/api/exports/download/${id}`, { token: tenant.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
  return parse(res.body, { columns: true, bom: true });
}

async function exportRows(tenant: Tenant, body: unknown) {
  const job = await startExport(tenant, body);
  const done = await waitForJob(tenant, job.id, (j) => j.status === 'completed');
  return { job: done, rows: await download(tenant, job.id) };
}

const lead = (orgId: number, data: Record<string, unknown>) =>
  t.database.prisma.lead.create({ data: { org_id: orgId, ...data } as never });

/**
 * Sends a control to an export that is certainly mid-export, whatever the
 * speed of this machine: once it has written a batch, the control is
 * accepted, then the export's next progress write is held (a row lock on its
 * job) until the relay has delivered the control, so the export cannot
 * finish before its workflow has it.
 */
async function midExport(app: TestApp, tenant: Tenant, jobId: number, sendControl: () => Promise<void>) {
  await vi.waitFor(
    async () => {
      const job = await app.database.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
      expect(job.processed > 0 && job.status === 'running', JSON.stringify(job)).toBe(true);
    },
    { timeout: 30_000, interval: 50 },
  );
  // the control locks the job row for a moment itself (it numbers the control there), so it goes first
  await sendControl();
  const client: pg.PoolClient = await app.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE', [jobId]);
    await controlsDelivered(app, tenant);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** A control reached its workflow once the relay has delivered (deleted) its event. */
const controlsDelivered = (app: TestApp, tenant: Tenant) =>
  vi.waitFor(async () => expect(await app.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'job.control' } })).toBe(0), {
    timeout: 20_000,
    interval: 50,
  });

describe('export jobs through the outbox relay (real worker, real Temporal)', () => {
  it('exports the leads matching the lead list filters, with labels, custom fields and neutralised formulas', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const tag = await prisma.customLookup.create({
      data: { org_id: tenant.orgId, module_name: 'lead', type: 'tag', name: 'VIP', name_key: 'vip' },
    });
    const wanted = await lead(tenant.orgId, {
      first_name: '=HYPERLINK("http://evil.example")', last_name: 'Doe', email: 'jane@acme.example', status: 2, priority: 3,
      lead_source: 1, estimated_value: 1234.5, tags: [tag.id], custom_fields: { tier: 'gold', seats: 12, notes: '+1 call' },
      notes: 'line one\nline "two", with comma',
    });
    const other = await lead(tenant.orgId, { first_name: 'Sam', last_name: 'Stone', status: 2, priority: 1, custom_fields: { region: 'EU' } });
    await lead(tenant.orgId, { first_name: 'Ned', last_name: 'New', status: 1 });
    const elsewhere = await seedTenant(t);
    await lead(elsewhere.orgId, { first_name: 'Other', last_name: 'Org', status: 2 });

    const { job, rows } = await exportRows(tenant, { export_type: 'leads', filters: { state_id: 2 } });
    expect(job).toMatchObject({
      progress: { total: 2, processed: 2 },
      result: { file_name: `leads-export-${job.id}.csv`, rows: 2, download_url: `/api/exports/download/${job.id}` },
    });
    const listed = await t.call('GET', '/api/exports/list', { token: tenant.token });
    expect(listed.body.data).toMatchObject([{ id: job.id, status: 'completed', download_url: `/api/exports/download/${job.id}` }]);
    expect(rows.map((r) => Number(r.id))).toEqual([wanted.id, other.id]);
    expect(Object.keys(rows[0]!)).toEqual([
      'id', 'first_name', 'last_name', 'email', 'phone_number', 'company', 'company_id', 'job_title', 'industry', 'website',
      'address', 'city', 'state', 'country', 'pin_code', 'status', 'status_text', 'priority', 'priority_text', 'lead_source',
      'lead_source_text', 'score', 'estimated_value', 'assigned_to', 'linkedin_url', 'tags', 'notes', 'ai_information',
      'last_activity_at', 'created_at', 'updated_at', 'custom.notes', 'custom.region', 'custom.seats', 'custom.tier',
    ]);
    expect(rows[0]).toMatchObject({
      first_name: `'=HYPERLINK("http://evil.example")`,
      last_name: 'Doe',
      status: '2',
      status_text: 'Contacted',
      priority_text: 'High',
      lead_source_text: 'Website',
      estimated_value: '1234.5',
      tags: 'VIP',
      notes: 'line one\nline "two", with comma',
      ai_information: '{}',
      'custom.tier': 'gold',
      'custom.seats': '12',
      'custom.notes': `'+1 call`,
      'custom.region': '',
      phone_number: '',
    });
    expect(rows[1]).toMatchObject({ first_name: 'Sam', 'custom.region': 'EU', 'custom.tier': '' });
    expect(rows[0]!.created_at).toBe(wanted.created_at.toISOString());
  });

  it('exports companies and contacts with their own list filters', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const acme = await prisma.company.create({
      data: { org_id: tenant.orgId, company_name: 'Acme', industry_type: 'Software', city: 'Paris', rating: 4, website: 'https://acme.example' },
    });
    await prisma.company.create({ data: { org_id: tenant.orgId, company_name: 'Globex', industry_type: 'Retail' } });
    const initech = await prisma.company.create({ data: { org_id: tenant.orgId, company_name: '@Initech', industry_type: 'software' } });
    const ann = await prisma.contact.create({
      data: { org_id: tenant.orgId, name: 'Ann Lee', email: 'ann@acme.example', company_id: acme.id, designation: 'CTO', status: 3 },
    });
    await prisma.contact.create({ data: { org_id: tenant.orgId, name: 'Bob Ray', company_id: initech.id } });
    await lead(tenant.orgId, { first_name: 'Lia', last_name: 'Lane', company_id: acme.id });

    const companies = await exportRows(tenant, { export_type: 'companies', filters: { industry: 'software' } });
    expect(companies.rows.map((r) => r.company_name)).toEqual(['Acme', "'@Initech"]);
    expect(companies.rows[0]).toMatchObject({
      id: String(acme.id), industry_type: 'Software', city: 'Paris', rating: '4', website: 'https://acme.example', contact_count: '1', lead_count: '1',
    });
    expect(Object.keys(companies.rows[0]!)).toEqual([
      'id', 'company_name', 'industry_type', 'company_logo', 'address', 'city', 'country', 'employee_size', 'rating',
      'contact_email', 'phone_number', 'website', 'summary', 'contact_count', 'lead_count', 'created_at', 'updated_at',
    ]);

    const contacts = await exportRows(tenant, { export_type: 'contacts', filters: { company_id: String(acme.id) } });
    expect(contacts.rows).toHaveLength(1);
    expect(contacts.rows[0]).toMatchObject({
      id: String(ann.id), name: 'Ann Lee', email: 'ann@acme.example', company_name: 'Acme', designation: 'CTO', status: '3', status_text: 'Qualified',
    });
    expect(contacts.job.result).toMatchObject({ rows: 1, file_name: `contacts-export-${contacts.job.id}.csv` });
  });

  it('runs the job as its business-id workflow, which operators find in Temporal by OrgId and JobType', async () => {
    const tenant = await seedTenant(t);
    await lead(tenant.orgId, { first_name: 'Ops', last_name: 'Visible' });
    const { job } = await exportRows(tenant, { export_type: 'leads' });
    expect(job.workflow_id).toBe(`export:${tenant.orgPublicId}:${job.id}`);
    const temporal = await connectTemporalClient(t.deps.config);
    try {
      const description = await temporal.client.workflow.getHandle(job.workflow_id).describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.typedSearchAttributes.get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);
      expect(description.typedSearchAttributes.get(LIO_SEARCH_ATTRIBUTES.jobType)).toBe('export');
      // visibility is eventually consistent: the list query finds it shortly after
      await vi.waitFor(
        async () => {
          const found: string[] = [];
          for await (const run of temporal.client.workflow.list({ query: `OrgId = "${tenant.orgPublicId}" AND JobType = "export"` })) found.push(run.workflowId);
          expect(found).toEqual([job.workflow_id]);
        },
        { timeout: 15_000, interval: 250 },
      );
    } finally {
      await temporal.connection.close();
    }
  });

  it('exports clients: the leads with a deal in a won stage, with their won deals', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const pipeline = await prisma.pipeline.findFirstOrThrow({ where: { org_id: tenant.orgId }, include: { stages: true } });
    const won = pipeline.stages.find((s) => s.is_won)!;
    const open = pipeline.stages.find((s) => !s.is_won && !s.is_lost)!;
    const client = await lead(tenant.orgId, { first_name: 'Cleo', last_name: 'Client', country: 'France' });
    const prospect = await lead(tenant.orgId, { first_name: 'Pete', last_name: 'Prospect', country: 'France' });
    const foreignClient = await lead(tenant.orgId, { first_name: 'Finn', last_name: 'Foreign', country: 'Finland' });
    const deal = (leadId: number, stageId: number, value: number) =>
      prisma.deal.create({
        data: { org_id: tenant.orgId, lead_id: leadId, pipeline_id: pipeline.id, stage_id: stageId, title: 'Deal', value, expected_close_date: new Date('2027-01-31') },
      });
    await deal(client.id, won.id, 1000);
    await deal(client.id, won.id, 250.5);
    await deal(client.id, open.id, 99);
    await deal(prospect.id, open.id, 5000);
    await deal(foreignClient.id, won.id, 10);

    const all = await exportRows(tenant, { export_type: 'clients' });
    expect(all.rows.map((r) => Number(r.id))).toEqual([client.id, foreignClient.id]);
    expect(all.rows[0]).toMatchObject({ first_name: 'Cleo', won_deals: '2', won_value: '1250.5' });

    const french = await exportRows(tenant, { export_type: 'clients', filters: { country: 'france' } });
    expect(french.rows.map((r) => Number(r.id))).toEqual([client.id]);
  });

  describe('at scale, and controlled through the jobs API', () => {
    let tenant: Tenant;
    const LEADS = 20_000;

    beforeAll(async () => {
      tenant = await seedTenant(t);
      await t.database.pool.query(
        `INSERT INTO leads (org_id, first_name, last_name, email, notes, status, custom_fields)
         SELECT $1, 'First' || g, 'Last' || g, 'lead' || g || '@scale.example', repeat('note ', 100), 1 + g % 3, jsonb_build_object('n', g)
           FROM generate_series(1, $2::int) AS g`,
        [tenant.orgId, LEADS],
      );
    }, 120_000);

    it('streams 20,000 leads without holding the file in memory (live heap peak under half its size)', async () => {
      // live memory, not garbage: each sample collects garbage first (the worker runs in this process). A full
      // collection takes tens of milliseconds, so samples are taken as the export advances, every 4,000 rows.
      setFlagsFromString('--expose-gc');
      const collectGarbage = runInNewContext('gc') as () => void;
      const liveHeap = () => {
        collectGarbage();
        return process.memoryUsage().heapUsed;
      };
      const baseline = liveHeap();
      let peak = baseline;
      let sampledAt = 0;
      const started = await startExport(tenant, { export_type: 'leads' });
      const job = await waitForJob(
        tenant,
        started.id,
        (j) => {
          if (j.progress.processed - sampledAt >= 4000 && j.status === 'running') {
            sampledAt = j.progress.processed;
            peak = Math.max(peak, liveHeap());
          }
          return j.status === 'completed';
        },
        60_000,
      );
      expect(sampledAt).toBeGreaterThan(0);
      const size = job.result.size as number;
      expect(job.result.rows).toBe(LEADS);
      expect(job.progress).toMatchObject({ total: LEADS, processed: LEADS });
      // the file is ~13 MB, a batch of 1,000 rows about 0.65 MB: holding the export in memory would cost far more than the file
      expect(size).toBeGreaterThan(10_000_000);
      console.info(`export of ${LEADS} leads: ${size} bytes; live heap peak ${((peak - baseline) / 1e6).toFixed(1)} MB above baseline`);
      expect(peak - baseline).toBeLessThan(size / 2);
      const rows = await download(tenant, job.id);
      expect(rows).toHaveLength(LEADS);
      expect(new Set(rows.map((r) => r.id)).size).toBe(LEADS);
    }, 90_000);

    it('pauses at a batch boundary (progress stops), and completes every row exactly once after resume', async () => {
      const started = await startExport(tenant, { export_type: 'leads', filters: { state_id: '1,2' } });
      await midExport(t, tenant, started.id, async () => {
        const res = await t.call('POST', `/api/jobs/${started.id}/pause`, { token: tenant.token });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
      });
      const paused = await waitForJob(tenant, started.id, (j) => j.status === 'paused');
      const expected = paused.progress.total!;
      expect(paused.progress.processed).toBeGreaterThan(0);
      expect(paused.progress.processed).toBeLessThan(expected);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const stillPaused = await jobOf(tenant, started.id);
      expect(stillPaused).toMatchObject({ status: 'paused', progress: { processed: paused.progress.processed } });
      expect((await t.call('GET', `/api/exports/download/${started.id}`, { token: tenant.token })).status).toBe(409);

      const resumed = await t.call('POST', `/api/jobs/${started.id}/resume`, { token: tenant.token });
      expect(resumed.status).toBe(202);
      const done = await waitForJob(tenant, started.id, (j) => j.status === 'completed', 60_000);
      expect(done.progress).toMatchObject({ total: expected, processed: expected });
      const rows = await download(tenant, started.id);
      const ids = rows.map((r) => Number(r.id));
      expect(ids).toHaveLength(expected);
      expect(new Set(ids).size).toBe(expected);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(rows.every((r) => r.status === '1' || r.status === '2')).toBe(true);
    }, 120_000);

    it('cancels a running export: status cancelled, no download', async () => {
      const started = await startExport(tenant, { export_type: 'leads' });
      await midExport(t, tenant, started.id, async () => {
        const res = await t.call('POST', `/api/jobs/${started.id}/cancel`, { token: tenant.token });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
      });
      const cancelled = await waitForJob(tenant, started.id, (j) => j.status === 'cancelled');
      expect(cancelled.progress.processed).toBeLessThan(LEADS);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await jobOf(tenant, started.id)).toMatchObject({ status: 'cancelled', progress: { processed: cancelled.progress.processed } });
      const res = await t.call('GET', `/api/exports/download/${started.id}`, { token: tenant.token });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe('The export is cancelled; it can be downloaded once it has completed');
      expect((await t.call('POST', `/api/jobs/${started.id}/resume`, { token: tenant.token })).status).toBe(409);
    }, 60_000);
  });
});

describe('a paused export across killed worker processes (worker as its own process, SIGKILLed)', () => {
  let crash: TestSystem;
  let app: TestApp;
  let tenant: Tenant;
  let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
  const workers: ChildProcess[] = [];
  const LEADS = 20_000;

  beforeAll(async () => {
    // no in-process worker: only the spawned processes run this system's workflows and relay its outbox
    crash = await createTestSystem('exportcrash', { worker: false });
    app = crash.t;
    temporal = await connectTemporalClient(app.deps.config);
    tenant = await seedTenant(app);
    await app.database.pool.query(
      `INSERT INTO leads (org_id, first_name, last_name, email, status) SELECT $1, 'First' || g, 'Last' || g, 'lead' || g || '@crash.example', 1
         FROM generate_series(1, $2::int) AS g`,
      [tenant.orgId, LEADS],
    );
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) killGroup(worker, 'SIGKILL');
    await temporal?.connection.close();
    await crash?.close();
  });

  const jobRow = (id: number) => app.database.prisma.job.findUniqueOrThrow({ where: { id } });
  const control = (id: number, action: string) => app.call('POST', `/api/jobs/${id}/${action}`, { token: tenant.token });
  const jobReaching = (id: number, status: string, timeout: number) =>
    vi.waitFor(
      async () => {
        const job = await jobRow(id);
        expect(job.status).toBe(status);
        return job;
      },
      { timeout, interval: 100 },
    );

  async function startPausedExport() {
    const res = await app.call('POST', '/api/exports/create', { token: tenant.token, body: { export_type: 'leads' } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id: number = res.body.data.id;
    await midExport(app, tenant, id, async () => expect((await control(id, 'pause')).status).toBe(202));
    const paused = await jobReaching(id, 'paused', 30_000);
    expect(paused.processed).toBeGreaterThan(0);
    expect(paused.processed).toBeLessThan(LEADS);
    return { id, workflowId: res.body.data.workflow_id as string, processed: paused.processed };
  }

  /**
   * The worker now running is made to run the workflow (a query, answered by
   * replaying its history, and a signal that changes nothing but makes it
   * take a workflow task): it must be paused, and stay so with no progress.
   */
  async function expectStillPaused(job: { id: number; workflowId: string; processed: number }, controlSeq: number) {
    const handle = temporal.client.workflow.getHandle(job.workflowId);
    // the first query can reach the server before the new process polls (it is
    // still starting on a loaded machine) and be cancelled there: ask again until
    // a worker answers; what it answers is the assertion
    const first = await vi.waitFor(() => handle.query(jobControlQuery), { timeout: 60_000, interval: 500 });
    expect(first).toEqual({ paused: true, controlSeq });
    await handle.signal(pauseJobSignal, { seq: 0 });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await handle.query(jobControlQuery)).toEqual({ paused: true, controlSeq });
    expect(await jobRow(job.id)).toMatchObject({ status: 'paused', processed: job.processed });
  }

  async function resumeToCompletion(id: number) {
    expect((await control(id, 'resume')).status).toBe(202);
    const done = await jobReaching(id, 'completed', 60_000);
    expect(done).toMatchObject({ total: LEADS, processed: LEADS });
    const res = await app.call('GET', `/api/exports/download/${id}`, { token: tenant.token });
    expect(res.status).toBe(200);
    const ids = (parse(res.body, { columns: true, bom: true }) as { id: string }[]).map((r) => Number(r.id));
    expect(ids).toHaveLength(LEADS);
    expect(new Set(ids).size).toBe(LEADS);
  }

  it('stays paused when its worker process is SIGKILLed and another takes over, then resumes with every row exactly once', async () => {
    workers.push(spawnWorker(workerEnvOf(app)));
    const job = await startPausedExport();
    killGroup(workers.at(-1)!, 'SIGKILL');
    // the new process has no cached workflow: the pause must come back from history
    workers.push(spawnWorker(workerEnvOf(app)));
    await expectStillPaused(job, 1);
    await resumeToCompletion(job.id);
  }, 180_000);

  it('applies a resume and a pause sent at once in the order accepted, even when the pause is delivered first', async () => {
    workers.push(spawnWorker(workerEnvOf(app)));
    const job = await startPausedExport();
    // with no worker (and so no relay) running, both controls wait in the outbox
    killGroup(workers.at(-1)!, 'SIGKILL');
    expect((await control(job.id, 'resume')).status).toBe(202);
    expect((await control(job.id, 'pause')).status).toBe(202);
    const [resume, pause] = await app.database.prisma.outboxEvent.findMany({ where: { org_id: tenant.orgId, kind: 'job.control' }, orderBy: { id: 'asc' } });
    expect([resume!.payload, pause!.payload]).toMatchObject([{ action: 'resume', seq: 2 }, { action: 'pause', seq: 3 }]);
    // the resume is held back (a relay that claimed it and stalled, a failed delivery waiting for its retry): the pause overtakes it
    const holder = await app.database.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM outbox_events WHERE id = $1 FOR UPDATE', [resume!.id]);
      workers.push(spawnWorker(workerEnvOf(app)));
      await vi.waitFor(async () => expect(await app.database.prisma.outboxEvent.count({ where: { id: pause!.id } })).toBe(0), {
        timeout: 30_000,
        interval: 100,
      });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await controlsDelivered(app, tenant);
    await expectStillPaused(job, 3);
    await resumeToCompletion(job.id);
  }, 180_000);
});

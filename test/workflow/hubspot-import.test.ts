// The HubSpot import end to end: the API starts the job, the outbox relay
// starts the workflow on a real worker (real Temporal), and the official
// HubSpot client reads a local fake HubSpot that pages, rate-limits (429)
// and fails transiently (502). Counts must be exact, a re-run must merge
// rather than duplicate, a 429's Retry-After must be waited out, and an
// interrupted import (a stopped worker, a SIGKILLed worker process) must
// resume from its committed checkpoint without fetching committed pages again.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHubspotImportActivities } from '../../activities/hubspot-import.activities.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../worker/worker.js';
import { createRateLimiter } from '../../connectors/rate-limiter.js';
import { DEFAULT_HUBSPOT_MAPPING } from '../../domain/jobs/hubspot-import.js';
import { createLogger } from '../../domain/platform/logger.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startFakeHubspot, type FakeHubspot } from '../helpers/fake-hubspot.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/scratch-database.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { killGroup, spawnWorker } from '../helpers/worker-process.js';

const TOKEN = 'pat-na1-fake-token-0001';
const COMPANIES = 230;
const CONTACTS = 1250;

/**
 * 230 companies and 1,250 contacts: every 125th contact has nothing to
 * identify it (skipped), every 250th has a name but no email (matched by its
 * HubSpot id on a re-run), every 100th repeats the previous contact's email
 * (merged into it).
 */
function seedHubspot(hubspot: FakeHubspot) {
  const updatedAt = '2026-03-01T10:00:00.000Z';
  for (let i = 1; i <= COMPANIES; i++) {
    hubspot.records.companies.push({
      id: String(i),
      updatedAt,
      properties: { name: `Company ${i}`, domain: `company${i}.example`, industry: i % 2 ? 'Software' : 'Retail', city: 'Berlin' },
    });
  }
  for (let i = 0; i < CONTACTS; i++) {
    const company = `Company ${(i % COMPANIES) + 1}`;
    const kind = i % 125 === 7 ? 'blank' : i % 250 === 3 ? 'keyless' : i % 100 === 50 ? 'repeat' : 'plain';
    const email = kind === 'repeat' ? `person${i - 1}@example.test` : kind === 'plain' ? `Person${i}@Example.test` : null;
    hubspot.records.contacts.push({
      id: String(10_000 + i),
      updatedAt,
      properties:
        kind === 'blank'
          ? { firstname: null, lastname: '', email: null }
          : { firstname: `First${i}`, lastname: `Last${i}`, email, jobtitle: 'Engineer', company, favorite_color: 'teal' },
    });
  }
}

const EXPECTED = { skipped: 10, merged: 12, contactsCreated: CONTACTS - 10 - 12 };

/** The progress of a first import of everything seeded, however often it was interrupted. */
const FIRST_IMPORT_PROGRESS = {
  processed: COMPANIES + CONTACTS,
  created: COMPANIES + EXPECTED.contactsCreated,
  merged: EXPECTED.merged,
  skipped: EXPECTED.skipped,
  failed: 0,
};

/** The explicit opt-in of app and workers to fakes on loopback (off by default, never in production). */
const LOOPBACK_FAKES = { EGRESS_ALLOW_PRIVATE_NETWORKS: 'true', HUBSPOT_ALLOW_TENANT_BASE_PATH: 'true' } as const;

describe('HubSpot import workflow (real worker, fake HubSpot)', () => {
  let scratch: ScratchDatabase;
  let t: TestApp;
  let runtime: WorkerRuntime;
  const fakes: FakeHubspot[] = [];

  const startRuntime = () => startWorkerRuntime({ config: t.deps.config, database: t.database, logger: createLogger('silent') });

  beforeAll(async () => {
    scratch = await createScratchDatabase(inject('adminDatabaseUrl'), 'hubspot');
    t = createTestApp({
      DATABASE_URL: scratch.url,
      TEMPORAL_TASK_QUEUE: `hubspot-test-${randomBytes(4).toString('hex')}`,
      // each test's fake HubSpot listens on its own loopback port: connections point at it (tenant base path), which the egress lets through
      ...LOOPBACK_FAKES,
    });
    runtime = await startRuntime();
  });

  afterAll(async () => {
    await runtime?.stop();
    await Promise.all(fakes.map((f) => f.close()));
    await t?.close();
    await scratch?.drop();
  });

  async function fakeHubspot(options: Parameters<typeof startFakeHubspot>[0]) {
    const hubspot = await startFakeHubspot(options);
    fakes.push(hubspot);
    seedHubspot(hubspot);
    return hubspot;
  }

  async function connectedTenant(hubspot: FakeHubspot) {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/connected-apps/hubspot/connect', { token: tenant.token, body: { access_token: TOKEN, base_path: hubspot.url } });
    expect(res.status).toBe(200);
    return tenant;
  }

  async function startImport(tenant: Tenant, body: Record<string, unknown> = {}): Promise<number> {
    const res = await t.call('POST', '/api/connected-apps/hubspot/import', { token: tenant.token, body });
    expect(res.status).toBe(202);
    return res.body.data.id;
  }

  const status = async (tenant: Tenant, id: number) =>
    (await t.call('GET', `/api/connected-apps/hubspot/import/${id}/status`, { token: tenant.token })).body.data;

  async function waitFor(tenant: Tenant, id: number, done: (job: any) => boolean, timeoutMs = 240_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await status(tenant, id);
      if (done(job)) return job;
      if (Date.now() > deadline) throw new Error(`import ${id} still ${job.status} (${JSON.stringify(job.progress)})`);
      await sleep(200);
    }
  }
  const finished = (job: { status: string }) => ['completed', 'failed', 'cancelled'].includes(job.status);

  const counts = async (orgId: number) => ({
    leads: await t.database.prisma.lead.count({ where: { org_id: orgId } }),
    companies: await t.database.prisma.company.count({ where: { org_id: orgId } }),
  });

  /** every page of both objects was fetched successfully exactly once (failed attempts aside) */
  function expectEveryPageOnce(hubspot: FakeHubspot) {
    const contacts = hubspot.pageFetches('contacts');
    const companies = hubspot.pageFetches('companies');
    expect(contacts.size).toBe(13);
    expect(companies.size).toBe(3);
    expect([...contacts.values(), ...companies.values()].every((n) => n === 1)).toBe(true);
  }

  it(
    'honours limit and the last-modified window (search API), and a custom mapping',
    async () => {
      const hubspot = await fakeHubspot({ token: TOKEN });
      for (const [i, record] of hubspot.records.contacts.entries()) record.updatedAt = i < 400 ? '2026-01-15T12:00:00.000Z' : '2026-05-01T00:00:00.000Z';
      const tenant = await connectedTenant(hubspot);
      const id = await startImport(tenant, {
        mapping: { lead: { email: 'email', favorite_color: 'notes' }, company: {} },
        from: '2026-01-01',
        to: '2026-01-31',
        limit: 150,
      });
      const job = await waitFor(tenant, id, finished);
      expect(job.status).toBe('completed');
      // the first 150 January contacts: two blanks (7, 132) and the keyless one (3: no email, and names are not mapped here)
      // are skipped, the repeat (50) is merged
      expect(job.progress).toMatchObject({ processed: 150, created: 146, merged: 1, skipped: 3, failed: 0 });
      expect(hubspot.requests.every((r) => r.object !== 'companies')).toBe(true);
      expect(hubspot.requests.filter((r) => r.path === '/crm/v3/objects/contacts/search')).toHaveLength(2);
      const lead = await t.database.prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId, dedupe_email: 'person1@example.test' } });
      expect(lead).toMatchObject({ notes: 'teal', first_name: null, company_id: null });
    },
    120_000,
  );

  it('commits a page once when two attempts of the activity race for it; the next call fetches the next page', async () => {
    const hubspot = await fakeHubspot({ token: TOKEN });
    const tenant = await connectedTenant(hubspot);
    // a job without a workflow (no outbox event): the activity is driven directly, as two overlapping attempts would
    const job = await t.database.prisma.job.create({
      data: {
        org_id: tenant.orgId,
        type: 'hubspot_import',
        status: 'running',
        workflow_id: `hubspot_import:${tenant.orgId}:direct`,
        params: { mapping: { lead: { ...DEFAULT_HUBSPOT_MAPPING.lead }, company: { ...DEFAULT_HUBSPOT_MAPPING.company } }, from: null, to: null, limit: null },
        created_by: tenant.adminId,
      },
    });
    const { importNextHubspotPage } = createHubspotImportActivities(t.deps);
    const ref = { orgId: tenant.orgId, jobId: job.id };
    const attempts = await Promise.all([importNextHubspotPage(ref), importNextHubspotPage(ref)]);
    expect(attempts.map((a) => a.committed).sort()).toEqual([0, 100]);
    const afterRace = await t.database.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(afterRace).toMatchObject({ processed: 100, created: 100, checkpoint: { object: 'companies', after: '100', fetched: 100 } });
    const next = await importNextHubspotPage(ref);
    expect(next).toEqual({ done: false, object: 'companies', committed: 100 });
    expect(hubspot.pageFetches('companies')).toEqual(new Map([['', 2], ['100', 1]]));
    expect(await t.database.prisma.company.count({ where: { org_id: tenant.orgId } })).toBe(200);
  });

  it('fails the job with the reason when HubSpot refuses the token (not retried)', async () => {
    const hubspot = await fakeHubspot({ token: TOKEN });
    const tenant = await connectedTenant(hubspot);
    await t.call('POST', '/api/connected-apps/hubspot/connect', { token: tenant.token, body: { access_token: 'pat-revoked', base_path: hubspot.url } });
    const job = await waitFor(tenant, await startImport(tenant), finished, 60_000);
    expect(job.status).toBe('failed');
    expect(job.error).toContain('HubSpot refused the access token');
    expect(hubspot.requests.filter((r) => r.status === 401)).toHaveLength(1);
  }, 90_000);

  it(
    'imports 230 companies and 1,250 contacts over 16 pages through 429s and 502s, with exact counts; a re-run merges',
    async () => {
      const hubspot = await fakeHubspot({ token: TOKEN, rateLimit: { max: 4, windowMs: 1000 } });
      const tenant = await connectedTenant(hubspot);
      hubspot.failNext(2, 502);
      // two 429s whose Retry-After (2 s) is four times the connector's first backoff: waiting it out is visible in the times
      hubspot.rateLimitNext(2, 2);
      const id = await startImport(tenant);
      // seven 502s in a row outlast the connector's six attempts: the activity fails and Temporal retries it
      await waitFor(tenant, id, (job) => job.progress.processed >= COMPANIES + 300);
      hubspot.failNext(7, 502);
      const job = await waitFor(tenant, id, finished);
      expect(job.status).toBe('completed');
      expect(job.error).toBeNull();
      expect(job.progress).toMatchObject(FIRST_IMPORT_PROGRESS);
      expect(await counts(tenant.orgId)).toEqual({ leads: EXPECTED.contactsCreated, companies: COMPANIES });
      const rateLimited = hubspot.requests.filter((r) => r.status === 429);
      expect(rateLimited.filter((r) => r.retryAfter === 2)).toHaveLength(2);
      // Retry-After was waited out: the import is sequential, so the next request after a 429 is its retry, and it
      // came no earlier than Retry-After said (the connector's own backoff would be 500 ms, then 1 s)
      const byArrival = [...hubspot.requests].sort((x, y) => x.at - y.at);
      for (const limited of rateLimited) {
        const retry = byArrival.find((r) => r.at > limited.at);
        expect(retry, 'a request followed the 429').toBeDefined();
        expect(retry!.at - limited.at).toBeGreaterThanOrEqual(limited.retryAfter! * 1000 - 2);
      }
      expect(hubspot.requests.filter((r) => r.status === 502)).toHaveLength(9);
      expectEveryPageOnce(hubspot);

      const { prisma } = t.database;
      const company = await prisma.company.findFirstOrThrow({ where: { org_id: tenant.orgId, company_name: 'Company 2' } });
      expect(company).toMatchObject({ website: 'https://company2.example', industry_type: 'Retail', city: 'Berlin', country: null });
      const lead = await prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId, dedupe_email: 'person1@example.test' } });
      expect(lead).toMatchObject({ first_name: 'First1', last_name: 'Last1', job_title: 'Engineer', company: 'Company 2', company_id: company.id });
      expect(lead.custom_fields).toEqual({ hubspot_id: '10001' });
      // scored in the page's transaction, with its explanation (no scoring workflow per contact)
      expect(lead.score).toBeGreaterThan(0);
      expect((lead.ai_information as { scoring: { score: number } }).scoring.score).toBe(lead.score);
      expect(await prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'lead.score' } })).toBe(0);
      // the contact repeating person49's email was merged into that lead (its fields win, its HubSpot id is the last seen)
      const merged = await prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId, dedupe_email: 'person49@example.test' } });
      expect(merged).toMatchObject({ first_name: 'First50', custom_fields: { hubspot_id: '10050' } });
      // unmapped properties are ignored
      expect(JSON.stringify(await prisma.lead.findMany({ where: { org_id: tenant.orgId }, take: 50 }))).not.toContain('teal');

      // the same import again: every company and contact is found and merged, nothing is created
      const rerun = await waitFor(tenant, await startImport(tenant), finished);
      expect(rerun.status).toBe('completed');
      expect(rerun.progress).toMatchObject({
        processed: COMPANIES + CONTACTS,
        created: 0,
        merged: COMPANIES + CONTACTS - EXPECTED.skipped,
        skipped: EXPECTED.skipped,
        failed: 0,
      });
      expect(await counts(tenant.orgId)).toEqual({ leads: EXPECTED.contactsCreated, companies: COMPANIES });
    },
    300_000,
  );

  it(
    'resumes after the worker stops mid-import: a new worker continues from the checkpoint, no page fetched twice, no duplicates',
    async () => {
      const hubspot = await fakeHubspot({ token: TOKEN, delayMs: 150 });
      const tenant = await connectedTenant(hubspot);
      const id = await startImport(tenant);
      await waitFor(tenant, id, (job) => job.progress.processed >= COMPANIES + 300);
      await runtime.stop();
      const stoppedAt = (await status(tenant, id)).progress.processed;
      expect(stoppedAt).toBeLessThan(COMPANIES + CONTACTS);
      runtime = await startRuntime();
      const job = await waitFor(tenant, id, finished);
      expect(job.status).toBe('completed');
      expect(job.progress).toMatchObject(FIRST_IMPORT_PROGRESS);
      expect(await counts(tenant.orgId)).toEqual({ leads: EXPECTED.contactsCreated, companies: COMPANIES });
      expectEveryPageOnce(hubspot);
    },
    300_000,
  );

  it(
    'resumes after the worker PROCESS is SIGKILLed at a page boundary: exact leads and companies, nothing doubled',
    async () => {
      // this test's worker is a process of its own (killable); the in-process one steps aside meanwhile
      await runtime.stop();
      const workers: ChildProcess[] = [];
      try {
        const hubspot = await fakeHubspot({ token: TOKEN });
        const tenant = await connectedTenant(hubspot);
        const { config } = t.deps;
        const env = {
          DATABASE_URL: config.DATABASE_URL,
          TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
          TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
          JWT_SECRET: config.JWT_SECRET,
          CREDENTIALS_KEY: config.CREDENTIALS_KEY,
          LOG_LEVEL: 'error',
          ...LOOPBACK_FAKES,
        };
        workers.push(spawnWorker(env));
        // companies (3 pages) and contacts pages 1-3 are committed when the worker asks for contacts page 4 (after id 10299)
        const pageFour = hubspot.hold((r) => r.object === 'contacts' && r.after === '10299');
        const id = await startImport(tenant);
        await pageFour.reached;
        killGroup(workers[0]!, 'SIGKILL');
        const atKill = await t.database.prisma.job.findUniqueOrThrow({ where: { id } });
        expect(atKill).toMatchObject({ processed: COMPANIES + 300, checkpoint: { object: 'contacts', after: '10299', fetched: 300 } });
        // HubSpot answers page 4 only once its asker is dead (the kernel closed the connection): that answer is lost
        await pageFour.clientGone;
        pageFour.release();

        workers.push(spawnWorker(env));
        const job = await waitFor(tenant, id, finished, 150_000);
        expect(job.status).toBe('completed');
        expect(job.progress).toMatchObject(FIRST_IMPORT_PROGRESS);
        expect(await counts(tenant.orgId)).toEqual({ leads: EXPECTED.contactsCreated, companies: COMPANIES });
        expect(hubspot.requests.filter((r) => r.status === 499).map((r) => r.after)).toEqual(['10299']);
        expectEveryPageOnce(hubspot);
      } finally {
        for (const worker of workers) killGroup(worker, 'SIGKILL');
        runtime = await startRuntime();
      }
    },
    240_000,
  );
});

describe('client-side request limiter', () => {
  it('never lets more than the budget through in any window, serving callers in order', async () => {
    const limiter = createRateLimiter({ maxRequests: 5, windowMs: 300, burst: 5 });
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 15 }, () => limiter.take().then(() => times.push(Date.now() - started))));
    expect(times).toHaveLength(15);
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(299);
    expect(times.at(-1)!).toBeGreaterThanOrEqual(600);
  });
});

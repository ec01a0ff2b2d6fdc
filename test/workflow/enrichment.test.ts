import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import type { TestApp } from '../helpers/app.js';
import { startFakeEnrichmentServer, type FakeEnrichmentServer } from '../helpers/fake-enrichment-server.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant } from '../helpers/tenants.js';

// the client paces itself at 80/s against a provider that refuses above 100/s: the margin absorbs the timing
// jitter of a loaded machine, so the only 429s are the scripted ones
const CLIENT_RATE_PER_SECOND = 80;
const PROVIDER_LIMIT_PER_SECOND = 100;

describe('bulk enrichment job (real worker, real Temporal, fake provider with latency, 429s and 500s)', () => {
  let system: TestSystem;
  let fake: FakeEnrichmentServer;
  let t: TestApp;
  let temporal: TemporalClient;

  beforeAll(async () => {
    fake = await startFakeEnrichmentServer({ latencyMs: 20, ratePerSecond: PROVIDER_LIMIT_PER_SECOND, transient500Every: 23 });
    system = await createTestSystem('enrichment', {
      worker: true,
      config: {
        ENRICHMENT_HTTP_BASE_URL: fake.url,
        ENRICHMENT_HTTP_API_KEY: fake.apiKey,
        ENRICHMENT_HTTP_RATE_PER_SEC: String(CLIENT_RATE_PER_SECOND),
        // the fake listens on loopback: an explicit opt-in to private destinations (off by default)
        EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
        // small batches: 500 leads make 125 batches, more than one workflow run starts before continuing as new
        ENRICHMENT_BATCH_SIZE: '4',
      },
    });
    t = system.t;
    temporal = await connectTemporalClient(t.deps.config);
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await system?.close();
    await fake?.close();
  });

  async function waitForJob(token: string, id: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await t.call('GET', `/api/lead-enrichment/job/${id}`, { token });
      if (['completed', 'failed', 'cancelled'].includes(res.body.data.status) || Date.now() > deadline) return res.body.data;
      await sleep(250);
    }
  }

  it('enriches 500 leads in batches: correct counts, paced under the rate limit, retried, each debited once', { timeout: 180_000 }, async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const known = Array.from({ length: 450 }, (_, i) => ({ email: `person${i}.doe@co${i % 50}.example` }));
    const fromLinkedin = Array.from({ length: 10 }, (_, i) => ({ linkedin_url: `https://linkedin.com/in/li-person-${i}` }));
    const unknown = Array.from({ length: 40 }, (_, i) => ({ email: `unknown${i}@gmail.com` }));
    // leads that exist already, with a job title a user entered
    for (const { email } of known.slice(0, 10)) {
      await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Pre', last_name: 'Existing', email, job_title: 'Founder' } });
    }
    // a burst of 429s the moment the job starts, on top of the provider's own limit and its transient 500s
    fake.failNext(Array.from({ length: 15 }, () => 429));
    // one person the provider fails for longer than the connector's own retries (4 attempts): the batch
    // activity fails and Temporal's retry policy runs it again
    const stubborn = `email:${known[200]!.email}`;
    fake.failLookup(stubborn, 6);

    const started = await t.call('POST', '/api/lead-enrichment/enrich/bulk', {
      token: tenant.token,
      body: { leads: [...known, ...fromLinkedin, ...unknown], group_id: 'wave-1' },
    });
    expect(started.status).toBe(202);
    const job = await waitForJob(tenant.token, started.body.data.id, 150_000);

    expect(job.status).toBe('completed');
    expect(job.progress).toMatchObject({ total: 500, processed: 500, created: 460, skipped: 40, failed: 0 });

    // paced: at most the client's rate in any second (10% for timer jitter), far below what the lookups in flight could send unpaced
    expect(fake.stats.maxPerSecond).toBeLessThanOrEqual(CLIENT_RATE_PER_SECOND * 1.1);
    expect(fake.stats.maxPerSecond).toBeGreaterThanOrEqual(CLIENT_RATE_PER_SECOND * 0.5);
    // retried: the scripted 429s and the transient 500s were answered, and the job still completed
    expect(fake.stats.byStatus.get(429) ?? 0).toBeGreaterThanOrEqual(15);
    expect(fake.stats.byStatus.get(500) ?? 0).toBeGreaterThan(0);
    expect(fake.stats.attempts.get(stubborn)).toBe(7);
    // paid once: every person was looked up exactly once (answers and misses cached), whatever was retried
    expect(fake.stats.billed.size).toBe(500);
    expect(Math.max(...fake.stats.billed.values())).toBe(1);

    // debited once per enriched lead
    const org = await prisma.organization.findUniqueOrThrow({ where: { id: tenant.orgId } });
    expect(org.enrichment_credits).toBe(1000 - 460);
    const entries = await prisma.enrichmentCreditEntry.findMany({ where: { org_id: tenant.orgId } });
    expect(entries).toHaveLength(460);
    expect(new Set(entries.map((e) => e.lead_id)).size).toBe(460);
    expect(entries.every((e) => e.job_id === job.id)).toBe(true);

    // existing leads matched, not duplicated; what a user entered was kept
    expect(await prisma.lead.count({ where: { org_id: tenant.orgId } })).toBe(500);
    const preExisting = await prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId, email: known[0]!.email } });
    expect(preExisting).toMatchObject({ first_name: 'Pre', job_title: 'Founder', industry: 'computer software', website: 'https://www.co0.example' });
    expect((preExisting.ai_information as { enrichment: unknown }).enrichment).toMatchObject({ provider: 'http', job_id: job.id, group_id: 'wave-1' });
    const linkedinLead = await prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId, linkedin_url: fromLinkedin[0]!.linkedin_url } });
    expect(linkedinLead).toMatchObject({ lead_source: 3, job_title: 'vp of engineering' });

    // 125 batches: the workflow continued as new at least once
    const runs = [];
    for await (const run of temporal.client.workflow.list({ query: `WorkflowId = '${job.workflow_id}'` })) runs.push(run);
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });
});

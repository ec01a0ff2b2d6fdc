import { randomBytes } from 'node:crypto';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { connectTemporalClient, ensureSearchAttributes, LIO_SEARCH_ATTRIBUTES, type TemporalClient } from '../../worker/temporal-connection.js';
import { scoreLead, type ScoringInput } from '../../domain/leads/lead-scoring.js';
import { scoreLeadWorkflow, scoreLeadWorkflowId } from '../../workflows/score-lead.workflow.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, uniqueEmail } from '../helpers/tenants.js';

const blankLead: ScoringInput = {
  email: null,
  phone_number: null,
  linkedin_url: null,
  first_name: null,
  last_name: null,
  job_title: null,
  company: null,
  lead_source: null,
  estimated_value: null,
};

const FACTORS = ['contact_completeness', 'name', 'job_seniority', 'company', 'email_domain', 'lead_source', 'estimated_value'];

describe('lead scoring model rules-v1 (domain/leads/lead-scoring.ts)', () => {
  it('scores an empty lead 0 and still explains every factor', () => {
    const { score, breakdown } = scoreLead(blankLead);
    expect(score).toBe(0);
    expect(breakdown.map((f) => f.factor)).toEqual(FACTORS);
    for (const f of breakdown) expect(f.reason.length).toBeGreaterThan(0);
  });

  it('scores the best possible lead exactly 100', () => {
    const { score, breakdown } = scoreLead({
      email: 'ceo@acme.io',
      phone_number: '+1 555 0100',
      linkedin_url: 'https://linkedin.com/in/ceo',
      first_name: 'Ada',
      last_name: 'Lovelace',
      job_title: 'Chief Executive Officer',
      company: 'Acme',
      lead_source: 2,
      estimated_value: 250_000,
    });
    expect(score).toBe(100);
    expect(breakdown.every((f) => f.points > 0)).toBe(true);
  });

  it('keeps every score within 0–100 and equal to the sum of its explained points', () => {
    const titles = [null, 'Intern', 'Senior Engineer', 'Engineering Manager', 'VP Sales', 'Founder & CEO'];
    const emails = [null, 'a@gmail.com', 'a@corp.example'];
    for (const job_title of titles) {
      for (const email of emails) {
        for (const estimated_value of [null, 0, 1, 10_000, 1_000_000]) {
          const { score, breakdown } = scoreLead({ ...blankLead, job_title, email, estimated_value, lead_source: 9 });
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(100);
          expect(score).toBe(breakdown.reduce((sum, f) => sum + f.points, 0));
        }
      }
    }
  });

  it('ranks seniority, corporate over free-mail domains, and sources by weight', () => {
    const points = (lead: Partial<ScoringInput>, factor: string) =>
      scoreLead({ ...blankLead, ...lead }).breakdown.find((f) => f.factor === factor)!.points;
    const seniority = ['Software Engineer', 'Senior Engineer', 'Sales Manager', 'Director of Sales', 'CFO'].map((job_title) =>
      points({ job_title }, 'job_seniority'),
    );
    expect(seniority).toEqual([...seniority].sort((a, b) => a - b));
    expect(new Set(seniority).size).toBe(seniority.length);
    expect(points({ job_title: 'Senior Vice President' }, 'job_seniority')).toBe(points({ job_title: 'VP' }, 'job_seniority'));
    expect(points({ email: 'jane@acme.io' }, 'email_domain')).toBeGreaterThan(points({ email: 'jane@gmail.com' }, 'email_domain'));
    expect(points({ lead_source: 2 }, 'lead_source')).toBeGreaterThan(points({ lead_source: 4 }, 'lead_source'));
    expect(points({ lead_source: 42 }, 'lead_source')).toBeGreaterThan(0);
  });

  it('names what it saw in each reason', () => {
    const { breakdown } = scoreLead({ ...blankLead, email: 'jane@gmail.com', job_title: 'Head of Growth', company: 'Globex' });
    const reason = (factor: string) => breakdown.find((f) => f.factor === factor)!.reason;
    expect(reason('email_domain')).toContain('gmail.com');
    expect(reason('job_seniority')).toContain('Head of Growth');
    expect(reason('company')).toContain('Globex');
    expect(reason('contact_completeness')).toBe('reachable by email');
  });

  it('is deterministic: a lead scores the same at any time, whatever Math.random says or was scored before, and its input is left as it was', () => {
    // frozen: writing to the input throws (modules run in strict mode)
    const lead = Object.freeze({ ...blankLead, email: 'x@y.example', job_title: 'Director', estimated_value: 30_000 });
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2001-01-01T00:00:00Z'));
      vi.spyOn(Math, 'random').mockReturnValue(0);
      const first = scoreLead(lead);
      scoreLead({ ...blankLead, email: 'someone@gmail.com', first_name: 'Other', lead_source: 2, estimated_value: 1 });
      vi.setSystemTime(new Date('2099-12-31T23:59:59Z'));
      vi.spyOn(Math, 'random').mockReturnValue(0.999);
      expect(scoreLead(lead)).toEqual(first);
    } finally {
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
  });
});

describe('scoreLeadWorkflow through the outbox relay (real worker, real Temporal)', () => {
  let system: TestSystem;
  let t: TestApp;
  let temporal: TemporalClient;

  beforeAll(async () => {
    system = await createTestSystem('scoring', { worker: true });
    t = system.t;
    temporal = await connectTemporalClient(t.deps.config);
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await system?.close();
  });

  const leadRow = (orgId: number, id: number) => t.database.prisma.lead.findFirstOrThrow({ where: { id, org_id: orgId } });

  it('scores a lead created through POST /api/lead and explains the score', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/v1/lead', {
      apiKey: await tenant.apiKey(),
      body: { email: uniqueEmail('vp'), first_name: 'Vera', last_name: 'Park', job_title: 'VP Marketing', company: 'Initech', lead_source: 2 },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.score).toBe(0);
    const leadId: number = res.body.data.id;

    const scored = await vi.waitFor(
      async () => {
        const lead = await leadRow(tenant.orgId, leadId);
        expect(lead.score).toBeGreaterThan(0);
        return lead;
      },
      { timeout: 20_000, interval: 200 },
    );
    const scoring = (scored.ai_information as { scoring: { score: number; model: string; breakdown: unknown; scored_at: string } }).scoring;
    const expected = scoreLead({ ...blankLead, ...res.body.data, estimated_value: null });
    expect(scored.score).toBe(expected.score);
    expect(scoring).toMatchObject({ score: expected.score, model: 'rules-v1', breakdown: expected.breakdown });
    expect(Date.parse(scoring.scored_at)).not.toBeNaN();

    const view = await t.call('GET', '/api/v1/lead/lead-list', { token: tenant.token });
    expect(view.body.data[0]).toMatchObject({ id: leadId, score: expected.score, ai_information: { scoring: { model: 'rules-v1' } } });

    const handle = temporal.client.workflow.getHandle(`score-lead:${tenant.orgPublicId}:${leadId}`);
    expect(await handle.result()).toEqual({ scored: true, score: expected.score });
  });

  it('is visible in Temporal by the OrgId and LeadId search attributes', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/v1/lead', { apiKey: await tenant.apiKey(), body: { email: uniqueEmail('visible') } });
    const leadId: number = res.body.data.id;
    const found = await vi.waitFor(
      async () => {
        const executions = [];
        for await (const execution of temporal.client.workflow.list({ query: `OrgId = "${tenant.orgPublicId}" AND LeadId = "${leadId}"` })) {
          executions.push(execution);
        }
        expect(executions).toHaveLength(1);
        return executions[0]!;
      },
      { timeout: 20_000, interval: 300 },
    );
    expect(found.workflowId).toBe(`score-lead:${tenant.orgPublicId}:${leadId}`);
    expect(found.type).toBe('scoreLeadWorkflow');
  });

  it('scores again after a merge, keeping the other ai_information keys', async () => {
    const tenant = await seedTenant(t);
    const key = await tenant.apiKey();
    const email = uniqueEmail('rescore');
    const created = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email } });
    const leadId: number = created.body.data.id;
    const firstScore = await vi.waitFor(
      async () => {
        const lead = await leadRow(tenant.orgId, leadId);
        expect(lead.score).toBeGreaterThan(0);
        return lead.score;
      },
      { timeout: 20_000, interval: 200 },
    );
    await t.database.pool.query(
      `UPDATE leads SET ai_information = ai_information || '{"enrichment": {"source": "test"}}' WHERE id = $1 AND org_id = $2`,
      [leadId, tenant.orgId],
    );

    const merged = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, job_title: 'Chief Revenue Officer', company: 'Hooli', merge: 1 } });
    expect(merged.status).toBe(200);
    const rescored = await vi.waitFor(
      async () => {
        const lead = await leadRow(tenant.orgId, leadId);
        expect(lead.score).toBeGreaterThan(firstScore);
        return lead;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(rescored.score).toBe(firstScore + 20 + 10);
    expect(rescored.ai_information).toMatchObject({ enrichment: { source: 'test' }, scoring: { score: rescored.score } });
  });

  it('ends successfully, scoring nothing, when the lead no longer exists', async () => {
    const tenant = await seedTenant(t);
    const input = { orgId: tenant.orgId, leadId: 2_000_000_000 };
    const result = await temporal.client.workflow.execute(scoreLeadWorkflow, {
      workflowId: scoreLeadWorkflowId({ orgPublicId: tenant.orgPublicId, leadId: input.leadId }),
      taskQueue: t.deps.config.TEMPORAL_TASK_QUEUE,
      args: [input],
    });
    expect(result).toEqual({ scored: false, reason: 'lead_not_found' });
  });

  it('does not score a lead of another organization given its id', async () => {
    const [a, b] = [await seedTenant(t), await seedTenant(t)];
    const res = await t.call('POST', '/api/v1/lead', { apiKey: await a.apiKey(), body: { email: uniqueEmail('scoped') } });
    const input = { orgId: b.orgId, leadId: res.body.data.id as number };
    const result = await temporal.client.workflow.execute(scoreLeadWorkflow, {
      workflowId: scoreLeadWorkflowId({ orgPublicId: b.orgPublicId, leadId: input.leadId }),
      taskQueue: t.deps.config.TEMPORAL_TASK_QUEUE,
      args: [input],
    });
    expect(result).toEqual({ scored: false, reason: 'lead_not_found' });
  });
});

describe('search attributes (worker/temporal-connection.ts)', () => {
  it('registers them on a namespace that lacks them, and does nothing the second time', async () => {
    const { connection } = await connectTemporalClient({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' });
    try {
      const namespace = `lio-test-${randomBytes(4).toString('hex')}`;
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      // a new namespace becomes usable once the server's namespace cache has caught up
      await vi.waitFor(() => ensureSearchAttributes(connection, namespace), { timeout: 30_000, interval: 500 });
      await ensureSearchAttributes(connection, namespace);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      for (const key of Object.values(LIO_SEARCH_ATTRIBUTES)) expect(customAttributes).toHaveProperty(key.name);
    } finally {
      await connection.close();
    }
  }, 60_000);
});

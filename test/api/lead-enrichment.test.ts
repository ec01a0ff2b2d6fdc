import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEnrichmentProviders } from '../../services/enrichment.js';
import { parsePersonName, canonicalLinkedinUrl, companyDomainOfEmail } from '../../domain/jobs/enrichment-derived.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startFakeEnrichmentServer, type FakeEnrichmentServer } from '../helpers/fake-enrichment-server.js';
import { seedTenant, seedTwoTenants } from '../helpers/tenants.js';

const hex = () => randomBytes(4).toString('hex');

describe('derived enrichment (domain/jobs/enrichment-derived.ts)', () => {
  it('splits names, keeping surname particles with the last name', () => {
    expect(parsePersonName('Jane van der Berg')).toEqual({ first_name: 'Jane', last_name: 'van der Berg' });
    expect(parsePersonName('Berg, Jane')).toEqual({ first_name: 'Jane', last_name: 'Berg' });
    expect(parsePersonName('Dr. Mary Ann Smith Jr.')).toEqual({ first_name: 'Mary Ann', last_name: 'Smith' });
    expect(parsePersonName('Ludwig von Mises')).toEqual({ first_name: 'Ludwig', last_name: 'von Mises' });
    expect(parsePersonName('Cher')).toEqual({ first_name: 'Cher' });
  });

  it('takes company domains from email, never from free-mail providers', () => {
    expect(companyDomainOfEmail('Jane@Acme.io')).toBe('acme.io');
    for (const free of ['a@gmail.com', 'a@outlook.com', 'a@yahoo.com', 'a@hotmail.co.uk']) expect(companyDomainOfEmail(free)).toBeNull();
  });

  it('normalises LinkedIn URLs and rejects other hosts', () => {
    expect(canonicalLinkedinUrl('linkedin.com/in/Jane-Doe/?utm=x')).toBe('https://www.linkedin.com/in/jane-doe');
    expect(canonicalLinkedinUrl('https://nl.linkedin.com/in/jane-doe')).toBe('https://www.linkedin.com/in/jane-doe');
    expect(canonicalLinkedinUrl('https://example.com/in/jane')).toBeNull();
  });
});

describe('which providers run (logged by the API and the worker at start)', () => {
  const config = { ENRICHMENT_PROVIDERS: 'http,derived', ENRICHMENT_FIELD_PROVIDERS: '', ENRICHMENT_HTTP_RATE_PER_SEC: 100 };

  it('names a configured provider that is off, and why, instead of dropping it silently', () => {
    expect(describeEnrichmentProviders(config)).toEqual({
      active: ['derived'],
      off: [{ provider: 'http', reason: 'ENRICHMENT_HTTP_BASE_URL and ENRICHMENT_HTTP_API_KEY not set' }],
    });
    expect(describeEnrichmentProviders({ ...config, ENRICHMENT_HTTP_BASE_URL: 'https://pdl.example' }).off).toEqual([
      { provider: 'http', reason: 'ENRICHMENT_HTTP_API_KEY not set' },
    ]);
    expect(describeEnrichmentProviders({ ...config, ENRICHMENT_HTTP_BASE_URL: 'https://pdl.example', ENRICHMENT_HTTP_API_KEY: 'k' })).toEqual({
      active: ['http', 'derived'],
      off: [],
    });
  });
});

describe('lead enrichment API with the derived provider only', () => {
  let t: TestApp;
  beforeAll(() => {
    t = createTestApp({ ENRICHMENT_PROVIDERS: 'derived' });
  });
  afterAll(() => t.close());

  it('validates the input: at least one identifying field, well-formed values', async () => {
    const { token } = await seedTenant(t);
    expect((await t.call('POST', '/api/lead-enrichment/enrich', { token, body: {} })).status).toBe(422);
    expect((await t.call('POST', '/api/lead-enrichment/enrich', { token, body: { email: 'not-an-email' } })).status).toBe(422);
    expect((await t.call('POST', '/api/lead-enrichment/enrich', { token, body: { linkedin_url: 'https://example.com/x' } })).status).toBe(422);
    expect((await t.call('POST', '/api/lead-enrichment/enrich/bulk', { token, body: {} })).status).toBe(400);
    expect((await t.call('POST', '/api/lead-enrichment/enrich/bulk', { token, body: { leads: [] } })).status).toBe(422);
    expect((await t.call('POST', '/api/lead-enrichment/enrich/bulk', { token, body: { leads: [{}] } })).status).toBe(422);
    expect((await t.call('POST', '/api/lead-enrichment/enrich', { token, body: { lead_id: 99999999 } })).status).toBe(404);
  });

  it('creates the lead from the input and enriches it synchronously; what is derived offline costs no credit', async () => {
    const tenant = await seedTenant(t);
    const email = `jane.${hex()}@acme-${hex()}.io`;
    const res = await t.call('POST', '/api/lead-enrichment/enrich', {
      token: tenant.token,
      body: { email, name: 'Jane van der Berg', linkedin_url: `linkedin.com/in/jane-${hex()}` },
    });
    expect(res.status).toBe(200);
    const { lead, enrichment, lead_created, credits_remaining } = res.body.data;
    expect(lead_created).toBe(true);
    expect(lead).toMatchObject({ first_name: 'Jane', last_name: 'van der Berg', email, lead_source: 3, website: `https://${email.split('@')[1]}` });
    expect(enrichment).toMatchObject({ provider: 'derived', filled: ['website'], sources: { website: 'derived' } });
    expect(lead.ai_information.enrichment).toEqual(enrichment);
    // credits pay for outside lookups (README, enrichment): an offline derivation debits none
    expect(credits_remaining).toBe(1000);
    expect(await t.database.prisma.enrichmentCreditEntry.count({ where: { org_id: tenant.orgId } })).toBe(0);
    // scored in the statements that created and enriched it, with no scoring workflow asked for
    const stored = await t.database.prisma.lead.findFirstOrThrow({ where: { id: lead.id, org_id: tenant.orgId } });
    expect(stored.score).toBeGreaterThan(0);
    expect((stored.ai_information as { scoring: { score: number } }).scoring.score).toBe(stored.score);
    expect(await t.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'lead.score' } })).toBe(0);

    // the same person again matches the lead; nothing is left to find, so nothing is debited
    const again = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: email.toUpperCase() } });
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ lead_created: false, enrichment: null, credits_remaining: 1000 });
    expect(again.body.data.lead.id).toBe(lead.id);
  });

  it('finds nothing to derive from a free-mail address and debits nothing', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: `someone.${hex()}@gmail.com` } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ enrichment: null, credits_remaining: 1000 });
    expect(res.body.data.lead.website).toBeNull();
  });

  it('derives offline for an organization without credits: nothing is paid for, so nothing is refused', async () => {
    const tenant = await seedTenant(t);
    await t.database.prisma.organization.update({ where: { id: tenant.orgId }, data: { enrichment_credits: 0 } });
    const domain = `acme-${hex()}.io`;
    const single = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: `a.${hex()}@${domain}` } });
    expect(single.status).toBe(200);
    expect(single.body.data).toMatchObject({ lead: { website: `https://${domain}` }, credits_remaining: 0 });
    expect((await t.call('POST', '/api/lead-enrichment/enrich/bulk', { token: tenant.token, body: { leads: [{ email: 'b@acme.io' }] } })).status).toBe(202);
  });

  it('keeps ai_information.enrichment out of clients\' reach', async () => {
    const tenant = await seedTenant(t);
    const created = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: `x.${hex()}@corp-${hex()}.io` } });
    const id = created.body.data.lead.id;
    const update = await t.call('POST', `/api/lead/update/${id}`, {
      token: tenant.token,
      body: { ai_information: { enrichment: { provider: 'forged' }, note: 'mine' } },
    });
    expect(update.status).toBe(200);
    expect(update.body.data.ai_information.enrichment.provider).toBe('derived');
    expect(update.body.data.ai_information.note).toBe('mine');
  });

  it('queues a bulk job of type enrichment, readable only through its own status route', async () => {
    const [a, b] = await seedTwoTenants(t);
    const res = await t.call('POST', '/api/lead-enrichment/enrich/bulk', {
      token: a.token,
      body: { leads: [{ email: `p.${hex()}@acme.io` }, { linkedin_url: `https://linkedin.com/in/p-${hex()}` }], group_id: 'campaign-7' },
    });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ type: 'enrichment', status: 'queued', progress: { total: 2, processed: 0 } });
    expect(res.body.data.params).toMatchObject({ target: 'leads', group_id: 'campaign-7' });
    const status = await t.call('GET', `/api/lead-enrichment/job/${res.body.data.id}`, { token: a.token });
    expect(status.status).toBe(200);
    expect(status.body.data.id).toBe(res.body.data.id);
    expect((await t.call('GET', `/api/lead-enrichment/job/${res.body.data.id}`, { token: b.token })).status).toBe(404);
    const exportJob = await t.database.prisma.job.create({ data: { org_id: a.orgId, type: 'export', workflow_id: `export:${a.orgId}:x${hex()}` } });
    expect((await t.call('GET', `/api/lead-enrichment/job/${exportJob.id}`, { token: a.token })).status).toBe(404);
  });

  it('lists LinkedIn leads with their enrichment, newest first, sorted by order_by / order_in, paged, and searches them', async () => {
    const tenant = await seedTenant(t);
    const marker = `li${hex()}`;
    const first = await t.call('POST', '/api/lead-enrichment/enrich', {
      token: tenant.token,
      body: { linkedin_url: `https://www.linkedin.com/in/${marker}-one`, email: `one.${marker}@${marker}.io` },
    });
    await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { linkedin_url: `linkedin.com/in/${marker}-two`, name: 'Ann Two' } });
    await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'No', last_name: 'Linkedin', email: `n.${marker}@x.io` } });
    const list = await t.call('GET', '/api/lead-enrichment/linkedin-leads/recent', { token: tenant.token, query: { limit: 10 } });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(2);
    expect(list.body.data.map((l: { linkedin_url: string }) => l.linkedin_url)).toEqual([
      `linkedin.com/in/${marker}-two`,
      `https://www.linkedin.com/in/${marker}-one`,
    ]);
    expect(list.body.data[1].enrichment).toMatchObject({ filled: ['website'] });
    const search = await t.call('GET', '/api/lead-enrichment/linkedin-leads/recent', { token: tenant.token, query: { search: 'ann two' } });
    expect(search.body.data.map((l: { first_name: string }) => l.first_name)).toEqual(['Ann']);
    // §5 order_by / order_in, and paging
    const ascending = await t.call('GET', '/api/lead-enrichment/linkedin-leads/recent', { token: tenant.token, query: { order_by: 'id', order_in: 'ASC' } });
    const ids = ascending.body.data.map((l: { id: number }) => l.id);
    expect(ids).toHaveLength(2);
    expect(ids).toEqual([...ids].sort((x: number, y: number) => x - y));
    const byName = await t.call('GET', '/api/lead-enrichment/linkedin-leads/recent', {
      token: tenant.token,
      query: { order_by: 'first_name', order_in: 'asc', limit: 1, page: 2 },
    });
    expect(byName.body).toMatchObject({ total: 2, page: 2, limit: 1 });
    expect(byName.body.data.map((l: { first_name: string | null }) => l.first_name)).toEqual([null]);
    expect((await t.call('GET', '/api/lead-enrichment/linkedin-leads/recent', { token: tenant.token, query: { order_by: 'password' } })).status).toBe(422);
    const one = await t.call('GET', `/api/lead-enrichment/linkedin-leads/${first.body.data.lead.id}`, { token: tenant.token });
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject({ id: first.body.data.lead.id, lead_source: 3, enrichment: { provider: 'derived' } });
    const plain = await t.database.prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId, linkedin_url: null } });
    expect((await t.call('GET', `/api/lead-enrichment/linkedin-leads/${plain.id}`, { token: tenant.token })).status).toBe(404);
  });
});

describe('lead and company enrichment API with the http provider (local fake)', () => {
  let fake: FakeEnrichmentServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeEnrichmentServer();
    t = createTestApp({
      ENRICHMENT_HTTP_BASE_URL: fake.url,
      ENRICHMENT_HTTP_API_KEY: fake.apiKey,
      ENRICHMENT_SYNC_BUDGET_MS: '1000',
      // the fake listens on loopback: an explicit opt-in to private destinations (off by default)
      EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('fills only empty columns: user-entered values win over enrichment, enrichment over derived', async () => {
    const tenant = await seedTenant(t);
    const email = `jane.doe.${hex()}@acme-${hex()}.io`;
    const added = await t.call('POST', '/api/lead/add', {
      token: tenant.token,
      body: { first_name: 'Janet', last_name: 'Doe', email, job_title: 'Chief Dreamer', city: 'Paris' },
    });
    const res = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { lead_id: added.body.data.id } });
    expect(res.status).toBe(200);
    const { lead, enrichment } = res.body.data;
    // user-entered
    expect(lead).toMatchObject({ first_name: 'Janet', last_name: 'Doe', job_title: 'Chief Dreamer', city: 'Paris' });
    // enrichment, and its website rather than the one derived from the email
    const domain = email.split('@')[1];
    expect(lead).toMatchObject({ industry: 'computer software', country: 'netherlands', website: `https://www.${domain}` });
    expect(lead.linkedin_url).toBe(`https://www.linkedin.com/in/${email.split('@')[0]}`);
    expect(enrichment.sources).toMatchObject({ website: 'http', industry: 'http' });
    expect(enrichment.filled.sort()).toEqual(['company', 'country', 'industry', 'linkedin_url', 'website']);
    expect(enrichment.found).not.toHaveProperty('job_title');
    expect(enrichment.provider).toBe('http');
  });

  it('asks the provider once per person: answers and misses are cached per organization', async () => {
    const [tenant, other] = await seedTwoTenants(t);
    const email = `cache.me.${hex()}@cached-${hex()}.io`;
    const first = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email } });
    expect(first.body.data.enrichment.filled).toContain('job_title');
    // a user clears the job title; enriching again takes it from the cache
    await t.call('POST', `/api/lead/update/${first.body.data.lead.id}`, { token: tenant.token, body: { job_title: null } });
    const second = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { lead_id: first.body.data.lead.id } });
    expect(second.body.data.enrichment.filled).toEqual(['job_title']);
    expect(fake.stats.billed.get(`email:${email}`)).toBe(1);

    const unknown = `unknown.${hex()}@gmail.com`;
    for (let i = 0; i < 2; i++) {
      const miss = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: unknown } });
      expect(miss.body.data.enrichment).toBeNull();
    }
    expect(fake.stats.billed.get(`email:${unknown}`)).toBe(1);
    // another organization's cache is its own
    await t.call('POST', '/api/lead-enrichment/enrich', { token: other.token, body: { email } });
    expect(fake.stats.billed.get(`email:${email}`)).toBe(2);
    const cached = await t.database.prisma.enrichmentCache.findMany({ where: { org_id: tenant.orgId }, orderBy: { id: 'asc' } });
    expect(cached.map((c) => [c.kind, c.lookup_key, c.provider, c.data === null])).toEqual([
      ['person', `email:${email}`, 'http', false],
      ['person', `email:${unknown}`, 'http', true],
    ]);
  });

  it('enriches a company synchronously from its website, keeping what a user entered', async () => {
    const [tenant, other] = await seedTwoTenants(t);
    const domain = `globex-${hex()}.io`;
    const company = await t.database.prisma.company.create({
      data: { org_id: tenant.orgId, company_name: 'Globex', website: `https://${domain}`, city: 'Springfield' },
    });
    const res = await t.call('POST', '/api/company/enrich', { token: tenant.token, body: { company_id: company.id } });
    expect(res.status).toBe(200);
    expect(res.body.data.company).toMatchObject({
      id: company.id,
      city: 'Springfield',
      country: 'germany',
      industry_type: 'computer software',
      employee_size: '51-200',
      summary: `${domain} builds software`,
      company_logo: `https://logos.example/${domain}.png`,
      website: `https://${domain}`,
    });
    expect(res.body.data.enrichment.filled.sort()).toEqual(['company_logo', 'country', 'employee_size', 'industry_type', 'summary']);
    expect(res.body.data.credits_remaining).toBe(999);
    const entry = await t.database.prisma.enrichmentCreditEntry.findFirstOrThrow({ where: { org_id: tenant.orgId } });
    expect(entry).toMatchObject({ company_id: company.id, lead_id: null, provider: 'http', amount: 1 });
    expect((await t.call('POST', '/api/company/enrich', { token: other.token, body: { company_id: company.id } })).status).toBe(404);
    expect((await t.call('POST', '/api/company/enrich', { token: tenant.token, body: {} })).status).toBe(400);
  });

  it('refuses to enrich without credits when an outside provider would be asked (403 no_enrichment_credits), single and bulk', async () => {
    const tenant = await seedTenant(t);
    await t.database.prisma.organization.update({ where: { id: tenant.orgId }, data: { enrichment_credits: 0 } });
    const before = fake.stats.requests;
    const single = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: `a.${hex()}@acme.io` } });
    expect(single.status).toBe(403);
    expect(single.body.error).toMatchObject({ type: 'forbidden', code: 'no_enrichment_credits' });
    const bulk = await t.call('POST', '/api/lead-enrichment/enrich/bulk', { token: tenant.token, body: { leads: [{ email: 'b@acme.io' }] } });
    expect(bulk.status).toBe(403);
    expect(await t.database.prisma.lead.count({ where: { org_id: tenant.orgId } })).toBe(0);
    expect(await t.database.prisma.job.count({ where: { org_id: tenant.orgId } })).toBe(0);
    expect(fake.stats.requests).toBe(before);
  });

  it('holds no database connection while it waits on the provider (issue 8 §5)', async () => {
    const tenant = await seedTenant(t);
    const { pool } = t.database;
    fake.latencyMs = 600;
    try {
      const request = t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: `wait.${hex()}@wait-${hex()}.io` } });
      const requestsBefore = fake.stats.requests;
      // sample the pool while the provider sits on the lookup
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const poll = setInterval(() => {
          if (fake.stats.requests > requestsBefore) {
            clearInterval(poll);
            setTimeout(resolve, 200);
          } else if (Date.now() > deadline) {
            clearInterval(poll);
            reject(new Error('the provider was never asked'));
          }
        }, 5);
      });
      expect(pool.totalCount - pool.idleCount).toBe(0);
      expect((await request).status).toBe(200);
    } finally {
      fake.latencyMs = 0;
    }
  });

  it('hands the work to an enrichment job when the provider is slower than the budget', async () => {
    const tenant = await seedTenant(t);
    fake.latencyMs = 1500;
    try {
      const res = await t.call('POST', '/api/lead-enrichment/enrich', { token: tenant.token, body: { email: `slow.${hex()}@slow-${hex()}.io` } });
      expect(res.status).toBe(202);
      expect(res.body.data).toMatchObject({ type: 'enrichment', status: 'queued', progress: { total: 1 } });
      const lead = await t.database.prisma.lead.findFirstOrThrow({ where: { org_id: tenant.orgId } });
      expect(res.body.data.params).toEqual({ target: 'leads', count: 1, batch_size: expect.any(Number) });
      const job = await t.database.prisma.job.findFirstOrThrow({ where: { id: res.body.data.id, org_id: tenant.orgId } });
      expect(job.items).toEqual([{ lead_id: lead.id }]);
      const company = await t.database.prisma.company.create({ data: { org_id: tenant.orgId, company_name: 'Slowco', website: 'https://slowco.io' } });
      const companyRes = await t.call('POST', '/api/company/enrich', { token: tenant.token, body: { company_id: company.id } });
      expect(companyRes.status).toBe(202);
      expect(companyRes.body.data.params).toEqual({ target: 'company', company_id: company.id });
    } finally {
      fake.latencyMs = 0;
    }
    // nothing was debited for work not done yet
    expect(await t.database.prisma.enrichmentCreditEntry.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });
});

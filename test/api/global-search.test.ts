import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

/** A word no other test's data contains, so results are exactly what the test inserted. */
const uniqueWord = () => `qz${randomBytes(4).toString('hex')}`;

const ids = (rows: { id: number }[]) => rows.map((row) => row.id);

async function seedDeal(tenant: Tenant, title: string, leadId: number) {
  const { prisma } = t.database;
  const stage = await prisma.stage.findFirstOrThrow({ where: { org_id: tenant.orgId }, orderBy: { position: 'asc' } });
  return prisma.deal.create({
    data: {
      org_id: tenant.orgId,
      lead_id: leadId,
      pipeline_id: stage.pipeline_id,
      stage_id: stage.id,
      title,
      value: '1250.50',
      expected_close_date: new Date('2026-09-30'),
    },
  });
}

describe('GET /api/user/global-search', () => {
  it("finds the organization's leads, contacts, companies and deals by any of their searchable fields", async () => {
    const tenant = await seedTenant(t);
    const word = uniqueWord();
    const WORD = word.toUpperCase();
    const { prisma } = t.database;
    const org_id = tenant.orgId;
    const leads = await Promise.all([
      prisma.lead.create({ data: { org_id, first_name: `Ann${WORD}` } }),
      prisma.lead.create({ data: { org_id, last_name: word } }),
      prisma.lead.create({ data: { org_id, email: `${word}@example.test` } }),
      prisma.lead.create({ data: { org_id, company: `${WORD} Corp` } }),
      prisma.lead.create({ data: { org_id, phone_number: `+1 ${word}` } }),
      prisma.lead.create({ data: { org_id, first_name: 'Unrelated', job_title: word } }),
    ]);
    const contacts = await Promise.all([
      prisma.contact.create({ data: { org_id, name: `Bo ${WORD}` } }),
      prisma.contact.create({ data: { org_id, name: 'Cy', email: `cy.${word}@example.test`, phone_number: '555' } }),
      prisma.contact.create({ data: { org_id, name: 'Unrelated', designation: word } }),
    ]);
    const companies = await Promise.all([
      prisma.company.create({ data: { org_id, company_name: `${WORD} Holdings` } }),
      prisma.company.create({ data: { org_id, company_name: 'Site Inc', website: `https://${word}.example` } }),
      prisma.company.create({ data: { org_id, company_name: 'Unrelated', summary: word } }),
    ]);
    const deal = await seedDeal(tenant, `Renewal ${WORD}`, leads[0]!.id);

    const res = await t.call('GET', '/api/v1/user/global-search', { token: tenant.token, query: { search_value: word.slice(1) } });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    const { data } = res.body;
    expect(ids(data.leads).sort()).toEqual(ids(leads.slice(0, 5)).sort());
    expect(ids(data.contacts).sort()).toEqual(ids(contacts.slice(0, 2)).sort());
    expect(ids(data.companies).sort()).toEqual(ids(companies.slice(0, 2)).sort());
    expect(data.deals).toEqual([
      { id: deal.id, title: `Renewal ${WORD}`, value: 1250.5, lead_id: leads[0]!.id, pipeline_id: deal.pipeline_id, stage_id: deal.stage_id },
    ]);
    expect(data.contacts.find((c: { id: number }) => c.id === contacts[1]!.id)).toEqual({
      id: contacts[1]!.id,
      name: 'Cy',
      email: `cy.${word}@example.test`,
      phone_number: '555',
      company_id: null,
    });
    expect(data.leads[0]).not.toHaveProperty('org_id');
  });

  it('returns at most `limit` rows per type, newest first (10 by default)', async () => {
    const tenant = await seedTenant(t);
    const word = uniqueWord();
    await t.database.prisma.lead.createMany({
      data: Array.from({ length: 12 }, (_, i) => ({ org_id: tenant.orgId, first_name: `${word}-${i}` })),
    });
    const byDefault = await t.call('GET', '/api/user/global-search', { token: tenant.token, query: { search_value: word } });
    expect(byDefault.body.data.leads).toHaveLength(10);
    const limited = await t.call('GET', '/api/user/global-search', { token: tenant.token, query: { search_value: word, limit: 3 } });
    expect(limited.body.data.leads.map((l: { first_name: string }) => l.first_name)).toEqual([`${word}-11`, `${word}-10`, `${word}-9`]);
  });

  it("matches a lead's full name, as the lead list's search does", async () => {
    const tenant = await seedTenant(t);
    const word = uniqueWord();
    const lead = await t.database.prisma.lead.create({ data: { org_id: tenant.orgId, first_name: 'Ann', last_name: word } });
    const res = await t.call('GET', '/api/user/global-search', { token: tenant.token, query: { search_value: `ANN ${word}` } });
    expect(ids(res.body.data.leads)).toEqual([lead.id]);
  });

  it('matches % and _ literally', async () => {
    const tenant = await seedTenant(t);
    const word = uniqueWord();
    const discount = await t.database.prisma.company.create({ data: { org_id: tenant.orgId, company_name: `${word} 50% off` } });
    await t.database.prisma.company.create({ data: { org_id: tenant.orgId, company_name: `${word} 50 percent` } });
    const res = await t.call('GET', '/api/user/global-search', { token: tenant.token, query: { search_value: `${word} 50%` } });
    expect(ids(res.body.data.companies)).toEqual([discount.id]);
    const underscore = await t.call('GET', '/api/user/global-search', { token: tenant.token, query: { search_value: `${word}_` } });
    expect(underscore.body.data.companies).toEqual([]);
  });

  it("never returns another organization's rows", async () => {
    const [a, b] = await seedTwoTenants(t);
    const word = uniqueWord();
    const { prisma } = t.database;
    const lead = await prisma.lead.create({ data: { org_id: a.orgId, first_name: word } });
    await prisma.contact.create({ data: { org_id: a.orgId, name: word } });
    await prisma.company.create({ data: { org_id: a.orgId, company_name: word } });
    await seedDeal(a, word, lead.id);
    const res = await t.call('GET', '/api/user/global-search', { token: b.token, query: { search_value: word } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ leads: [], contacts: [], companies: [], deals: [] });
  });

  it('answers 400 without search_value, 422 for one shorter than 2 characters or a bad limit, 401 without a token', async () => {
    const tenant = await seedTenant(t);
    const missing = await t.call('GET', '/api/user/global-search', { token: tenant.token });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('search_value');
    for (const query of [{ search_value: 'a' }, { search_value: ' b ' }, { search_value: 'ab', limit: 51 }, { search_value: 'ab', limit: 'x' }]) {
      const res = await t.call('GET', '/api/user/global-search', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
    }
    expect((await t.call('GET', '/api/user/global-search', { query: { search_value: 'ab' } })).status).toBe(401);
  });
});

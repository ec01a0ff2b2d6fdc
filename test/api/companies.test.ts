// §6.4 companies: create and update (JSON or multipart with a logo), view,
// the list with its filters and counts, statistics, similar companies and
// delete. Each test seeds its own organizations.
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(async () => {
  await t.close();
  await rm(t.deps.config.STORAGE_DIR, { recursive: true, force: true });
});

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3]);
const GIF = new TextEncoder().encode('GIF89a-tiny-gif-body');

async function addCompany(tenant: Tenant, body: Record<string, unknown>, token = tenant.token) {
  const res = await t.call('POST', '/api/company/add', { token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

function companyForm(fields: Record<string, string>, logo?: { bytes: BlobPart; name: string; type?: string }) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  if (logo) form.set('company_logo', new File([logo.bytes], logo.name, { type: logo.type ?? 'image/png' }));
  return form;
}

const dbCompany = (id: number) => t.database.prisma.company.findUnique({ where: { id } });
const storedFile = (key: string) => path.resolve(t.deps.config.STORAGE_DIR, key);
const storedFilesOf = (tenant: Tenant) => {
  const dir = path.resolve(t.deps.config.STORAGE_DIR, String(tenant.orgId));
  return existsSync(dir) ? readdirSync(dir) : [];
};
const fetchLogo = (tenant: Tenant, id: number) => t.app.request(`/api/company/${id}/logo`, { headers: { authorization: `Bearer ${tenant.token}` } });

async function addContact(tenant: Tenant, companyId: number) {
  const res = await t.call('POST', '/api/contact/add', { token: tenant.token, body: { name: 'Jane Doe', company_id: companyId } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as number;
}

async function addLead(tenant: Tenant, body: Record<string, unknown>) {
  const res = await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Lee', last_name: 'Lead', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as number;
}

describe('POST /api/company/add', () => {
  it('creates a company from JSON, normalising the website', async () => {
    const tenant = await seedTenant(t);
    const company = await addCompany(tenant, {
      company_name: '  Acme Robotics ',
      industry_type: 'Robotics',
      address: '1 Main St',
      city: 'Berlin',
      country: 'Germany',
      website: 'WWW.Acme-Robotics.DE/',
      employee_size: '51-200',
      rating: 4,
      contact_email: 'hello@acme.example',
      phone_number: '+49 30 1234567',
      summary: 'Builds robots.',
    });
    expect(company).toEqual({
      id: expect.any(Number),
      company_name: 'Acme Robotics',
      industry_type: 'Robotics',
      company_logo: null,
      address: '1 Main St',
      city: 'Berlin',
      country: 'Germany',
      employee_size: '51-200',
      rating: 4,
      contact_email: 'hello@acme.example',
      phone_number: '+49 30 1234567',
      website: 'https://www.acme-robotics.de',
      summary: 'Builds robots.',
      contact_count: 0,
      lead_count: 0,
      created_by: tenant.adminId,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    for (const [given, stored] of [
      ['http://Example.com/About/', 'http://example.com/About'],
      ['example.co.uk', 'https://example.co.uk'],
      ['https://shop.example.io:8443/x?utm=1#top', 'https://shop.example.io:8443/x'],
      ['example.com:8080', 'https://example.com:8080'],
    ]) {
      expect((await addCompany(tenant, { company_name: 'Site Co', website: given })).website, given).toBe(stored);
    }
  });

  it('creates a company from multipart/form-data with a logo served by GET /api/company/:id/logo', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/company/add', {
      token: tenant.token,
      body: companyForm({ company_name: 'Logo Co', rating: '5', employee_size: '1-10', city: '' }, { bytes: PNG, name: '../../etc/x.png', type: 'text/plain' }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ company_name: 'Logo Co', rating: 5, employee_size: '1-10', city: null });
    expect(res.body.data.company_logo).toBe(`/api/company/${res.body.data.id}/logo`);
    const stored = await dbCompany(res.body.data.id);
    expect(stored?.company_logo_key).toMatch(new RegExp(`^${tenant.orgId}/[0-9a-f]{32}\\.png$`));
    const logo = await t.app.request(`/api/v1/company/${res.body.data.id}/logo`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await logo.arrayBuffer())).toEqual(PNG);
  });

  it('rejects a logo that is not an image (422) or larger than 2 MB (413), leaving no company and no file', async () => {
    const tenant = await seedTenant(t);
    for (const [bytes, name] of [['just some text', 'logo.png'], ['%PDF-1.4', 'logo.jpg'], ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'logo.svg']] as const) {
      const res = await t.call('POST', '/api/company/add', { token: tenant.token, body: companyForm({ company_name: 'Bad Logo' }, { bytes, name }) });
      expect(res.status, name).toBe(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', code: 'unsupported_file_type' });
    }
    const big = new Uint8Array(2 * 1024 * 1024 + 1);
    big.set(PNG);
    const tooBig = await t.call('POST', '/api/company/add', { token: tenant.token, body: companyForm({ company_name: 'Big Logo' }, { bytes: big, name: 'big.png' }) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.type).toBe('payload_too_large');
    const limit = big.slice(0, 2 * 1024 * 1024);
    expect((await t.call('POST', '/api/company/add', { token: tenant.token, body: companyForm({ company_name: 'Max Logo' }, { bytes: limit, name: 'max.png' }) })).status).toBe(201);
    expect(await t.database.prisma.company.count({ where: { org_id: tenant.orgId } })).toBe(1);
    expect(storedFilesOf(tenant)).toHaveLength(1);
  });

  it('discards the stored logo when the company is not created', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/company/add', {
      token: tenant.token,
      body: companyForm({ company_name: 'N'.repeat(101) }, { bytes: PNG, name: 'x.png' }),
    });
    expect(res.status).toBe(422);
    expect(storedFilesOf(tenant)).toEqual([]);
  });

  it('answers 400 for a missing company_name or body and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    const add = (body?: unknown, headers?: Record<string, string>) => t.call('POST', '/api/company/add', { token: tenant.token, body, headers });
    expect((await add({ city: 'Berlin' })).status).toBe(400);
    expect((await add(companyForm({ city: 'Berlin' }))).status).toBe(400);
    expect((await add()).status).toBe(400);
    expect((await add('company_name=Acme', { 'content-type': 'text/plain' })).status).toBe(400);
    expect((await add('{"company_name":', {})).status).toBe(400);
    for (const invalid of [
      { company_name: 'A' },
      { company_name: '' },
      { company_name: 'x'.repeat(101) },
      { rating: 0 },
      { rating: 6 },
      { rating: 4.5 },
      { rating: '4' },
      { employee_size: '10-20' },
      { website: 'not a website' },
      { website: 'ftp://files.example.com' },
      { website: 'localhost' },
      { website: 'https://user:pw@example.com' },
      { contact_email: 'nope' },
      { phone_number: 'call me' },
      { summary: 'x'.repeat(5001) },
    ]) {
      const res = await add({ company_name: 'Acme', ...invalid });
      expect(res.status, JSON.stringify(invalid)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
    for (const invalid of [{ rating: 'x' }, { rating: '9' }, { employee_size: 'huge' }, { website: 'nope nope' }] as Record<string, string>[]) {
      expect((await add(companyForm({ company_name: 'Acme', ...invalid }))).status, JSON.stringify(invalid)).toBe(422);
    }
    expect(await t.database.prisma.company.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });

  it('answers 401 without a valid token', async () => {
    expect((await t.call('POST', '/api/company/add', { body: { company_name: 'Acme' } })).status).toBe(401);
    expect((await t.call('POST', '/api/company/add', { token: 'x.y.z', body: companyForm({ company_name: 'Acme' }) })).status).toBe(401);
  });
});

describe('GET /api/company/view/:id', () => {
  it('returns the company with its contact and lead counts; 404 for another organization; 401 without a token', async () => {
    const [a, b] = await seedTwoTenants(t);
    const company = await addCompany(a, { company_name: 'Acme Robotics', website: 'acme.example' });
    await addContact(a, company.id);
    await addContact(a, company.id);
    // leads link to the company by name (case-insensitively) or by id
    await addLead(a, { company: 'ACME robotics' });
    await addLead(a, { company_id: company.id });
    await addLead(a, { company: 'Another Co' });
    const res = await t.call('GET', `/api/company/view/${company.id}`, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: company.id, company_name: 'Acme Robotics', contact_count: 2, lead_count: 2 });
    const hidden = await t.call('GET', `/api/company/view/${company.id}`, { token: b.token });
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('Acme');
    expect((await t.call('GET', '/api/company/view/abc', { token: a.token })).status).toBe(422);
    expect((await t.call('GET', `/api/company/view/${company.id}`)).status).toBe(401);
  });
});

describe('GET /api/company/list', () => {
  async function seedList(tenant: Tenant) {
    const rep = await tenant.addUser();
    const alpha = await addCompany(tenant, { company_name: 'alpha labs', industry_type: 'Software', employee_size: '5001+', rating: 3, city: 'Paris', country: 'France' });
    const beta = await addCompany(tenant, { company_name: 'Beta GmbH', industry_type: 'software ', employee_size: '1-10', website: 'beta-shop.example', country: 'Germany' }, rep.token);
    const gamma = await addCompany(tenant, { company_name: 'Gamma 50%_Off', industry_type: 'Retail', employee_size: '201-500', rating: 5 });
    const delta = await addCompany(tenant, { company_name: 'delta' });
    await addContact(tenant, beta.id);
    await addContact(tenant, beta.id);
    await addContact(tenant, gamma.id);
    await addLead(tenant, { company_id: beta.id });
    return { rep, alpha: alpha.id, beta: beta.id, gamma: gamma.id, delta: delta.id };
  }
  const list = async (tenant: Tenant, query: Record<string, string | number | boolean> = {}) => {
    const res = await t.call('GET', '/api/company/list', { token: tenant.token, query: { limit: 100, order_in: 'ASC', ...query } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const listIds = async (tenant: Tenant, query: Record<string, string | number | boolean> = {}) =>
    (await list(tenant, query)).data.map((c: { id: number }) => c.id);

  it('pages the companies with contact_count and lead_count', async () => {
    const tenant = await seedTenant(t);
    const s = await seedList(tenant);
    const page = await list(tenant, { limit: 2, page: 2 });
    expect(page).toMatchObject({ success: true, total: 4, page: 2, limit: 2 });
    expect(page.data.map((c: { id: number }) => c.id)).toEqual([s.gamma, s.delta]);
    const counts = (await list(tenant)).data.map((c: { id: number; contact_count: number; lead_count: number }) => [c.id, c.contact_count, c.lead_count]);
    expect(counts).toEqual([[s.alpha, 0, 0], [s.beta, 2, 1], [s.gamma, 1, 0], [s.delta, 0, 0]]);
  });

  it('filters by my, company_id, industry, search_value and the date range', async () => {
    const tenant = await seedTenant(t);
    const s = await seedList(tenant);
    expect(await listIds(tenant, { my: true })).toEqual([s.alpha, s.gamma, s.delta]);
    expect(await listIds({ ...tenant, token: s.rep.token }, { my: true })).toEqual([s.beta]);
    expect(await listIds(tenant, { company_id: `${s.gamma},${s.alpha}` })).toEqual([s.alpha, s.gamma]);
    expect(await listIds(tenant, { industry: 'SOFTWARE' })).toEqual([s.alpha, s.beta]);
    expect(await listIds(tenant, { industry: 'software, retail' })).toEqual([s.alpha, s.beta, s.gamma]);
    // name, website, city and country; % and _ are literal
    expect(await listIds(tenant, { search_value: 'LABS' })).toEqual([s.alpha]);
    expect(await listIds(tenant, { search_value: 'beta-shop' })).toEqual([s.beta]);
    expect(await listIds(tenant, { search_value: 'paris' })).toEqual([s.alpha]);
    expect(await listIds(tenant, { search_value: 'germany' })).toEqual([s.beta]);
    expect(await listIds(tenant, { search_value: '50%_' })).toEqual([s.gamma]);
    expect(await listIds(tenant, { search_value: '_' })).toEqual([s.gamma]);
    await t.database.prisma.company.update({ where: { id: s.alpha }, data: { created_at: new Date('2026-03-01T12:00:00Z') } });
    await t.database.prisma.company.update({ where: { id: s.beta }, data: { created_at: new Date('2026-03-02T23:59:59Z') } });
    expect(await listIds(tenant, { start_date: '2026-03-01', end_date: '2026-03-02' })).toEqual([s.alpha, s.beta]);
    expect(await listIds(tenant, { start_date: '2026-03-02', end_date: '2026-03-02' })).toEqual([s.beta]);
    expect(await listIds(tenant, { end_date: '2026-03-01', industry: 'software' })).toEqual([s.alpha]);
  });

  it('sorts names case-insensitively, employee_size by band and missing values last', async () => {
    const tenant = await seedTenant(t);
    const s = await seedList(tenant);
    expect(await listIds(tenant, { order_by: 'company_name' })).toEqual([s.alpha, s.beta, s.delta, s.gamma]);
    expect(await listIds(tenant, { order_by: 'company_name', order_in: 'DESC' })).toEqual([s.gamma, s.delta, s.beta, s.alpha]);
    expect(await listIds(tenant, { order_by: 'employee_size' })).toEqual([s.beta, s.gamma, s.alpha, s.delta]);
    expect(await listIds(tenant, { order_by: 'employee_size', order_in: 'DESC' })).toEqual([s.alpha, s.gamma, s.beta, s.delta]);
    expect(await listIds(tenant, { order_by: 'rating', order_in: 'DESC' })).toEqual([s.gamma, s.alpha, s.delta, s.beta]);
    expect(await listIds(tenant, { order_by: 'industry_type' })).toEqual([s.gamma, s.alpha, s.beta, s.delta]);
  });

  it("answers 422 for invalid parameters, 401 without a token, and never shows another organization's companies", async () => {
    const [a, b] = await seedTwoTenants(t);
    const company = await addCompany(a, { company_name: 'Secret Co' });
    for (const query of [{ order_by: 'org_id' }, { company_id: '1,x' }, { my: 'yes' }, { industry: ',' }, { end_date: '2026-13-01' }]) {
      expect((await t.call('GET', '/api/company/list', { token: a.token, query })).status, JSON.stringify(query)).toBe(422);
    }
    expect((await t.call('GET', '/api/company/list')).status).toBe(401);
    expect(await listIds(b)).toEqual([]);
    expect(await listIds(b, { company_id: company.id })).toEqual([]);
    expect(await listIds(b, { search_value: 'Secret' })).toEqual([]);
  });
});

describe('GET /api/company/stats', () => {
  async function seedStats(tenant: Tenant) {
    const acme = await addCompany(tenant, { company_name: 'Acme', industry_type: 'Software', employee_size: '11-50', country: 'Germany', rating: 4, website: 'acme.example' });
    const beta = await addCompany(tenant, { company_name: 'Beta', industry_type: 'software', employee_size: '11-50', country: 'germany', rating: 5 });
    const gamma = await addCompany(tenant, { company_name: 'Gamma', industry_type: 'Retail', employee_size: '1-10', country: 'France', website: 'gamma.example' });
    const delta = await addCompany(tenant, { company_name: 'Delta', rating: 3 });
    await addContact(tenant, acme.id);
    await addContact(tenant, acme.id);
    await addContact(tenant, gamma.id);
    return { acme: acme.id, beta: beta.id, gamma: gamma.id, delta: delta.id };
  }
  const stats = async (tenant: Tenant, query: Record<string, string | number | boolean> = {}) => {
    const res = await t.call('GET', '/api/company/stats', { token: tenant.token, query });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data;
  };

  it("counts the organization's companies by industry, band and country, with totals", async () => {
    const [a, b] = await seedTwoTenants(t);
    await seedStats(a);
    await addCompany(b, { company_name: 'Other', industry_type: 'Software', employee_size: '11-50', country: 'Germany', rating: 1, website: 'other.example' });
    expect(await stats(a)).toEqual({
      totals: { companies: 4, with_website: 2, with_contacts: 2, rated: 3, average_rating: 4 },
      by_industry: [
        { industry_type: 'Software', count: 2 },
        { industry_type: 'Retail', count: 1 },
        { industry_type: null, count: 1 },
      ],
      by_employee_size: [
        { employee_size: '1-10', count: 1 },
        { employee_size: '11-50', count: 2 },
        { employee_size: null, count: 1 },
      ],
      by_country: [
        { country: 'Germany', count: 2 },
        { country: 'France', count: 1 },
        { country: null, count: 1 },
      ],
    });
  });

  it('applies the list filters', async () => {
    const tenant = await seedTenant(t);
    const s = await seedStats(tenant);
    expect(await stats(tenant, { industry: 'SOFTWARE' })).toEqual({
      totals: { companies: 2, with_website: 1, with_contacts: 1, rated: 2, average_rating: 4.5 },
      by_industry: [{ industry_type: 'Software', count: 2 }],
      by_employee_size: [{ employee_size: '11-50', count: 2 }],
      by_country: [{ country: 'Germany', count: 2 }],
    });
    const some = await stats(tenant, { company_id: `${s.gamma},${s.delta}`, search_value: 'a' });
    expect(some.totals).toEqual({ companies: 2, with_website: 1, with_contacts: 1, rated: 1, average_rating: 3 });
    expect(await stats(tenant, { search_value: 'nothing matches' })).toEqual({
      totals: { companies: 0, with_website: 0, with_contacts: 0, rated: 0, average_rating: null },
      by_industry: [],
      by_employee_size: [],
      by_country: [],
    });
    expect((await stats(tenant, { my: true })).totals.companies).toBe(4);
  });

  it('answers 422 for invalid filters (paging is not one) and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ company_id: 'x' }, { start_date: 'soon' }, { my: 'perhaps' }]) {
      expect((await t.call('GET', '/api/company/stats', { token: tenant.token, query })).status, JSON.stringify(query)).toBe(422);
    }
    expect((await t.call('GET', '/api/company/stats')).status).toBe(401);
  });
});

describe('GET /api/company/similar/:id', () => {
  async function seedSimilar(tenant: Tenant) {
    const source = await addCompany(tenant, {
      company_name: 'Acme Robotics GmbH', industry_type: 'Robotics', employee_size: '51-200', country: 'Germany', website: 'acme-robotics.de',
    });
    const twin = await addCompany(tenant, {
      company_name: 'Acme Robotics Inc', industry_type: 'robotics', employee_size: '51-200', country: 'germany', website: 'acmerobotics.com',
    });
    const sameIndustry = await addCompany(tenant, { company_name: 'Robotics Werk', industry_type: 'Robotics', employee_size: '11-50', country: 'Austria' });
    const sameSizeAndCountry = await addCompany(tenant, { company_name: 'Kraut Maschinen', industry_type: 'Manufacturing', employee_size: '51-200', country: 'Germany' });
    const unrelated = await addCompany(tenant, { company_name: 'Zeta Foods', industry_type: 'Food', employee_size: '1-10', country: 'Spain', website: 'zeta.es' });
    const sameWebsite = await addCompany(tenant, { company_name: 'The Acme Group', website: 'https://www.acme-robotics.de/shop' });
    const tiedWithKraut = await addCompany(tenant, { company_name: 'Berg Anlagen', industry_type: 'Manufacturing', employee_size: '51-200', country: 'Germany' });
    return { source, twin, sameIndustry, sameSizeAndCountry, unrelated, sameWebsite, tiedWithKraut };
  }

  it('ranks the other companies by an explained score, ties by id, leaving out those that share nothing', async () => {
    const [a, b] = await seedTwoTenants(t);
    const s = await seedSimilar(a);
    await addCompany(b, { company_name: 'Acme Robotics Inc', industry_type: 'Robotics', employee_size: '51-200', country: 'Germany' });
    await addContact(a, s.twin.id);
    const res = await t.call('GET', `/api/company/similar/${s.source.id}`, { token: a.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const ranked = res.body.data.map((c: { id: number; similarity: number }) => [c.id, c.similarity]);
    expect(ranked).toEqual([
      [s.twin.id, 0.9],
      [s.sameIndustry.id, 0.3833],
      [s.sameSizeAndCountry.id, 0.35],
      [s.tiedWithKraut.id, 0.35],
      [s.sameWebsite.id, 0.225],
    ]);
    const twin = res.body.data[0];
    expect(twin).toMatchObject({ company_name: 'Acme Robotics Inc', contact_count: 1, lead_count: 0 });
    expect(twin.reasons).toEqual([
      { factor: 'industry', weight: 0.3, matched: true, score: 1, detail: 'Robotics' },
      { factor: 'name', weight: 0.25, matched: true, score: 1, detail: 'acme, robotics' },
      { factor: 'employee_size', weight: 0.2, matched: true, score: 1, detail: '51-200' },
      { factor: 'country', weight: 0.15, matched: true, score: 1, detail: 'Germany' },
      { factor: 'website', weight: 0.1, matched: false, score: 0, detail: null },
    ]);
    const website = res.body.data.find((c: { id: number }) => c.id === s.sameWebsite.id);
    expect(website.reasons).toEqual([
      { factor: 'industry', weight: 0.3, matched: false, score: 0, detail: null },
      { factor: 'name', weight: 0.25, matched: true, score: 0.5, detail: 'acme' },
      { factor: 'employee_size', weight: 0.2, matched: false, score: 0, detail: null },
      { factor: 'country', weight: 0.15, matched: false, score: 0, detail: null },
      { factor: 'website', weight: 0.1, matched: true, score: 1, detail: 'acme, robotics' },
    ]);
    for (const company of res.body.data) {
      const explained = company.reasons.reduce((sum: number, r: { weight: number; score: number }) => sum + r.weight * r.score, 0);
      expect(explained).toBeCloseTo(company.similarity, 3);
    }
  });

  it('rescales the weights to the factors the company has, and honours limit', async () => {
    const tenant = await seedTenant(t);
    const s = await seedSimilar(tenant);
    const res = await t.call('GET', `/api/company/similar/${s.sameSizeAndCountry.id}`, { token: tenant.token, query: { limit: 2 } });
    expect(res.status).toBe(200);
    // no website: industry, name, band and country share the whole score
    expect(res.body.data.map((c: { id: number; similarity: number }) => [c.id, c.similarity])).toEqual([
      [s.tiedWithKraut.id, 0.7222],
      [s.source.id, 0.3889],
    ]);
    expect(res.body.data[0].reasons.map((r: { factor: string; weight: number }) => [r.factor, r.weight])).toEqual([
      ['industry', 0.3333],
      ['name', 0.2778],
      ['employee_size', 0.2222],
      ['country', 0.1667],
    ]);
  });

  it('answers 404 for another organization, 422 for an invalid limit, 401 without a token', async () => {
    const [a, b] = await seedTwoTenants(t);
    const { source } = await seedSimilar(a);
    const hidden = await t.call('GET', `/api/company/similar/${source.id}`, { token: b.token });
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('Robotics');
    for (const limit of [0, 51, 'ten']) {
      expect((await t.call('GET', `/api/company/similar/${source.id}`, { token: a.token, query: { limit } })).status, String(limit)).toBe(422);
    }
    expect((await t.call('GET', `/api/company/similar/${source.id}`)).status).toBe(401);
  });
});

describe('POST /api/company/update/:id', () => {
  it('sets the given fields from JSON; an empty value or null clears a field', async () => {
    const tenant = await seedTenant(t);
    const company = await addCompany(tenant, { company_name: 'Acme', city: 'Berlin', rating: 2, website: 'acme.example' });
    const res = await t.call('POST', `/api/company/update/${company.id}`, {
      token: tenant.token,
      body: { company_name: 'Acme Two', city: '', rating: null, website: 'HTTPS://ACME.example/new/', employee_size: '5001+' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ id: company.id, company_name: 'Acme Two', city: null, rating: null, website: 'https://acme.example/new', employee_size: '5001+' });
  });

  it('replaces the logo from multipart (removing the old file), and removes it with company_logo null', async () => {
    const tenant = await seedTenant(t);
    const created = await t.call('POST', '/api/company/add', { token: tenant.token, body: companyForm({ company_name: 'Logo Co' }, { bytes: PNG, name: 'a.png' }) });
    const id = created.body.data.id;
    const firstKey = (await dbCompany(id))!.company_logo_key!;
    const replaced = await t.call('POST', `/api/company/update/${id}`, { token: tenant.token, body: companyForm({ rating: '3' }, { bytes: GIF, name: 'b.png', type: 'image/png' }) });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.data).toMatchObject({ rating: 3, company_logo: `/api/company/${id}/logo` });
    expect(existsSync(storedFile(firstKey))).toBe(false);
    const logo = await fetchLogo(tenant, id);
    expect(logo.headers.get('content-type')).toBe('image/gif');
    expect(new Uint8Array(await logo.arrayBuffer())).toEqual(GIF);
    const secondKey = (await dbCompany(id))!.company_logo_key!;

    // a rejected logo leaves the current one in place
    const rejected = await t.call('POST', `/api/company/update/${id}`, { token: tenant.token, body: companyForm({}, { bytes: 'text', name: 'c.png' }) });
    expect(rejected.status).toBe(422);
    expect((await dbCompany(id))!.company_logo_key).toBe(secondKey);

    const removed = await t.call('POST', `/api/company/update/${id}`, { token: tenant.token, body: { company_logo: null } });
    expect(removed.status).toBe(200);
    expect(removed.body.data.company_logo).toBeNull();
    expect(existsSync(storedFile(secondKey))).toBe(false);
    expect((await fetchLogo(tenant, id)).status).toBe(404);
    expect(storedFilesOf(tenant)).toEqual([]);
  });

  it('answers 422 for invalid values or nothing to update, 400 without a body', async () => {
    const tenant = await seedTenant(t);
    const company = await addCompany(tenant, { company_name: 'Acme' });
    const update = (body?: unknown) => t.call('POST', `/api/company/update/${company.id}`, { token: tenant.token, body });
    for (const body of [{}, { company_name: 'A' }, { company_name: null }, { rating: 7 }, { website: 'nope' }, { company_logo: 'https://x.example/logo.png' }, companyForm({})]) {
      expect((await update(body)).status, body instanceof FormData ? 'empty form' : JSON.stringify(body)).toBe(422);
    }
    expect((await update()).status).toBe(400);
    expect((await dbCompany(company.id))?.company_name).toBe('Acme');
  });

  it("answers 404 for another organization's company, storing no file; 401 without a token", async () => {
    const [a, b] = await seedTwoTenants(t);
    const company = await addCompany(a, { company_name: 'Acme' });
    expect((await t.call('POST', `/api/company/update/${company.id}`, { token: b.token, body: { company_name: 'Hacked' } })).status).toBe(404);
    const withLogo = await t.call('POST', `/api/company/update/${company.id}`, { token: b.token, body: companyForm({}, { bytes: PNG, name: 'x.png' }) });
    expect(withLogo.status).toBe(404);
    expect(storedFilesOf(b)).toEqual([]);
    expect(await dbCompany(company.id)).toMatchObject({ company_name: 'Acme', company_logo_key: null });
    expect((await t.call('POST', `/api/company/update/${company.id}`, { body: { company_name: 'Hacked' } })).status).toBe(401);
  });
});

describe('DELETE /api/company/delete/:id', () => {
  it('deletes the company and its logo, unlinking its contacts and leads', async () => {
    const tenant = await seedTenant(t);
    const created = await t.call('POST', '/api/company/add', { token: tenant.token, body: companyForm({ company_name: 'Doomed' }, { bytes: PNG, name: 'a.png' }) });
    const id = created.body.data.id;
    const key = (await dbCompany(id))!.company_logo_key!;
    const kept = await addCompany(tenant, { company_name: 'Kept' });
    const contact = await addContact(tenant, id);
    const keptContact = await addContact(tenant, kept.id);
    const lead = await addLead(tenant, { company: 'doomed' });
    const res = await t.call('DELETE', `/api/company/delete/${id}`, { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ deleted: 1 });
    expect(await dbCompany(id)).toBeNull();
    expect(existsSync(storedFile(key))).toBe(false);
    expect((await t.database.prisma.contact.findUnique({ where: { id: contact } }))?.company_id).toBeNull();
    expect((await t.database.prisma.contact.findUnique({ where: { id: keptContact } }))?.company_id).toBe(kept.id);
    expect(await t.database.prisma.lead.findUnique({ where: { id: lead } })).toMatchObject({ company_id: null, company: 'doomed' });
    expect((await t.call('DELETE', `/api/company/delete/${id}`, { token: tenant.token })).status).toBe(404);
  });

  it("deletes the path id with the body's ids, or with select_all exactly the organization's companies matching the filters", async () => {
    const [a, b] = await seedTwoTenants(t);
    const [one, two, three] = [await addCompany(a, { company_name: 'One' }), await addCompany(a, { company_name: 'Two' }), await addCompany(a, { company_name: 'Three' })];
    expect((await t.call('DELETE', `/api/company/delete/${one.id}`, { token: a.token, body: { ids: [two.id] } })).body.data).toEqual({ deleted: 2 });
    expect((await dbCompany(three.id))).not.toBeNull();

    const retail = [await addCompany(a, { company_name: 'Shop A', industry_type: 'Retail' }), await addCompany(a, { company_name: 'Shop B', industry_type: 'retail' })];
    const software = await addCompany(a, { company_name: 'Code Shop', industry_type: 'Software' });
    const retailOfB = await addCompany(b, { company_name: 'Shop B', industry_type: 'Retail' });
    const res = await t.call('DELETE', `/api/company/delete/${three.id}`, {
      token: a.token,
      body: { select_all: true, filters: { industry: ['RETAIL'], search_value: 'shop' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({ deleted: 3 });
    for (const gone of [...retail, three]) expect(await dbCompany(gone.id)).toBeNull();
    expect(await dbCompany(software.id)).not.toBeNull();
    expect(await dbCompany(retailOfB.id)).not.toBeNull();
  });

  it("answers 404 for another organization's companies (deleting none), 422 for a malformed body, 401 without a token", async () => {
    const [a, b] = await seedTwoTenants(t);
    const ofA = await addCompany(a, { company_name: 'Acme' });
    const contactOfA = await addContact(a, ofA.id);
    const ofB = await addCompany(b, { company_name: 'Bee' });
    expect((await t.call('DELETE', `/api/company/delete/${ofA.id}`, { token: b.token })).status).toBe(404);
    expect((await t.call('DELETE', `/api/company/delete/${ofB.id}`, { token: b.token, body: { ids: [ofA.id] } })).body.data).toEqual({ deleted: 1 });
    expect(await dbCompany(ofA.id)).not.toBeNull();
    expect((await t.database.prisma.contact.findUnique({ where: { id: contactOfA } }))?.company_id).toBe(ofA.id);
    for (const body of [{ filters: { industry: 'x' } }, { select_all: true, filters: { rating: 5 } }, { select_all: 'yes' }]) {
      expect((await t.call('DELETE', `/api/company/delete/${ofA.id}`, { token: a.token, body })).status, JSON.stringify(body)).toBe(422);
    }
    expect((await t.call('DELETE', `/api/company/delete/${ofA.id}`)).status).toBe(401);
    expect(await dbCompany(ofA.id)).not.toBeNull();
  });
});

describe('GET /api/company/:id/logo', () => {
  it("answers 404 without an uploaded logo and for another organization's company; 401 without a token", async () => {
    const [a, b] = await seedTwoTenants(t);
    const plain = await addCompany(a, { company_name: 'Plain' });
    expect((await fetchLogo(a, plain.id)).status).toBe(404);
    const created = await t.call('POST', '/api/company/add', { token: a.token, body: companyForm({ company_name: 'Logo Co' }, { bytes: PNG, name: 'a.png' }) });
    expect((await fetchLogo(a, created.body.data.id)).status).toBe(200);
    expect((await fetchLogo(b, created.body.data.id)).status).toBe(404);
    expect((await t.app.request(`/api/company/${created.body.data.id}/logo`)).status).toBe(401);
  });
});

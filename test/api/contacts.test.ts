// §6.4 contacts: create, read, update, bulk update and delete, and the list
// with every filter. Each test seeds its own organizations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, uniqueEmail, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

async function addCompany(tenant: Tenant, company_name = 'Acme Robotics') {
  const res = await t.call('POST', '/api/company/add', { token: tenant.token, body: { company_name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as number;
}

async function addContact(tenant: Tenant, body: Record<string, unknown>, token = tenant.token) {
  const res = await t.call('POST', '/api/contact/add', { token, body: { name: 'Jane Doe', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function addLead(tenant: Tenant) {
  const res = await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Lee', last_name: 'Lead' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as number;
}

const listIds = async (tenant: Tenant, query: Record<string, string | number | boolean> = {}) => {
  const res = await t.call('GET', '/api/contact/list', { token: tenant.token, query: { limit: 100, order_in: 'ASC', ...query } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.map((contact: { id: number }) => contact.id);
};

const dbContact = (id: number) => t.database.prisma.contact.findUnique({ where: { id } });

describe('POST /api/contact/add', () => {
  it('creates the contact with its company name, status label and tags (created by name)', async () => {
    const tenant = await seedTenant(t);
    const companyId = await addCompany(tenant);
    const leadId = await addLead(tenant);
    const email = uniqueEmail('jane');
    const contact = await addContact(tenant, {
      company_id: companyId,
      email,
      phone_number: '+1 (555) 010-2000',
      designation: 'Head of Procurement',
      seniority: 'Director',
      decision_maker: 'yes',
      linkedin_url: 'https://www.linkedin.com/in/jane-doe',
      lead_score: 87,
      status: 2,
      lead_id: leadId,
      tags: ['Champion', 'champion ', 'Budget'],
    });
    expect(contact).toMatchObject({
      name: 'Jane Doe',
      email,
      phone_number: '+1 (555) 010-2000',
      company_id: companyId,
      company_name: 'Acme Robotics',
      lead_id: leadId,
      designation: 'Head of Procurement',
      seniority: 'Director',
      decision_maker: 'yes',
      linkedin_url: 'https://www.linkedin.com/in/jane-doe',
      lead_score: 87,
      status: 2,
      status_text: 'Contacted',
      created_by: tenant.adminId,
    });
    expect(contact.tags).toHaveLength(2);
    // names match case-insensitively: one Champion tag
    expect(contact.tag_names.map((name: string) => name.toLowerCase()).sort()).toEqual(['budget', 'champion']);
    expect(contact).not.toHaveProperty('org_id');
    expect(new Date(contact.created_at).toISOString()).toBe(contact.created_at);
    // the tags are the organization's lead tags
    const tags = await t.database.prisma.customLookup.findMany({ where: { org_id: tenant.orgId, type: 'tag' } });
    expect(tags.map((tag) => [tag.module_name, tag.name_key]).sort()).toEqual([['lead', 'budget'], ['lead', 'champion']]);
  });

  it('takes tag ids and needs only name and company_id', async () => {
    const tenant = await seedTenant(t);
    const companyId = await addCompany(tenant);
    const tag = await t.database.prisma.customLookup.create({
      data: { org_id: tenant.orgId, module_name: 'lead', type: 'tag', name: 'VIP', name_key: 'vip' },
    });
    const contact = await addContact(tenant, { company_id: companyId, tags: [tag.id] });
    expect(contact).toMatchObject({ tags: [tag.id], tag_names: ['VIP'], email: null, status: null, status_text: null, lead_score: null });
    expect((await addContact(tenant, { company_id: companyId })).tags).toEqual([]);
  });

  it('answers 400 for missing required fields and 422 for invalid values', async () => {
    const tenant = await seedTenant(t);
    const companyId = await addCompany(tenant);
    const add = (body: Record<string, unknown>) => t.call('POST', '/api/contact/add', { token: tenant.token, body });
    expect((await add({ name: 'Jane Doe' })).status).toBe(400);
    expect((await add({ company_id: companyId })).status).toBe(400);
    expect((await t.call('POST', '/api/contact/add', { token: tenant.token })).status).toBe(400);
    expect((await t.call('POST', '/api/contact/add', { token: tenant.token, body: '{"name":' })).status).toBe(400);
    for (const invalid of [
      { name: 'J' },
      { name: 'x'.repeat(101) },
      { company_id: 'one' },
      { email: 'not-an-email' },
      { phone_number: 'call me' },
      { lead_score: 101 },
      { lead_score: -1 },
      { lead_score: 5.5 },
      { linkedin_url: 'javascript:alert(1)' },
      { status: 99 },
      { tags: [999_999_999] },
      { company_id: 999_999_999 },
      { lead_id: 999_999_999 },
    ]) {
      const res = await add({ name: 'Jane Doe', company_id: companyId, ...invalid });
      expect(res.status, JSON.stringify(invalid)).toBe(422);
      expect(res.body.success).toBe(false);
      expect(res.body.error.type).toBe('validation_error');
    }
    expect(await t.database.prisma.contact.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });

  it("rejects another organization's company, lead and tag ids with 422", async () => {
    const [a, b] = await seedTwoTenants(t);
    const companyOfA = await addCompany(a);
    const leadOfA = await addLead(a);
    const tagOfA = await t.database.prisma.customLookup.create({ data: { org_id: a.orgId, module_name: 'lead', type: 'tag', name: 'A', name_key: 'a' } });
    const companyOfB = await addCompany(b);
    for (const body of [{ company_id: companyOfA }, { company_id: companyOfB, lead_id: leadOfA }, { company_id: companyOfB, tags: [tagOfA.id] }]) {
      const res = await t.call('POST', '/api/contact/add', { token: b.token, body: { name: 'Bob Bee', ...body } });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect(await t.database.prisma.contact.count({ where: { org_id: { in: [a.orgId, b.orgId] } } })).toBe(0);
  });

  it('answers 401 without a valid token', async () => {
    expect((await t.call('POST', '/api/contact/add', { body: { name: 'Jane Doe', company_id: 1 } })).status).toBe(401);
    expect((await t.call('POST', '/api/contact/add', { token: 'nope', body: { name: 'Jane Doe', company_id: 1 } })).status).toBe(401);
  });
});

describe('GET /api/contact/view/:id', () => {
  it("returns the organization's contact, also under /api/v1, and 404 for another organization's", async () => {
    const [a, b] = await seedTwoTenants(t);
    const contact = await addContact(a, { company_id: await addCompany(a), email: uniqueEmail() });
    const res = await t.call('GET', `/api/v1/contact/view/${contact.id}`, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Success', data: contact });
    const hidden = await t.call('GET', `/api/contact/view/${contact.id}`, { token: b.token });
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain(contact.email);
    expect((await t.call('GET', '/api/contact/view/999999999', { token: a.token })).status).toBe(404);
    expect((await t.call('GET', '/api/contact/view/abc', { token: a.token })).status).toBe(422);
    expect((await t.call('GET', `/api/contact/view/${contact.id}`)).status).toBe(401);
  });

  it('shows company_id null once the company is deleted', async () => {
    const tenant = await seedTenant(t);
    const companyId = await addCompany(tenant);
    const contact = await addContact(tenant, { company_id: companyId });
    expect((await t.call('DELETE', `/api/company/delete/${companyId}`, { token: tenant.token })).status).toBe(200);
    const res = await t.call('GET', `/api/contact/view/${contact.id}`, { token: tenant.token });
    expect(res.body.data).toMatchObject({ id: contact.id, company_id: null, company_name: null });
  });
});

describe('GET /api/contact/list', () => {
  async function seedList(tenant: Tenant) {
    const acme = await addCompany(tenant, 'Acme');
    const globex = await addCompany(tenant, 'Globex');
    const leadId = await addLead(tenant);
    const rep = await tenant.addUser();
    const ada = await addContact(tenant, { name: 'Ada Lovelace', company_id: acme, email: 'ada@acme.example', lead_score: 90, status: 1, designation: 'CTO' });
    const bob = await addContact(tenant, { name: 'Bob Byron', company_id: globex, phone_number: '+44 20 7946 0958', lead_score: 40, status: 2, lead_id: leadId }, rep.token);
    const cyd = await addContact(tenant, { name: 'Cyd 100%_Off', company_id: acme, designation: 'Buyer' });
    return { acme, globex, leadId, rep, ada: ada.id, bob: bob.id, cyd: cyd.id };
  }

  it('pages the contacts with their company names, newest first by default', async () => {
    const tenant = await seedTenant(t);
    const s = await seedList(tenant);
    const res = await t.call('GET', '/api/contact/list', { token: tenant.token, query: { limit: 2 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, total: 3, page: 1, limit: 2 });
    expect(res.body.data.map((c: { id: number }) => c.id)).toEqual([s.cyd, s.bob]);
    expect(res.body.data.map((c: { company_name: string }) => c.company_name)).toEqual(['Acme', 'Globex']);
    const second = await t.call('GET', '/api/contact/list', { token: tenant.token, query: { limit: 2, page: 2 } });
    expect(second.body.data.map((c: { id: number }) => c.id)).toEqual([s.ada]);
  });

  it('filters by my, company_id, lead_id, status, search_value and the date range', async () => {
    const tenant = await seedTenant(t);
    const s = await seedList(tenant);
    expect(await listIds(tenant, { my: true })).toEqual([s.ada, s.cyd]);
    expect(await listIds({ ...tenant, token: s.rep.token }, { my: 'true' })).toEqual([s.bob]);
    expect(await listIds(tenant, { company_id: s.acme })).toEqual([s.ada, s.cyd]);
    expect(await listIds(tenant, { company_id: `${s.acme},${s.globex}` })).toEqual([s.ada, s.bob, s.cyd]);
    expect(await listIds(tenant, { lead_id: s.leadId })).toEqual([s.bob]);
    expect(await listIds(tenant, { status: '1,2' })).toEqual([s.ada, s.bob]);
    expect(await listIds(tenant, { status: 2, company_id: s.acme })).toEqual([]);
    // name, email, phone number and designation; case-insensitive; % and _ are literal
    expect(await listIds(tenant, { search_value: 'BYRON' })).toEqual([s.bob]);
    expect(await listIds(tenant, { search_value: 'ada@acme' })).toEqual([s.ada]);
    expect(await listIds(tenant, { search_value: '7946' })).toEqual([s.bob]);
    expect(await listIds(tenant, { search_value: 'buyer' })).toEqual([s.cyd]);
    expect(await listIds(tenant, { search_value: '100%_' })).toEqual([s.cyd]);
    expect(await listIds(tenant, { search_value: '%' })).toEqual([s.cyd]);
    await t.database.prisma.contact.update({ where: { id: s.ada }, data: { created_at: new Date('2026-01-10T23:30:00Z') } });
    await t.database.prisma.contact.update({ where: { id: s.bob }, data: { created_at: new Date('2026-01-11T00:00:00Z') } });
    expect(await listIds(tenant, { start_date: '2026-01-10', end_date: '2026-01-10' })).toEqual([s.ada]);
    expect(await listIds(tenant, { start_date: '2026-01-10', end_date: '2026-01-11' })).toEqual([s.ada, s.bob]);
    expect(await listIds(tenant, { end_date: '2026-01-11T00:00:00Z' })).toEqual([s.ada, s.bob]);
  });

  it('sorts by name, email and lead_score (contacts without a value last), ties by id', async () => {
    const tenant = await seedTenant(t);
    const s = await seedList(tenant);
    expect(await listIds(tenant, { order_by: 'lead_score', order_in: 'DESC' })).toEqual([s.ada, s.bob, s.cyd]);
    expect(await listIds(tenant, { order_by: 'lead_score', order_in: 'asc' })).toEqual([s.bob, s.ada, s.cyd]);
    expect(await listIds(tenant, { order_by: 'email', order_in: 'DESC' })).toEqual([s.ada, s.cyd, s.bob]);
    expect(await listIds(tenant, { order_by: 'email', order_in: 'ASC' })).toEqual([s.ada, s.bob, s.cyd]);
    expect(await listIds(tenant, { order_by: 'name' })).toEqual([s.ada, s.bob, s.cyd]);
  });

  it('answers 422 for invalid parameters and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ order_by: 'password' }, { company_id: 'x' }, { my: 'maybe' }, { start_date: 'yesterday' }, { limit: 0 }, { order_in: 'UP' }]) {
      expect((await t.call('GET', '/api/contact/list', { token: tenant.token, query })).status, JSON.stringify(query)).toBe(422);
    }
    expect((await t.call('GET', '/api/contact/list')).status).toBe(401);
  });

  it("never shows another organization's contacts", async () => {
    const [a, b] = await seedTwoTenants(t);
    const companyOfA = await addCompany(a);
    await addContact(a, { company_id: companyOfA, name: 'Secret Person' });
    expect(await listIds(b)).toEqual([]);
    expect(await listIds(b, { company_id: companyOfA })).toEqual([]);
    expect(await listIds(b, { search_value: 'Secret' })).toEqual([]);
  });
});

describe('POST /api/contact/update/:id', () => {
  it('sets the given fields in place, replacing the tags, and leaves the rest alone', async () => {
    const tenant = await seedTenant(t);
    const acme = await addCompany(tenant, 'Acme');
    const globex = await addCompany(tenant, 'Globex');
    const contact = await addContact(tenant, { company_id: acme, email: 'jane@acme.example', designation: 'CTO', tags: ['old'] });
    const res = await t.call('POST', `/api/contact/update/${contact.id}`, {
      token: tenant.token,
      body: { name: 'Jane Smith', company_id: globex, lead_score: 55, email: null, tags: ['new'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({
      id: contact.id,
      name: 'Jane Smith',
      company_id: globex,
      company_name: 'Globex',
      lead_score: 55,
      email: null,
      designation: 'CTO',
      tag_names: ['new'],
    });
    expect(res.body.data.tags).toHaveLength(1);
    expect(new Date(res.body.data.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(contact.updated_at).getTime());
  });

  it('validates like create: 422 for invalid values, an empty body or a foreign company; 400 without a body', async () => {
    const [a, b] = await seedTwoTenants(t);
    const contact = await addContact(a, { company_id: await addCompany(a) });
    const update = (body?: unknown) => t.call('POST', `/api/contact/update/${contact.id}`, { token: a.token, body });
    for (const body of [{}, { name: 'J' }, { lead_score: 300 }, { status: 42 }, { company_id: await addCompany(b) }, { company_id: null }]) {
      expect((await update(body)).status, JSON.stringify(body)).toBe(422);
    }
    expect((await update()).status).toBe(400);
    expect((await dbContact(contact.id))?.name).toBe('Jane Doe');
  });

  it("answers 404 for another organization's contact and changes nothing; 401 without a token", async () => {
    const [a, b] = await seedTwoTenants(t);
    const contact = await addContact(a, { company_id: await addCompany(a) });
    const res = await t.call('POST', `/api/contact/update/${contact.id}`, { token: b.token, body: { name: 'Hacked' } });
    expect(res.status).toBe(404);
    expect((await dbContact(contact.id))?.name).toBe('Jane Doe');
    expect((await t.call('POST', `/api/contact/update/${contact.id}`, { body: { name: 'Hacked' } })).status).toBe(401);
  });
});

describe('POST /api/contact/bulk-update', () => {
  it('sets company_id, lead_score and tags (replaced) on the listed contacts in one go', async () => {
    const tenant = await seedTenant(t);
    const acme = await addCompany(tenant, 'Acme');
    const globex = await addCompany(tenant, 'Globex');
    const one = await addContact(tenant, { company_id: acme, tags: ['old'] });
    const two = await addContact(tenant, { company_id: acme });
    const untouched = await addContact(tenant, { company_id: acme, lead_score: 3 });
    const res = await t.call('POST', '/api/contact/bulk-update', {
      token: tenant.token,
      body: { contact_ids: [one.id, two.id], company_id: globex, lead_score: 70, tags: ['Hot'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({ updated: 2 });
    for (const id of [one.id, two.id]) {
      const view = (await t.call('GET', `/api/contact/view/${id}`, { token: tenant.token })).body.data;
      expect(view).toMatchObject({ company_id: globex, company_name: 'Globex', lead_score: 70, tag_names: ['Hot'] });
    }
    expect(await dbContact(untouched.id)).toMatchObject({ company_id: acme, lead_score: 3 });
    const cleared = await t.call('POST', '/api/contact/bulk-update', { token: tenant.token, body: { contact_ids: [one.id], tags: [], lead_score: null } });
    expect(cleared.body.data).toEqual({ updated: 1 });
    expect(await dbContact(one.id)).toMatchObject({ tags: [], lead_score: null, company_id: globex });
  });

  it("with select_all changes exactly the organization's contacts matching the filters", async () => {
    const [a, b] = await seedTwoTenants(t);
    const acme = await addCompany(a, 'Acme');
    const globex = await addCompany(a, 'Globex');
    const matching = [await addContact(a, { name: 'Match One', company_id: acme }), await addContact(a, { name: 'Match Two', company_id: acme })];
    const otherCompany = await addContact(a, { name: 'Match Three', company_id: globex });
    const otherName = await addContact(a, { name: 'Different', company_id: acme });
    const companyOfB = await addCompany(b, 'Acme');
    const ofB = await addContact(b, { name: 'Match B', company_id: companyOfB });
    const res = await t.call('POST', '/api/contact/bulk-update', {
      token: a.token,
      body: { select_all: true, filters: { company_id: acme, search_value: 'match' }, lead_score: 11 },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({ updated: 2 });
    for (const c of matching) expect((await dbContact(c.id))?.lead_score).toBe(11);
    for (const c of [otherCompany, otherName, ofB]) expect((await dbContact(c.id))?.lead_score).toBeNull();
    // filters in JSON take native values too, and select_all without filters is every contact of the organization
    expect((await t.call('POST', '/api/contact/bulk-update', { token: a.token, body: { select_all: true, filters: { company_id: [acme, globex], my: true }, lead_score: 12 } })).body.data).toEqual({ updated: 4 });
    expect((await t.call('POST', '/api/contact/bulk-update', { token: a.token, body: { select_all: true, lead_score: 13 } })).body.data).toEqual({ updated: 4 });
    expect((await dbContact(ofB.id))?.lead_score).toBeNull();
    expect((await t.call('POST', '/api/contact/bulk-update', { token: a.token, body: { select_all: true, filters: { search_value: 'nobody' }, lead_score: 1 } })).body.data).toEqual({ updated: 0 });
  });

  it('answers 422 for a malformed selection, unknown filter keys, no change or invalid values; 400 without a body', async () => {
    const [a, b] = await seedTwoTenants(t);
    const contact = await addContact(a, { company_id: await addCompany(a) });
    const bulk = (body?: unknown) => t.call('POST', '/api/contact/bulk-update', { token: a.token, body });
    for (const body of [
      { lead_score: 5 },
      { contact_ids: [contact.id], select_all: true, lead_score: 5 },
      { contact_ids: [contact.id], filters: { my: true }, lead_score: 5 },
      { select_all: true, filters: { compnay_id: 1 }, lead_score: 5 },
      { select_all: true, filters: { page: 2 }, lead_score: 5 },
      { contact_ids: [contact.id] },
      { contact_ids: [], lead_score: 5 },
      { contact_ids: [contact.id], lead_score: 101 },
      { contact_ids: [contact.id], company_id: await addCompany(b) },
      { contact_ids: [contact.id], tags: [999_999_999] },
    ]) {
      expect((await bulk(body)).status, JSON.stringify(body)).toBe(422);
    }
    expect((await bulk()).status).toBe(400);
    expect((await dbContact(contact.id))?.lead_score).toBeNull();
  });

  it("answers 404 when none of contact_ids is the organization's, and changes nothing of the other organization; 401 without a token", async () => {
    const [a, b] = await seedTwoTenants(t);
    const ofA = await addContact(a, { company_id: await addCompany(a) });
    const ofB = await addContact(b, { company_id: await addCompany(b) });
    expect((await t.call('POST', '/api/contact/bulk-update', { token: b.token, body: { contact_ids: [ofA.id], lead_score: 9 } })).status).toBe(404);
    const mixed = await t.call('POST', '/api/contact/bulk-update', { token: b.token, body: { contact_ids: [ofA.id, ofB.id], lead_score: 9 } });
    expect(mixed.body.data).toEqual({ updated: 1 });
    expect((await dbContact(ofA.id))?.lead_score).toBeNull();
    expect((await t.call('POST', '/api/contact/bulk-update', { body: { contact_ids: [ofA.id], lead_score: 9 } })).status).toBe(401);
  });
});

describe('DELETE /api/contact/delete/:id', () => {
  it('deletes the contact in the path', async () => {
    const tenant = await seedTenant(t);
    const companyId = await addCompany(tenant);
    const gone = await addContact(tenant, { company_id: companyId });
    const kept = await addContact(tenant, { company_id: companyId });
    const res = await t.call('DELETE', `/api/contact/delete/${gone.id}`, { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ deleted: 1 });
    expect(await dbContact(gone.id)).toBeNull();
    expect(await dbContact(kept.id)).not.toBeNull();
    expect((await t.call('DELETE', `/api/contact/delete/${gone.id}`, { token: tenant.token })).status).toBe(404);
  });

  it('deletes the path id together with the ids of the body', async () => {
    const tenant = await seedTenant(t);
    const companyId = await addCompany(tenant);
    const [one, two, three, kept] = [
      await addContact(tenant, { company_id: companyId }),
      await addContact(tenant, { company_id: companyId }),
      await addContact(tenant, { company_id: companyId }),
      await addContact(tenant, { company_id: companyId }),
    ];
    const res = await t.call('DELETE', `/api/contact/delete/${one.id}`, { token: tenant.token, body: { ids: [two.id, three.id, one.id] } });
    expect(res.body.data).toEqual({ deleted: 3 });
    expect(await listIds(tenant)).toEqual([kept.id]);
  });

  it("with select_all deletes exactly the organization's contacts matching the filters (and the path id)", async () => {
    const [a, b] = await seedTwoTenants(t);
    const acme = await addCompany(a, 'Acme');
    const globex = await addCompany(a, 'Globex');
    const matching = [await addContact(a, { name: 'Old One', company_id: acme }), await addContact(a, { name: 'Old Two', company_id: acme })];
    const pathOnly = await addContact(a, { name: 'Path Only', company_id: globex });
    const kept = [await addContact(a, { name: 'Old Three', company_id: globex }), await addContact(a, { name: 'New', company_id: acme })];
    const ofB = await addContact(b, { name: 'Old B', company_id: await addCompany(b, 'Acme') });
    const res = await t.call('DELETE', `/api/contact/delete/${pathOnly.id}`, {
      token: a.token,
      body: { select_all: true, filters: { company_id: String(acme), search_value: 'old' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({ deleted: 3 });
    for (const c of [...matching, pathOnly]) expect(await dbContact(c.id)).toBeNull();
    for (const c of [...kept, ofB]) expect(await dbContact(c.id)).not.toBeNull();
  });

  it("answers 404 for another organization's contacts (deleting none of them) and 422 for a malformed body; 401 without a token", async () => {
    const [a, b] = await seedTwoTenants(t);
    const ofA = await addContact(a, { company_id: await addCompany(a) });
    const ofB = await addContact(b, { company_id: await addCompany(b) });
    expect((await t.call('DELETE', `/api/contact/delete/${ofA.id}`, { token: b.token })).status).toBe(404);
    const mixed = await t.call('DELETE', `/api/contact/delete/${ofB.id}`, { token: b.token, body: { ids: [ofA.id] } });
    expect(mixed.body.data).toEqual({ deleted: 1 });
    expect(await dbContact(ofA.id)).not.toBeNull();
    for (const body of [{ filters: { my: true } }, { select_all: true, filters: { colour: 'red' } }, { ids: ['x'] }, { ids: [] }]) {
      expect((await t.call('DELETE', `/api/contact/delete/${ofA.id}`, { token: a.token, body })).status, JSON.stringify(body)).toBe(422);
    }
    expect((await t.call('DELETE', '/api/contact/delete/0', { token: a.token })).status).toBe(422);
    expect((await t.call('DELETE', `/api/contact/delete/${ofA.id}`)).status).toBe(401);
    expect(await dbContact(ofA.id)).not.toBeNull();
  });
});

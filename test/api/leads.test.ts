// §6.2 / §7.1 leads: create, read, update, delete, the list with every filter,
// custom fields and the profile image. Each test seeds its own organizations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createLead } from '../../domain/leads/lead.service.js';
import { EXACT_SEARCH_TOTAL_UP_TO } from '../../domain/platform/list-query.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, uniqueEmail, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
// uploads of this file's apps go to their own STORAGE_DIR
const closeAndRemoveUploads = async (app: TestApp) => {
  await app.close();
  await rm(app.deps.config.STORAGE_DIR, { recursive: true, force: true });
};
afterAll(() => closeAndRemoveUploads(t));

async function addLead(tenant: Tenant, body: Record<string, unknown> = {}) {
  const res = await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Jane', last_name: 'Doe', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

const listIds = async (tenant: Tenant, query: Record<string, string | number | boolean>) => {
  const res = await t.call('GET', '/api/lead/list', { token: tenant.token, query: { limit: 100, order_in: 'ASC', ...query } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.map((lead: { id: number }) => lead.id);
};

const scoreEvents = async (leadId: number) =>
  (
    await t.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events WHERE kind = $1 AND payload->>'leadId' = $2`,
      ['lead.score', String(leadId)],
    )
  ).rows[0]!.n;

const dbLead = async (id: number) => (await t.database.pool.query('SELECT * FROM leads WHERE id = $1', [id])).rows[0];

describe('POST /api/lead/add', () => {
  it('creates the lead with resolved labels, created tags and company, and asks for it to be scored', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const email = uniqueEmail('jane');
    const lead = await addLead(tenant, {
      email,
      phone_number: '+1 (555) 010-2000',
      company: 'Acme Robotics',
      job_title: 'CTO',
      city: 'Berlin',
      linkedin_url: 'https://www.linkedin.com/in/jane-doe',
      status: 2,
      priority: 4,
      lead_source: 3,
      estimated_value: 12500.5,
      assigned_to: rep.id,
      tags: ['Enterprise', 'Q3', 'q3'],
      custom_fields: { budget: '50k', seats: 20 },
    });
    expect(lead).toMatchObject({
      first_name: 'Jane',
      last_name: 'Doe',
      email,
      company: 'Acme Robotics',
      status: 2,
      status_text: 'Contacted',
      priority: 4,
      priority_text: 'Urgent',
      lead_source: 3,
      lead_source_text: 'LinkedIn',
      estimated_value: 12500.5,
      assigned_to: rep.id,
      score: 0,
      custom_fields: { budget: '50k', seats: 20 },
    });
    expect(typeof lead.id).toBe('number');
    expect(lead.tags).toHaveLength(2);
    expect(lead.tag_names.map((n: string) => n.toLowerCase()).sort()).toEqual(['enterprise', 'q3']);
    expect(lead).not.toHaveProperty('org_id');
    expect(lead).not.toHaveProperty('dedupe_email');
    expect(typeof lead.company_id).toBe('number');
    const company = await t.database.prisma.company.findUniqueOrThrow({ where: { id: lead.company_id } });
    expect(company).toMatchObject({ org_id: tenant.orgId, company_name: 'Acme Robotics' });
    expect(await scoreEvents(lead.id)).toBe(1);
  });

  it('links a known company by name case-insensitively and defaults status and priority', async () => {
    const tenant = await seedTenant(t);
    const first = await addLead(tenant, { company: 'Globex' });
    const second = await addLead(tenant, { company: 'GLOBEX' });
    expect(second.company_id).toBe(first.company_id);
    expect(second).toMatchObject({ status: 1, status_text: 'New', priority: 2, priority_text: 'Medium', lead_source: null, tags: [] });
  });

  it('answers 409 duplicate_lead for an email the organization already has, in any case', async () => {
    const [a, b] = await seedTwoTenants(t);
    const email = uniqueEmail('dup');
    const existing = await addLead(a, { email });
    const res = await t.call('POST', '/api/lead/add', { token: a.token, body: { first_name: 'Other', last_name: 'Person', email: email.toUpperCase() } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ type: 'conflict', code: 'duplicate_lead', existing_id: existing.id });
    // another organization may hold the same address
    await addLead(b, { email });
  });

  it('answers 400 when first_name or last_name is missing', async () => {
    const tenant = await seedTenant(t);
    for (const body of [{ last_name: 'Doe' }, { first_name: 'Jane' }]) {
      const res = await t.call('POST', '/api/lead/add', { token: tenant.token, body });
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe('bad_request');
    }
    expect((await t.call('POST', '/api/lead/add', { token: tenant.token, body: '{"first_name":' })).status).toBe(400);
  });

  it('answers 422 for invalid values', async () => {
    const [a, b] = await seedTwoTenants(t);
    const foreignUser = await b.addUser();
    const foreignTag = (await addLead(b, { tags: ['theirs'] })).tags[0];
    const foreignCompany = (await addLead(b, { company: 'Theirs Inc' })).company_id;
    const invalid: Record<string, unknown>[] = [
      { first_name: 'J' },
      { last_name: 'x'.repeat(51) },
      { email: 'not-an-email' },
      { priority: 9 },
      { priority: 0 },
      { status: 99 },
      { lead_source: 77 },
      { assigned_to: foreignUser.id },
      { estimated_value: -1 },
      { linkedin_url: 'not a url' },
      { linkedin_url: 'ftp://linkedin.com/in/x' },
      { tags: [foreignTag] },
      { tags: 'vip' },
      { company_id: foreignCompany },
      { custom_fields: ['a'] },
      { phone_number: 'call me' },
    ];
    for (const body of invalid) {
      const res = await t.call('POST', '/api/lead/add', { token: a.token, body: { first_name: 'Jane', last_name: 'Doe', ...body } });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
    expect(await listIds(a, {})).toEqual([]);
  });
});

describe('GET /api/lead/view/:id', () => {
  it('returns the lead with its labels under both prefixes', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant, { status: 3, priority: 1, lead_source: 5 });
    for (const prefix of ['/api', '/api/v1']) {
      const res = await t.call('GET', `${prefix}/lead/view/${lead.id}`, { token: tenant.token });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: lead.id, status_text: 'Qualified', priority_text: 'Low', lead_source_text: 'Direct' });
    }
  });

  it("answers 404 for another organization's lead or an unknown id, 422 for a malformed id", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await addLead(a);
    const res = await t.call('GET', `/api/lead/view/${lead.id}`, { token: b.token });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: { type: 'not_found' } });
    expect(JSON.stringify(res.body)).not.toContain('Jane');
    expect((await t.call('GET', '/api/lead/view/999999999', { token: a.token })).status).toBe(404);
    expect((await t.call('GET', '/api/lead/view/abc', { token: a.token })).status).toBe(422);
  });
});

describe('POST /api/lead/update/:id', () => {
  it('sets fields, replaces tags, merges custom_fields and ai_information, and asks for a re-score', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant, { tags: ['a', 'b'], custom_fields: { keep: 1, change: 'old' }, city: 'Paris' });
    await t.database.pool.query(`UPDATE leads SET ai_information = '{"summary":"old","scoring":{"score":40}}' WHERE id = $1`, [lead.id]);
    const res = await t.call('POST', `/api/lead/update/${lead.id}`, {
      token: tenant.token,
      body: {
        job_title: 'VP Sales',
        city: null,
        priority: 3,
        tags: ['c'],
        custom_fields: { change: 'new', added: true },
        ai_information: { summary: 'new', intent: 'high', scoring: { score: 100 } },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({
      job_title: 'VP Sales',
      city: null,
      priority: 3,
      priority_text: 'High',
      tag_names: ['c'],
      custom_fields: { keep: 1, change: 'new', added: true },
      ai_information: { summary: 'new', intent: 'high', scoring: { score: 40 } },
      first_name: 'Jane',
    });
    expect(await scoreEvents(lead.id)).toBe(2);
  });

  it('keeps the dedupe keys in step with email and LinkedIn URL', async () => {
    const tenant = await seedTenant(t);
    const [emailA, emailB, emailC] = [uniqueEmail('a'), uniqueEmail('b'), uniqueEmail('c')];
    const a = await addLead(tenant, { email: emailA, linkedin_url: 'https://linkedin.com/in/person-a' });
    const b = await addLead(tenant, { email: emailB });

    const taken = await t.call('POST', `/api/lead/update/${b.id}`, { token: tenant.token, body: { email: emailA.toUpperCase() } });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'duplicate_lead', existing_id: a.id });
    const takenProfile = await t.call('POST', `/api/lead/update/${b.id}`, {
      token: tenant.token,
      body: { linkedin_url: 'https://www.linkedin.com/in/Person-A/' },
    });
    expect(takenProfile.status).toBe(409);

    expect((await t.call('POST', `/api/lead/update/${a.id}`, { token: tenant.token, body: { email: emailC } })).status).toBe(200);
    expect((await dbLead(a.id)).dedupe_email).toBe(emailC);
    // the old address is free again; the new one is owned
    await addLead(tenant, { email: emailA });
    expect((await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Xx', last_name: 'Yy', email: emailC } })).status).toBe(409);
  });

  it('leaves the dedupe keys of an accepted duplicate empty', async () => {
    const tenant = await seedTenant(t);
    const email = uniqueEmail('owner');
    const owner = await addLead(tenant, { email });
    const scope = { orgId: tenant.orgId, userId: tenant.adminId };
    const { lead: duplicate } = await createLead(t.database, scope, { first_name: 'Dup', email }, 'accept');
    expect(duplicate.duplicate_of).toBe(owner.id);
    const res = await t.call('POST', `/api/lead/update/${duplicate.id}`, { token: tenant.token, body: { email: uniqueEmail('dup') } });
    expect(res.status).toBe(200);
    expect((await dbLead(duplicate.id)).dedupe_email).toBeNull();
  });

  it('answers 404 for another organization, 422 for invalid values or an empty body, 400 for malformed JSON', async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await addLead(a);
    const foreign = await t.call('POST', `/api/lead/update/${lead.id}`, { token: b.token, body: { job_title: 'Hacked' } });
    expect(foreign.status).toBe(404);
    expect((await dbLead(lead.id)).job_title).toBeNull();
    for (const body of [{}, { first_name: 'J' }, { first_name: null }, { status: 42 }, { priority: null }, { estimated_value: -5 }, { ai_information: 'x' }]) {
      const res = await t.call('POST', `/api/lead/update/${lead.id}`, { token: a.token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect((await t.call('POST', `/api/lead/update/${lead.id}`, { token: a.token, body: '{' })).status).toBe(400);
  });
});

describe('POST /api/lead/update-custom-fields', () => {
  it('merges the values into the existing custom fields', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant, { custom_fields: { a: 1, b: 2 } });
    const res = await t.call('POST', '/api/lead/update-custom-fields', {
      token: tenant.token,
      body: { lead_id: lead.id, custom_fields: { b: 'two', c: [3] } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.custom_fields).toEqual({ a: 1, b: 'two', c: [3] });
    expect((await dbLead(lead.id)).custom_fields).toEqual({ a: 1, b: 'two', c: [3] });
  });

  it('answers 404 for another organization, 400 when a field is missing, 422 for a non-object', async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await addLead(a, { custom_fields: { a: 1 } });
    expect((await t.call('POST', '/api/lead/update-custom-fields', { token: b.token, body: { lead_id: lead.id, custom_fields: { a: 2 } } })).status).toBe(404);
    expect((await dbLead(lead.id)).custom_fields).toEqual({ a: 1 });
    expect((await t.call('POST', '/api/lead/update-custom-fields', { token: a.token, body: { lead_id: lead.id } })).status).toBe(400);
    expect((await t.call('POST', '/api/lead/update-custom-fields', { token: a.token, body: { custom_fields: {} } })).status).toBe(400);
    expect((await t.call('POST', '/api/lead/update-custom-fields', { token: a.token, body: { lead_id: lead.id, custom_fields: [1] } })).status).toBe(422);
    expect((await t.call('POST', '/api/lead/update-custom-fields', { token: a.token, body: { lead_id: 'x', custom_fields: {} } })).status).toBe(422);
  });
});

describe('DELETE /api/lead/delete', () => {
  it("deletes only the organization's leads among the ids, with their notes, follow-ups and documents", async () => {
    const [a, b] = await seedTwoTenants(t);
    const [one, two, keep] = [await addLead(a), await addLead(a), await addLead(a)];
    const theirs = await addLead(b);
    const note = await t.call('POST', '/api/lead/note/add', { token: a.token, body: { lead_id: one.id, title: 'Call notes' } });
    expect(note.status).toBe(201);
    const followUp = await t.call('POST', '/api/lead/follow-up/add', { token: a.token, body: { lead_id: two.id, follow_up_date: '2026-07-01T10:00:00Z' } });
    expect(followUp.status).toBe(201);
    const form = new FormData();
    form.set('lead_id', String(one.id));
    form.set('file', new File(['%PDF-1.7\n'], 'offer.pdf'));
    const document = await t.call('POST', '/api/lead/document/add', { token: a.token, body: form });
    expect(document.status).toBe(201);
    const { storage_key } = await t.database.prisma.leadDocument.findUniqueOrThrow({ where: { id: document.body.data.id } });
    const storedFile = path.resolve(t.deps.config.STORAGE_DIR, storage_key);
    expect(existsSync(storedFile)).toBe(true);

    const res = await t.call('DELETE', '/api/lead/delete', { token: a.token, body: { ids: [one.id, two.id, theirs.id, 999999999] } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ deleted: 2 });
    expect(await listIds(a, {})).toEqual([keep.id]);
    expect(await listIds(b, {})).toEqual([theirs.id]);
    const { prisma } = t.database;
    expect(await prisma.leadNote.count({ where: { lead_id: one.id } })).toBe(0);
    expect(await prisma.followUp.count({ where: { lead_id: two.id } })).toBe(0);
    expect(await prisma.leadDocument.count({ where: { lead_id: one.id } })).toBe(0);
    expect(existsSync(storedFile)).toBe(false);
  });

  it("deletes the lead's deals and keeps its contacts, unlinked", async () => {
    const a = await seedTenant(t);
    const lead = await addLead(a);
    const { prisma } = t.database;
    const pipeline = await prisma.pipeline.findFirstOrThrow({ where: { org_id: a.orgId }, include: { stages: true } });
    const deal = await t.call('POST', '/api/lead/deal/add', {
      token: a.token,
      body: { lead_id: lead.id, pipeline_id: pipeline.id, stage_id: pipeline.stages[0]!.id, title: 'Pilot', value: 500, expected_close_date: '2027-03-01' },
    });
    expect(deal.status).toBe(201);
    const contact = await prisma.contact.create({ data: { org_id: a.orgId, name: 'Kept Contact', lead_id: lead.id } });
    expect((await t.call('DELETE', '/api/lead/delete', { token: a.token, body: { ids: [lead.id] } })).status).toBe(200);
    expect(await prisma.deal.count({ where: { id: deal.body.data.id } })).toBe(0);
    expect(await prisma.contact.findUniqueOrThrow({ where: { id: contact.id } })).toMatchObject({ lead_id: null });
  });

  it("answers 404 when none of the ids is the organization's, 400 without ids, 422 for invalid ids", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await addLead(a);
    expect((await t.call('DELETE', '/api/lead/delete', { token: b.token, body: { ids: [lead.id] } })).status).toBe(404);
    expect(await dbLead(lead.id)).toBeDefined();
    expect((await t.call('DELETE', '/api/lead/delete', { token: a.token, body: {} })).status).toBe(400);
    for (const ids of [[], ['x'], [0], 'all']) {
      expect((await t.call('DELETE', '/api/lead/delete', { token: a.token, body: { ids } })).status, JSON.stringify(ids)).toBe(422);
    }
  });
});

describe('GET /api/lead/list', () => {
  /** Leads of organization A that each filter tells apart, and look-alikes in organization B that no filter may return. */
  async function seedListFixture() {
    const [a, b] = await seedTwoTenants(t);
    const rep = await a.addUser();
    const repToken = rep.token;
    const acme = await addLead(a, {
      first_name: 'Alice', last_name: 'Archer', email: uniqueEmail('alice'), company: 'Acme Corp', phone_number: '+49 30 1234567',
      city: 'Berlin', state: 'Berlin', country: 'Germany', priority: 4, lead_source: 1, status: 2, assigned_to: a.adminId, estimated_value: 900,
    });
    const globex = await addLead(a, {
      first_name: 'Bob', last_name: 'Baker', email: uniqueEmail('bob'), company: 'Globex', phone_number: '+1 212 5550100',
      city: 'New York', state: 'NY', country: 'USA', priority: 1, lead_source: 2, status: 3, assigned_to: rep.id, estimated_value: 100,
    });
    const initech = await addLead(a, {
      first_name: 'Carol', last_name: 'Cook', company: 'Initech 100%_off', city: 'Austin', state: 'Texas', country: 'usa', priority: 2, lead_source: 3,
    });
    const scores: [number, number][] = [[acme.id, 80], [globex.id, 50], [initech.id, 10]];
    for (const [id, score] of scores) await t.database.pool.query('UPDATE leads SET score = $1 WHERE id = $2', [score, id]);
    const lookalike = await addLead(b, { first_name: 'Alice', last_name: 'Archer', company: 'Acme Corp', city: 'Berlin', priority: 4, lead_source: 1, status: 2 });
    await t.database.pool.query('UPDATE leads SET score = 80 WHERE id = $1', [lookalike.id]);
    return { a, b, repToken, rep, acme, globex, initech, lookalike };
  }

  it('pages with total, page and limit, and answers an empty page beyond the end with the right total', async () => {
    const { a, acme, globex, initech } = await seedListFixture();
    const first = await t.call('GET', '/api/lead/list', { token: a.token, query: { limit: 2 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, total: 3, page: 1, limit: 2 });
    expect(first.body.data.map((l: { id: number }) => l.id)).toEqual([initech.id, globex.id]);
    const second = await t.call('GET', '/api/lead/list', { token: a.token, query: { limit: 2, page: 2 } });
    expect(second.body.data.map((l: { id: number }) => l.id)).toEqual([acme.id]);
    const beyond = await t.call('GET', '/api/lead/list', { token: a.token, query: { limit: 2, page: 50 } });
    expect(beyond.status).toBe(200);
    expect(beyond.body).toMatchObject({ data: [], total: 3, page: 50, limit: 2 });
    expect(first.body.data[0]).toMatchObject({ status_text: 'New', lead_source_text: 'LinkedIn' });
  });

  it("never shows another organization's leads", async () => {
    const { a, b, lookalike, acme } = await seedListFixture();
    expect(await listIds(b, {})).toEqual([lookalike.id]);
    expect(await listIds(a, { search_value: 'Alice' })).toEqual([acme.id]);
  });

  it('sorts by an allowed field and rejects any other order_by with 422', async () => {
    const { a, acme, globex, initech } = await seedListFixture();
    expect(await listIds(a, { order_by: 'score', order_in: 'desc' })).toEqual([acme.id, globex.id, initech.id]);
    expect(await listIds(a, { order_by: 'estimated_value', order_in: 'ASC' })).toEqual([globex.id, acme.id, initech.id]);
    expect(await listIds(a, { order_by: 'estimated_value', order_in: 'DESC' })).toEqual([acme.id, globex.id, initech.id]);
    for (const order_by of ['org_id', 'password', 'score; DROP TABLE leads']) {
      const res = await t.call('GET', '/api/lead/list', { token: a.token, query: { order_by } });
      expect(res.status).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
  });

  it('searches first and last name, full name, email, company and phone number', async () => {
    const { a, acme, globex, initech } = await seedListFixture();
    expect(await listIds(a, { search_value: 'archer' })).toEqual([acme.id]);
    expect(await listIds(a, { search_value: 'bob baker' })).toEqual([globex.id]);
    expect(await listIds(a, { search_value: 'bob-' })).toEqual([globex.id]);
    expect(await listIds(a, { search_value: 'GLOBEX' })).toEqual([globex.id]);
    expect(await listIds(a, { search_value: '5550100' })).toEqual([globex.id]);
    // LIKE wildcards in the search are literal characters
    expect(await listIds(a, { search_value: '100%_' })).toEqual([initech.id]);
    expect(await listIds(a, { search_value: '%' })).toEqual([initech.id]);
  });

  it('counts a search exactly up to EXACT_SEARCH_TOTAL_UP_TO matches and estimates above, pages either way', async () => {
    const tenant = await seedTenant(t);
    const word = `qz${randomBytes(4).toString('hex')}`;
    const seed = (from: number, count: number, score: number) =>
      t.database.prisma.lead.createMany({
        data: Array.from({ length: count }, (_, i) => ({ org_id: tenant.orgId, first_name: `${word}-${from + i}`, score })),
      });
    await seed(0, EXACT_SEARCH_TOTAL_UP_TO, 10);
    const search = async (query: Record<string, string | number>) => {
      const res = await t.call('GET', '/api/lead/list', { token: tenant.token, query: { search_value: word, limit: 3, ...query } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return { total: res.body.total, names: res.body.data.map((lead: { first_name: string }) => lead.first_name) };
    };
    const last = EXACT_SEARCH_TOTAL_UP_TO - 1;
    expect(await search({})).toEqual({ total: EXACT_SEARCH_TOTAL_UP_TO, names: [`${word}-${last}`, `${word}-${last - 1}`, `${word}-${last - 2}`] });
    expect(await search({ page: 2, order_in: 'ASC' })).toEqual({ total: EXACT_SEARCH_TOTAL_UP_TO, names: [`${word}-3`, `${word}-4`, `${word}-5`] });

    // one more match: the total is PostgreSQL's estimate, never below the count just exceeded; the pages stay exact
    await seed(EXACT_SEARCH_TOTAL_UP_TO, 1, 90);
    const above = await search({ order_by: 'score' });
    expect(above.total).toBeGreaterThan(EXACT_SEARCH_TOTAL_UP_TO);
    expect(above.names).toEqual([`${word}-${EXACT_SEARCH_TOTAL_UP_TO}`, `${word}-${last}`, `${word}-${last - 1}`]);
    expect((await search({ page: 2, order_in: 'ASC' })).names).toEqual([`${word}-3`, `${word}-4`, `${word}-5`]);
    // a filter the search does not match still counts 0, exactly
    expect(await search({ score_min: 95 })).toEqual({ total: 0, names: [] });
  });

  it('filters by score range', async () => {
    const { a, acme, globex, initech } = await seedListFixture();
    expect(await listIds(a, { score_min: 50 })).toEqual([acme.id, globex.id]);
    expect(await listIds(a, { score_max: 50 })).toEqual([globex.id, initech.id]);
    expect(await listIds(a, { score_min: 20, score_max: 60 })).toEqual([globex.id]);
  });

  it('filters by assignee: one id, several ids, the caller, or unassigned', async () => {
    const { a, rep, repToken, acme, globex, initech } = await seedListFixture();
    expect(await listIds(a, { assigned_to: a.adminId })).toEqual([acme.id]);
    expect(await listIds(a, { assigned_to: `${a.adminId},${rep.id}` })).toEqual([acme.id, globex.id]);
    expect(await listIds(a, { assigned_to: 'true' })).toEqual([acme.id]);
    const asRep = await t.call('GET', '/api/lead/list', { token: repToken, query: { assigned_to: 'true' } });
    expect(asRep.body.data.map((l: { id: number }) => l.id)).toEqual([globex.id]);
    expect(await listIds(a, { unassigned: 'true' })).toEqual([initech.id]);
    expect(await listIds(a, { unassigned: 'false' })).toEqual([acme.id, globex.id, initech.id]);
  });

  it('filters by lead_source, priority and state_id (status) code lists', async () => {
    const { a, acme, globex, initech } = await seedListFixture();
    expect(await listIds(a, { lead_source: '1,3' })).toEqual([acme.id, initech.id]);
    expect(await listIds(a, { priority: '4' })).toEqual([acme.id]);
    expect(await listIds(a, { priority: '1,2' })).toEqual([globex.id, initech.id]);
    expect(await listIds(a, { state_id: '3' })).toEqual([globex.id]);
    expect(await listIds(a, { state_id: '1,2' })).toEqual([acme.id, initech.id]);
  });

  it('filters company, city, state and country by case-insensitive contains', async () => {
    const { a, acme, globex, initech } = await seedListFixture();
    expect(await listIds(a, { company: 'acme' })).toEqual([acme.id]);
    expect(await listIds(a, { city: 'YORK' })).toEqual([globex.id]);
    expect(await listIds(a, { state: 'tex' })).toEqual([initech.id]);
    expect(await listIds(a, { country: 'USA' })).toEqual([globex.id, initech.id]);
    expect(await listIds(a, { country: 'usa', city: 'austin' })).toEqual([initech.id]);
  });

  it('filters created_from / created_to as whole UTC days, both inclusive, and start_date / end_date on created_at', async () => {
    const { a, acme, globex, initech } = await seedListFixture();
    const late = await addLead(a, { first_name: 'Dave', last_name: 'Late' });
    const created: [number, string][] = [
      [acme.id, '2026-02-28T23:59:59.999Z'],
      [globex.id, '2026-03-01T00:00:00.000Z'],
      [initech.id, '2026-03-02T23:59:59.999Z'],
      [late.id, '2026-03-03T00:00:00.000Z'],
    ];
    for (const [id, at] of created) await t.database.pool.query('UPDATE leads SET created_at = $1 WHERE id = $2', [at, id]);
    expect(await listIds(a, { created_from: '2026-03-01', created_to: '2026-03-02' })).toEqual([globex.id, initech.id]);
    expect(await listIds(a, { created_from: '2026-03-02' })).toEqual([initech.id, late.id]);
    expect(await listIds(a, { created_to: '2026-02-28' })).toEqual([acme.id]);
    expect(await listIds(a, { start_date: '2026-03-01', end_date: '2026-03-01' })).toEqual([globex.id]);
    expect(await listIds(a, { start_date: '2026-03-02T12:00:00Z' })).toEqual([initech.id, late.id]);
  });

  it('answers 422 for invalid filter values', async () => {
    const tenant = await seedTenant(t);
    const invalid = [
      { score_min: 'high' }, { score_max: -1 }, { assigned_to: 'me' }, { assigned_to: '1,x' }, { unassigned: 'yes' },
      { priority: 'urgent' }, { state_id: '' }, { created_from: '2026-13-45' }, { created_to: 'yesterday' },
      { limit: 0 }, { page: 'x' }, { order_in: 'sideways' },
    ];
    for (const query of invalid) {
      const res = await t.call('GET', '/api/lead/list', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
    }
  });
});

describe('profile image', () => {
  const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3]);
  const GIF = new TextEncoder().encode('GIF89a-tiny-gif-body');
  const imageForm = (bytes: BlobPart, name: string, type = 'image/png') => {
    const form = new FormData();
    form.set('image', new File([bytes], name, { type }));
    return form;
  };
  const upload = (tenant: Tenant, leadId: number, form: FormData) =>
    t.call('POST', `/api/lead/${leadId}/upload-profile-image`, { token: tenant.token, body: form });

  it('stores the image under a random name and serves it with its sniffed type; a new upload replaces it', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    const res = await upload(tenant, lead.id, imageForm(PNG, '../../etc/passwd.png', 'application/octet-stream'));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.profile_image).toBe(`/api/lead/${lead.id}/profile-image`);
    const stored = await dbLead(lead.id);
    expect(stored.profile_image_key).toMatch(new RegExp(`^${tenant.orgId}/[0-9a-f]{32}\\.png$`));
    const firstFile = path.resolve(t.deps.config.STORAGE_DIR, stored.profile_image_key);
    expect(existsSync(firstFile)).toBe(true);

    const served = await t.app.request(res.body.data.profile_image, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);

    // the client's declared type is ignored: these bytes are a GIF
    expect((await upload(tenant, lead.id, imageForm(GIF, 'photo.jpg', 'image/jpeg'))).status).toBe(200);
    const again = await t.app.request(`/api/v1/lead/${lead.id}/profile-image`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(again.headers.get('content-type')).toBe('image/gif');
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(GIF);
    expect(existsSync(firstFile)).toBe(false);
  });

  it('rejects content that is not an image with 422, whatever the declared type and name', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    for (const [bytes, name] of [['just some text', 'photo.png'], ['%PDF-1.4', 'photo.jpg'], [Uint8Array.from([0x4d, 0x5a, 0x90, 0, 3]), 'a.gif']] as const) {
      const res = await upload(tenant, lead.id, imageForm(bytes, name));
      expect(res.status, name).toBe(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', code: 'unsupported_file_type' });
    }
    expect((await dbLead(lead.id)).profile_image).toBeNull();
  });

  it('rejects an image over the size limit with 413', async () => {
    const small = createTestApp({ UPLOAD_MAX_BYTES: '1000' });
    try {
      const tenant = await seedTenant(small);
      const lead = (await small.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Jane', last_name: 'Doe' } })).body.data;
      const big = new Uint8Array(1001);
      big.set(PNG);
      const res = await small.call('POST', `/api/lead/${lead.id}/upload-profile-image`, { token: tenant.token, body: imageForm(big, 'big.png') });
      expect(res.status).toBe(413);
      expect(res.body.error.type).toBe('payload_too_large');
      // a body far over the limit is refused before it is parsed
      const huge = await small.call('POST', `/api/lead/${lead.id}/upload-profile-image`, { token: tenant.token, body: imageForm(new Uint8Array(200_000), 'huge.png') });
      expect(huge.status).toBe(413);
      expect(huge.body.error.message).toMatch(/request body is larger/);
      const exact = new Uint8Array(1000);
      exact.set(PNG);
      expect((await small.call('POST', `/api/lead/${lead.id}/upload-profile-image`, { token: tenant.token, body: imageForm(exact, 'ok.png') })).status).toBe(200);
    } finally {
      await closeAndRemoveUploads(small);
    }
  });

  it('answers 400 without an image field, 422 for a text field, and refuses a JSON body', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    const empty = new FormData();
    empty.set('other', 'x');
    expect((await upload(tenant, lead.id, empty)).status).toBe(400);
    const textField = new FormData();
    textField.set('image', 'not a file');
    expect((await upload(tenant, lead.id, textField)).status).toBe(422);
    // a body of another content type than the route declares is a malformed request
    const json = await t.call('POST', `/api/lead/${lead.id}/upload-profile-image`, { token: tenant.token, body: { image: 'x' } });
    expect(json.status).toBe(400);
    expect((await dbLead(lead.id)).profile_image).toBeNull();
  });

  it("answers 404 for another organization's lead, uploading or reading, and for a lead without an image", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await addLead(a);
    expect((await t.call('GET', `/api/lead/${lead.id}/profile-image`, { token: a.token })).status).toBe(404);
    expect((await upload(b, lead.id, imageForm(PNG, 'x.png'))).status).toBe(404);
    expect((await dbLead(lead.id)).profile_image_key).toBeNull();
    expect((await upload(a, lead.id, imageForm(PNG, 'x.png'))).status).toBe(200);
    const foreign = await t.call('GET', `/api/lead/${lead.id}/profile-image`, { token: b.token });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.type).toBe('not_found');
  });
});

describe('authentication', () => {
  it('answers 401 on every lead route without a valid bearer token', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    const routes: [string, string][] = [
      ['GET', '/api/lead/list'],
      ['POST', '/api/lead/add'],
      ['GET', `/api/lead/view/${lead.id}`],
      ['POST', `/api/lead/update/${lead.id}`],
      ['DELETE', '/api/lead/delete'],
      ['POST', '/api/lead/update-custom-fields'],
      ['POST', `/api/lead/${lead.id}/upload-profile-image`],
      ['GET', `/api/lead/${lead.id}/profile-image`],
    ];
    for (const [method, route] of routes) {
      for (const token of [undefined, 'not-a-token']) {
        const res = await t.call(method, route, { token, body: method === 'GET' ? undefined : { ids: [lead.id], lead_id: lead.id, custom_fields: {} } });
        expect(res.status, `${method} ${route}`).toBe(401);
        expect(res.body.error.type).toBe('unauthorized');
      }
    }
    expect(await dbLead(lead.id)).toBeDefined();
  });
});

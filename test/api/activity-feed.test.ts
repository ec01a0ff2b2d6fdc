// §6.15 activity feed: entries written by the database triggers of migration
// *_activity_feed for every write to leads, deals, contacts and companies,
// with the actor set by domain/platform/transaction.ts. Each test seeds its own organizations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transaction } from '../../domain/platform/transaction.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, uniqueEmail, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

interface FeedEntry {
  id: number;
  model_type: string;
  model_id: number;
  action: string;
  actor: { id: number; name: string | null } | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  created_at: string;
}

async function feed(tenant: Tenant, query: Record<string, string | number> = {}): Promise<FeedEntry[]> {
  const res = await t.call('GET', '/api/feed/list', { token: tenant.token, query: { limit: 100, ...query } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

const feedOf = (tenant: Tenant, modelType: string, modelId: number) => feed(tenant, { model_type: modelType, model_id: modelId });

async function call(tenant: Tenant, method: string, path: string, body?: unknown, expected = 200) {
  const res = await t.call(method, path, { token: tenant.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(expected);
  return res.body.data;
}

const addLead = (tenant: Tenant, body: Record<string, unknown> = {}) =>
  call(tenant, 'POST', '/api/lead/add', { first_name: 'Ada', last_name: 'Lovelace', ...body }, 201);

const admin = (tenant: Tenant) => ({ id: tenant.adminId, name: 'Ada Admin' });

describe('activity feed of leads', () => {
  it('records creation, an update with each changed field from/to, a status change, an assignment and the deletion, newest first', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const email = uniqueEmail('ada');
    const lead = await addLead(tenant, { email });
    await call(tenant, 'POST', `/api/lead/update/${lead.id}`, { first_name: 'Ava', job_title: 'CTO', email: email.toUpperCase() });
    await call(tenant, 'POST', '/api/lead/status-change', { ids: [lead.id], status: 2 });
    await call(tenant, 'POST', '/api/lead/assign-user', { ids: [lead.id], assigned_to: rep.id });
    await call(tenant, 'DELETE', '/api/lead/delete', { ids: [lead.id] });

    const entries = await feedOf(tenant, 'lead', lead.id);
    expect(entries.map((e) => e.action)).toEqual(['deleted', 'assigned', 'status_changed', 'updated', 'created']);
    for (const entry of entries) expect(entry).toMatchObject({ model_type: 'lead', model_id: lead.id, actor: admin(tenant) });
    const [deleted, assigned, statusChanged, updated, created] = entries;
    // the internal dedupe key and updated_at changed too, and are not shown
    expect(updated!.changes).toEqual({
      first_name: { from: 'Ada', to: 'Ava' },
      job_title: { from: null, to: 'CTO' },
      email: { from: email, to: email.toUpperCase() },
    });
    expect(statusChanged!.changes).toEqual({ status: { from: 1, to: 2 } });
    expect(assigned!.changes).toEqual({ assigned_to: { from: null, to: rep.id } });
    expect(created!.changes).toBeNull();
    expect(deleted!.changes).toBeNull();
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((x, y) => y - x));
    expect(Date.parse(created!.created_at)).not.toBeNaN();
  });

  it('records nothing for changes to system-computed columns only (score, enrichment, last activity)', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    await t.database.pool.query(
      `UPDATE leads SET score = 80, ai_information = '{"scoring": {"score": 80}}', last_activity_at = now(), updated_at = now()
        WHERE id = $1 AND org_id = $2`,
      [lead.id, tenant.orgId],
    );
    await call(tenant, 'POST', '/api/lead/note/add', { lead_id: lead.id, title: 'Called' }, 201);
    expect((await feedOf(tenant, 'lead', lead.id)).map((e) => e.action)).toEqual(['created']);
  });

  it('records one entry per changed row of a bulk action, and none for rows it left as they were', async () => {
    const tenant = await seedTenant(t);
    const scope = { orgId: tenant.orgId, userId: tenant.adminId };
    const leads = [];
    for (const status of [1, 1, 2]) leads.push((await createLead(t.database, scope, { first_name: 'Bulk', last_name: 'Lead', status })).lead);
    const changed = await call(tenant, 'POST', '/api/lead/status-change', { ids: leads.map((l) => l.id), status: 2 });
    expect(changed).toMatchObject({ updated: 3 });
    const statusChanges = (await feed(tenant, { model_type: 'lead' })).filter((e) => e.action === 'status_changed');
    expect(statusChanges.map((e) => e.model_id).sort()).toEqual([leads[0]!.id, leads[1]!.id].sort());
    for (const entry of statusChanges) expect(entry).toMatchObject({ changes: { status: { from: 1, to: 2 } }, actor: admin(tenant) });

    await call(tenant, 'POST', '/api/lead/status-change', { select_all: true, status: 3 });
    expect((await feed(tenant, { model_type: 'lead' })).filter((e) => e.action === 'status_changed')).toHaveLength(5);
  });

  it('records API-key ingestion with no actor, and a bearer ingestion with its user', async () => {
    const tenant = await seedTenant(t);
    const byKey = await t.call('POST', '/api/v1/lead', { apiKey: await tenant.apiKey(), body: { email: uniqueEmail('key') } });
    expect(byKey.status).toBe(201);
    const byUser = await t.call('POST', '/api/v1/lead', { token: tenant.token, body: { email: uniqueEmail('user') } });
    expect(byUser.status).toBe(201);
    expect(await feedOf(tenant, 'lead', byKey.body.data.id)).toMatchObject([{ action: 'created', actor: null }]);
    expect(await feedOf(tenant, 'lead', byUser.body.data.id)).toMatchObject([{ action: 'created', actor: admin(tenant) }]);
  });

  it('leaves no entry for a write that was rolled back', async () => {
    const tenant = await seedTenant(t);
    const taken = uniqueEmail('taken');
    await addLead(tenant, { email: taken });
    const lead = await addLead(tenant, { email: uniqueEmail('mine') });
    await call(tenant, 'POST', `/api/lead/update/${lead.id}`, { email: taken, job_title: 'CEO' }, 409);
    await expect(
      transaction(t.database.pool, { actorId: tenant.adminId }, async (client) => {
        await client.query('UPDATE leads SET job_title = $1 WHERE id = $2 AND org_id = $3', ['Rolled back', lead.id, tenant.orgId]);
        throw new Error('abandon the transaction');
      }),
    ).rejects.toThrow('abandon the transaction');
    expect((await feedOf(tenant, 'lead', lead.id)).map((e) => e.action)).toEqual(['created']);
  });

  it('names the user of each change when several users work on one lead', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const lead = await addLead(tenant);
    const res = await t.call('POST', `/api/lead/update/${lead.id}`, { token: rep.token, body: { city: 'Paris' } });
    expect(res.status).toBe(200);
    await call(tenant, 'POST', '/api/lead/custom-field', { lead_id: lead.id, field_name: 'budget', field_value: 5000 });
    const [customField, update, creation] = await feedOf(tenant, 'lead', lead.id);
    expect(customField).toMatchObject({ action: 'updated', actor: admin(tenant), changes: { custom_fields: { from: {}, to: { budget: 5000 } } } });
    expect(update).toMatchObject({ action: 'updated', actor: { id: rep.id, name: 'Rep User' }, changes: { city: { from: null, to: 'Paris' } } });
    expect(creation).toMatchObject({ action: 'created', actor: admin(tenant) });
  });
});

describe('activity feed of deals, contacts and companies', () => {
  it('records a deal moved to another stage as stage_changed, and its update and deletion', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    const pipeline = await t.database.prisma.pipeline.findFirstOrThrow({
      where: { org_id: tenant.orgId },
      include: { stages: { where: { is_protected: false }, orderBy: { position: 'asc' } } },
    });
    const [first, second] = pipeline.stages;
    const deal = await call(
      tenant,
      'POST',
      '/api/lead/deal/add',
      { lead_id: lead.id, pipeline_id: pipeline.id, stage_id: first!.id, title: 'Big deal', value: 1000, expected_close_date: '2027-01-31' },
      201,
    );
    await call(tenant, 'POST', `/api/lead/deal/update/${deal.id}`, { stage_id: second!.id, value: 1500 });
    await call(tenant, 'POST', `/api/lead/deal/update/${deal.id}`, { title: 'Bigger deal' });
    await call(tenant, 'DELETE', '/api/lead/deal/delete', { ids: [deal.id] });
    const entries = await feedOf(tenant, 'deal', deal.id);
    expect(entries.map((e) => e.action)).toEqual(['deleted', 'updated', 'stage_changed', 'created']);
    for (const entry of entries) expect(entry.actor).toEqual(admin(tenant));
    expect(entries[1]!.changes).toEqual({ title: { from: 'Big deal', to: 'Bigger deal' } });
    expect(entries[2]!.changes).toEqual({ stage_id: { from: first!.id, to: second!.id }, value: { from: 1000, to: 1500 } });
  });

  it('records companies and contacts, and the contacts a company deletion unlinks', async () => {
    const tenant = await seedTenant(t);
    const company = await call(tenant, 'POST', '/api/company/add', { company_name: 'Acme', city: 'Berlin' }, 201);
    const contact = await call(tenant, 'POST', '/api/contact/add', { name: 'Carl Contact', company_id: company.id }, 201);
    await call(tenant, 'POST', `/api/company/update/${company.id}`, { city: 'Munich' });
    await call(tenant, 'POST', `/api/contact/update/${contact.id}`, { designation: 'CFO', status: 2 });
    await call(tenant, 'DELETE', `/api/company/delete/${company.id}`);

    const companyEntries = await feedOf(tenant, 'company', company.id);
    const contactEntries = await feedOf(tenant, 'contact', contact.id);
    expect(companyEntries.map((e) => e.action)).toEqual(['deleted', 'updated', 'created']);
    for (const entry of [...companyEntries, ...contactEntries]) expect(entry.actor).toEqual(admin(tenant));
    expect(companyEntries[1]!.changes).toEqual({ city: { from: 'Berlin', to: 'Munich' } });
    expect(contactEntries.map((e) => e.action)).toEqual(['updated', 'status_changed', 'created']);
    // the status is the headline, and every change is listed
    expect(contactEntries[1]!.changes).toEqual({ designation: { from: null, to: 'CFO' }, status: { from: null, to: 2 } });
    expect(contactEntries[0]!.changes).toEqual({ company_id: { from: company.id, to: null } });
  });

  it('attributes the company a lead creates by name to the user who created the lead', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant, { company: 'Initech' });
    expect(await feedOf(tenant, 'company', lead.company_id)).toMatchObject([{ action: 'created', actor: admin(tenant) }]);
  });
});

describe('GET /api/feed/list', () => {
  it('filters by model_type alone, searches changed fields, sorts, pages and filters by date', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    await call(tenant, 'POST', `/api/lead/update/${lead.id}`, { city: 'Reykjavik' });
    const company = await call(tenant, 'POST', '/api/company/add', { company_name: 'Globex' }, 201);

    expect((await feed(tenant, { model_type: 'company' })).map((e) => e.model_id)).toEqual([company.id]);
    expect((await feed(tenant, { model_type: 'lead' })).map((e) => e.action)).toEqual(['updated', 'created']);
    expect((await feed(tenant, { search_value: 'reykjav' })).map((e) => e.model_id)).toEqual([lead.id]);
    expect((await feed(tenant, { search_value: 'CITY' })).map((e) => e.model_id)).toEqual([lead.id]);
    expect(await feed(tenant, { search_value: '%' })).toEqual([]);

    const all = await feed(tenant);
    expect(all).toHaveLength(3);
    expect((await feed(tenant, { order_in: 'ASC' })).map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
    expect((await feed(tenant, { order_by: 'created_at', order_in: 'asc' })).map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
    const page = await t.call('GET', '/api/feed/list', { token: tenant.token, query: { limit: 2, page: 2 } });
    expect(page.body).toMatchObject({ success: true, total: 3, page: 2, limit: 2 });
    expect(page.body.data.map((e: FeedEntry) => e.id)).toEqual([all[2]!.id]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await feed(tenant, { start_date: today, end_date: today })).toHaveLength(3);
    expect(await feed(tenant, { end_date: '2000-01-01' })).toEqual([]);
  });

  it('answers 422 for an unknown model_type, model_id without model_type, or a bad sort, and 401 without a valid token', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ model_type: 'user' }, { model_id: 1 }, { model_type: 'lead', model_id: 'x' }, { order_by: 'action' }, { limit: 0 }]) {
      const res = await t.call('GET', '/api/feed/list', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { type: 'validation_error' } });
    }
    expect((await t.call('GET', '/api/feed/list')).status).toBe(401);
    expect((await t.call('GET', '/api/feed/list', { token: 'not-a-token' })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/feed/list', { token: tenant.token })).status).toBe(200);
  });

  it("shows only the caller's organization, also for another organization's record id", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await addLead(a);
    await addLead(b);
    expect(await feed(b, { model_type: 'lead', model_id: lead.id })).toEqual([]);
    const bFeed = await feed(b);
    expect(bFeed).toHaveLength(1);
    expect(bFeed[0]!.model_id).not.toBe(lead.id);
    expect(await feedOf(a, 'lead', lead.id)).toHaveLength(1);
  });
});

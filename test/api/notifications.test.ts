// §6.15 notifications: produced by real events (a lead assigned, a deal
// moved, an import finished; the follow-up reminder is in
// test/workflow/follow-up-due.test.ts), listed and marked read by their user
// only. Each test seeds its own organizations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead } from '../../domain/leads/lead.service.js';
import { NOTIFICATION_TYPES, notifyImportFinished } from '../../domain/notifications/notification.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, uniqueEmail, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

interface NotificationView {
  id: number;
  type_id: number;
  type: string | null;
  title: string;
  message: string;
  data: Record<string, unknown>;
  is_read: boolean;
  read_at: string | null;
  created_at: string;
}

type User = { token: string };

async function list(user: User, query: Record<string, string | number | boolean> = {}) {
  const res = await t.call('GET', '/api/notification/list', { token: user.token, query: { limit: 100, ...query } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: NotificationView[]; total: number; page: number; limit: number; unread: number };
}

const notificationsOf = async (user: User) => (await list(user)).data;

async function call(user: User, method: string, path: string, body?: unknown, expected = 200) {
  const res = await t.call(method, path, { token: user.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(expected);
  return res.body.data;
}

const addLead = (user: User, body: Record<string, unknown> = {}) =>
  call(user, 'POST', '/api/lead/add', { first_name: 'Grace', last_name: 'Hopper', ...body }, 201);

/** A lead with a deal in the first open stage of the organization's default pipeline, created by `creator`. */
async function dealOf(tenant: Tenant, creator: User, lead: { id: number }) {
  const pipeline = await t.database.prisma.pipeline.findFirstOrThrow({
    where: { org_id: tenant.orgId },
    include: { stages: { where: { is_protected: false }, orderBy: { position: 'asc' } } },
  });
  const deal = await call(
    creator,
    'POST',
    '/api/lead/deal/add',
    { lead_id: lead.id, pipeline_id: pipeline.id, stage_id: pipeline.stages[0]!.id, title: 'Renewal', value: 500, expected_close_date: '2027-03-31' },
    201,
  );
  return { deal, stages: pipeline.stages };
}

describe('lead_assigned notifications', () => {
  it('notifies the assignee of a new lead and of an assignment change, not the user who assigned it', async () => {
    const tenant = await seedTenant(t);
    const [rep, other] = [await tenant.addUser(), await tenant.addUser()];
    const lead = await addLead(tenant, { assigned_to: rep.id });
    const [assigned] = await notificationsOf(rep);
    expect(assigned).toMatchObject({
      type_id: NOTIFICATION_TYPES.lead_assigned,
      type: 'lead_assigned',
      title: 'Lead assigned to you',
      message: 'Grace Hopper was assigned to you',
      data: { model_type: 'lead', model_id: lead.id, assigned_by: tenant.adminId },
      is_read: false,
      read_at: null,
    });
    expect(await notificationsOf(tenant)).toEqual([]);

    await call(tenant, 'POST', `/api/lead/update/${lead.id}`, { assigned_to: other.id });
    expect(await notificationsOf(other)).toMatchObject([{ type: 'lead_assigned', data: { model_id: lead.id } }]);
    // an update that leaves the assignee as it was, and an assignment to oneself, notify nobody
    await call(other, 'POST', `/api/lead/update/${lead.id}`, { assigned_to: other.id, city: 'Oslo' });
    await call(tenant, 'POST', `/api/lead/update/${lead.id}`, { assigned_to: tenant.adminId });
    await call(tenant, 'POST', '/api/lead/assign-user', { ids: [lead.id], assigned_to: null });
    expect(await notificationsOf(other)).toHaveLength(1);
    expect(await notificationsOf(tenant)).toEqual([]);
    expect(await notificationsOf(rep)).toHaveLength(1);
  });

  it('notifies the assignee once per lead of a bulk assignment, and of an assignment the system made', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const scope = { orgId: tenant.orgId, userId: tenant.adminId };
    const leads = [];
    for (const name of ['Ann', 'Ben', 'Cid']) leads.push((await createLead(t.database, scope, { first_name: name, last_name: 'Bulk' })).lead);
    await call(tenant, 'POST', '/api/lead/assign-user', { ids: leads.map((l) => l.id), assigned_to: rep.id });
    expect((await notificationsOf(rep)).map((n) => n.data.model_id).sort()).toEqual(leads.map((l) => l.id).sort());

    const ingested = await t.call('POST', '/api/v1/lead', { apiKey: await tenant.apiKey(), body: { email: uniqueEmail('api') } });
    expect(ingested.status, JSON.stringify(ingested.body)).toBe(201);
    // a write outside domain/platform/transaction.ts (a workflow's, a script's) has no actor, and notifies the assignee all the same
    await t.database.pool.query('UPDATE leads SET assigned_to = $1 WHERE id = $2 AND org_id = $3', [rep.id, ingested.body.data.id, tenant.orgId]);
    const [latest] = await notificationsOf(rep);
    expect(latest).toMatchObject({ type: 'lead_assigned', data: { model_id: ingested.body.data.id, assigned_by: null } });
  });
});

describe('deal_stage_changed notifications', () => {
  it("notifies the deal's creator and the lead's assignee when the deal moves, except whoever moved it", async () => {
    const tenant = await seedTenant(t);
    const [rep, bystander] = [await tenant.addUser(), await tenant.addUser()];
    const lead = await addLead(tenant, { assigned_to: rep.id });
    const { deal, stages } = await dealOf(tenant, tenant, lead);
    await call(tenant, 'POST', `/api/lead/deal/update/${deal.id}`, { title: 'Renewal 2027', value: 900 });
    expect((await notificationsOf(rep)).filter((n) => n.type === 'deal_stage_changed')).toEqual([]);

    await call(tenant, 'POST', `/api/lead/deal/update/${deal.id}`, { stage_id: stages[1]!.id });
    const moved = (await notificationsOf(rep)).filter((n) => n.type === 'deal_stage_changed');
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({
      type_id: NOTIFICATION_TYPES.deal_stage_changed,
      title: `Deal moved to ${stages[1]!.name}`,
      message: `Renewal 2027 moved from ${stages[0]!.name} to ${stages[1]!.name}`,
      data: { model_type: 'deal', model_id: deal.id, lead_id: lead.id, from_stage_id: stages[0]!.id, to_stage_id: stages[1]!.id, moved_by: tenant.adminId },
    });
    expect(await notificationsOf(tenant)).toEqual([]);

    await call(rep, 'POST', `/api/lead/deal/update/${deal.id}`, { stage_id: stages[2]!.id });
    expect(await notificationsOf(tenant)).toMatchObject([{ type: 'deal_stage_changed', data: { moved_by: rep.id, to_stage_id: stages[2]!.id } }]);
    expect((await notificationsOf(rep)).filter((n) => n.type === 'deal_stage_changed')).toHaveLength(1);
    expect(await notificationsOf(bystander)).toEqual([]);
  });

  it('notifies a creator who is also the assignee once', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const lead = await addLead(rep, { assigned_to: rep.id });
    const { deal, stages } = await dealOf(tenant, rep, lead);
    await call(tenant, 'POST', `/api/lead/deal/update/${deal.id}`, { stage_id: stages[1]!.id });
    expect((await notificationsOf(rep)).map((n) => n.type)).toEqual(['deal_stage_changed']);
  });
});

describe('notifyImportFinished (domain/notifications/notification.service.ts)', () => {
  it('notifies the user who started the import once per job, with its counts', async () => {
    const tenant = await seedTenant(t);
    const job = { orgId: tenant.orgId, userId: tenant.adminId, jobId: 77, summary: { created: 120, updated: 4, failed: 2 } };
    expect(await notifyImportFinished(t.database, job)).toBe(true);
    expect(await notifyImportFinished(t.database, job)).toBe(false);
    expect(await notifyImportFinished(t.database, { ...job, jobId: 78, summary: {} })).toBe(true);
    const [second, first] = await notificationsOf(tenant);
    expect(first).toMatchObject({
      type_id: NOTIFICATION_TYPES.import_finished,
      type: 'import_finished',
      title: 'Import finished',
      message: 'Import 77 finished: 120 created, 4 updated, 2 failed',
      data: { model_type: 'import_job', model_id: 77, job_id: 77, summary: { created: 120, updated: 4, failed: 2 } },
    });
    expect(second).toMatchObject({ message: 'Import 78 finished', data: { job_id: 78, summary: {} } });
  });

  it('notifies nobody for a user of another organization or a deleted user', async () => {
    const [a, b] = await seedTwoTenants(t);
    const summary = { created: 1 };
    expect(await notifyImportFinished(t.database, { orgId: a.orgId, userId: b.adminId, jobId: 1, summary })).toBe(false);
    const rep = await a.addUser();
    await t.database.prisma.user.update({ where: { id: rep.id }, data: { deleted_at: new Date() } });
    expect(await notifyImportFinished(t.database, { orgId: a.orgId, userId: rep.id, jobId: 2, summary })).toBe(false);
    expect(await t.database.prisma.notification.count({ where: { org_id: { in: [a.orgId, b.orgId] } } })).toBe(0);
  });
});

describe('GET /api/notification/list', () => {
  async function seedInbox() {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const lead = await addLead(tenant, { assigned_to: rep.id, first_name: 'Zelda' });
    await addLead(tenant, { assigned_to: rep.id, first_name: 'Yusuf' });
    const { deal, stages } = await dealOf(tenant, tenant, lead);
    await call(tenant, 'POST', `/api/lead/deal/update/${deal.id}`, { stage_id: stages[1]!.id });
    return { tenant, rep };
  }

  it('filters by is_read and type_id, searches title and message, pages, and counts all unread', async () => {
    const { rep } = await seedInbox();
    const all = await list(rep);
    expect(all).toMatchObject({ success: true, total: 3, page: 1, limit: 100, unread: 3 });
    expect(all.data.map((n) => n.type)).toEqual(['deal_stage_changed', 'lead_assigned', 'lead_assigned']);
    await call(rep, 'POST', '/api/notification/read', { ids: [all.data[0]!.id] });

    expect(await list(rep, { is_read: true })).toMatchObject({ total: 1, unread: 2, data: [{ id: all.data[0]!.id, is_read: true }] });
    expect((await list(rep, { is_read: 'false' })).data.map((n) => n.id)).toEqual([all.data[1]!.id, all.data[2]!.id]);
    expect((await list(rep, { type_id: '1' })).total).toBe(2);
    expect((await list(rep, { type_id: '1,3' })).total).toBe(3);
    expect((await list(rep, { type_id: '2,4' })).data).toEqual([]);
    expect((await list(rep, { search_value: 'zelda' })).data.map((n) => n.message)).toEqual(['Zelda Hopper was assigned to you']);
    expect((await list(rep, { order_in: 'ASC' })).data.map((n) => n.id)).toEqual(all.data.map((n) => n.id).reverse());
    const page = await list(rep, { limit: 1, page: 3 });
    expect(page).toMatchObject({ total: 3, page: 3, limit: 1, unread: 2 });
    expect(page.data.map((n) => n.id)).toEqual([all.data[2]!.id]);
    expect((await list(rep, { end_date: '2000-01-01' })).total).toBe(0);
  });

  it('answers 422 for invalid filters and 401 without a valid token', async () => {
    const { rep } = await seedInbox();
    for (const query of [{ is_read: 'maybe' }, { type_id: '9' }, { type_id: '1,x' }, { order_by: 'title' }, { page: 0 }]) {
      const res = await t.call('GET', '/api/notification/list', { token: rep.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { type: 'validation_error' } });
    }
    expect((await t.call('GET', '/api/notification/list')).status).toBe(401);
    expect((await t.call('GET', '/api/notification/list', { token: 'expired.or.forged' })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/notification/list', { token: rep.token })).status).toBe(200);
  });

  it("shows each user only their own notifications, never another organization's", async () => {
    const { tenant, rep } = await seedInbox();
    const other = await seedTenant(t);
    expect(await list(tenant)).toMatchObject({ total: 0, unread: 0 });
    expect(await list(other)).toMatchObject({ total: 0, unread: 0 });
    expect((await list(rep)).total).toBe(3);
  });
});

describe('POST /api/notification/read', () => {
  it("marks the caller's notifications among ids read, ignoring other users' ids, and answers how many changed", async () => {
    const [a, b] = await seedTwoTenants(t);
    const [rep, colleague] = [await a.addUser(), await a.addUser()];
    for (const assignee of [rep, rep, colleague]) await addLead(a, { assigned_to: assignee.id });
    const mine = await notificationsOf(rep);
    const theirs = await notificationsOf(colleague);

    expect(await call(rep, 'POST', '/api/notification/read', { ids: [mine[0]!.id, theirs[0]!.id] })).toEqual({ updated: 1 });
    // already read: nothing changes
    expect(await call(rep, 'POST', '/api/v1/notification/read', { ids: [mine[0]!.id] })).toEqual({ updated: 0 });
    expect(await call(b, 'POST', '/api/notification/read', { ids: mine.map((n) => n.id) })).toEqual({ updated: 0 });
    expect(await call(b, 'POST', '/api/notification/read', { all: true })).toEqual({ updated: 0 });

    const after = await list(rep);
    expect(after.unread).toBe(1);
    const read = after.data.find((n) => n.id === mine[0]!.id)!;
    expect(read.is_read).toBe(true);
    expect(Date.parse(read.read_at!)).not.toBeNaN();
    expect(await list(colleague)).toMatchObject({ unread: 1, data: [{ is_read: false }] });
  });

  it("marks all of the caller's notifications read with all: true", async () => {
    const tenant = await seedTenant(t);
    const [rep, colleague] = [await tenant.addUser(), await tenant.addUser()];
    for (const assignee of [rep, rep, colleague]) await addLead(tenant, { assigned_to: assignee.id });
    expect(await call(rep, 'POST', '/api/notification/read', { all: true })).toEqual({ updated: 2 });
    expect(await list(rep)).toMatchObject({ unread: 0, total: 2 });
    expect((await list(colleague)).unread).toBe(1);
  });

  it('answers 422 unless exactly one of ids and all: true is given, 400 without a body, 401 without a valid token', async () => {
    const tenant = await seedTenant(t);
    for (const body of [{}, { ids: [1], all: true }, { all: false }, { ids: [] }, { ids: ['x'] }, { ids: [0] }]) {
      const res = await t.call('POST', '/api/notification/read', { token: tenant.token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { type: 'validation_error' } });
    }
    expect((await t.call('POST', '/api/notification/read', { token: tenant.token })).status).toBe(400);
    expect((await t.call('POST', '/api/notification/read', { token: tenant.token, body: '{"ids": [1' })).status).toBe(400);
    expect((await t.call('POST', '/api/notification/read', { body: { all: true } })).status).toBe(401);
  });
});

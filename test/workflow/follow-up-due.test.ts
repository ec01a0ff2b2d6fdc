// The follow-up reminder end to end: POST /api/lead/follow-up/add writes the
// follow-up and its outbox row, the worker's relay starts followUpDueWorkflow,
// which sleeps until the follow-up is due and notifies its creator and its
// lead's assignee, unless the follow-up was completed first. A real worker
// against the real Temporal dev server, on a database of its own.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import { NOTIFICATION_TYPES } from '../../domain/notifications/notification.service.js';
import { followUpDueWorkflow, followUpDueWorkflowId } from '../../workflows/follow-up-due.workflow.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let system: TestSystem;
let t: TestApp;
let temporal: TemporalClient;

beforeAll(async () => {
  system = await createTestSystem('followup', { worker: true });
  t = system.t;
  temporal = await connectTemporalClient(t.deps.config);
});

afterAll(async () => {
  await temporal?.connection.close();
  await system?.close();
});

/** A lead assigned to a rep, and a follow-up on it by the admin due `seconds` from now. */
async function followUpDueIn(tenant: Tenant, seconds: number) {
  const rep = await tenant.addUser();
  const lead = await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Linus', last_name: 'Lead', assigned_to: rep.id } });
  expect(lead.status).toBe(201);
  const dueAt = new Date(Date.now() + seconds * 1000);
  const followUp = await t.call('POST', '/api/lead/follow-up/add', {
    token: tenant.token,
    body: { lead_id: lead.body.data.id, follow_up_date: dueAt.toISOString(), notes: 'Call back' },
  });
  expect(followUp.status, JSON.stringify(followUp.body)).toBe(201);
  const input = { orgId: tenant.orgId, followUpId: followUp.body.data.id as number };
  // named by the organization's public id, as operators know it
  const workflowId = `follow-up-due:${tenant.orgPublicId}:${input.followUpId}`;
  return { rep, leadId: lead.body.data.id as number, dueAt, input, workflowId };
}

const followUpNotifications = (orgId: number) =>
  t.database.prisma.notification.findMany({ where: { org_id: orgId, type_id: NOTIFICATION_TYPES.follow_up_due }, orderBy: { user_id: 'asc' } });

/** The reminder's handle, once the relay has started it. */
async function startedReminder({ workflowId }: { workflowId: string }) {
  const handle = temporal.client.workflow.getHandle(workflowId);
  await vi.waitFor(() => handle.describe(), { timeout: 20_000, interval: 200 });
  return handle;
}

describe('followUpDueWorkflow through the outbox relay (real worker, real Temporal)', () => {
  it('notifies the creator and the assignee when the follow-up falls due, not before', async () => {
    const tenant = await seedTenant(t);
    const reminder = await followUpDueIn(tenant, 4);
    const { rep, leadId, dueAt, input } = reminder;
    const handle = await startedReminder(reminder);
    expect(await followUpNotifications(tenant.orgId)).toEqual([]);

    expect(await handle.result()).toEqual({ outcome: 'notified', recipients: 2 });
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt.getTime());
    const notifications = await followUpNotifications(tenant.orgId);
    expect(notifications.map((n) => n.user_id)).toEqual([tenant.adminId, rep.id].sort((x, y) => x - y));
    for (const notification of notifications) {
      // written once the follow-up fell due, not before
      expect(notification.created_at.getTime()).toBeGreaterThanOrEqual(dueAt.getTime());
      expect(notification).toMatchObject({
        title: 'Follow-up due',
        message: 'Your follow-up with Linus Lead is due',
        is_read: false,
        data: { model_type: 'lead', model_id: leadId, follow_up_id: input.followUpId, follow_up_date: dueAt.toISOString() },
      });
    }
    const inbox = await t.call('GET', '/api/notification/list', { token: rep.token, query: { type_id: '2' } });
    // unread counts the lead_assigned notification too
    expect(inbox.body).toMatchObject({ total: 1, unread: 2, data: [{ type: 'follow_up_due' }] });
  });

  it('notifies nobody when the follow-up is completed before it is due', async () => {
    const tenant = await seedTenant(t);
    const reminder = await followUpDueIn(tenant, 4);
    const { input } = reminder;
    const handle = await startedReminder(reminder);
    await t.database.pool.query('UPDATE follow_ups SET status = 2 WHERE id = $1 AND org_id = $2', [input.followUpId, input.orgId]);
    expect(await handle.result()).toEqual({ outcome: 'not_pending' });
    expect(await followUpNotifications(tenant.orgId)).toEqual([]);
  });

  it('sleeps on when the date moves later, and ends when the follow-up is deleted with its lead', async () => {
    const tenant = await seedTenant(t);
    const moved = await followUpDueIn(tenant, 2);
    const movedReminder = await startedReminder(moved);
    const later = new Date(Date.now() + 6000);
    await t.database.pool.query('UPDATE follow_ups SET follow_up_date = $1 WHERE id = $2 AND org_id = $3', [later, moved.input.followUpId, tenant.orgId]);
    expect(await movedReminder.result()).toEqual({ outcome: 'notified', recipients: 2 });
    expect(Date.now()).toBeGreaterThanOrEqual(later.getTime());
    expect((await followUpNotifications(tenant.orgId))[0]!.data).toMatchObject({ follow_up_date: later.toISOString() });

    const deleted = await followUpDueIn(tenant, 3);
    const deletedReminder = await startedReminder(deleted);
    const res = await t.call('DELETE', '/api/lead/delete', { token: tenant.token, body: { ids: [deleted.leadId] } });
    expect(res.status).toBe(200);
    expect(await deletedReminder.result()).toEqual({ outcome: 'follow_up_not_found' });
    expect(await followUpNotifications(tenant.orgId)).toHaveLength(2);
  });

  it('is one reminder per follow-up, visible by the OrgId search attribute, and redelivery starts no second one', async () => {
    const tenant = await seedTenant(t);
    const reminder = await followUpDueIn(tenant, 3);
    const { input } = reminder;
    const handle = await startedReminder(reminder);
    await t.database.pool.query(`INSERT INTO outbox_events (org_id, kind, payload) VALUES ($1, 'follow_up.due', $2)`, [
      input.orgId,
      JSON.stringify({ followUpId: input.followUpId }),
    ]);
    expect(await handle.result()).toEqual({ outcome: 'notified', recipients: 2 });
    // the redelivered event, relayed after the reminder finished, is delivered (removed) without a second run
    await t.database.pool.query(`INSERT INTO outbox_events (org_id, kind, payload) VALUES ($1, 'follow_up.due', $2)`, [
      input.orgId,
      JSON.stringify({ followUpId: input.followUpId }),
    ]);
    await vi.waitFor(
      async () => {
        const { rows } = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE org_id = $1', [input.orgId]);
        expect(rows[0]!.n).toBe(0);
      },
      { timeout: 20_000, interval: 200 },
    );
    // visibility is eventually consistent: wait until it lists the finished run
    await vi.waitFor(
      async () => {
        const runs = [];
        for await (const run of temporal.client.workflow.list({ query: `OrgId = "${tenant.orgPublicId}" AND WorkflowType = "followUpDueWorkflow"` })) {
          runs.push(run);
        }
        expect(runs.map((r) => [r.workflowId, r.status.name])).toEqual([[reminder.workflowId, 'COMPLETED']]);
      },
      { timeout: 20_000, interval: 300 },
    );
    expect(await followUpNotifications(tenant.orgId)).toHaveLength(2);
  });

  it('judges the follow-up in its own organization only', async () => {
    const [a, b] = [await seedTenant(t), await seedTenant(t)];
    const reminder = await followUpDueIn(a, 60);
    const { input } = reminder;
    const foreign = { orgId: b.orgId, followUpId: input.followUpId };
    const result = await temporal.client.workflow.execute(followUpDueWorkflow, {
      workflowId: followUpDueWorkflowId({ orgPublicId: b.orgPublicId, followUpId: foreign.followUpId }),
      taskQueue: t.deps.config.TEMPORAL_TASK_QUEUE,
      args: [foreign],
    });
    expect(result).toEqual({ outcome: 'follow_up_not_found' });
    await (await startedReminder(reminder)).terminate('test done');
  });
});

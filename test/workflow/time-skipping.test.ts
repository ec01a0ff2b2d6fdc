// The time-skipping environment works on this machine: Temporal's test
// server (installed from Maven Central by the global setup) with the
// project's own worker — every workflow, every activity, the outbox relay.
// A follow-up due in 14 days, created through the API, is announced when
// workflow time reaches its date, not a day before, in seconds of wall time.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NOTIFICATION_TYPES } from '../../domain/notifications/notification.service.js';
import { LIO_SEARCH_ATTRIBUTES } from '../../worker/temporal-connection.js';
import { followUpDueWorkflowId } from '../../workflows/follow-up-due.workflow.js';
import { createTimeSkippingEnv, type TimeSkippingSystem } from '../helpers/time-skipping.js';
import { seedTenant } from '../helpers/tenants.js';

const DAY_MS = 24 * 3600_000;
let system: TimeSkippingSystem;

beforeAll(async () => {
  system = await createTimeSkippingEnv('timeskip');
}, 120_000);

afterAll(async () => {
  await system?.close();
});

describe('time-skipping test server', () => {
  it('runs a follow-up reminder due in 14 days at its date, in well under a minute of wall time', async () => {
    const { t, env } = system;
    const wallStart = Date.now();
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const lead = await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Tessa', last_name: 'Timeskip', assigned_to: rep.id } });
    expect(lead.status).toBe(201);
    // the server's clock starts at the real time and only moves forward when skipped
    const dueAt = new Date((await env.currentTimeMs()) + 14 * DAY_MS);
    const followUp = await t.call('POST', '/api/lead/follow-up/add', {
      token: tenant.token,
      body: { lead_id: lead.body.data.id, follow_up_date: dueAt.toISOString(), notes: 'Call in two weeks' },
    });
    expect(followUp.status, JSON.stringify(followUp.body)).toBe(201);
    const notifications = () => t.database.prisma.notification.count({ where: { org_id: tenant.orgId, type_id: NOTIFICATION_TYPES.follow_up_due } });

    // started by the outbox relay, as in production, with the organization's search attribute
    const handle = env.client.workflow.getHandle(followUpDueWorkflowId({ orgPublicId: tenant.orgPublicId, followUpId: followUp.body.data.id }));
    const description = await vi.waitFor(() => handle.describe(), { timeout: 20_000, interval: 100 });
    expect(description.typedSearchAttributes.get(LIO_SEARCH_ATTRIBUTES.orgId)).toBe(tenant.orgPublicId);

    await env.sleep('13 days');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await notifications()).toBe(0);

    await env.sleep('1 day');
    // awaiting the result through the time-skipping client lets the woken reminder's activity finish
    expect(await handle.result()).toEqual({ outcome: 'notified', recipients: 2 });
    expect(await notifications()).toBe(2);
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(dueAt.getTime());
    expect(Date.now() - wallStart).toBeLessThan(30_000);
  });
});

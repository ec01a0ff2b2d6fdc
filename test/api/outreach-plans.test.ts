// Outreach plans through the API (§6.8): a step is validated and recorded in
// its contact's sequence job (one per contact while open, with its job.start
// event; a later step joins it and wakes it with outreach.changed), listed
// by scheduled_at; and the sequence's own reads: when a step goes out
// (recipient's zone and quiet hours) and when the sequence must stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeOutreachStep, nextOutreachStep } from '../../domain/engagement/outreach.service.js';
import { postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTargetAccount } from '../helpers/outreach-seed.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;

beforeAll(() => {
  t = createTestApp();
});

afterAll(async () => {
  await t?.close();
});

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
const plan = (tenant: Tenant, accountId: number, body: unknown) =>
  t.call('POST', `/api/target-accounts/${accountId}/outreach-plans`, { token: tenant.token, body });
// the sequences' events (other engagement events, e.g. account health, are not this module's)
const outbox = (orgId: number) =>
  t.database.prisma.outboxEvent.findMany({ where: { org_id: orgId, kind: { in: ['job.start', 'outreach.changed'] } }, orderBy: { id: 'asc' } });

describe('POST /api/target-accounts/:id/outreach-plans', () => {
  it('records the first step of a contact in a new outreach_sequence job, and later steps in the same one', async () => {
    const tenant = await seedTenant(t);
    const { accountId, contacts } = await seedTargetAccount(t, tenant, { contacts: 2 });
    const [ann, bob] = contacts;
    const first = await plan(tenant, accountId, { contact_id: ann!.id, channel: 'email', scheduled_at: inMinutes(60), subject: 'Hello', body: '<p>Hi Ann</p>' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.data).toMatchObject({
      target_account_id: accountId, contact_id: ann!.id, channel: 'email', status: 'scheduled', assigned_to: tenant.adminId, subject: 'Hello', outcome: {},
    });
    const jobId = first.body.data.job_id as number;
    const job = await t.call('GET', `/api/jobs/${jobId}`, { token: tenant.token });
    expect(job.body.data).toMatchObject({
      type: 'outreach_sequence', status: 'queued', workflow_id: `outreach_sequence:${tenant.orgPublicId}:${jobId}`,
      params: { target_account_id: accountId, contact_id: ann!.id }, progress: { total: 1, processed: 0 },
    });

    const second = await plan(tenant, accountId, { contact_id: ann!.id, channel: 'task', scheduled_at: inMinutes(120), notes: 'Connect on LinkedIn' });
    expect(second.body.data.job_id).toBe(jobId);
    expect((await t.call('GET', `/api/jobs/${jobId}`, { token: tenant.token })).body.data.progress.total).toBe(2);
    // another contact: a sequence of its own
    const other = await plan(tenant, accountId, { contact_id: bob!.id, channel: 'call', scheduled_at: inMinutes(30) });
    expect(other.body.data.job_id).not.toBe(jobId);

    expect((await outbox(tenant.orgId)).map((e) => [e.kind, e.payload])).toEqual([
      ['job.start', { jobId, type: 'outreach_sequence' }],
      ['outreach.changed', { jobId }],
      ['job.start', { jobId: other.body.data.job_id, type: 'outreach_sequence' }],
    ]);
  });

  it('starts a new sequence once the contact\'s last one has finished', async () => {
    const tenant = await seedTenant(t);
    const { accountId, contacts } = await seedTargetAccount(t, tenant);
    const first = await plan(tenant, accountId, { contact_id: contacts[0]!.id, channel: 'task', scheduled_at: inMinutes(5) });
    await t.database.prisma.job.update({ where: { id: first.body.data.job_id }, data: { status: 'completed' } });
    const next = await plan(tenant, accountId, { contact_id: contacts[0]!.id, channel: 'task', scheduled_at: inMinutes(10) });
    expect(next.status).toBe(201);
    expect(next.body.data.job_id).not.toBe(first.body.data.job_id);
  });

  it('gives concurrent first steps of one contact one sequence', async () => {
    const tenant = await seedTenant(t);
    const { accountId, contacts } = await seedTargetAccount(t, tenant);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) => plan(tenant, accountId, { contact_id: contacts[0]!.id, channel: 'task', scheduled_at: inMinutes(n) })),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.data.job_id)).size).toBe(1);
    const job = await t.database.prisma.job.findUniqueOrThrow({ where: { id: answers[0]!.body.data.job_id } });
    expect(job.total).toBe(4);
  });

  it('assigns to the given user, else the account owner, else the caller', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const owned = await seedTargetAccount(t, tenant, { ownerId: rep.id });
    const unowned = await seedTargetAccount(t, tenant, { ownerId: null });
    const step = (account: typeof owned, extra: object = {}) =>
      plan(tenant, account.accountId, { contact_id: account.contacts[0]!.id, channel: 'task', scheduled_at: inMinutes(5), ...extra });
    expect((await step(owned)).body.data.assigned_to).toBe(rep.id);
    expect((await step(unowned)).body.data.assigned_to).toBe(tenant.adminId);
    expect((await step(unowned, { assigned_to: rep.id })).body.data.assigned_to).toBe(rep.id);
  });

  it('refuses what cannot be planned, recording nothing', async () => {
    const [tenant, other] = await seedTwoTenants(t);
    const { accountId, contacts } = await seedTargetAccount(t, tenant);
    const elsewhere = await seedTargetAccount(t, tenant);
    const otherRep = await other.addUser();
    const contact_id = contacts[0]!.id;
    const cases: [object, number, string | undefined][] = [
      [{ contact_id: elsewhere.contacts[0]!.id, channel: 'task', scheduled_at: inMinutes(5) }, 422, 'contact_not_in_account'],
      [{ contact_id, channel: 'task', scheduled_at: inMinutes(-1) }, 422, 'scheduled_in_past'],
      [{ contact_id, channel: 'task', scheduled_at: inMinutes(366 * 24 * 60) }, 422, 'scheduled_too_far'],
      [{ contact_id, channel: 'task', scheduled_at: inMinutes(5), assigned_to: otherRep.id }, 422, 'unknown_user'],
      [{ contact_id, channel: 'email', scheduled_at: inMinutes(5), subject: 'No body' }, 422, 'email_body_required'],
      [{ contact_id, channel: 'fax', scheduled_at: inMinutes(5) }, 422, undefined],
      [{ contact_id, channel: 'task', scheduled_at: '2026-13-01' }, 422, undefined],
      [{ contact_id, channel: 'task', scheduled_at: inMinutes(5), notes: 'x'.repeat(5001) }, 422, undefined],
    ];
    for (const [body, status, code] of cases) {
      const res = await plan(tenant, accountId, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      if (code) expect(res.body.error.code).toBe(code);
    }
    // another organization's account is not found, for a contact of either
    expect((await plan(other, accountId, { contact_id, channel: 'task', scheduled_at: inMinutes(5) })).status).toBe(404);
    expect(await t.database.prisma.outreachStep.count({ where: { org_id: { in: [tenant.orgId, other.orgId] } } })).toBe(0);
    expect(await t.database.prisma.job.count({ where: { org_id: { in: [tenant.orgId, other.orgId] } } })).toBe(0);
  });
});

describe('GET /api/target-accounts/:id/outreach-plans', () => {
  it('lists the account\'s steps by scheduled_at with status and job, paged and filtered', async () => {
    const tenant = await seedTenant(t);
    const { accountId, contacts } = await seedTargetAccount(t, tenant, { contacts: 2 });
    const later = await plan(tenant, accountId, { contact_id: contacts[0]!.id, channel: 'task', scheduled_at: inMinutes(90) });
    const sooner = await plan(tenant, accountId, { contact_id: contacts[1]!.id, channel: 'linkedin_task', scheduled_at: inMinutes(10) });
    const middle = await plan(tenant, accountId, { contact_id: contacts[0]!.id, channel: 'call', scheduled_at: inMinutes(45) });
    const list = await t.call('GET', `/api/target-accounts/${accountId}/outreach-plans`, { token: tenant.token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, page: 1, limit: 10 });
    expect(list.body.data.map((s: { id: number }) => s.id)).toEqual([sooner, middle, later].map((r) => r.body.data.id));
    expect(list.body.data[0]).toMatchObject({ status: 'scheduled', job_id: sooner.body.data.job_id, channel: 'linkedin_task' });

    const page = await t.call('GET', `/api/target-accounts/${accountId}/outreach-plans`, { token: tenant.token, query: { limit: '1', page: '2' } });
    expect(page.body).toMatchObject({ total: 3, page: 2 });
    expect(page.body.data.map((s: { id: number }) => s.id)).toEqual([middle.body.data.id]);
    const ofAnn = await t.call('GET', `/api/target-accounts/${accountId}/outreach-plans`, {
      token: tenant.token,
      query: { contact_id: String(contacts[0]!.id), order_in: 'desc' },
    });
    expect(ofAnn.body.data.map((s: { id: number }) => s.id)).toEqual([later, middle].map((r) => r.body.data.id));
    const other = await seedTenant(t);
    expect((await t.call('GET', `/api/target-accounts/${accountId}/outreach-plans`, { token: other.token })).status).toBe(404);
  });
});

describe('the sequence\'s next step (when it may go out)', () => {
  it('moves a step due at 23:00 recipient time to 08:00, in the contact\'s zone, else the organization\'s', async () => {
    const tenant = await seedTenant(t);
    await t.database.prisma.organization.update({ where: { id: tenant.orgId }, data: { timezone: 'Europe/Berlin' } });
    const newYork = await seedTargetAccount(t, tenant, { timezone: 'America/New_York' });
    const berlin = await seedTargetAccount(t, tenant, { timezone: null });
    // 23:00 in New York (EST, UTC-5) on 14 January 2027 = 04:00Z on the 15th; 23:00 in Berlin (CET) = 22:00Z on the 14th
    const step = (account: typeof newYork, at: string) =>
      plan(tenant, account.accountId, { contact_id: account.contacts[0]!.id, channel: 'task', scheduled_at: at });
    const ny = (await step(newYork, '2027-01-15T04:00:00Z')).body.data;
    const be = (await step(berlin, '2027-01-14T22:00:00Z')).body.data;
    expect(await nextOutreachStep(t.database, { orgId: tenant.orgId, jobId: ny.job_id })).toEqual({
      kind: 'step', stepId: ny.id, sendAt: Date.parse('2027-01-15T13:00:00Z'),
    });
    expect(await nextOutreachStep(t.database, { orgId: tenant.orgId, jobId: be.job_id })).toEqual({
      kind: 'step', stepId: be.id, sendAt: Date.parse('2027-01-15T07:00:00Z'),
    });
    // the organization's own quiet hours (here none) replace the default
    await t.database.pool.query('INSERT INTO engagement_settings (org_id, quiet_hours_start, quiet_hours_end) VALUES ($1, 1, 6)', [tenant.orgId]);
    expect(await nextOutreachStep(t.database, { orgId: tenant.orgId, jobId: ny.job_id })).toMatchObject({ sendAt: Date.parse('2027-01-15T04:00:00Z') });
  });

  it('skips the remaining steps once the contact unsubscribed, booked a meeting or replied since the sequence began', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const stops = {
      unsubscribed: (c: { email: string }) => prisma.emailSuppression.create({ data: { org_id: tenant.orgId, email: c.email.toUpperCase().toLowerCase(), reason: 'unsubscribed' } }),
      meeting_booked: (c: { id: number }) =>
        prisma.meeting.create({ data: { org_id: tenant.orgId, user_id: tenant.adminId, contact_id: c.id, title: 'Intro', start_time: new Date(Date.now() + 86_400_000), end_time: new Date(Date.now() + 90_000_000) } }),
      replied: (c: { leadId: number }) => prisma.intentSignal.create({ data: { org_id: tenant.orgId, lead_id: c.leadId, signal_type: 'reply_received', source: 'api' } }),
    };
    for (const [reason, stop] of Object.entries(stops)) {
      const account = await seedTargetAccount(t, tenant);
      const contact = account.contacts[0]!;
      const steps = [];
      for (const minutes of [5, 10]) steps.push((await plan(tenant, account.accountId, { contact_id: contact.id, channel: 'task', scheduled_at: inMinutes(minutes) })).body.data);
      const ref = { orgId: tenant.orgId, jobId: steps[0].job_id };
      expect(await nextOutreachStep(t.database, ref)).toMatchObject({ kind: 'step', stepId: steps[0].id });
      await stop(contact);
      expect(await nextOutreachStep(t.database, ref)).toEqual({ kind: 'idle', stopped: reason });
      const rows = await prisma.outreachStep.findMany({ where: { job_id: ref.jobId } });
      expect(rows.map((r) => [r.status, r.outcome])).toEqual([
        ['skipped', { reason }],
        ['skipped', { reason }],
      ]);
      expect(await prisma.job.findUniqueOrThrow({ where: { id: ref.jobId } })).toMatchObject({ total: 2, processed: 2 });
    }
  });

  it('does not stop for a reply or meeting from before the sequence began, nor a cancelled meeting', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const account = await seedTargetAccount(t, tenant);
    const contact = account.contacts[0]!;
    await prisma.intentSignal.create({ data: { org_id: tenant.orgId, lead_id: contact.leadId, signal_type: 'reply_received', occurred_at: new Date(Date.now() - 60_000) } });
    const step = (await plan(tenant, account.accountId, { contact_id: contact.id, channel: 'task', scheduled_at: inMinutes(5) })).body.data;
    await prisma.meeting.create({
      data: { org_id: tenant.orgId, user_id: tenant.adminId, lead_id: contact.leadId, title: 'Cancelled', status: 4, start_time: new Date(), end_time: new Date() },
    });
    await prisma.intentSignal.create({ data: { org_id: tenant.orgId, lead_id: contact.leadId, signal_type: 'email_opened' } });
    expect(await nextOutreachStep(t.database, { orgId: tenant.orgId, jobId: step.job_id })).toMatchObject({ kind: 'step', stepId: step.id });
  });
});

describe('steps whose contact or account was deleted', () => {
  it('are skipped with the reason, so the sequence neither waits for them nor tries them', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    for (const [reason, remove] of [
      ['contact_deleted', (a: Awaited<ReturnType<typeof seedTargetAccount>>) => prisma.contact.delete({ where: { id: a.contacts[0]!.id } })],
      ['target_account_deleted', (a: Awaited<ReturnType<typeof seedTargetAccount>>) => prisma.targetAccount.delete({ where: { id: a.accountId } })],
    ] as const) {
      const account = await seedTargetAccount(t, tenant);
      const step = (await plan(tenant, account.accountId, { contact_id: account.contacts[0]!.id, channel: 'task', scheduled_at: inMinutes(5) })).body.data;
      await remove(account);
      expect(await nextOutreachStep(t.database, { orgId: tenant.orgId, jobId: step.job_id })).toEqual({ kind: 'idle', stopped: null });
      expect(await prisma.outreachStep.findUniqueOrThrow({ where: { id: step.id } })).toMatchObject({ status: 'skipped', outcome: { reason } });
    }
  });
});

describe('a call step (executed by the sequence\'s activity)', () => {
  /** An account whose contact has a dialable phone, and a call step of it due now (its time set in the past directly). */
  async function dueCallStep(tenant: Tenant) {
    const account = await seedTargetAccount(t, tenant);
    await t.database.prisma.contact.update({ where: { id: account.contacts[0]!.id }, data: { phone_number: '+14155550123' } });
    const step = (await plan(tenant, account.accountId, { contact_id: account.contacts[0]!.id, channel: 'call', scheduled_at: inMinutes(5), notes: 'Ask about the renewal' })).body.data;
    await t.database.prisma.outreachStep.update({ where: { id: step.id }, data: { scheduled_at: new Date(Date.now() - 1000) } });
    const execute = (voiceProvider: string | null) =>
      executeOutreachStep(t.database, { orgId: tenant.orgId, jobId: step.job_id }, step.id, {
        tracking: { tokens: t.deps.services.tokens, publicBaseUrl: t.deps.config.PUBLIC_BASE_URL },
        secrets: t.deps.services.secrets,
        voiceProvider,
        now: new Date(),
      });
    const stepRow = () => t.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: step.id } });
    return { account, step, execute, stepRow };
  }

  it('places one AI agent call where voice is set up, briefed by the notes; a retry after a crash finds that call', async () => {
    const tenant = await seedTenant(t);
    await t.database.prisma.phoneNumber.create({ data: { org_id: tenant.orgId, phone_number: '+14155550100', status: 'active', provider: 'sandbox' } });
    await postLedgerEntry(t.database.pool, { orgId: tenant.orgId, account: 'voice_wallet', amount: 500, reason: 'top_up', idempotencyKey: `outreach-call-${tenant.orgId}` });
    const { account, execute, stepRow } = await dueCallStep(tenant);
    expect(await execute('sandbox')).toEqual({ kind: 'settled', status: 'done' });
    const calls = await t.database.prisma.call.findMany({ where: { org_id: tenant.orgId } });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ contact_id: account.contacts[0]!.id, to_number: '+14155550123', from_number: '+14155550100', user_id: tenant.adminId, provider: 'sandbox' });
    expect((calls[0]!.agent as { system_prompt: string }).system_prompt).toBe('Ask about the renewal');
    expect((await stepRow()).outcome).toEqual({ call_id: calls[0]!.id });
    // what an attempt that placed the call and died before settling the step leaves: running, claimed before the call
    const claimedAt = new Date(calls[0]!.created_at.getTime() - 1000).toISOString();
    await t.database.prisma.outreachStep.update({ where: { id: (await stepRow()).id }, data: { status: 'running', outcome: { claimed_at: claimedAt } } });
    expect(await execute('sandbox')).toEqual({ kind: 'settled', status: 'done' });
    expect(await t.database.prisma.call.count({ where: { org_id: tenant.orgId } })).toBe(1);
    expect((await stepRow()).outcome).toEqual({ call_id: calls[0]!.id });
  });

  it('becomes a call task for the assigned user when voice is not set up, or the call cannot be placed', async () => {
    const tenant = await seedTenant(t);
    for (const [voiceProvider, reason] of [[null, 'voice_not_configured'], ['sandbox', 'no_phone_number']] as const) {
      const { step, execute, stepRow } = await dueCallStep(tenant);
      expect(await execute(voiceProvider)).toEqual({ kind: 'settled', status: 'done' });
      const row = await stepRow();
      expect(row.outcome).toMatchObject({ task: 'notification', reason });
      const notification = await t.database.prisma.notification.findUniqueOrThrow({ where: { id: (row.outcome as { notification_id: number }).notification_id } });
      expect(notification).toMatchObject({ user_id: tenant.adminId, title: 'Outreach call due', data: { outreach_step_id: step.id, channel: 'call', reason } });
    }
    expect(await t.database.prisma.call.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });
});

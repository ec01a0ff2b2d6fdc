// Outreach sequences end to end (§6.8): steps planned through the API run in
// their contact's outreach_sequence workflow on a real worker (real
// Temporal), each at its time — seconds apart here; the two-week spacing and
// quiet hours are the pure timing module's tests (test/engagement) — and
// stop for a reply, a meeting or an unsubscribe; the jobs API pauses,
// resumes and cancels them; a SIGKILLed worker's sequence is finished by the
// next worker, exactly once; a duplicated step execution sends one email.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { executeOutreachStep } from '../../domain/engagement/outreach.service.js';
import type { TestApp } from '../helpers/app.js';
import { seedTargetAccount, withoutQuietHours, type SeededAccount } from '../helpers/outreach-seed.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { killGroup, spawnWorker, workerEnvOf } from '../helpers/worker-process.js';
import { startGmailFake, type GmailFake } from '../fakes/gmail-fake.js';
import { connectMailbox } from '../helpers/mailboxes.js';

interface StepView {
  id: number;
  job_id: number;
  status: string;
  scheduled_at: string;
  executed_at: string | null;
  outcome: Record<string, unknown>;
}

/** A sandbox mailbox for the tenant's admin, added through the API. */
async function sandboxMailbox(app: TestApp, tenant: Tenant) {
  const mailbox = await app.call('POST', '/api/mail-configurations/add', {
    token: tenant.token,
    body: { mailer: 'sandbox', from_address: 'rep@seller.example', password: 'sandbox' },
  });
  expect(mailbox.status, JSON.stringify(mailbox.body)).toBe(201);
}

/** An organization with a mailbox for its admin (the sender; the sandbox unless given), no quiet hours, and an account with one contact. */
async function outreachTenant(app: TestApp, addMailbox: (app: TestApp, tenant: Tenant) => Promise<unknown> = sandboxMailbox) {
  const tenant = await seedTenant(app);
  await withoutQuietHours(app, tenant.orgId);
  await addMailbox(app, tenant);
  const account = await seedTargetAccount(app, tenant);
  return { tenant, account, contact: account.contacts[0]! };
}

function stepsApi(app: TestApp) {
  return {
    async plan(tenant: Tenant, account: SeededAccount, body: { channel: string; inSeconds: number } & Record<string, unknown>): Promise<StepView> {
      const { inSeconds, ...rest } = body;
      const res = await app.call('POST', `/api/target-accounts/${account.accountId}/outreach-plans`, {
        token: tenant.token,
        body: { contact_id: account.contacts[0]!.id, scheduled_at: new Date(Date.now() + inSeconds * 1000).toISOString(), ...rest },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.data;
    },
    async list(tenant: Tenant, account: SeededAccount): Promise<StepView[]> {
      return (await app.call('GET', `/api/target-accounts/${account.accountId}/outreach-plans`, { token: tenant.token })).body.data;
    },
    jobReaching: (jobId: number, status: string, timeout = 40_000) =>
      vi.waitFor(
        async () => {
          const job = await app.database.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
          if (job.status === 'failed') throw new Error(`sequence failed: ${job.error}`);
          expect(job.status).toBe(status);
          return job;
        },
        { timeout, interval: 100 },
      ),
    stepReaching: (stepId: number, status: string, timeout = 30_000) =>
      vi.waitFor(
        async () => {
          const step = await app.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: stepId } });
          expect(step.status).toBe(status);
          return step;
        },
        { timeout, interval: 100 },
      ),
    /** what the organization's sequences queued: outbound mails and their tracked rows */
    async mailsOf(orgId: number) {
      const messages = await app.database.prisma.outboundMessage.findMany({ where: { org_id: orgId, channel: 'mail' }, orderBy: { id: 'asc' } });
      const tracked = await app.database.prisma.trackedEmail.findMany({ where: { org_id: orgId }, orderBy: { id: 'asc' } });
      return { messages, tracked };
    },
  };
}

const control = (app: TestApp, tenant: Tenant, jobId: number, action: string) => app.call('POST', `/api/jobs/${jobId}/${action}`, { token: tenant.token });

describe('outreach sequences on a real worker', () => {
  let system: TestSystem;
  let t: TestApp;
  let api: ReturnType<typeof stepsApi>;

  beforeAll(async () => {
    system = await createTestSystem('outreach', { worker: true, config: { SANDBOX_CONNECTORS: 'true' } });
    t = system.t;
    api = stepsApi(t);
  });

  afterAll(async () => {
    await system?.close();
  });

  it('runs three steps each at its time, in order: two tracked emails and a task, and completes the job', async () => {
    const { tenant, account, contact } = await outreachTenant(t);
    const first = await api.plan(tenant, account, { channel: 'email', inSeconds: 3, subject: 'Intro', body: '<p>Hello <a href="https://seller.example/deck">deck</a></p>' });
    const second = await api.plan(tenant, account, { channel: 'task', inSeconds: 6, notes: 'Send a LinkedIn note' });
    const third = await api.plan(tenant, account, { channel: 'email', inSeconds: 9, notes: 'Following up on my note.\nBest' });
    expect(new Set([first.job_id, second.job_id, third.job_id]).size).toBe(1);

    const job = await api.jobReaching(first.job_id, 'completed');
    expect(job).toMatchObject({ type: 'outreach_sequence', total: 3, processed: 3 });
    const steps = await api.list(tenant, account);
    expect(steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    for (const step of steps) {
      const late = Date.parse(step.executed_at!) - Date.parse(step.scheduled_at);
      // at its time: never before, and not long after (one poll of a worker)
      expect(late, JSON.stringify(step)).toBeGreaterThanOrEqual(0);
      expect(late, JSON.stringify(step)).toBeLessThan(3000);
    }
    expect(steps.map((s) => Date.parse(s.executed_at!))).toEqual(steps.map((s) => Date.parse(s.executed_at!)).sort((a, b) => a - b));

    const { messages, tracked } = await api.mailsOf(tenant.orgId);
    expect(messages).toHaveLength(2);
    expect(tracked.map((e) => [e.source, e.contact_id, e.target_account_id, e.recipient])).toEqual([
      ['sequence', contact.id, account.accountId, contact.email],
      ['sequence', contact.id, account.accountId, contact.email],
    ]);
    expect(steps[0]!.outcome).toMatchObject({ message_id: Number(messages[0]!.id), tracked_email_id: tracked[0]!.id, to: contact.email });
    const payloads = messages.map((m) => m.payload as { subject: string; html: string; to: string[] });
    expect(payloads[0]).toMatchObject({ subject: 'Intro', to: [contact.email] });
    // tracked: the link goes through the click redirect, an unsubscribe link and the pixel are added
    expect(payloads[0]!.html).toContain('/api/v1/track/click/');
    expect(payloads[0]!.html).toContain('/api/v1/track/open/');
    expect(payloads[0]!.html).toContain('/api/v1/track/unsubscribe/');
    // notes as the email: the first line is the subject, the text escaped into paragraphs
    expect(payloads[1]).toMatchObject({ subject: 'Following up on my note.' });
    expect(payloads[1]!.html).toContain('Following up on my note.<br />Best');
    // the sandbox delivered each once
    await vi.waitFor(async () => expect((await api.mailsOf(tenant.orgId)).messages.map((m) => m.status)).toEqual(['sent', 'sent']), { timeout: 20_000 });

    const notifications = await t.database.prisma.notification.findMany({ where: { org_id: tenant.orgId, user_id: tenant.adminId } });
    expect(notifications.filter((n) => (n.data as { outreach_step_id?: number }).outreach_step_id === second.id)).toHaveLength(1);
    expect(steps[1]!.outcome).toMatchObject({ task: 'notification' });
  }, 60_000);

  const stops: [string, (app: TestApp, tenant: Tenant, contact: SeededAccount['contacts'][number]) => Promise<unknown>][] = [
    ['replied', (app, tenant, c) => app.database.prisma.intentSignal.create({ data: { org_id: tenant.orgId, lead_id: c.leadId, signal_type: 'reply_received', source: 'api' } })],
    ['unsubscribed', (app, tenant, c) => app.database.prisma.emailSuppression.create({ data: { org_id: tenant.orgId, email: c.email, reason: 'unsubscribed' } })],
    [
      'meeting_booked',
      (app, tenant, c) =>
        app.database.prisma.meeting.create({
          data: { org_id: tenant.orgId, user_id: tenant.adminId, contact_id: c.id, title: 'Demo', start_time: new Date(Date.now() + 86_400_000), end_time: new Date(Date.now() + 88_000_000) },
        }),
    ],
  ];

  // steps two and three are days away: the sequence stops at once (the change's trigger wakes it through the
  // outbox), not when step two falls due; the database check before each step is tested in test/api/outreach-plans.test.ts
  it.each(stops)('stops the contact\'s sequence at once when they have %s after step one: steps two and three skipped, job completed', async (reason, stop) => {
    const { tenant, account, contact } = await outreachTenant(t);
    const first = await api.plan(tenant, account, { channel: 'email', inSeconds: 2, subject: 'Intro', body: '<p>Hello</p>' });
    await api.plan(tenant, account, { channel: 'email', inSeconds: 3 * 86_400, subject: 'Bump', body: '<p>Bump</p>' });
    await api.plan(tenant, account, { channel: 'task', inSeconds: 7 * 86_400 });
    await api.stepReaching(first.id, 'done');
    await stop(t, tenant, contact);
    const job = await api.jobReaching(first.job_id, 'completed', 15_000);
    expect(job).toMatchObject({ total: 3, processed: 3 });
    expect((await api.list(tenant, account)).map((s) => [s.status, s.outcome.reason ?? null, s.executed_at === null])).toEqual([
      ['done', null, false],
      ['skipped', reason, true],
      ['skipped', reason, true],
    ]);
    expect((await api.mailsOf(tenant.orgId)).messages).toHaveLength(1);
  }, 60_000);

  it('does not run a step that falls due while the job is paused, and runs it once resumed', async () => {
    const { tenant, account } = await outreachTenant(t);
    const step = await api.plan(tenant, account, { channel: 'task', inSeconds: 4 });
    await api.jobReaching(step.job_id, 'running');
    expect((await control(t, tenant, step.job_id, 'pause')).status).toBe(202);
    // the pause is recorded at once, not when the step falls due
    await api.jobReaching(step.job_id, 'paused', 3_500);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(step.scheduled_at) + 2500 - Date.now()));
    expect(await t.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: step.id } })).toMatchObject({ status: 'scheduled', executed_at: null });
    const resumedAt = Date.now();
    expect((await control(t, tenant, step.job_id, 'resume')).status).toBe(202);
    const done = await api.stepReaching(step.id, 'done');
    expect(done.executed_at!.getTime()).toBeGreaterThanOrEqual(resumedAt - 1000);
    await api.jobReaching(step.job_id, 'completed');
  }, 60_000);

  it('cancels through the jobs API: the job is cancelled and its steps not run are cancelled', async () => {
    const { tenant, account } = await outreachTenant(t);
    const step = await api.plan(tenant, account, { channel: 'email', inSeconds: 600, subject: 'Later', body: '<p>Later</p>' });
    await api.plan(tenant, account, { channel: 'task', inSeconds: 1200 });
    await api.jobReaching(step.job_id, 'running');
    expect((await control(t, tenant, step.job_id, 'cancel')).status).toBe(202);
    await api.jobReaching(step.job_id, 'cancelled');
    await vi.waitFor(async () => expect((await api.list(tenant, account)).map((s) => [s.status, s.outcome.reason])).toEqual([
      ['cancelled', 'job_cancelled'],
      ['cancelled', 'job_cancelled'],
    ]), { timeout: 10_000 });
    expect((await api.mailsOf(tenant.orgId)).messages).toHaveLength(0);
  }, 60_000);

  const removals: [string, string, (app: TestApp, account: SeededAccount) => Promise<unknown>][] = [
    // as deleting a target account does (its module cancels the account's scheduled steps)
    ['its steps are cancelled by another writer', 'cancelled', (app, account) =>
      app.database.pool.query(`UPDATE outreach_steps SET status = 'cancelled' WHERE target_account_id = $1 AND status = 'scheduled'`, [account.accountId])],
    ['its contact is deleted', 'skipped', (app, account) => app.database.prisma.contact.delete({ where: { id: account.contacts[0]!.id } })],
  ];

  it.each(removals)('completes a sleeping sequence at once when %s', async (_label, status, remove) => {
    const { tenant, account } = await outreachTenant(t);
    const step = await api.plan(tenant, account, { channel: 'task', inSeconds: 7 * 86_400 });
    await api.jobReaching(step.job_id, 'running');
    await remove(t, account);
    await api.jobReaching(step.job_id, 'completed', 15_000);
    expect(await t.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: step.id } })).toMatchObject({ status, executed_at: null });
  }, 60_000);

  it('wakes a sleeping sequence for a step planned earlier than the one it sleeps for', async () => {
    const { tenant, account } = await outreachTenant(t);
    const later = await api.plan(tenant, account, { channel: 'task', inSeconds: 600 });
    await api.jobReaching(later.job_id, 'running');
    const sooner = await api.plan(tenant, account, { channel: 'task', inSeconds: 2 });
    expect(sooner.job_id).toBe(later.job_id);
    const done = await api.stepReaching(sooner.id, 'done', 15_000);
    expect(done.executed_at!.getTime() - done.scheduled_at.getTime()).toBeLessThan(3000);
    expect(await t.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: later.id } })).toMatchObject({ status: 'scheduled' });
    expect(await t.database.prisma.job.findUniqueOrThrow({ where: { id: later.job_id } })).toMatchObject({ status: 'running', total: 2, processed: 1 });
    expect((await control(t, tenant, later.job_id, 'cancel')).status).toBe(202);
    await api.jobReaching(later.job_id, 'cancelled');
  }, 60_000);
});

describe('outreach sequences across killed worker processes (SIGKILL), and duplicated executions', () => {
  let crash: TestSystem;
  let app: TestApp;
  let api: ReturnType<typeof stepsApi>;
  const workers: ChildProcess[] = [];
  const workerEnv = () => ({ ...workerEnvOf(app), SANDBOX_CONNECTORS: 'true' });

  beforeAll(async () => {
    // no in-process worker: only the spawned processes run this system's workflows and relay its outbox
    crash = await createTestSystem('outreachcrash', { worker: false, config: { SANDBOX_CONNECTORS: 'true' } });
    app = crash.t;
    api = stepsApi(app);
  });

  afterAll(async () => {
    for (const worker of workers) killGroup(worker, 'SIGKILL');
    await crash?.close();
  });

  it('sends one email when the same step is executed twice at once and once more after a crash before it was settled', async () => {
    const { tenant, account } = await outreachTenant(app);
    const step = await api.plan(tenant, account, { channel: 'email', inSeconds: 1, subject: 'Once', body: '<p>Once</p>' });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(step.scheduled_at) + 100 - Date.now()));
    const ref = { orgId: tenant.orgId, jobId: step.job_id };
    const execution = () =>
      executeOutreachStep(app.database, ref, step.id, {
        tracking: { tokens: app.deps.services.tokens, publicBaseUrl: app.deps.config.PUBLIC_BASE_URL },
        secrets: app.deps.services.secrets,
        voiceProvider: null,
        now: new Date(),
      });
    const [a, b] = await Promise.all([execution(), execution()]);
    expect([a, b]).toEqual([{ kind: 'settled', status: 'done' }, { kind: 'settled', status: 'done' }]);
    const settled = await app.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: step.id } });
    // an attempt that queued the email and died before settling the step: the retry finds it running
    await app.database.prisma.outreachStep.update({ where: { id: step.id }, data: { status: 'running', outcome: {} } });
    expect(await execution()).toEqual({ kind: 'settled', status: 'done' });
    const again = await app.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: step.id } });
    expect(again.outcome).toEqual(settled.outcome);
    const { messages, tracked } = await api.mailsOf(tenant.orgId);
    expect(messages).toHaveLength(1);
    expect(tracked).toHaveLength(1);
    // a settled step is not run again
    expect(await execution()).toEqual({ kind: 'settled', status: 'done' });
    expect((await api.mailsOf(tenant.orgId)).messages).toHaveLength(1);
  }, 30_000);

  it('runs the next step at its time, exactly once, on a new worker after the one its sequence slept on was SIGKILLed', async () => {
    const { tenant, account } = await outreachTenant(app);
    workers.push(spawnWorker(workerEnv()));
    const step = await api.plan(tenant, account, { channel: 'email', inSeconds: 25, subject: 'After the crash', body: '<p>Still here</p>' });
    await api.jobReaching(step.job_id, 'running', 60_000);
    // the workflow sleeps on its timer; the worker dies as a crash would
    killGroup(workers.at(-1)!, 'SIGKILL');
    workers.push(spawnWorker(workerEnv()));
    const done = await api.stepReaching(step.id, 'done', 90_000);
    expect(done.executed_at!.getTime()).toBeGreaterThanOrEqual(done.scheduled_at.getTime());
    await api.jobReaching(step.job_id, 'completed', 30_000);
    const { messages, tracked } = await api.mailsOf(tenant.orgId);
    expect(messages).toHaveLength(1);
    expect(tracked).toHaveLength(1);
  }, 150_000);
});

describe('a reply found in the sending mailbox\'s inbox (Gmail fake) stops the sequence', () => {
  let gmail: GmailFake;
  let system: TestSystem;
  let t: TestApp;
  let api: ReturnType<typeof stepsApi>;

  beforeAll(async () => {
    gmail = await startGmailFake({ accessToken: 'unused-initial-token' });
    system = await createTestSystem('outreachinbox', {
      worker: true,
      config: { EGRESS_ALLOW_PRIVATE_NETWORKS: 'true', GOOGLE_API_BASE_URL: gmail.apiUrl, GOOGLE_TOKEN_URL: gmail.tokenUrl },
    });
    t = system.t;
    api = stepsApi(t);
  });

  afterAll(async () => {
    await system?.close();
    await gmail?.close();
  });

  it('sends step one through Gmail, finds the contact\'s answer with a from: search before step two, records reply_received and skips the rest', async () => {
    const { tenant, account, contact } = await outreachTenant(t, (app, owner) => connectMailbox(app, gmail, { orgId: owner.orgId, userId: owner.adminId }, 'gmail'));
    const first = await api.plan(tenant, account, { channel: 'email', inSeconds: 2, subject: 'Intro', body: '<p>Hello</p>' });
    const second = await api.plan(tenant, account, { channel: 'email', inSeconds: 8, subject: 'Bump', body: '<p>Bump</p>' });
    await api.plan(tenant, account, { channel: 'task', inSeconds: 3 * 86_400 });
    await api.stepReaching(first.id, 'done');
    await vi.waitFor(() => expect(gmail.sent.filter((m) => m.headers.To?.includes(contact.email))).toHaveLength(1), { timeout: 20_000 });
    // someone else writing is no reply; the contact's answer is
    const inbox = (from: string, subject: string) =>
      gmail.mailbox.unshift({ id: `in-${gmail.mailbox.length + 1}`, threadId: 't-reply', labelIds: ['INBOX', 'UNREAD'], internalDate: Date.now(), headers: { From: from, To: 'rep@seller.example', Subject: subject }, text: 'Thanks' });
    inbox('Someone Else <other@customer.example>', 'Unrelated');
    inbox(`Buyer <${contact.email}>`, 'Re: Intro');

    const job = await api.jobReaching(first.job_id, 'completed', 30_000);
    expect(job).toMatchObject({ total: 3, processed: 3 });
    expect((await api.list(tenant, account)).map((s) => [s.status, s.outcome.reason ?? null])).toEqual([
      ['done', null],
      ['skipped', 'replied'],
      ['skipped', 'replied'],
    ]);
    const signals = await t.database.prisma.intentSignal.findMany({ where: { org_id: tenant.orgId, lead_id: contact.leadId, signal_type: 'reply_received' } });
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ source: 'inbox', signal_detail: { contact_id: contact.id } });
    // the look was a from: search after the first send; step two was never sent
    expect(gmail.requests.some((r) => r.q?.includes(`from:${contact.email}`) && r.q.includes('after:'))).toBe(true);
    expect(gmail.sent).toHaveLength(1);
    expect(await t.database.prisma.outreachStep.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ executed_at: null });
  }, 60_000);
});

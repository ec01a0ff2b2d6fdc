// AI email (§6.9): a draft per lead through the fake model (and offline),
// approve, and the tracked send — exactly once, even when two sends race —
// through the sandbox mail connector; bulk-generate's refusals (unknown
// leads, credits that cannot cover the batch) that start nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENING_AI_CREDITS, postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai-fake.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let reply = '';

describe('AI email drafts', () => {
  let t: TestApp;
  let llm: OpenAiFake;

  beforeAll(async () => {
    llm = await startOpenAiFake({ apiKey: 'sk-mail', reply: () => reply });
    t = createTestApp({
      EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
      LLM_BASE_URL: llm.baseUrl,
      LLM_API_KEY: 'sk-mail',
      LLM_MODEL: 'draft-model',
      SANDBOX_CONNECTORS: 'true',
      PUBLIC_BASE_URL: 'https://lio.example.test',
    });
  });
  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  const balanceOf = async (tenant: Tenant) => (await t.call('GET', '/api/credits', { token: tenant.token })).body.data.balance as number;

  async function addLead(tenant: Tenant, body: Record<string, unknown> = {}) {
    const res = await t.call('POST', '/api/lead/add', {
      token: tenant.token,
      body: { first_name: 'Lee', last_name: 'Lead', company: 'Globex', job_title: 'Head of Data', email: `lee-${Math.random().toString(36).slice(2)}@globex.example`, ...body },
    });
    expect(res.status).toBe(201);
    return res.body.data as { id: number; email: string | null };
  }

  async function sandboxMailbox(tenant: Tenant) {
    const res = await t.call('POST', '/api/mail-configurations/add', { token: tenant.token, body: { mailer: 'sandbox', from_address: 'rep@sandbox.test', password: 'unused' } });
    expect(res.status).toBe(201);
    return res.body.data.id as number;
  }

  it('generates a draft, refuses to send it before approval, then sends it once — two concurrent sends make one tracked message', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    const configId = await sandboxMailbox(tenant);
    reply = 'Subject: **A faster pipeline for Globex**\n\nHi Lee,\n\nTeams like yours cut load times in half: https://example.com/case-study\n\n<b>Best</b>,\nSam';

    const generated = await t.call('POST', `/api/ai-email/generate/${lead.id}`, { token: tenant.token, body: { persona: 'Solutions engineer' } });
    expect(generated.status).toBe(201);
    const draft = generated.body.data;
    expect(draft).toMatchObject({
      lead_id: lead.id,
      persona: 'Solutions engineer',
      subject: 'A faster pipeline for Globex',
      status: 'draft',
      generator: 'llm',
      model: 'draft-model',
      prompt_version: 'ai_email_draft@1',
      credits_charged: 2,
      job_id: null,
    });
    // the model's text is HTML-escaped, its link made a link, paragraphs kept
    expect(draft.body).toContain('<p>Hi Lee,</p>');
    expect(draft.body).toContain('<a href="https://example.com/case-study">https://example.com/case-study</a>');
    expect(draft.body).toContain('&lt;b&gt;Best&lt;/b&gt;');
    expect(await balanceOf(tenant)).toBe(OPENING_AI_CREDITS - 2);
    const prompt = llm.requests.at(-1)!.body!.messages!.map((m) => m.content).join('\n');
    expect(prompt).toContain('Job title: Head of Data');
    expect(prompt).toContain('<<<PERSONA\nSolutions engineer\nPERSONA>>>');
    expect(prompt).not.toContain(lead.email!);

    const early = await t.call('POST', `/api/ai-email/draft/${draft.id}/send`, { token: tenant.token, body: { config_id: configId } });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('draft_not_approved');

    const approved = await t.call('PUT', `/api/ai-email/draft/${draft.id}/approve`, { token: tenant.token });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ status: 'approved', approved_by: tenant.adminId });

    const sends = await Promise.all([1, 2, 3].map(() => t.call('POST', `/api/ai-email/draft/${draft.id}/send`, { token: tenant.token, body: { config_id: configId } })));
    const succeeded = sends.filter((res) => res.status === 200);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    for (const res of sends.filter((r) => r.status !== 200)) expect(res.body.error.code).toBe('already_sent');
    const messageIds = new Set(succeeded.map((res) => res.body.data.message.id));
    expect(messageIds.size).toBe(1);

    const messages = await t.database.prisma.outboundMessage.findMany({ where: { org_id: tenant.orgId, channel: 'mail' } });
    expect(messages).toHaveLength(1);
    const payload = messages[0]!.payload as { to: string[]; subject: string; html: string };
    expect(payload.to).toEqual([lead.email]);
    expect(payload.subject).toBe('A faster pipeline for Globex');
    // tracked: open pixel, the link through the click redirect (its target sealed in the token), an unsubscribe link
    expect(payload.html).toMatch(/<img src="https:\/\/lio\.example\.test\/api\/v1\/track\/open\/[^"]+"/);
    expect(payload.html).toMatch(/href="https:\/\/lio\.example\.test\/api\/v1\/track\/click\/[^"]+"/);
    expect(payload.html).not.toContain('href="https://example.com/case-study"');
    expect(payload.html).toContain('/api/v1/track/unsubscribe/');
    const tracked = await t.database.prisma.trackedEmail.findMany({ where: { org_id: tenant.orgId } });
    expect(tracked).toEqual([expect.objectContaining({ source: 'ai_email', lead_id: lead.id, recipient: lead.email, outbound_message_id: messages[0]!.id })]);

    const sent = await t.database.prisma.aiEmailDraft.findUniqueOrThrow({ where: { id: draft.id } });
    expect(sent).toMatchObject({ status: 'sent', outbound_message_id: messages[0]!.id, config_id: configId, sent_by: tenant.adminId });
    // recorded once in the lead's activity
    const notes = await t.call('GET', '/api/lead/note/list', { token: tenant.token, query: { lead_id: String(lead.id) } });
    expect(notes.body.data).toEqual([expect.objectContaining({ title: 'AI email sent: A faster pipeline for Globex', created_by: tenant.adminId })]);
    expect(notes.body.data[0].note).toContain(lead.email);

    const again = await t.call('POST', `/api/ai-email/draft/${draft.id}/send`, { token: tenant.token, body: { config_id: configId } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_sent');
    const reapprove = await t.call('PUT', `/api/ai-email/draft/${draft.id}/approve`, { token: tenant.token });
    expect(reapprove.status).toBe(409);
    expect(await t.database.prisma.outboundMessage.count({ where: { org_id: tenant.orgId } })).toBe(1);
  });

  it('two users sending the same draft at once through their own mailboxes make one message, from the first to claim it', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser('Admin');
    const lead = await addLead(tenant);
    const adminConfig = await sandboxMailbox(tenant);
    const repConfig = (await t.call('POST', '/api/mail-configurations/add', { token: rep.token, body: { mailer: 'sandbox', from_address: 'other@sandbox.test', password: 'unused' } })).body.data.id;
    reply = 'Subject: Hello Globex\n\nHi Lee.';
    const draft = (await t.call('POST', `/api/ai-email/generate/${lead.id}`, { token: tenant.token })).body.data;
    await t.call('PUT', `/api/ai-email/draft/${draft.id}/approve`, { token: rep.token });
    const sends = await Promise.all([
      t.call('POST', `/api/ai-email/draft/${draft.id}/send`, { token: tenant.token, body: { config_id: adminConfig } }),
      t.call('POST', `/api/ai-email/draft/${draft.id}/send`, { token: rep.token, body: { config_id: repConfig } }),
    ]);
    for (const res of sends) expect([200, 409]).toContain(res.status);
    const messages = await t.database.prisma.outboundMessage.findMany({ where: { org_id: tenant.orgId } });
    expect(messages).toHaveLength(1);
    const sent = await t.database.prisma.aiEmailDraft.findUniqueOrThrow({ where: { id: draft.id } });
    // the message went out from the mailbox of whoever claimed the draft first
    const [claimer, from] = sent.sent_by === tenant.adminId ? [tenant.adminId, 'rep@sandbox.test'] : [rep.id, 'other@sandbox.test'];
    expect(sent).toMatchObject({ status: 'sent', outbound_message_id: messages[0]!.id, sent_by: claimer });
    expect((messages[0]!.payload as { from: { address: string } }).from.address).toBe(from);
  });

  it('an unsubscribed recipient is refused and leaves the draft approved; a model failure stores no draft and debits nothing', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    const configId = await sandboxMailbox(tenant);
    reply = 'Subject: Hi\n\nHello.';
    const draft = (await t.call('POST', `/api/ai-email/generate/${lead.id}`, { token: tenant.token })).body.data;
    await t.call('PUT', `/api/ai-email/draft/${draft.id}/approve`, { token: tenant.token });
    await t.database.prisma.emailSuppression.create({ data: { org_id: tenant.orgId, email: lead.email!.toLowerCase(), reason: 'unsubscribed' } });
    const refused = await t.call('POST', `/api/ai-email/draft/${draft.id}/send`, { token: tenant.token, body: { config_id: configId } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('recipient_unsubscribed');
    expect(await t.database.prisma.aiEmailDraft.findUniqueOrThrow({ where: { id: draft.id } })).toMatchObject({ status: 'approved', sent_by: null, config_id: null });
    expect(await t.database.prisma.outboundMessage.count({ where: { org_id: tenant.orgId } })).toBe(0);

    const balance = await balanceOf(tenant);
    llm.script({ kind: 'status', status: 503 });
    const failed = await t.call('POST', `/api/ai-email/generate/${lead.id}`, { token: tenant.token });
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('llm_unavailable');
    expect(await t.database.prisma.aiEmailDraft.count({ where: { org_id: tenant.orgId } })).toBe(1);
    expect(await balanceOf(tenant)).toBe(balance);
  });

  it('an answer without a subject line still makes a usable draft; lists are paged §5 envelopes', async () => {
    const tenant = await seedTenant(t);
    const lead = await addLead(tenant);
    reply = 'Sure! Here is an email you could send.\nHi Lee, I noticed Globex is hiring data engineers.';
    const first = await t.call('POST', `/api/ai-email/generate/${lead.id}`, { token: tenant.token });
    expect(first.status).toBe(201);
    expect(first.body.data.subject).toBe('An idea for Globex');
    expect(first.body.data.body).toContain('Globex is hiring data engineers.');
    reply = 'Subject:\n\n';
    const second = await t.call('POST', `/api/ai-email/generate/${lead.id}`, { token: tenant.token, body: {} });
    expect(second.status).toBe(201);
    expect(second.body.data.subject).toBe('An idea for Globex');

    const page = await t.call('GET', `/api/ai-email/drafts/lead/${lead.id}`, { token: tenant.token, query: { limit: '1', page: '2' } });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ success: true, total: 2, page: 2, limit: 1 });
    expect(page.body.data.map((d: { id: number }) => d.id)).toEqual([first.body.data.id]);
  });

  it('refuses what cannot be done: another organization\'s lead or draft, a lead without email, an unpaid draft', async () => {
    const [tenant, other] = [await seedTenant(t), await seedTenant(t, 'Other')];
    const foreignLead = await addLead(other);
    reply = 'Subject: Hello\n\nHi.';
    const asked = llm.requests.length;
    expect((await t.call('POST', `/api/ai-email/generate/${foreignLead.id}`, { token: tenant.token })).status).toBe(404);
    expect((await t.call('GET', `/api/ai-email/drafts/lead/${foreignLead.id}`, { token: tenant.token })).status).toBe(404);
    expect(llm.requests.length).toBe(asked);

    const foreignDraft = (await t.call('POST', `/api/ai-email/generate/${foreignLead.id}`, { token: other.token })).body.data;
    expect((await t.call('PUT', `/api/ai-email/draft/${foreignDraft.id}/approve`, { token: tenant.token })).status).toBe(404);
    const configId = await sandboxMailbox(tenant);
    expect((await t.call('POST', `/api/ai-email/draft/${foreignDraft.id}/send`, { token: tenant.token, body: { config_id: configId } })).status).toBe(404);
    // another organization's mail configuration is not one of the caller's
    await t.call('PUT', `/api/ai-email/draft/${foreignDraft.id}/approve`, { token: other.token });
    expect((await t.call('POST', `/api/ai-email/draft/${foreignDraft.id}/send`, { token: other.token, body: { config_id: configId } })).status).toBe(404);

    const noEmail = await addLead(tenant, { email: null, phone_number: '+14155550100' });
    const draft = (await t.call('POST', `/api/ai-email/generate/${noEmail.id}`, { token: tenant.token })).body.data;
    await t.call('PUT', `/api/ai-email/draft/${draft.id}/approve`, { token: tenant.token });
    const unsendable = await t.call('POST', `/api/ai-email/draft/${draft.id}/send`, { token: tenant.token, body: { config_id: configId } });
    expect(unsendable.status).toBe(422);
    expect(unsendable.body.error.code).toBe('lead_has_no_email');
    expect(await t.database.prisma.aiEmailDraft.findUniqueOrThrow({ where: { id: draft.id } })).toMatchObject({ status: 'approved', config_id: null, sent_by: null });

    await postLedgerEntry(t.database.pool, { orgId: tenant.orgId, account: 'ai_credits', amount: -(await balanceOf(tenant)) + 1, reason: 'test_spending', idempotencyKey: 'test-spending' });
    const before = llm.requests.length;
    const unpaid = await t.call('POST', `/api/ai-email/generate/${noEmail.id}`, { token: tenant.token });
    expect(unpaid.status).toBe(422);
    expect(unpaid.body.error.code).toBe('insufficient_credits');
    expect(llm.requests.length).toBe(before);
  });

  it('bulk-generate refuses unknown leads and a batch the credits cannot cover, starting nothing', async () => {
    const [tenant, other] = [await seedTenant(t), await seedTenant(t, 'Other')];
    const mine = await addLead(tenant);
    const theirs = await addLead(other);
    const unknown = await t.call('POST', '/api/ai-email/bulk-generate', { token: tenant.token, body: { lead_ids: [mine.id, theirs.id, 2_000_000_000] } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_leads', lead_ids: [theirs.id, 2_000_000_000] });
    const repeated = await t.call('POST', '/api/ai-email/bulk-generate', { token: tenant.token, body: { lead_ids: [mine.id, mine.id] } });
    expect(repeated.status).toBe(422);
    const tooMany = await t.call('POST', '/api/ai-email/bulk-generate', { token: tenant.token, body: { lead_ids: Array.from({ length: 501 }, (_, i) => i + 1) } });
    expect(tooMany.status).toBe(422);

    await postLedgerEntry(t.database.pool, { orgId: tenant.orgId, account: 'ai_credits', amount: -(await balanceOf(tenant)) + 1, reason: 'test_spending', idempotencyKey: 'test-spending' });
    const unpaid = await t.call('POST', '/api/ai-email/bulk-generate', { token: tenant.token, body: { lead_ids: [mine.id] } });
    expect(unpaid.status).toBe(422);
    expect(unpaid.body.error.code).toBe('insufficient_credits');
    expect(await t.database.prisma.job.count({ where: { org_id: tenant.orgId } })).toBe(0);
    expect(await t.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'job.start' } })).toBe(0);
    expect(await balanceOf(tenant)).toBe(1);
  });
});

describe('AI email drafts with no model configured', () => {
  let t: TestApp;
  beforeAll(() => {
    t = createTestApp({});
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the offline generator drafts a usable, labelled-by-generator email from the lead\'s fields', async () => {
    const tenant = await seedTenant(t);
    const lead = (await t.call('POST', '/api/lead/add', { token: tenant.token, body: { first_name: 'Ola', last_name: 'Nordmann', company: 'Fjord AS', job_title: 'CFO' } })).body.data;
    const res = await t.call('POST', `/api/ai-email/generate/${lead.id}`, { token: tenant.token });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ generator: 'offline', model: 'lio-offline-1', subject: 'Following up with Fjord AS', prompt_version: 'ai_email_draft@1' });
    expect(res.body.data.body).toContain('Hi Ola Nordmann,');
    expect(res.body.data.body).not.toContain('Generated offline');
  });
});

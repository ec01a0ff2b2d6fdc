// §6.8 target accounts (ABM): create, list (search, filters, sort, paging),
// detail with contacts and engagement, update, delete (outreach steps
// cancelled), stakeholders, and the bulk email through the tracked mail path
// (sandbox mail connector: what would be sent is recorded). Each test seeds
// its own organizations; no worker runs here (health is computed at create
// and update; the trigger → workflow path is test/workflow/account-health.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, uniqueEmail, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp({ SANDBOX_CONNECTORS: 'true' });
});
afterAll(async () => {
  await t.close();
});

const company = async (tenant: Tenant, name: string, extra: { industry_type?: string; website?: string } = {}) =>
  (await t.database.prisma.company.create({ data: { org_id: tenant.orgId, company_name: name, ...extra } })).id;

const contact = async (tenant: Tenant, companyId: number | null, name: string, email: string | null = uniqueEmail('contact')) =>
  (await t.database.prisma.contact.create({ data: { org_id: tenant.orgId, company_id: companyId, name, email } })).id;

async function createAccount(tenant: Tenant, body: Record<string, unknown>) {
  const res = await t.call('POST', '/api/target-accounts', { token: tenant.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function addContact(tenant: Tenant, accountId: number, contactId: number, role = 'decision_maker') {
  const res = await t.call('POST', `/api/target-accounts/${accountId}/contacts`, { token: tenant.token, body: { contact_id: contactId, stakeholder_role: role } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

describe('POST /api/target-accounts', () => {
  it('creates an account on a company with its owner, tier, decision makers and ICP fit, health computed at once', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const companyId = await company(tenant, 'Initech', { industry_type: 'Software', website: 'https://initech.example' });
    const account = await createAccount(tenant, { company_id: companyId, owner_id: rep.id, tier: 1, estimated_decision_makers: 4, icp_fit_score: 85 });
    expect(account).toMatchObject({
      company_id: companyId,
      company: { id: companyId, company_name: 'Initech', industry_type: 'Software', website: 'https://initech.example' },
      owner_id: rep.id,
      owner: { id: rep.id, name: 'Rep User', email: rep.email },
      tier: 1,
      estimated_decision_makers: 4,
      icp_fit_score: 85,
      status: 'active',
      health_score: 0,
      health: 'cold',
      engagement_stage: 'identified',
      contact_count: 0,
    });
    expect(account.health_reasons.map((r: { factor: string }) => r.factor)).toEqual(['intent', 'replies', 'meetings', 'deal', 'breadth', 'recency']);
    expect(account.health_computed_at).not.toBeNull();
  });

  it('starts from the engagement its company already has (a lead of the company that asked for a demo)', async () => {
    const tenant = await seedTenant(t);
    const companyId = await company(tenant, 'Globex');
    const lead = await t.database.prisma.lead.create({ data: { org_id: tenant.orgId, first_name: 'Gil', company_id: companyId } });
    await t.database.prisma.intentSignal.create({ data: { org_id: tenant.orgId, lead_id: lead.id, signal_type: 'demo_requested' } });
    const account = await createAccount(tenant, { company_id: companyId });
    expect(account.health_score).toBeGreaterThan(0);
    expect(account.engagement_stage).toBe('engaged');
    expect(account.health_reasons.find((r: { factor: string }) => r.factor === 'intent').reason).toContain('demo_requested');
  });

  it('refuses a second account on the same company (409 with the existing id)', async () => {
    const tenant = await seedTenant(t);
    const companyId = await company(tenant, 'Hooli');
    const first = await createAccount(tenant, { company_id: companyId });
    const again = await t.call('POST', '/api/target-accounts', { token: tenant.token, body: { company_id: companyId } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ type: 'conflict', code: 'target_account_exists', existing_id: first.id });
  });

  it("refuses another organization's company or owner, and out-of-range fields (422 naming the field)", async () => {
    const [tenant, other] = [await seedTenant(t), await seedTenant(t)];
    const foreignCompany = await company(other, 'Elsewhere');
    const companyId = await company(tenant, 'Mine');
    const cases: [Record<string, unknown>, string][] = [
      [{ company_id: foreignCompany }, 'company_id'],
      [{ company_id: companyId, owner_id: other.adminId }, 'owner_id'],
      [{ company_id: companyId, tier: 4 }, 'tier'],
      [{ company_id: companyId, icp_fit_score: 101 }, 'icp_fit_score'],
      [{ company_id: companyId, estimated_decision_makers: -1 }, 'estimated_decision_makers'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/target-accounts', { token: tenant.token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
      expect(JSON.stringify(res.body.error)).toContain(field);
    }
    // a required field missing is a bad request, as everywhere in the API
    const missing = await t.call('POST', '/api/target-accounts', { token: tenant.token, body: { tier: 1 } });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.error)).toContain('company_id');
    expect(await t.database.prisma.targetAccount.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });
});

describe('GET /api/target-accounts', () => {
  async function seedList() {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const names = ['Alpha 100%', 'Beta_Works', 'Gamma', 'Delta'];
    const accounts = [];
    for (const [i, name] of names.entries()) {
      accounts.push(await createAccount(tenant, { company_id: await company(tenant, name), tier: (i % 3) + 1, icp_fit_score: i === 3 ? null : 40 + i * 10, owner_id: i < 2 ? rep.id : null }));
    }
    // health as the workflow would have stored it (the computation is tested on its own)
    const health = [
      [80, 'healthy'],
      [45, 'warming'],
      [25, 'at_risk'],
      [5, 'cold'],
    ] as const;
    for (const [i, [score, band]] of health.entries()) {
      await t.database.pool.query('UPDATE target_accounts SET health_score = $2, health = $3 WHERE id = $1', [accounts[i].id, score, band]);
    }
    return { tenant, rep, accounts };
  }

  const ids = (res: { body: { data: { id: number }[] } }) => res.body.data.map((a) => a.id);

  it('lists with §5 paging, newest first by default, each row with company, owner, health and contact count', async () => {
    const { tenant, accounts } = await seedList();
    const page1 = await t.call('GET', '/api/target-accounts', { token: tenant.token, query: { limit: 3 } });
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ success: true, total: 4, page: 1, limit: 3 });
    expect(ids(page1)).toEqual([accounts[3].id, accounts[2].id, accounts[1].id]);
    const page2 = await t.call('GET', '/api/target-accounts', { token: tenant.token, query: { limit: 3, page: 2 } });
    expect(ids(page2)).toEqual([accounts[0].id]);
    expect(page2.body.data[0]).toMatchObject({ company: { company_name: 'Alpha 100%' }, health_score: 80, health: 'healthy', contact_count: 0 });
  });

  it('searches the company name case-insensitively with % and _ taken literally', async () => {
    const { tenant, accounts } = await seedList();
    const search = async (text: string) => ids(await t.call('GET', '/api/target-accounts', { token: tenant.token, query: { search: text } }));
    expect(await search('ALPHA')).toEqual([accounts[0].id]);
    expect(await search('100%')).toEqual([accounts[0].id]);
    expect(await search('%')).toEqual([accounts[0].id]);
    expect(await search('a_w')).toEqual([accounts[1].id]);
    expect(ids(await t.call('GET', '/api/target-accounts', { token: tenant.token, query: { search_value: 'gam' } }))).toEqual([accounts[2].id]);
  });

  it('filters by health, tier and owner, combined with AND', async () => {
    const { tenant, rep, accounts } = await seedList();
    const list = async (query: Record<string, string | number>) => ids(await t.call('GET', '/api/target-accounts', { token: tenant.token, query }));
    expect(await list({ health: 'at_risk' })).toEqual([accounts[2].id]);
    expect(await list({ tier: 1 })).toEqual([accounts[3].id, accounts[0].id]);
    expect(await list({ owner_id: rep.id })).toEqual([accounts[1].id, accounts[0].id]);
    expect(await list({ owner_id: rep.id, tier: 2 })).toEqual([accounts[1].id]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await list({ start_date: today, end_date: today })).toHaveLength(accounts.length);
    expect(await list({ start_date: '2999-01-01' })).toEqual([]);
  });

  it('sorts by sort (a leading - for descending) or by order_by/order_in; accounts without an ICP fit last', async () => {
    const { tenant, accounts } = await seedList();
    const list = async (query: Record<string, string>) => ids(await t.call('GET', '/api/target-accounts', { token: tenant.token, query }));
    const [a, b, c, d] = accounts.map((x) => x.id);
    expect(await list({ sort: '-health_score' })).toEqual([a, b, c, d]);
    expect(await list({ sort: 'health_score' })).toEqual([d, c, b, a]);
    expect(await list({ sort: 'company_name' })).toEqual([a, b, d, c]);
    expect(await list({ sort: '-icp_fit_score' })).toEqual([c, b, a, d]);
    expect(await list({ sort: 'icp_fit_score' })).toEqual([a, b, c, d]);
    expect(await list({ order_by: 'tier', order_in: 'asc' })).toEqual([a, d, b, c]);
    expect(await list({ sort: 'tier', order_by: 'id', order_in: 'desc' })).toEqual([a, d, b, c]);
  });

  it('refuses an unknown sort, health band or tier (422)', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ sort: 'owner_id' }, { sort: '--tier' }, { health: 'hot' }, { tier: 0 }, { order_by: 'health' }]) {
      const res = await t.call('GET', '/api/target-accounts', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
    }
  });

  it('shows a sales rep every account of the organization (as companies and deals), and none of another organization', async () => {
    const { tenant, accounts } = await seedList();
    const rep = await tenant.addUser();
    const other = await seedTenant(t);
    expect(ids(await t.call('GET', '/api/target-accounts', { token: rep.token }))).toHaveLength(accounts.length);
    expect((await t.call('GET', '/api/target-accounts', { token: other.token })).body.total).toBe(0);
    expect((await t.call('GET', `/api/target-accounts/${accounts[0].id}`, { token: other.token })).status).toBe(404);
  });
});

describe('stakeholders: POST /api/target-accounts/:id/contacts', () => {
  it("adds a contact of the account's company with a role (201), refuses it twice (409), and lists it in the detail", async () => {
    const tenant = await seedTenant(t);
    const companyId = await company(tenant, 'Umbrella');
    const account = await createAccount(tenant, { company_id: companyId });
    const contactId = await contact(tenant, companyId, 'Alice Wong', 'alice@umbrella.example');
    const added = await addContact(tenant, account.id, contactId, 'champion');
    expect(added).toMatchObject({ id: contactId, name: 'Alice Wong', email: 'alice@umbrella.example', company_id: companyId, stakeholder_role: 'champion' });
    const twice = await t.call('POST', `/api/target-accounts/${account.id}/contacts`, { token: tenant.token, body: { contact_id: contactId } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('account_contact_exists');
    const detail = await t.call('GET', `/api/target-accounts/${account.id}`, { token: tenant.token });
    expect(detail.body.data.contact_count).toBe(1);
    expect(detail.body.data.contacts).toEqual([expect.objectContaining({ id: contactId, stakeholder_role: 'champion' })]);
  });

  it("refuses a contact of another company or organization, and an unknown role (422)", async () => {
    const [tenant, other] = [await seedTenant(t), await seedTenant(t)];
    const account = await createAccount(tenant, { company_id: await company(tenant, 'Stark') });
    const elsewhere = await contact(tenant, await company(tenant, 'Wayne'), 'Bruce');
    const foreign = await contact(other, null, 'Foreigner');
    const send = (body: Record<string, unknown>) => t.call('POST', `/api/target-accounts/${account.id}/contacts`, { token: tenant.token, body });
    const wrongCompany = await send({ contact_id: elsewhere });
    expect(wrongCompany.status).toBe(422);
    expect(wrongCompany.body.error.code).toBe('contact_not_of_company');
    const foreignContact = await send({ contact_id: foreign });
    expect(foreignContact.status).toBe(422);
    expect(foreignContact.body.error.details).toEqual([{ path: 'contact_id', message: `contact ${foreign} does not exist` }]);
    expect((await send({ contact_id: elsewhere, stakeholder_role: 'king' })).status).toBe(422);
    expect((await t.call('POST', '/api/target-accounts/2000000000/contacts', { token: tenant.token, body: { contact_id: elsewhere } })).status).toBe(404);
  });
});

describe('GET /api/target-accounts/:id (engagement)', () => {
  it("shows the signals of the account's leads by 30/90 days, last touch, meetings, open deals with stage, and outreach steps per status", async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const org_id = tenant.orgId;
    const companyId = await company(tenant, 'Soylent');
    const companyLead = await prisma.lead.create({ data: { org_id, first_name: 'Sam', company_id: companyId } });
    // a contact whose lead has no company: its signals count through the stakeholder link
    const contactLead = await prisma.lead.create({ data: { org_id, first_name: 'Cara' } });
    const contactId = (await prisma.contact.create({ data: { org_id, name: 'Cara', company_id: companyId, lead_id: contactLead.id } })).id;
    const unrelated = await prisma.lead.create({ data: { org_id, first_name: 'Nobody' } });
    const day = 24 * 3600 * 1000;
    const ago = (days: number) => new Date(Date.now() - days * day);
    await prisma.intentSignal.createMany({
      data: [
        { org_id, lead_id: companyLead.id, signal_type: 'pricing_page_visit', occurred_at: ago(2) },
        { org_id, lead_id: contactLead.id, signal_type: 'email_opened', occurred_at: ago(10) },
        { org_id, lead_id: contactLead.id, signal_type: 'email_opened', occurred_at: ago(60) },
        { org_id, lead_id: companyLead.id, signal_type: 'manual', occurred_at: ago(120) },
        { org_id, lead_id: unrelated.id, signal_type: 'demo_requested', occurred_at: ago(1) },
      ],
    });
    await prisma.meeting.create({
      data: { org_id, user_id: tenant.adminId, company_id: companyId, title: 'Kick-off', start_time: ago(5), end_time: ago(5), status: 3 },
    });
    const pipeline = await prisma.pipeline.create({
      data: { org_id, name: 'Sales', stages: { create: [{ org_id, name: 'Proposal', position: 1, probability: 0.6 }] } },
      include: { stages: true },
    });
    const stage = pipeline.stages[0]!;
    const deal = await prisma.deal.create({
      data: { org_id, lead_id: companyLead.id, pipeline_id: pipeline.id, stage_id: stage.id, title: 'Pilot', value: 5000, expected_close_date: new Date('2027-06-30') },
    });
    const account = await createAccount(tenant, { company_id: companyId });
    await addContact(tenant, account.id, contactId);
    await prisma.outreachStep.createMany({
      data: [
        { org_id, target_account_id: account.id, contact_id: contactId, channel: 'email', scheduled_at: ago(-1) },
        { org_id, target_account_id: account.id, contact_id: contactId, channel: 'call', scheduled_at: ago(-2) },
        { org_id, target_account_id: account.id, contact_id: contactId, channel: 'email', scheduled_at: ago(3), status: 'done' },
      ],
    });
    const res = await t.call('GET', `/api/target-accounts/${account.id}`, { token: tenant.token });
    expect(res.status).toBe(200);
    const { engagement, outreach } = res.body.data;
    expect(engagement.signals).toEqual({
      last_30_days: { total: 2, by_type: { email_opened: 1, pricing_page_visit: 1 } },
      last_90_days: { total: 3, by_type: { email_opened: 2, pricing_page_visit: 1 } },
    });
    expect(Date.parse(engagement.last_touch_at)).toBeGreaterThan(Date.now() - 3 * day);
    expect(engagement.meetings).toEqual({ total: 1, held: 1, upcoming: 0 });
    expect(engagement.open_deals).toEqual([{ id: deal.id, title: 'Pilot', value: 5000, lead_id: companyLead.id, stage: { id: stage.id, name: 'Proposal', probability: 0.6 } }]);
    expect(engagement.won_deals).toBe(0);
    expect(engagement.tracked_emails).toEqual({ sent: 0, opened: 0, clicked: 0 });
    expect(outreach).toEqual({ total: 3, by_status: { done: 1, scheduled: 2 } });
    expect(res.body.data.engagement_stage).toBe('opportunity');
  });
});

describe('PATCH and DELETE /api/target-accounts/:id', () => {
  it('updates owner, tier, ICP fit, decision makers and status; won closes the funnel', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const account = await createAccount(tenant, { company_id: await company(tenant, 'Wonka') });
    const res = await t.call('PATCH', `/api/target-accounts/${account.id}`, {
      token: tenant.token,
      body: { owner_id: rep.id, tier: 3, icp_fit_score: 10, estimated_decision_makers: 2, status: 'won' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ owner_id: rep.id, tier: 3, icp_fit_score: 10, estimated_decision_makers: 2, status: 'won', engagement_stage: 'won' });
    const cleared = await t.call('PATCH', `/api/target-accounts/${account.id}`, { token: tenant.token, body: { owner_id: null, icp_fit_score: null } });
    expect(cleared.body.data).toMatchObject({ owner_id: null, owner: null, icp_fit_score: null, tier: 3 });
  });

  it('refuses an empty or unknown change, a foreign owner and a bad status (422), and an unknown account (404)', async () => {
    const [tenant, other] = [await seedTenant(t), await seedTenant(t)];
    const account = await createAccount(tenant, { company_id: await company(tenant, 'Acme') });
    const patch = (body: unknown, id = account.id) => t.call('PATCH', `/api/target-accounts/${id}`, { token: tenant.token, body });
    for (const body of [{}, { company_id: 1 }, { owner_id: other.adminId }, { status: 'closed' }, { tier: 0 }]) {
      const res = await patch(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect((await patch({ tier: 1 }, 2_000_000_000)).status).toBe(404);
    expect((await t.call('PATCH', `/api/target-accounts/${account.id}`, { token: other.token, body: { tier: 1 } })).status).toBe(404);
  });

  it('deletes the account and its stakeholder links, cancels its scheduled outreach steps and leaves the others', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const companyId = await company(tenant, 'Cyberdyne');
    const account = await createAccount(tenant, { company_id: companyId });
    const contactId = await contact(tenant, companyId, 'Miles');
    await addContact(tenant, account.id, contactId);
    const step = (status: string) =>
      prisma.outreachStep.create({ data: { org_id: tenant.orgId, target_account_id: account.id, contact_id: contactId, channel: 'email', scheduled_at: new Date(), status } });
    const [scheduled, done] = [await step('scheduled'), await step('done')];
    const res = await t.call('DELETE', `/api/target-accounts/${account.id}`, { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: account.id, cancelled_steps: 1 });
    expect(await prisma.targetAccount.count({ where: { id: account.id } })).toBe(0);
    expect(await prisma.targetAccountContact.count({ where: { target_account_id: account.id } })).toBe(0);
    expect((await prisma.outreachStep.findUniqueOrThrow({ where: { id: scheduled.id } })).status).toBe('cancelled');
    expect((await prisma.outreachStep.findUniqueOrThrow({ where: { id: done.id } })).status).toBe('done');
    expect(await prisma.contact.count({ where: { id: contactId } })).toBe(1);
    expect((await t.call('DELETE', `/api/target-accounts/${account.id}`, { token: tenant.token })).status).toBe(404);
  });

  it('a deleted company takes its target account with it; a deleted contact leaves the account', async () => {
    const tenant = await seedTenant(t);
    const { prisma } = t.database;
    const companyId = await company(tenant, 'Tyrell');
    const account = await createAccount(tenant, { company_id: companyId });
    const [kept, removed] = [await contact(tenant, companyId, 'Rachael'), await contact(tenant, companyId, 'Roy')];
    await addContact(tenant, account.id, kept);
    await addContact(tenant, account.id, removed);
    expect((await t.call('DELETE', `/api/contact/delete/${removed}`, { token: tenant.token })).status).toBe(200);
    expect((await t.call('GET', `/api/target-accounts/${account.id}`, { token: tenant.token })).body.data.contacts.map((c: { id: number }) => c.id)).toEqual([kept]);
    expect((await t.call('DELETE', `/api/company/delete/${companyId}`, { token: tenant.token })).status).toBe(200);
    expect(await prisma.targetAccount.count({ where: { id: account.id } })).toBe(0);
    expect(await prisma.targetAccountContact.count({ where: { target_account_id: account.id } })).toBe(0);
  });
});

describe('POST /api/target-accounts/:id/send-bulk-email', () => {
  async function seedAccountWithContacts() {
    const tenant = await seedTenant(t);
    const companyId = await company(tenant, 'Oscorp & Sons');
    const account = await createAccount(tenant, { company_id: companyId });
    const people = [
      { name: 'Norman Osborn', email: uniqueEmail('norman') },
      { name: '<script>alert(1)</script> Harry', email: uniqueEmail('harry') },
      { name: 'Otto Octavius', email: uniqueEmail('otto') },
      { name: 'No Mail', email: null },
      { name: 'Gone Away', email: uniqueEmail('gone') },
    ];
    const contacts = [];
    for (const person of people) {
      const lead = await t.database.prisma.lead.create({ data: { org_id: tenant.orgId, first_name: person.name.split(' ')[0]! } });
      const id = (await t.database.prisma.contact.create({ data: { org_id: tenant.orgId, company_id: companyId, name: person.name, email: person.email, lead_id: lead.id } })).id;
      await addContact(tenant, account.id, id);
      contacts.push({ ...person, id, leadId: lead.id });
    }
    await t.database.prisma.emailSuppression.create({ data: { org_id: tenant.orgId, email: contacts[4]!.email!.toLowerCase(), reason: 'unsubscribed' } });
    const config = await t.call('POST', '/api/mail-configurations/add', { token: tenant.token, body: { mailer: 'sandbox', from_address: 'rep@sandbox.test', password: 'unused' } });
    expect(config.status, JSON.stringify(config.body)).toBe(201);
    return { tenant, account, contacts };
  }

  const body = { subject: 'Hello {{first_name}} at {{company_name}}', body: '<p>Dear {{name}} of {{company_name}},</p><p><a href="https://example.com/case-study">Read</a></p>' };
  const outboundOf = (orgId: number) =>
    t.database.pool.query<{ id: string; payload: { to: string[]; subject: string; html: string } }>(
      `SELECT id, payload FROM outbound_messages WHERE org_id = $1 AND channel = 'mail' ORDER BY id`,
      [orgId],
    );

  it('queues one tracked email per contact with an email (pixel, click links, merge fields escaped), skipping the unsubscribed and the email-less', async () => {
    const { tenant, account, contacts } = await seedAccountWithContacts();
    const res = await t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: tenant.token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.data.queued.map((q: { contact_id: number }) => q.contact_id)).toEqual(contacts.slice(0, 3).map((c) => c.id));
    expect(res.body.data.skipped).toEqual([
      { contact_id: contacts[3]!.id, name: 'No Mail', email: null, reason: 'no_email' },
      { contact_id: contacts[4]!.id, name: 'Gone Away', email: contacts[4]!.email, reason: 'unsubscribed' },
    ]);

    const tracked = await t.database.prisma.trackedEmail.findMany({ where: { org_id: tenant.orgId }, orderBy: { id: 'asc' } });
    expect(tracked.map((e) => ({ contact: e.contact_id, lead: e.lead_id, account: e.target_account_id, source: e.source, to: e.recipient }))).toEqual(
      contacts.slice(0, 3).map((c) => ({ contact: c.id, lead: c.leadId, account: account.id, source: 'abm_bulk', to: c.email })),
    );
    const { rows: messages } = await outboundOf(tenant.orgId);
    expect(messages).toHaveLength(3);
    const base = t.deps.config.PUBLIC_BASE_URL.replace(/\/+$/, '');
    for (const [i, message] of messages.entries()) {
      expect(message.payload.to).toEqual([contacts[i]!.email]);
      expect(message.payload.html).toContain(`${base}/api/v1/track/open/`);
      expect(message.payload.html).toContain(`${base}/api/v1/track/click/`);
      expect(message.payload.html).toContain(`${base}/api/v1/track/unsubscribe/`);
      expect(message.payload.html).not.toContain('https://example.com/case-study');
      expect(message.payload.html).toContain('of Oscorp &amp; Sons,');
    }
    expect(messages[0]!.payload.subject).toBe('Hello Norman at Oscorp & Sons');
    expect(messages[0]!.payload.html).toContain('Dear Norman Osborn of Oscorp &amp; Sons,');
    // the name is text in the email, never markup
    expect(messages[1]!.payload.html).not.toContain('<script>');
    expect(messages[1]!.payload.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Harry');
  });

  it('sends nothing twice when retried with the same Idempotency-Key; another key is another batch', async () => {
    const { tenant, account } = await seedAccountWithContacts();
    const send = (key: string) =>
      t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: tenant.token, body, headers: { 'Idempotency-Key': key } });
    const first = await send('campaign-1');
    expect(first.status).toBe(202);
    const again = await send('campaign-1');
    expect(again.status).toBe(202);
    expect(again.body.data.queued).toEqual(first.body.data.queued);
    expect(again.body.data.batch_id).toBe('campaign-1');
    expect((await outboundOf(tenant.orgId)).rows).toHaveLength(3);
    expect(await t.database.prisma.trackedEmail.count({ where: { org_id: tenant.orgId } })).toBe(3);
    await send('campaign-2');
    expect((await outboundOf(tenant.orgId)).rows).toHaveLength(6);
  });

  it('sends each contact one email when two requests with the same Idempotency-Key race', async () => {
    const { tenant, account } = await seedAccountWithContacts();
    const send = () =>
      t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: tenant.token, body, headers: { 'Idempotency-Key': 'raced' } });
    const [first, second] = await Promise.all([send(), send()]);
    expect([first.status, second.status]).toEqual([202, 202]);
    const ids = (res: typeof first) => res.body.data.queued.map((q: { tracked_email_id: number; message_id: number }) => [q.tracked_email_id, q.message_id]);
    expect(ids(second)).toEqual(ids(first));
    expect((await outboundOf(tenant.orgId)).rows).toHaveLength(3);
  });

  it('emails only the chosen contacts; refuses contacts not of the account (422)', async () => {
    const { tenant, account, contacts } = await seedAccountWithContacts();
    const res = await t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: tenant.token, body: { ...body, contact_ids: [contacts[2]!.id, contacts[3]!.id] } });
    expect(res.status).toBe(202);
    expect(res.body.data.queued.map((q: { contact_id: number }) => q.contact_id)).toEqual([contacts[2]!.id]);
    expect(res.body.data.skipped.map((s: { reason: string }) => s.reason)).toEqual(['no_email']);
    const outsider = await contact(tenant, null, 'Outsider');
    const refused = await t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: tenant.token, body: { ...body, contact_ids: [outsider] } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('not_account_contacts');
    expect((await outboundOf(tenant.orgId)).rows).toHaveLength(1);
  });

  it('previews the first email and sends nothing', async () => {
    const { tenant, account, contacts } = await seedAccountWithContacts();
    const res = await t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: tenant.token, body: { ...body, mode: 'preview' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      mode: 'preview',
      preview: { contact_id: contacts[0]!.id, to: contacts[0]!.email, from: 'rep@sandbox.test', subject: 'Hello Norman at Oscorp & Sons' },
    });
    expect(res.body.data.recipients).toHaveLength(3);
    expect((await outboundOf(tenant.orgId)).rows).toHaveLength(0);
    expect(await t.database.prisma.trackedEmail.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });

  it('refuses a caller without a mail configuration (422), an oversized body or subject (422), and another organization (404)', async () => {
    const { tenant, account } = await seedAccountWithContacts();
    const rep = await tenant.addUser();
    const noMailbox = await t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: rep.token, body });
    expect(noMailbox.status).toBe(422);
    expect(noMailbox.body.error.code).toBe('mail_configuration_required');
    const send = (b: unknown) => t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: tenant.token, body: b });
    expect((await send({ ...body, subject: 'x'.repeat(999) })).status).toBe(422);
    expect((await send({ ...body, body: 'x'.repeat(100 * 1024 + 1) })).status).toBe(422);
    expect((await send({ ...body, mode: 'blast' })).status).toBe(422);
    const other = await seedTenant(t);
    expect((await t.call('POST', `/api/target-accounts/${account.id}/send-bulk-email`, { token: other.token, body })).status).toBe(404);
    expect((await outboundOf(tenant.orgId)).rows).toHaveLength(0);
  });
});

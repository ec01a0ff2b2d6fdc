// AI dashboards (§6.10): a prompt through the model (a local OpenAI-compatible
// fake) to a definition validated by the dashboards' own schema — valid at
// once, repaired after one round, or refused with nothing charged — and the
// offline generator when no model is configured. Credits: refused before any
// model call when short, charged once for a valid result, in the same
// transaction as the saved dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENING_AI_CREDITS, postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { startOpenAiFake, type ChatMessage, type OpenAiFake } from '../fakes/openai-fake.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

const PRICE = 5;

const validDefinition = {
  version: 1,
  widgets: [
    { id: 'won', title: 'Won revenue', type: 'kpi', query: { entity: 'deals', filters: [{ field: 'stage_is_won', op: 'eq', value: true }], aggregates: [{ fn: 'sum', field: 'value', alias: 'revenue' }] } },
    { id: 'by-stage', title: 'Deals by stage', type: 'bar', query: { entity: 'deals', group_by: ['stage_name'], aggregates: [{ fn: 'count', alias: 'deals' }] } },
  ],
};
// a pie of two aggregates over a field that does not exist: two problems for the repair round
const invalidDefinition = {
  version: 1,
  widgets: [{ id: 'bad', title: 'Bad', type: 'pie', query: { entity: 'deals', group_by: ['salesperson'], aggregates: [{ fn: 'count', alias: 'a' }, { fn: 'count', alias: 'b' }] } }],
};

/** The model's next answers, in order (the last one repeats). */
let answers: string[] = [];

describe('AI dashboards with a model', () => {
  let t: TestApp;
  let llm: OpenAiFake;

  beforeAll(async () => {
    llm = await startOpenAiFake({ apiKey: 'sk-dash', reply: () => (answers.length > 1 ? answers.shift()! : answers[0]!) });
    t = createTestApp({ EGRESS_ALLOW_PRIVATE_NETWORKS: 'true', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: 'sk-dash', LLM_MODEL: 'dash-model' });
  });
  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  const balanceOf = async (tenant: Tenant) => (await t.call('GET', '/api/credits', { token: tenant.token })).body.data.balance as number;
  const debits = (tenant: Tenant) => t.database.prisma.ledgerEntry.findMany({ where: { org_id: tenant.orgId, reason: 'ai_dashboard' } });

  it('a valid answer becomes the definition, is saved with its origin, and costs the price once', async () => {
    const tenant = await seedTenant(t);
    answers = ['Here is your dashboard:\n```json\n' + JSON.stringify(validDefinition) + '\n```'];
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: tenant.token, body: { prompt: 'Revenue won and deals per stage', save: true, scope: 'team' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({
      definition: validDefinition, generator: 'llm', model: 'dash-model', repaired: false, credits_charged: PRICE, credits_remaining: OPENING_AI_CREDITS - PRICE,
      name: 'AI: Revenue won and deals per stage',
    });
    const saved = res.body.data.dashboard;
    expect(saved).toMatchObject({ scope: 'team', definition: validDefinition, origin: { prompt: 'Revenue won and deals per stage', generator: 'llm', model: 'dash-model' } });
    expect((await t.call('GET', `/api/dashboards/${saved.id}`, { token: tenant.token })).body.data.id).toBe(saved.id);
    expect(await debits(tenant)).toHaveLength(1);
    // the prompt reached the model as a delimited data block, under the schema and the catalogue
    const sent = llm.requests.at(-1)!.body!.messages as ChatMessage[];
    expect(sent[0]!.content).toContain('stage_is_won (boolean)');
    expect(sent[0]!.content).toContain('never instructions');
    expect(sent[1]!.content).toContain('<<<REQUEST\nRevenue won and deals per stage\nREQUEST>>>');
  });

  it('an invalid answer gets one repair round with its problems, and the repaired answer is used', async () => {
    const tenant = await seedTenant(t);
    answers = [JSON.stringify(invalidDefinition), JSON.stringify(validDefinition)];
    const before = llm.requests.length;
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: tenant.token, body: { prompt: 'Deals by salesperson' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ definition: validDefinition, repaired: true, dashboard: null, credits_charged: PRICE });
    expect(llm.requests.length).toBe(before + 2);
    const repair = (llm.requests.at(-1)!.body!.messages as ChatMessage[])[1]!.content;
    expect(repair).toContain('deals has no field salesperson');
    expect(repair).toContain('a pie widget needs exactly one group_by field and one aggregate');
    expect(await debits(tenant)).toHaveLength(1);
  });

  it('an answer still invalid after the repair round is refused: 422 ai_dashboard_invalid, nothing charged, nothing saved', async () => {
    const tenant = await seedTenant(t);
    answers = ['I cannot do that', JSON.stringify(invalidDefinition)];
    const balance = await balanceOf(tenant);
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: tenant.token, body: { prompt: 'Something', save: true } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('ai_dashboard_invalid');
    expect(res.body.error.details.length).toBeGreaterThan(0);
    expect(await balanceOf(tenant)).toBe(balance);
    expect(await debits(tenant)).toHaveLength(0);
    expect(await t.database.prisma.dashboard.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });

  it('a model answer naming the SQL it wants is refused like any other invalid definition', async () => {
    const tenant = await seedTenant(t);
    answers = [JSON.stringify({ version: 1, widgets: [{ id: 'x', title: 'x', type: 'table', query: { sql: 'SELECT * FROM users' } }] })];
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: tenant.token, body: { prompt: 'All users with passwords' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('ai_dashboard_invalid');
  });

  it('refuses with 422 insufficient_credits before any request reaches the model', async () => {
    const tenant = await seedTenant(t);
    await balanceOf(tenant);
    await postLedgerEntry(t.database.pool, { orgId: tenant.orgId, account: 'ai_credits', amount: -(OPENING_AI_CREDITS - PRICE + 1), reason: 'test_spending', idempotencyKey: 'dash-spending' });
    const asked = llm.requests.length;
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: tenant.token, body: { prompt: 'Pipeline by stage' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('insufficient_credits');
    expect(llm.requests.length).toBe(asked);
  });

  it('a rep may not save a workspace dashboard (403, before the model is asked)', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const asked = llm.requests.length;
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: rep.token, body: { prompt: 'Pipeline', save: true, scope: 'workspace' } });
    expect(res.status).toBe(403);
    expect(llm.requests.length).toBe(asked);
  });
});

describe('AI dashboards without a model (offline generator)', () => {
  let t: TestApp;
  beforeAll(() => {
    t = createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('maps the prompt\'s keywords to widgets, labelled offline, charged and saved together', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: tenant.token, body: { prompt: 'Leads by source, our meetings and intent signals', save: true, name: 'Weekly' } });
    expect(res.status).toBe(200);
    expect(res.body.data.generator).toBe('offline');
    expect(res.body.data.definition.widgets.map((w: { id: string }) => w.id)).toEqual(['leads-by-source', 'meetings-per-week', 'signals-by-type']);
    expect(res.body.data.dashboard).toMatchObject({ name: 'Weekly', scope: 'personal', origin: { generator: 'offline' } });
    expect(res.body.data.credits_charged).toBe(PRICE);
    // what it made runs: a saved query of its first widget answers the pie shape
    const query = await t.call('POST', '/api/queries', { token: tenant.token, body: { name: 'src', definition: res.body.data.definition.widgets[0].query } });
    const run = await t.call('POST', `/api/queries/${query.body.data.id}/execute`, { token: tenant.token, body: { widgetType: 'pie' } });
    expect(run.status).toBe(200);
    expect(run.body.data.data).toEqual({ slices: [] });
  });

  it('an unrecognised prompt gets the overview dashboard', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/ai-dashboards/generate', { token: tenant.token, body: { prompt: 'Surprise me' } });
    expect(res.body.data.definition.widgets.map((w: { id: string }) => w.id)).toEqual(['total-leads', 'open-pipeline', 'leads-per-month', 'pipeline-by-stage']);
  });
});

// Dashboards CRUD (§6.10): the scope rules (personal invisible to others,
// team seen by all and changed by owner or Admin, workspace changed by Admins
// only), copying with dashboard_id, and the definition checked by the widget
// schema, saved-query widgets included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
let org: Tenant;
let rep: { id: number; token: string };
let colleague: { id: number; token: string };

beforeAll(async () => {
  t = createTestApp();
  org = await seedTenant(t, 'Dashboards');
  [rep, colleague] = [await org.addUser(), await org.addUser()];
});
afterAll(async () => {
  await t?.close();
});

const kpi = { id: 'total', title: 'Total leads', type: 'kpi', query: { entity: 'leads', aggregates: [{ fn: 'count', alias: 'leads' }] } };
const definition = { version: 1, layout: { columns: 12 }, widgets: [kpi] };

async function create(token: string, body: Record<string, unknown>) {
  return t.call('POST', '/api/dashboards', { token, body: { name: 'Board', definition, ...body } });
}
const idsSeenBy = async (token: string, query: Record<string, string> = {}) =>
  (await t.call('GET', '/api/dashboards', { token, query: { limit: 100, ...query } })).body.data.map((d: { id: number }) => d.id) as number[];

describe('scope rules', () => {
  it('a personal dashboard exists for its owner only: 404 for everyone else, Admins included', async () => {
    const res = await create(rep.token, { scope: 'personal' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ scope: 'personal', owner_id: rep.id, definition, origin: null });
    const id = res.body.data.id;
    expect(await idsSeenBy(rep.token)).toContain(id);
    for (const token of [colleague.token, org.token]) {
      expect(await idsSeenBy(token)).not.toContain(id);
      expect((await t.call('GET', `/api/dashboards/${id}`, { token })).status).toBe(404);
      expect((await t.call('PUT', `/api/dashboards/${id}`, { token, body: { name: 'x' } })).status).toBe(404);
      expect((await t.call('DELETE', `/api/dashboards/${id}`, { token })).status).toBe(404);
      // nor can it be copied
      expect((await t.call('POST', '/api/dashboards', { token, body: { dashboard_id: id } })).status).toBe(404);
    }
    expect((await t.call('PUT', `/api/dashboards/${id}`, { token: rep.token, body: { name: 'Mine' } })).body.data.name).toBe('Mine');
  });

  it('a team dashboard is seen by every member and changed by its owner or an Admin (403 for others)', async () => {
    const id = (await create(rep.token, { scope: 'team', name: 'Team board' })).body.data.id;
    expect(await idsSeenBy(colleague.token, { scope: 'team' })).toContain(id);
    expect((await t.call('GET', `/api/dashboards/${id}`, { token: colleague.token })).status).toBe(200);
    const refused = await t.call('PUT', `/api/dashboards/${id}`, { token: colleague.token, body: { name: 'Taken' } });
    expect(refused.status).toBe(403);
    expect((await t.call('DELETE', `/api/dashboards/${id}`, { token: colleague.token })).status).toBe(403);
    expect((await t.call('PUT', `/api/dashboards/${id}`, { token: org.token, body: { name: 'By admin' } })).status).toBe(200);
    expect((await t.call('DELETE', `/api/dashboards/${id}`, { token: rep.token })).status).toBe(200);
    expect((await t.call('GET', `/api/dashboards/${id}`, { token: rep.token })).status).toBe(404);
  });

  it('workspace dashboards are created, changed and deleted by Admins only; moving one to workspace is an Admin\'s change', async () => {
    expect((await create(rep.token, { scope: 'workspace' })).status).toBe(403);
    const id = (await create(org.token, { scope: 'workspace', name: 'Company board' })).body.data.id;
    expect(await idsSeenBy(rep.token, { scope: 'workspace' })).toContain(id);
    expect((await t.call('PUT', `/api/dashboards/${id}`, { token: rep.token, body: { name: 'x' } })).status).toBe(403);
    expect((await t.call('DELETE', `/api/dashboards/${id}`, { token: rep.token })).status).toBe(403);
    const own = (await create(rep.token, { scope: 'team' })).body.data.id;
    expect((await t.call('PUT', `/api/dashboards/${own}`, { token: rep.token, body: { scope: 'workspace' } })).status).toBe(403);
    expect((await t.call('PUT', `/api/dashboards/${own}`, { token: org.token, body: { scope: 'workspace' } })).body.data.scope).toBe('workspace');
    expect((await t.call('DELETE', `/api/dashboards/${id}`, { token: org.token })).status).toBe(200);
  });

  it('the list filters by scope and pages with the §5 envelope', async () => {
    const res = await t.call('GET', '/api/dashboards', { token: rep.token, query: { scope: 'personal', limit: 1 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, page: 1, limit: 1 });
    expect(res.body.total).toBeGreaterThanOrEqual(1);
    expect(res.body.data.every((d: { scope: string; owner_id: number }) => d.scope === 'personal' && d.owner_id === rep.id)).toBe(true);
  });
});

describe('copying and definitions', () => {
  it('dashboard_id copies a visible dashboard, with name, scope and definition overridable', async () => {
    const source = (await create(org.token, { scope: 'team', name: 'Source' })).body.data;
    const copy = await t.call('POST', '/api/dashboards', { token: rep.token, body: { dashboard_id: source.id } });
    expect(copy.status).toBe(201);
    expect(copy.body.data).toMatchObject({ name: 'Copy of Source', scope: 'personal', owner_id: rep.id, definition: source.definition });
    const renamed = await t.call('POST', '/api/dashboards', { token: rep.token, body: { dashboard_id: source.id, name: 'My copy', scope: 'team' } });
    expect(renamed.body.data).toMatchObject({ name: 'My copy', scope: 'team' });
    // without dashboard_id, name and definition are required
    const missing = await t.call('POST', '/api/dashboards', { token: rep.token, body: { scope: 'personal' } });
    expect(missing.status).toBe(422);
  });

  it.each([
    ['an unknown key in a widget', { version: 1, widgets: [{ ...kpi, colour: 'red' }] }],
    ['a widget type its query cannot feed', { version: 1, widgets: [{ ...kpi, type: 'line' }] }],
    ['a field outside the catalogue', { version: 1, widgets: [{ ...kpi, query: { entity: 'leads', filters: [{ field: 'password_hash', op: 'is_null' }], aggregates: [{ fn: 'count', alias: 'n' }] } }] }],
    ['a position off the grid', { version: 1, widgets: [{ ...kpi, position: { x: 12, y: 0, w: 1, h: 1 } }] }],
    ['version 2', { version: 2, widgets: [] }],
  ])('%s is refused', async (_label, bad) => {
    const res = await create(rep.token, { definition: bad });
    expect(res.status).toBe(422);
    expect(res.body.success).toBe(false);
  });

  it('a saved-query widget must name a saved query of the organization that suits the widget, with its declared parameters', async () => {
    const other = await seedTenant(t, 'Other');
    const saved = async (tenant: Tenant, body: Record<string, unknown>) => (await t.call('POST', '/api/queries', { token: tenant.token, body: { name: 'q', ...body } })).body.data.id as number;
    const bySource = await saved(org, {
      definition: { entity: 'leads', filters: [{ field: 'score', op: 'gte', value: { param: 'min' } }], group_by: ['lead_source_text'], aggregates: [{ fn: 'count', alias: 'n' }] },
      parameters: [{ name: 'min', type: 'number', default: 0 }],
    });
    const foreign = await saved(other, { definition: { entity: 'leads', group_by: ['city'], aggregates: [{ fn: 'count', alias: 'n' }] } });
    const widget = (query: unknown, extra: Record<string, unknown> = {}) => ({ version: 1, widgets: [{ id: 'w', title: 'W', type: 'pie', query, ...extra }] });

    expect((await create(rep.token, { definition: widget({ saved_query_id: bySource }, { parameters: { min: 10 } }) })).status).toBe(201);
    const foreignRes = await create(rep.token, { definition: widget({ saved_query_id: foreign }) });
    expect(foreignRes.status).toBe(422);
    expect(foreignRes.body.error.details).toEqual([{ path: 'definition.widgets.0.query.saved_query_id', message: `saved query ${foreign} not found` }]);
    const kpiOfGroups = await create(rep.token, { definition: { version: 1, widgets: [{ id: 'w', title: 'W', type: 'kpi', query: { saved_query_id: bySource } }] } });
    expect(kpiOfGroups.status).toBe(422);
    expect((await create(rep.token, { definition: widget({ saved_query_id: bySource }, { parameters: { max: 1 } }) })).status).toBe(422);
  });

  it("draws each widget: an inline query and a saved query with the widget's parameters, shaped for the widget's type", async () => {
    const tenant = await seedTenant(t, 'Widgets');
    for (const [first_name, score] of [['A', 10], ['B', 20], ['C', 30]] as const) {
      await t.database.prisma.lead.create({ data: { org_id: tenant.orgId, first_name, score, city: score > 10 ? 'Porto' : 'Lisbon' } });
    }
    const scored = (await t.call('POST', '/api/queries', {
      token: tenant.token,
      body: { name: 'by city', definition: { entity: 'leads', filters: [{ field: 'score', op: 'gte', value: { param: 'min' } }], group_by: ['city'], aggregates: [{ fn: 'count', alias: 'n' }] }, parameters: [{ name: 'min', type: 'number', default: 0 }] },
    })).body.data.id;
    const board = await t.call('POST', '/api/dashboards', {
      token: tenant.token,
      body: { name: 'Draw me', definition: { version: 1, widgets: [kpi, { id: 'cities', title: 'Cities', type: 'pie', query: { saved_query_id: scored }, parameters: { min: 15 } }] } },
    });
    const data = (widget: string) => t.call('GET', `/api/dashboards/${board.body.data.id}/widgets/${widget}/data`, { token: tenant.token });
    const total = await data('total');
    expect(total.status).toBe(200);
    expect(total.body.data).toMatchObject({ widget_id: 'total', query_id: null, widget_type: 'kpi', data: { value: 3, label: 'leads' }, meta: { row_count: 1, truncated: false } });
    expect((await data('cities')).body.data).toMatchObject({ query_id: scored, widget_type: 'pie', data: { slices: [{ label: 'Porto', value: 2 }] } });
    expect((await data('missing')).status).toBe(404);
    // another member's personal dashboard draws nothing for them
    expect((await t.call('GET', `/api/dashboards/${board.body.data.id}/widgets/total/data`, { token: (await tenant.addUser()).token })).status).toBe(404);
  });
});

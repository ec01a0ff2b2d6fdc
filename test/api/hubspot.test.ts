// §6.14 HubSpot: connecting (beyond the spec), the providers list, HubSpot's
// properties read live from a fake HubSpot, and starting an import (its
// validation and its status). The import itself runs in
// test/workflow/hubspot-import.test.ts; the egress refusals (SSRF) in
// test/security/egress.test.ts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startFakeHubspot, type FakeHubspot } from '../helpers/fake-hubspot.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555556789';

let t: TestApp;
let hubspot: FakeHubspot;

beforeAll(async () => {
  // the fake listens on loopback: this app opts in to private destinations, and lets a connection choose its base path
  t = createTestApp({ EGRESS_ALLOW_PRIVATE_NETWORKS: 'true', HUBSPOT_ALLOW_TENANT_BASE_PATH: 'true' });
  hubspot = await startFakeHubspot({ token: TOKEN });
  const property = (name: string, label: string) => ({ name, label, type: 'string', fieldType: 'text', groupName: 'contactinformation' });
  hubspot.properties.contacts.push(
    property('firstname', 'First Name'),
    property('email', 'Email'),
    property('favorite_color', 'Favorite color'),
    { ...property('hs_object_id', 'Record ID'), readOnly: true },
  );
  hubspot.properties.companies.push(property('name', 'Name'), property('domain', 'Company domain'), property('hs_pipeline', 'Pipeline'));
});
afterAll(async () => {
  await hubspot?.close();
  await t?.close();
});

const connect = (tenant: Tenant, body: Record<string, unknown> = { access_token: TOKEN, base_path: hubspot.url }) =>
  t.call('POST', '/api/connected-apps/hubspot/connect', { token: tenant.token, body });

describe('connecting HubSpot and listing providers', () => {
  it('stores the token without ever showing it, and lists every provider per organization', async () => {
    const [a, b] = await seedTwoTenants(t);
    const connected = await connect(a);
    expect(connected.status).toBe(200);
    expect(connected.body.data).toMatchObject({ provider: 'hubspot', connected: true, token_hint: '••••6789', base_path: hubspot.url, connected_by: a.adminId });
    expect(JSON.stringify(connected.body)).not.toContain(TOKEN.slice(0, 20));

    const list = await t.call('GET', '/api/connected-apps/list', { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(5);
    expect(list.body.data.map((p: { provider: string; connected: boolean }) => [p.provider, p.connected])).toEqual([
      ['hubspot', true],
      ['slack', false],
      ['teams', false],
      ['google', false],
      ['twilio', false],
    ]);
    expect(JSON.stringify(list.body)).not.toContain(TOKEN.slice(0, 20));
    // stored sealed: the token is nowhere in the row
    const stored = await t.database.pool.query<{ row: string }>(`SELECT row_to_json(c)::text AS row FROM connected_apps c WHERE org_id = $1`, [a.orgId]);
    expect(stored.rows[0]!.row).not.toContain(TOKEN.slice(-12));
    const other = await t.call('GET', '/api/v1/connected-apps/list', { token: b.token });
    expect(other.body.data.find((p: { provider: string }) => p.provider === 'hubspot').connected).toBe(false);
  });

  it('replaces the connection on reconnect and forgets it on disconnect (twice is harmless)', async () => {
    const a = await seedTenant(t);
    await connect(a, { access_token: 'pat-old-0000' });
    const again = await connect(a, { access_token: 'pat-new-1234' });
    expect(again.body.data).toMatchObject({ connected: true, token_hint: '••••1234', base_path: null });
    expect(await t.database.prisma.connectedApp.count({ where: { org_id: a.orgId } })).toBe(1);
    for (let i = 0; i < 2; i++) {
      const gone = await t.call('POST', '/api/connected-apps/hubspot/disconnect', { token: a.token });
      expect(gone.status).toBe(200);
      expect(gone.body.data).toMatchObject({ provider: 'hubspot', connected: false, token_hint: null });
    }
    const properties = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    expect(properties.status).toBe(422);
    expect(properties.body.error.code).toBe('hubspot_not_connected');
  });

  it('lets only admins connect or disconnect (403), while any member sees the list', async () => {
    const a = await seedTenant(t);
    await connect(a);
    const rep = await a.addUser('Sales Rep');
    const refused = await t.call('POST', '/api/connected-apps/hubspot/connect', { token: rep.token, body: { access_token: 'pat-rep-0000' } });
    expect(refused.status).toBe(403);
    expect((await t.call('POST', '/api/connected-apps/hubspot/disconnect', { token: rep.token })).status).toBe(403);
    const list = await t.call('GET', '/api/connected-apps/list', { token: rep.token });
    expect(list.body.data[0]).toMatchObject({ provider: 'hubspot', connected: true, token_hint: '••••6789' });
  });

  it('rejects a missing token (400) and a base path that is not an http(s) URL, or carries credentials, a query or a fragment (422)', async () => {
    const a = await seedTenant(t);
    expect((await connect(a, {})).status).toBe(400);
    for (const base_path of ['ftp://hubspot.example', 'not a url', 'https://user:pw@hubspot.example', `${hubspot.url}/?x=1`, `${hubspot.url}/#`, `${hubspot.url}#/crm`]) {
      const res = await connect(a, { access_token: TOKEN, base_path });
      expect(res.status, base_path).toBe(422);
      expect(res.body.error.details[0].path).toBe('base_path');
    }
    expect(await t.database.prisma.connectedApp.count({ where: { org_id: a.orgId } })).toBe(0);
  });

  it('stores a base path normalised (no trailing slash), and pages the provider list (§5 page and limit)', async () => {
    const a = await seedTenant(t);
    const connected = await connect(a, { access_token: TOKEN, base_path: `${hubspot.url}///` });
    expect(connected.body.data.base_path).toBe(hubspot.url);
    const second = await t.call('GET', '/api/connected-apps/list', { token: a.token, query: { limit: 1, page: 2 } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ total: 5, page: 2, limit: 1 });
    expect(second.body.data.map((p: { provider: string }) => p.provider)).toEqual(['slack']);
    const beyond = await t.call('GET', '/api/connected-apps/list', { token: a.token, query: { limit: 3, page: 2 } });
    expect(beyond.body.data.map((p: { provider: string }) => p.provider)).toEqual(['google', 'twilio']);
    expect((await t.call('GET', '/api/connected-apps/list', { token: a.token, query: { page: 0 } })).status).toBe(422);
  });
});

describe('GET /api/connected-apps/hubspot/properties', () => {
  it('answers 422 with a clear message when HubSpot is not connected', async () => {
    const a = await seedTenant(t);
    const res = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ type: 'validation_error', code: 'hubspot_not_connected' });
    expect(res.body.error.message).toContain('HubSpot is not connected');
  });

  it('reads the commonly mapped properties live (all=0), every property with all=1, and the mapping targets', async () => {
    const a = await seedTenant(t);
    await connect(a);
    const common = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token, query: { all: 0 } });
    expect(common.status).toBe(200);
    expect(common.body.data.contacts.map((p: { name: string }) => p.name)).toEqual(['firstname', 'email']);
    expect(common.body.data.companies.map((p: { name: string }) => p.name)).toEqual(['name', 'domain']);
    expect(common.body.data.contacts[0]).toEqual({
      name: 'firstname', label: 'First Name', type: 'string', field_type: 'text', group_name: 'contactinformation', description: '', modifiable: true,
    });
    expect(common.body.data.mapping_targets.lead).toContain('job_title');
    expect(common.body.data.mapping_targets.company).toContain('company_name');
    expect(common.body.data.default_mapping.lead).toMatchObject({ firstname: 'first_name', phone: 'phone_number' });
    expect(common.body.data.default_mapping.company).toMatchObject({ name: 'company_name', domain: 'website' });

    const all = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token, query: { all: 1 } });
    expect(all.body.data.contacts.map((p: { name: string }) => p.name)).toEqual(['firstname', 'email', 'favorite_color', 'hs_object_id']);
    expect(all.body.data.contacts.find((p: { name: string }) => p.name === 'hs_object_id').modifiable).toBe(false);
    expect(all.body.data.companies).toHaveLength(3);
    expect((await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token, query: { all: 2 } })).status).toBe(422);
  });

  it('retries a transient HubSpot failure, and answers 422 when HubSpot refuses the token', async () => {
    const a = await seedTenant(t);
    await connect(a);
    hubspot.failNext(1, 502);
    const retried = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    expect(retried.status).toBe(200);
    expect(hubspot.requests.some((r) => r.status === 502)).toBe(true);

    await connect(a, { access_token: 'pat-wrong-0000', base_path: hubspot.url });
    const refused = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('hubspot_token_rejected');
  });

  it("answers 502 with the envelope, and none of the answer's body, when HubSpot keeps failing, is not HubSpot or is not there", async () => {
    const a = await seedTenant(t);
    await connect(a);
    hubspot.failNext(6, 502);
    const failing = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    expect(failing.status).toBe(502);
    expect(failing.body).toEqual({ success: false, error: { type: 'bad_gateway', code: 'hubspot_unavailable', message: 'HubSpot answered HTTP 502' } });

    // a base path under which nothing answers HubSpot's API: the fake's 404 body (with its own message) is not passed on
    await connect(a, { access_token: TOKEN, base_path: `${hubspot.url}/elsewhere` });
    const notHubspot = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    expect(notHubspot.status).toBe(502);
    expect(notHubspot.body.error).toMatchObject({ type: 'bad_gateway', code: 'hubspot_unavailable', message: 'HubSpot answered HTTP 404' });
    expect(JSON.stringify(notHubspot.body)).not.toContain('No route');

    // a port nobody listens on (a server that answered and is now closed)
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await connect(a, { access_token: TOKEN, base_path: `http://127.0.0.1:${port}` });
    const unreachable = await t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.error).toMatchObject({ type: 'bad_gateway', code: 'hubspot_unavailable' });
    expect(unreachable.body.error.message).toMatch(/^HubSpot could not be reached/);
  });

  it('holds no database connection while it waits on HubSpot (issue 8 §5)', async () => {
    const a = await seedTenant(t);
    await connect(a);
    const { pool } = t.database;
    const held = hubspot.hold((r) => r.path === '/crm/v3/properties/contacts');
    const request = t.call('GET', '/api/connected-apps/hubspot/properties', { token: a.token });
    await held.reached;
    // the request is inside its HubSpot call now: every client of the pool is back in it
    expect(pool.totalCount - pool.idleCount).toBe(0);
    held.release();
    expect((await request).status).toBe(200);
  });
});

describe('POST /api/connected-apps/hubspot/import', () => {
  it('answers 202 at once with a queued hubspot_import job carrying the default mapping', async () => {
    const a = await seedTenant(t);
    await connect(a);
    const res = await t.call('POST', '/api/connected-apps/hubspot/import', { token: a.token, body: {} });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ type: 'hubspot_import', status: 'queued', workflow_id: `hubspot_import:${a.orgPublicId}:${res.body.data.id}` });
    expect(res.body.data.params).toMatchObject({
      mapping: { lead: { firstname: 'first_name', email: 'email', jobtitle: 'job_title' }, company: { name: 'company_name', domain: 'website' } },
      from: null,
      to: null,
      limit: null,
    });
    const outbox = await t.database.pool.query(`SELECT payload FROM outbox_events WHERE org_id = $1 AND kind = 'job.start'`, [a.orgId]);
    expect(outbox.rows.map((r) => r.payload)).toEqual([{ jobId: res.body.data.id, type: 'hubspot_import' }]);
  });

  it('keeps a given mapping, turns from/to into inclusive instants (a date-only `to` covers its day) and keeps the limit', async () => {
    const a = await seedTenant(t);
    await connect(a);
    const res = await t.call('POST', '/api/connected-apps/hubspot/import', {
      token: a.token,
      body: { mapping: { lead: { email: 'email', hs_title: 'job_title' }, company: {} }, from: '2026-01-01', to: '2026-01-31', limit: 250 },
    });
    expect(res.status).toBe(202);
    expect(res.body.data.params).toEqual({
      mapping: { lead: { email: 'email', hs_title: 'job_title' }, company: {} },
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-31T23:59:59.999Z',
      limit: 250,
    });
  });

  it('rejects unknown or doubly mapped targets, a company mapping without company_name, and to before from (422)', async () => {
    const a = await seedTenant(t);
    await connect(a);
    const start = (body: unknown) => t.call('POST', '/api/connected-apps/hubspot/import', { token: a.token, body });
    const unknownLead = await start({ mapping: { lead: { email: 'email', favorite_color: 'favourite_colour' } } });
    expect(unknownLead.status).toBe(422);
    expect(unknownLead.body.error.details[0].path).toBe('mapping.lead.favorite_color');
    expect((await start({ mapping: { lead: { email: 'status' } } })).status).toBe(422);
    expect((await start({ mapping: { company: { name: 'company_name', employees: 'employee_size' } } })).status).toBe(422);
    const twice = await start({ mapping: { lead: { email: 'email', work_email: 'email' } } });
    expect(twice.status).toBe(422);
    expect(twice.body.error.message).toContain('email is already mapped from email');
    expect((await start({ mapping: { company: { domain: 'website' } } })).body.error.message).toContain('company_name');
    expect((await start({ mapping: { lead: {} } })).status).toBe(422);
    expect((await start({ from: '2026-02-01', to: '2026-01-01' })).status).toBe(422);
    expect((await start({ from: 'yesterday' })).status).toBe(422);
    expect((await start({ limit: 0 })).status).toBe(422);
    expect(await t.database.prisma.job.count({ where: { org_id: a.orgId } })).toBe(0);
  });

  it('refuses to start without a HubSpot connection (422, no job)', async () => {
    const a = await seedTenant(t);
    const res = await t.call('POST', '/api/connected-apps/hubspot/import', { token: a.token, body: {} });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('hubspot_not_connected');
    expect(await t.database.prisma.job.count({ where: { org_id: a.orgId } })).toBe(0);
  });
});

describe('GET /api/connected-apps/hubspot/import/{id}/status', () => {
  it('shows the organization its HubSpot import; another organization, or another job type, is a 404', async () => {
    const [a, b] = await seedTwoTenants(t);
    await connect(a);
    const started = await t.call('POST', '/api/connected-apps/hubspot/import', { token: a.token, body: { limit: 10 } });
    const id = started.body.data.id;
    const status = await t.call('GET', `/api/connected-apps/hubspot/import/${id}/status`, { token: a.token });
    expect(status.status).toBe(200);
    expect(status.body.data).toMatchObject({ id, type: 'hubspot_import', status: 'queued', progress: { processed: 0, created: 0 } });
    expect((await t.call('GET', `/api/v1/connected-apps/hubspot/import/${id}/status`, { token: b.token })).status).toBe(404);
    const otherType = await t.database.prisma.job.create({ data: { org_id: a.orgId, type: 'export', workflow_id: `export:${a.orgId}:x` } });
    expect((await t.call('GET', `/api/connected-apps/hubspot/import/${otherType.id}/status`, { token: a.token })).status).toBe(404);
  });
});

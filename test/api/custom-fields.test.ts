import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const newLead = async (tenant: Tenant, custom_fields: Record<string, unknown> = {}) =>
  (
    await createLead(t.database,
      { orgId: tenant.orgId, userId: tenant.adminId },
      { first_name: 'Jane', last_name: 'Doe', custom_fields },
    )
  ).lead;

const setField = (tenant: Tenant, body: Record<string, unknown>) => t.call('POST', '/api/lead/custom-field', { token: tenant.token, body });

const storedCustomFields = async (leadId: number) =>
  (await t.database.prisma.lead.findUniqueOrThrow({ where: { id: leadId } })).custom_fields;

describe('POST /api/lead/custom-field', () => {
  it("defines the field and merges the value into the lead's custom fields", async () => {
    const tenant = await seedTenant(t);
    const lead = await newLead(tenant, { region: 'EMEA' });
    const res = await setField(tenant, { lead_id: lead.id, field_name: 'Contract type', field_value: 'annual' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      data: {
        module_name: 'lead',
        field_name: 'Contract type',
        field_type: 'text',
        lead_id: lead.id,
        field_value: 'annual',
        custom_fields: { region: 'EMEA', 'Contract type': 'annual' },
      },
    });
    expect(typeof res.body.data.id).toBe('number');
    expect(await storedCustomFields(lead.id)).toEqual({ region: 'EMEA', 'Contract type': 'annual' });
  });

  it('reuses an existing definition and overwrites only that key', async () => {
    const tenant = await seedTenant(t);
    const [first, second] = [await newLead(tenant), await newLead(tenant)];
    const defined = await setField(tenant, { lead_id: first.id, field_name: 'seats', field_value: 10 });
    const again = await setField(tenant, { lead_id: second.id, field_name: 'seats', field_value: 25 });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(defined.body.data.id);
    const changed = await setField(tenant, { lead_id: first.id, field_name: 'seats', field_value: false });
    expect(changed.body.data.field_value).toBe(false);
    expect(await storedCustomFields(first.id)).toEqual({ seats: false });
    expect(await storedCustomFields(second.id)).toEqual({ seats: 25 });
    expect(await t.database.prisma.customFieldDefinition.count({ where: { org_id: tenant.orgId } })).toBe(1);
  });

  it('without field_value keeps the current value, or stores null when the lead has none', async () => {
    const tenant = await seedTenant(t);
    const lead = await newLead(tenant, { tier: 'gold' });
    expect((await setField(tenant, { lead_id: lead.id, field_name: 'tier' })).body.data.field_value).toBe('gold');
    const fresh = await setField(tenant, { lead_id: lead.id, field_name: 'renewal_month' });
    expect(fresh.body.data.field_value).toBeNull();
    expect(await storedCustomFields(lead.id)).toEqual({ tier: 'gold', renewal_month: null });
  });

  it("answers 404 for another organization's lead, changing nothing and defining nothing", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await newLead(a, { tier: 'gold' });
    const res = await setField(b, { lead_id: lead.id, field_name: 'tier', field_value: 'hacked' });
    expect(res.status).toBe(404);
    expect(await storedCustomFields(lead.id)).toEqual({ tier: 'gold' });
    expect(await t.database.prisma.customFieldDefinition.count({ where: { org_id: b.orgId } })).toBe(0);
  });

  it('answers 400 for missing required parameters and 422 for invalid names and values', async () => {
    const tenant = await seedTenant(t);
    const lead = await newLead(tenant);
    expect((await setField(tenant, { field_name: 'x' })).status).toBe(400);
    expect((await setField(tenant, { lead_id: lead.id })).status).toBe(400);
    for (const field_name of ['', 'a'.repeat(65), 'price-$', 'drop;table']) {
      expect((await setField(tenant, { lead_id: lead.id, field_name })).status).toBe(422);
    }
    expect((await setField(tenant, { lead_id: lead.id, field_name: 'x', field_value: { nested: true } })).status).toBe(422);
    expect((await setField(tenant, { lead_id: 'one', field_name: 'x' })).status).toBe(422);
    expect(await t.database.prisma.customFieldDefinition.count({ where: { org_id: tenant.orgId } })).toBe(0);
  });

  it('answers 401 without a valid token', async () => {
    expect((await t.call('POST', '/api/lead/custom-field', { body: { lead_id: 1, field_name: 'x' } })).status).toBe(401);
    expect((await t.call('POST', '/api/lead/custom-field', { token: 'bad', body: { lead_id: 1, field_name: 'x' } })).status).toBe(401);
  });
});

describe('GET /api/lead/custom-field/list', () => {
  it("lists the organization's lead definitions by default, and another module's on request", async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await newLead(a);
    await setField(a, { lead_id: lead.id, field_name: 'seats', field_value: 3 });
    await setField(a, { lead_id: lead.id, field_name: 'budget', field_value: 1000 });
    await t.database.prisma.customFieldDefinition.create({ data: { org_id: a.orgId, module_name: 'company', field_name: 'hq' } });

    const leadFields = await t.call('GET', '/api/lead/custom-field/list', {
      token: a.token,
      query: { order_by: 'field_name', order_in: 'asc' },
    });
    expect(leadFields.status).toBe(200);
    expect(leadFields.body).toMatchObject({ success: true, total: 2, page: 1, limit: 10 });
    expect(leadFields.body.data.map((d: { field_name: string }) => d.field_name)).toEqual(['budget', 'seats']);

    const company = await t.call('GET', '/api/lead/custom-field/list', { token: a.token, query: { module_name: 'company' } });
    expect(company.body.data).toEqual([expect.objectContaining({ module_name: 'company', field_name: 'hq' })]);

    const searched = await t.call('GET', '/api/lead/custom-field/list', { token: a.token, query: { search_value: 'BUD' } });
    expect(searched.body.data.map((d: { field_name: string }) => d.field_name)).toEqual(['budget']);

    expect((await t.call('GET', '/api/lead/custom-field/list', { token: b.token })).body.total).toBe(0);
  });

  it('answers 422 for invalid parameters and 401 without a token', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/lead/custom-field/list', { token: tenant.token, query: { order_by: 'org_id' } })).status).toBe(422);
    expect((await t.call('GET', '/api/lead/custom-field/list', { token: tenant.token, query: { page: 0 } })).status).toBe(422);
    expect((await t.call('GET', '/api/lead/custom-field/list')).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../domain/identity/auth.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, uniqueEmail, type Tenant } from '../helpers/tenants.js';
import { statementStamps } from '../helpers/statement-stamp.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const leadsOf = (orgId: number) => t.database.prisma.lead.findMany({ where: { org_id: orgId }, orderBy: { id: 'asc' } });

async function keyed(tenant?: Tenant) {
  const owner = tenant ?? (await seedTenant(t));
  return { tenant: owner, key: await owner.apiKey() };
}

describe('POST /api/v1/lead (§8.1)', () => {
  it('creates a lead in the key’s organization and answers like the §8.1 sample', async () => {
    const { tenant, key } = await keyed();
    const email = uniqueEmail('jane');
    const res = await t.call('POST', '/api/v1/lead', {
      apiKey: key,
      body: { email, first_name: 'Jane', company: 'Acme Corp', lead_source: 1 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      message: 'Lead created successfully',
      data: { email, first_name: 'Jane', company: 'Acme Corp', status: 1, priority: 2, score: 0, lead_source: 1, lead_source_text: 'Website' },
    });
    expect(typeof res.body.data.id).toBe('number');
    expect(Date.parse(res.body.data.created_at)).not.toBeNaN();
    expect(res.body.data).not.toHaveProperty('org_id');
    const [row] = await leadsOf(tenant.orgId);
    expect(row).toMatchObject({ id: res.body.data.id, email, created_by: null, status: 1, priority: 2 });
  });

  it('is served under /api as well', async () => {
    const { key } = await keyed();
    expect((await t.call('POST', '/api/lead', { apiKey: key, body: { phone_number: '+1 555 0100' } })).status).toBe(201);
  });

  it('answers 401 without an API key or token', async () => {
    const res = await t.call('POST', '/api/v1/lead', { body: { email: uniqueEmail() } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: { type: 'unauthorized' } });
    expect((await t.call('POST', '/api/v1/lead', { token: 'not-a-token', body: { email: uniqueEmail() } })).status).toBe(401);
  });

  it('answers 403 for an unknown, revoked or expired key', async () => {
    const tenant = await seedTenant(t);
    const revoked = await tenant.apiKey();
    const row = await t.database.prisma.apiKey.findFirstOrThrow({ where: { org_id: tenant.orgId }, orderBy: { id: 'desc' } });
    await revokeApiKey(t.database, tenant.orgId, row.id);
    const expired = await tenant.apiKey({ expiresAt: new Date(Date.now() - 1000) });
    for (const key of ['lio_unknown_key_000000000000', revoked, expired]) {
      const res = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail() } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('invalid_api_key');
    }
    expect(await leadsOf(tenant.orgId)).toHaveLength(0);
  });

  it('answers 403 for a key of a deactivated organization', async () => {
    const { tenant, key } = await keyed();
    await t.database.prisma.organization.update({ where: { id: tenant.orgId }, data: { is_active: false } });
    const res = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail() } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('invalid_api_key');
  });

  it('enforces the key’s IP allow-list (client IP from X-Forwarded-For behind a trusted proxy)', async () => {
    const proxied = createTestApp({ TRUST_PROXY: 'true' });
    try {
      const tenant = await seedTenant(proxied);
      const key = await tenant.apiKey({ allowedIps: ['203.0.113.7'] });
      const from = (ip: string) =>
        proxied.call('POST', '/api/v1/lead', { apiKey: key, headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` }, body: { email: uniqueEmail() } });
      const denied = await from('198.51.100.9');
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('ip_not_allowed');
      expect((await from('203.0.113.7')).status).toBe(201);
    } finally {
      await proxied.close();
    }
  });

  it('enforces the key’s domain allow-list on the Origin header', async () => {
    const tenant = await seedTenant(t);
    const key = await tenant.apiKey({ allowedDomains: ['example.com'] });
    const from = (origin?: string) =>
      t.call('POST', '/api/v1/lead', { apiKey: key, headers: origin ? { origin } : {}, body: { email: uniqueEmail() } });
    for (const origin of ['https://evil.test', 'https://notexample.com', undefined]) {
      const res = await from(origin);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('domain_not_allowed');
    }
    expect((await from('https://example.com')).status).toBe(201);
    expect((await from('https://forms.example.com')).status).toBe(201);
  });

  it('requires at least one of email, phone_number, linkedin_url (422)', async () => {
    const { key } = await keyed();
    for (const body of [{ first_name: 'Nobody' }, {}, { email: null, linkedin_url: null, company: 'Acme' }]) {
      const res = await t.call('POST', '/api/v1/lead', { apiKey: key, body });
      expect(res.status).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
      expect(res.body.error.message).toContain('email, phone_number, linkedin_url');
    }
  });

  it('rejects invalid values with 422 and malformed JSON with 400', async () => {
    const { key } = await keyed();
    const invalid = [
      { email: 'not-an-email' },
      { email: uniqueEmail(), status: 99 },
      { email: uniqueEmail(), priority: 'high' },
      { email: uniqueEmail(), tags: 'vip' },
      { email: uniqueEmail(), custom_fields: ['x'] },
      { email: uniqueEmail(), duplicate: 1, merge: 1 },
    ];
    for (const body of invalid) {
      const res = await t.call('POST', '/api/v1/lead', { apiKey: key, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect((await t.call('POST', '/api/v1/lead', { apiKey: key, body: '{"email":' })).status).toBe(400);
  });

  it('answers 409 duplicate_lead for the same email in any letter case', async () => {
    const { tenant, key } = await keyed();
    const email = uniqueEmail('dup');
    const first = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email } });
    const again = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: `  ${email.toUpperCase()} ` } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ type: 'conflict', code: 'duplicate_lead', existing_id: first.body.data.id });
    expect(await leadsOf(tenant.orgId)).toHaveLength(1);
  });

  it('answers 409 for the same LinkedIn profile spelled differently', async () => {
    const { key } = await keyed();
    const handle = `jane-doe-${Date.now()}`;
    expect((await t.call('POST', '/api/v1/lead', { apiKey: key, body: { linkedin_url: `https://linkedin.com/in/${handle}` } })).status).toBe(201);
    for (const spelling of [`https://www.LinkedIn.com/in/${handle.toUpperCase()}/`, `linkedin.com/in/${handle}?utm_source=x`]) {
      const res = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { linkedin_url: spelling } });
      expect(res.status, spelling).toBe(409);
      expect(res.body.error.code).toBe('duplicate_lead');
    }
  });

  it('does not treat another organization’s lead as a duplicate', async () => {
    const [a, b] = await seedTwoTenants(t);
    const email = uniqueEmail('shared');
    expect((await t.call('POST', '/api/v1/lead', { apiKey: await a.apiKey(), body: { email } })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/lead', { apiKey: await b.apiKey(), body: { email } })).status).toBe(201);
  });

  it('creates a second lead with duplicate: 1', async () => {
    const { tenant, key } = await keyed();
    const email = uniqueEmail('twice');
    const first = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, first_name: 'One' } });
    const second = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, first_name: 'Two', duplicate: 1 } });
    expect(second.status).toBe(201);
    expect(second.body.data).toMatchObject({ email, first_name: 'Two', duplicate_of: first.body.data.id });
    expect(await leadsOf(tenant.orgId)).toHaveLength(2);
  });

  it('updates the existing lead with merge: 1 (custom_fields merged, no new row)', async () => {
    const { tenant, key } = await keyed();
    const email = uniqueEmail('merge');
    const first = await t.call('POST', '/api/v1/lead', {
      apiKey: key,
      body: { email, first_name: 'Jane', custom_fields: { plan: 'free', seats: 3 } },
    });
    const withoutMerge = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, job_title: 'CTO' } });
    expect(withoutMerge.status).toBe(409);
    const res = await t.call('POST', '/api/v1/lead', {
      apiKey: key,
      body: { email, job_title: 'CTO', merge: 1, custom_fields: { plan: 'pro' }, campaign: 'spring' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      message: 'Lead merged into an existing lead',
      data: { id: first.body.data.id, first_name: 'Jane', job_title: 'CTO', custom_fields: { plan: 'pro', seats: 3, campaign: 'spring' } },
    });
    const rows = await leadsOf(tenant.orgId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.custom_fields).toEqual({ plan: 'pro', seats: 3, campaign: 'spring' });
  });

  it('leaves status and priority alone on merge unless they are sent', async () => {
    const { key } = await keyed();
    const email = uniqueEmail('keep');
    const first = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, status: 3, priority: 4 } });
    expect(first.body.data).toMatchObject({ status: 3, status_text: 'Qualified', priority: 4, priority_text: 'Urgent' });
    const merged = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, merge: 1, company: 'Umbrella' } });
    expect(merged.body.data).toMatchObject({ status: 3, priority: 4, company: 'Umbrella' });
    const changed = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, merge: true, status: 2 } });
    expect(changed.body.data).toMatchObject({ status: 2, priority: 4 });
  });

  it('stores fields §8.1 does not list under custom_fields', async () => {
    const { key } = await keyed();
    const res = await t.call('POST', '/api/v1/lead', {
      apiKey: key,
      body: { email: uniqueEmail(), utm_source: 'newsletter', estimated_value: 5000, nested: { a: 1 }, custom_fields: { tier: 'gold' } },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.custom_fields).toEqual({ utm_source: 'newsletter', estimated_value: 5000, nested: { a: 1 }, tier: 'gold' });
    expect(res.body.data.estimated_value).toBeNull();
  });

  it('creates tags from strings once, however often and in whatever case they are sent', async () => {
    const { tenant, key } = await keyed();
    const first = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail(), tags: ['VIP', 'vip', ' VIP ', 'Webinar'] } });
    expect(first.status).toBe(201);
    expect(first.body.data.tags).toHaveLength(2);
    expect([...first.body.data.tag_names].sort()).toEqual(['VIP', 'Webinar']);
    const second = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail(), tags: ['Vip'] } });
    expect(first.body.data.tags).toContain(second.body.data.tags[0]);
    const tags = await t.database.prisma.customLookup.findMany({ where: { org_id: tenant.orgId, type: 'tag' } });
    expect(tags.map((tag) => tag.name).sort()).toEqual(['VIP', 'Webinar']);
  });

  it('creates exactly one lead for 20 concurrent posts of one email (19 × 409)', async () => {
    const { tenant, key } = await keyed();
    const email = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 20 }, () => t.call('POST', '/api/v1/lead', { apiKey: key, body: { email } })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    expect(await leadsOf(tenant.orgId)).toHaveLength(1);
  });

  it('creates 20 leads for 20 concurrent posts of one email with duplicate: 1', async () => {
    const { tenant, key } = await keyed();
    const email = uniqueEmail('race-dup');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', '/api/v1/lead', { apiKey: key, body: { email, duplicate: 1 } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const rows = await leadsOf(tenant.orgId);
    expect(rows).toHaveLength(20);
    // one lead owns the address, the others point at it
    const owners = rows.filter((r) => r.duplicate_of === null);
    expect(owners).toHaveLength(1);
    expect(rows.filter((r) => r.duplicate_of === owners[0]!.id)).toHaveLength(19);
  });

  it('writes the scoring outbox event in the same statement as the lead', async () => {
    const { tenant, key } = await keyed();
    const res = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail() } });
    const events = await t.database.prisma.outboxEvent.findMany({ where: { org_id: tenant.orgId } });
    expect(events.map((e) => ({ kind: e.kind, payload: e.payload }))).toEqual([{ kind: 'lead.score', payload: { leadId: res.body.data.id } }]);
    const [lead, event] = await statementStamps(t.database.pool, [
      { table: 'leads', id: res.body.data.id },
      { table: 'outbox_events', id: events[0]!.id },
    ]);
    expect(event).toEqual(lead);
  });

  it('accepts a bearer token instead of an API key', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/v1/lead', { token: tenant.token, body: { email: uniqueEmail() } });
    expect(res.status).toBe(201);
    const [row] = await leadsOf(tenant.orgId);
    expect(row!.created_by).toBe(tenant.adminId);
  });
});

describe('Idempotency-Key on POST /api/v1/lead', () => {
  const post = (key: string, idempotencyKey: string, body: unknown) =>
    t.call('POST', '/api/v1/lead', { apiKey: key, headers: { 'idempotency-key': idempotencyKey }, body });

  it('replays the first response to a retry and acts once', async () => {
    const { tenant, key } = await keyed();
    const body = { email: uniqueEmail('idem'), first_name: 'Retry', tags: ['x'] };
    const first = await post(key, 'order-1', body);
    // the same request with the keys in another order is the same request
    const retry = await post(key, 'order-1', { tags: ['x'], first_name: 'Retry', email: body.email });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await leadsOf(tenant.orgId)).toHaveLength(1);
  });

  it('answers 422 idempotency_key_reused for the same key with another body', async () => {
    const { key } = await keyed();
    expect((await post(key, 'k-reuse', { email: uniqueEmail() })).status).toBe(201);
    const res = await post(key, 'k-reuse', { email: uniqueEmail() });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it('scopes keys by organization', async () => {
    const [a, b] = await seedTwoTenants(t);
    const email = uniqueEmail('scoped');
    const fromA = await post(await a.apiKey(), 'same-key', { email });
    const fromB = await post(await b.apiKey(), 'same-key', { email });
    expect([fromA.status, fromB.status]).toEqual([201, 201]);
    expect(fromB.body.data.id).not.toBe(fromA.body.data.id);
  });

  it('lets concurrent retries act once: the others get the stored response or 409 idempotency_in_progress', async () => {
    const { tenant, key } = await keyed();
    const body = { email: uniqueEmail('inflight') };
    const results = await Promise.all(Array.from({ length: 8 }, () => post(key, 'k-concurrent', body)));
    const created = results.filter((r) => r.status === 201);
    const inFlight = results.filter((r) => r.status === 409);
    expect(created.length + inFlight.length).toBe(8);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of created) expect(r.body.data.id).toBe(created[0]!.body.data.id);
    for (const r of inFlight) expect(r.body.error.code).toBe('idempotency_in_progress');
    expect(await leadsOf(tenant.orgId)).toHaveLength(1);
  });

  it('releases the key when the request fails, so a retry can act', async () => {
    const { tenant, key } = await keyed();
    const email = uniqueEmail('release');
    const existing = await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email } });
    expect((await post(key, 'k-release', { email })).status).toBe(409);
    await t.database.prisma.lead.deleteMany({ where: { id: existing.body.data.id, org_id: tenant.orgId } });
    const retry = await post(key, 'k-release', { email });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('GET /api/v1/lead/lead-list (§8.2)', () => {
  it('lists only the key’s organization, paginated, searchable and sortable', async () => {
    const [a, b] = await seedTwoTenants(t);
    const [keyA, keyB] = [await a.apiKey(), await b.apiKey()];
    for (const name of ['Alice', 'Bob', 'Carol']) {
      await t.call('POST', '/api/v1/lead', { apiKey: keyA, body: { email: uniqueEmail(name.toLowerCase()), first_name: name } });
    }
    const other = await t.call('POST', '/api/v1/lead', { apiKey: keyB, body: { email: uniqueEmail('other'), first_name: 'Alice' } });

    const page = await t.call('GET', '/api/v1/lead/lead-list', { apiKey: keyA, query: { limit: 2, order_by: 'first_name', order_in: 'asc' } });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ success: true, total: 3, page: 1, limit: 2 });
    expect(page.body.data.map((l: { first_name: string }) => l.first_name)).toEqual(['Alice', 'Bob']);

    const search = await t.call('GET', '/api/lead/lead-list', { apiKey: keyA, query: { search_value: 'ALI' } });
    expect(search.body.total).toBe(1);
    expect(search.body.data[0].first_name).toBe('Alice');
    expect(search.body.data.map((l: { id: number }) => l.id)).not.toContain(other.body.data.id);

    const fromB = await t.call('GET', '/api/v1/lead/lead-list', { apiKey: keyB });
    expect(fromB.body.data.map((l: { id: number }) => l.id)).toEqual([other.body.data.id]);
  });

  it('accepts a bearer token and rejects missing credentials (401) and bad parameters (422)', async () => {
    const { tenant, key } = await keyed();
    await t.call('POST', '/api/v1/lead', { apiKey: key, body: { email: uniqueEmail() } });
    const res = await t.call('GET', '/api/v1/lead/lead-list', { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect((await t.call('GET', '/api/v1/lead/lead-list')).status).toBe(401);
    expect((await t.call('GET', '/api/v1/lead/lead-list', { apiKey: 'lio_wrong' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/lead/lead-list', { apiKey: key, query: { order_by: 'org_id' } })).status).toBe(422);
    expect((await t.call('GET', '/api/v1/lead/lead-list', { apiKey: key, query: { page: 0 } })).status).toBe(422);
  });
});

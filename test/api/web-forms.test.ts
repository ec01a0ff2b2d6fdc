// Hosted web forms (issue 13, §8.3): the management API, the public page and
// its JSON definition, submissions becoming leads through the §8.1 path,
// spam defences, limits, escaping, and the never-lost guarantee.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStamp } from '../../domain/webforms/form-stamp.js';
import { processSubmission } from '../../domain/webforms/submission.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, uniqueEmail, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  // the public POSTs of app.request() have no client address: they share one bucket, so its limit is the rate-limit test's business
  t = createTestApp({ WEB_FORM_IP_RATE_LIMIT: '100000', WEB_FORM_MIN_FILL_MS: '3000' });
  [a, b] = await seedTwoTenants(t);
});
afterAll(() => t?.close());

const contactForm = (overrides: Record<string, unknown> = {}) => ({
  name: 'Contact us',
  title: 'Talk to sales',
  description: 'Tell us about your team.',
  fields: [
    { key: 'first_name', label: 'First name', type: 'text', required: true, maps_to: 'first_name' },
    { key: 'email', label: 'Work email', type: 'email', required: true, maps_to: 'email' },
    { key: 'company', label: 'Company', type: 'text', maps_to: 'company' },
    { key: 'team_size', label: 'Team size', type: 'select', options: ['1-10', '11-50', '51+'] },
    { key: 'budget', label: 'Budget', type: 'number', maps_to: 'estimated_value' },
    { key: 'consent', label: 'I agree to be contacted', type: 'checkbox', required: true },
  ],
  lead_source: 1,
  lead_tags: ['webform', 'pricing'],
  allowed_domains: ['https://www.example.com', 'HTTPS://Shop.Example.com:443'],
  ...overrides,
});

async function createForm(tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const res = await t.call('POST', '/api/web-forms', { token: tenant.token, body: contactForm(overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: number; form_link: string; public_url: string };
}

/** A stamp as if the page had been served `ageMs` ago. */
const stampAged = (formLink: string, ageMs: number) => renderStamp(t.deps.services.tokens, formLink, Date.now() - ageMs);

/** POSTs the form as a browser does (urlencoded), with a stamp old enough unless given. */
function postForm(formLink: string, fields: Record<string, string>, headers: Record<string, string> = {}, app = t) {
  const body = new URLSearchParams({ _lio_ts: stampAged(formLink, 10_000), ...fields }).toString();
  return app.app.request(`/api/v1/web-form/${formLink}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

const leadsByEmail = (orgId: number, email: string) =>
  t.database.pool.query('SELECT * FROM leads WHERE org_id = $1 AND dedupe_email = $2', [orgId, email.toLowerCase()]).then((r) => r.rows);

describe('managing forms', () => {
  it('creates, lists, shows, replaces and deletes a form; the link is server-made and unguessable', async () => {
    const form = await createForm(a);
    expect(form.form_link).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(form.public_url).toBe(`${t.deps.config.PUBLIC_BASE_URL}/api/v1/web-form/${form.form_link}`);
    const view = await t.call('GET', `/api/web-forms/${form.id}`, { token: a.token });
    expect(view.body.data).toMatchObject({ name: 'Contact us', status: 'active', lead_tags: ['webform', 'pricing'] });
    // origins normalised: lower case, default port dropped
    expect(view.body.data.allowed_domains).toEqual(['https://www.example.com', 'https://shop.example.com']);
    expect(view.body.data.fields[2]).toEqual({ key: 'company', label: 'Company', type: 'text', required: false, maps_to: 'company', options: null, max_length: null, placeholder: null, help: null });

    const list = await t.call('GET', '/api/web-forms', { token: a.token, query: { search: 'contact' } });
    expect(list.body).toMatchObject({ page: 1, limit: 10 });
    expect(list.body.data.map((f: { id: number }) => f.id)).toContain(form.id);

    const replaced = await t.call('PUT', `/api/web-forms/${form.id}`, { token: a.token, body: contactForm({ name: 'Renamed', status: 'disabled', allowed_domains: [] }) });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data).toMatchObject({ name: 'Renamed', status: 'disabled', form_link: form.form_link, allowed_domains: [] });
    // a disabled form is not served
    expect((await t.app.request(`/api/v1/web-form/${form.form_link}`)).status).toBe(404);

    expect((await t.call('DELETE', `/api/web-forms/${form.id}`, { token: a.token })).status).toBe(200);
    expect((await t.call('GET', `/api/web-forms/${form.id}`, { token: a.token })).status).toBe(404);
  });

  it('refuses definitions that break the rules, with the field path in the envelope', async () => {
    const field = (extra: Record<string, unknown>) => ({ key: 'email', label: 'Email', type: 'email', maps_to: 'email', ...extra });
    const cases: [Record<string, unknown>, string][] = [
      [{ fields: [] }, 'fields'],
      [{ fields: [field({ key: 'Email' })] }, 'fields.0.key'],
      [{ fields: [field({}), field({})] }, 'fields.1.key'],
      [{ fields: [field({}), { key: 'other', label: 'Other', type: 'email', maps_to: 'email' }] }, 'fields.1.maps_to'],
      [{ fields: [{ key: 'name', label: 'Name', type: 'text', maps_to: 'first_name' }] }, 'fields'],
      [{ fields: [field({}), { key: 'plan', label: 'Plan', type: 'select' }] }, 'fields.1.options'],
      [{ fields: [field({ type: 'number' })] }, 'fields.0.type'],
      [{ fields: [field({}), { key: 'x', label: 'X', type: 'text', maps_to: 'custom:not_defined' }] }, 'fields.1.maps_to'],
      [{ fields: [field({}), { key: 'x', label: 'X'.repeat(121), type: 'text' }] }, 'fields.1.label'],
      [{ redirect_url: 'http://example.com/thanks' }, 'redirect_url'],
      [{ redirect_url: 'https://example.com/thanks', thank_you_message: 'Thanks' }, 'redirect_url'],
      [{ allowed_domains: ['https://example.com/path'] }, 'allowed_domains.0'],
      [{ allowed_domains: ['http://example.com'] }, 'allowed_domains.0'],
      [{ allowed_domains: ['https://*.example.com'] }, 'allowed_domains.0'],
      [{ lead_source: 6 }, 'lead_source'],
      [{ assigned_to: 999_999_999 }, 'assigned_to'],
    ];
    for (const [overrides, path] of cases) {
      const res = await t.call('POST', '/api/web-forms', { token: a.token, body: contactForm(overrides) });
      expect(res.status, `${JSON.stringify(overrides)} -> ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.body.error.type).toBe('validation_error');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  it('maps a field to a custom field of the organization, and not to another organization\'s', async () => {
    const lead = await t.call('POST', '/api/lead/add', { token: a.token, body: { first_name: 'Cu', last_name: 'Stom', email: uniqueEmail('cf') } });
    await t.call('POST', '/api/lead/custom-field', { token: a.token, body: { lead_id: lead.body.data.id, field_name: 'contract_type', field_value: 'x' } });
    const fields = [
      { key: 'email', label: 'Email', type: 'email', required: true, maps_to: 'email' },
      { key: 'contract', label: 'Contract', type: 'text', maps_to: 'custom:contract_type' },
    ];
    expect((await t.call('POST', '/api/web-forms', { token: a.token, body: contactForm({ fields }) })).status).toBe(201);
    expect((await t.call('POST', '/api/web-forms', { token: b.token, body: contactForm({ fields }) })).status).toBe(422);
  });

  it("answers 404 for another organization's form, and lists only the organization's own", async () => {
    const form = await createForm(a);
    for (const [method, path] of [['GET', `/api/web-forms/${form.id}`], ['DELETE', `/api/web-forms/${form.id}`], ['GET', `/api/web-forms/${form.id}/submissions`]] as const) {
      expect((await t.call(method, path, { token: b.token })).status).toBe(404);
    }
    expect((await t.call('PUT', `/api/web-forms/${form.id}`, { token: b.token, body: contactForm() })).status).toBe(404);
    const list = await t.call('GET', '/api/web-forms', { token: b.token, query: { limit: 100 } });
    expect(list.body.data.map((f: { id: number }) => f.id)).not.toContain(form.id);
  });
});

describe('the public page', () => {
  it('serves an accessible form with strict headers, embeddable only where allowed', async () => {
    const form = await createForm(a);
    const res = await t.app.request(`/api/v1/web-form/${form.form_link}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain('frame-ancestors https://www.example.com https://shop.example.com');
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await res.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<meta name="viewport"');
    expect(page).toContain('<label for="field-email">Work email <span class="required">(required)</span></label>');
    expect(page).toMatch(/<input type="email" id="field-email" name="email" value="" autocomplete="email"[^>]* required aria-required="true">/);
    expect(page).toContain('autocomplete="given-name"');
    expect(page).not.toContain('<script');
    // the honeypot: hidden from everyone, out of the tab order
    expect(page).toMatch(/<div class="visually-hidden" aria-hidden="true">.*name="Website" value="" tabindex="-1" autocomplete="off"/);

    // a form without allowed domains cannot be framed at all
    const closed = await createForm(a, { allowed_domains: [] });
    const closedRes = await t.app.request(`/api/v1/web-form/${closed.form_link}`);
    expect(closedRes.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('answers an HTML 404 for unknown, malformed or disabled links', async () => {
    const disabled = await createForm(a, { status: 'disabled' });
    for (const link of ['0000000000000000000000', 'short', disabled.form_link]) {
      const res = await t.app.request(`/api/v1/web-form/${link}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('Form not found');
    }
  });

  it('serves the JSON definition with ?format=json or Accept: application/json, without internal ids', async () => {
    const form = await createForm(a);
    for (const request of [
      t.app.request(`/api/v1/web-form/${form.form_link}?format=json`),
      t.app.request(`/api/v1/web-form/${form.form_link}`, { headers: { accept: 'application/json' } }),
    ]) {
      const res = await request;
      expect(res.status).toBe(200);
      const { data } = (await res.json()) as { data: Record<string, any> };
      expect(data).toMatchObject({ form_link: form.form_link, title: 'Talk to sales', submit_label: 'Send', honeypot_field: 'Website', stamp_field: '_lio_ts', min_fill_ms: 3000 });
      expect(data.submit_url).toBe(form.public_url);
      expect(data.fields[1]).toEqual({ key: 'email', label: 'Work email', type: 'email', required: true, options: null, max_length: 254, placeholder: null, help: null, autocomplete: 'email' });
      expect(data.fields[0]).not.toHaveProperty('maps_to');
      expect(JSON.stringify(data)).not.toMatch(/"(id|org_id|assigned_to|lead_source)"/);
    }
  });

  it('renders hostile labels and submitted values inert', async () => {
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const form = await createForm(a, {
      title: hostile,
      fields: [
        { key: 'email', label: hostile, type: 'email', required: true, maps_to: 'email', help: hostile, placeholder: hostile },
        { key: 'plan', label: 'Plan', type: 'select', options: [hostile] },
      ],
    });
    const page = await (await t.app.request(`/api/v1/web-form/${form.form_link}`)).text();
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    // the value comes back in the re-shown form, escaped in its attribute
    const res = await postForm(form.form_link, { email: `"><script>alert(3)</script>` });
    expect(res.status).toBe(422);
    const again = await res.text();
    expect(again).not.toContain('<script>alert(3)');
    expect(again).toContain('value="&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"');
  });
});

describe('submissions', () => {
  it('a valid submission becomes a lead through the §8.1 path: mapped fields, custom fields, source, tags, owner, signal', async () => {
    const rep = await a.addUser();
    const form = await createForm(a, { assigned_to: rep.id });
    const email = uniqueEmail('Form');
    const res = await postForm(form.form_link, { first_name: 'Grace', email, company: 'Hopper Ltd', team_size: '11-50', budget: '2500', consent: 'on' }, { 'user-agent': 'TestBrowser/1.0', referer: 'https://www.example.com/pricing' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/api/v1/web-form/${form.form_link}/thanks`);

    const [lead] = await leadsByEmail(a.orgId, email);
    expect(lead).toMatchObject({ first_name: 'Grace', company: 'Hopper Ltd', lead_source: 1, assigned_to: rep.id, created_by: null });
    expect(Number(lead.estimated_value)).toBe(2500);
    expect(lead.company_id).not.toBeNull();
    expect(lead.custom_fields).toEqual({ team_size: '11-50', consent: true });
    const tags = await t.database.pool.query("SELECT name FROM custom_lookups WHERE org_id = $1 AND type = 'tag' AND id = ANY($2::int[]) ORDER BY name", [a.orgId, lead.tags]);
    expect(tags.rows.map((r) => r.name)).toEqual(['pricing', 'webform']);
    const signals = await t.database.pool.query('SELECT signal_type, source, signal_detail FROM intent_signals WHERE org_id = $1 AND lead_id = $2', [a.orgId, lead.id]);
    expect(signals.rows).toEqual([{ signal_type: 'form_submitted', source: 'web_form', signal_detail: { form_id: form.id, submission_id: expect.any(Number) } }]);
    // scored like every new lead: its scoring outbox event was written with it
    const scoring = await t.database.pool.query(`SELECT 1 FROM outbox_events WHERE kind = 'lead.score' AND (payload->>'leadId')::int = $1`, [lead.id]);
    expect(scoring.rowCount).toBe(1);

    const submissions = await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token });
    expect(submissions.body.total).toBe(1);
    expect(submissions.body.data[0]).toMatchObject({ status: 'accepted', lead_id: lead.id, attempts: 1, error: null, user_agent: 'TestBrowser/1.0', referrer: 'https://www.example.com/pricing' });
    expect(submissions.body.data[0].answers).toEqual({ first_name: 'Grace', email, company: 'Hopper Ltd', team_size: '11-50', budget: 2500, consent: true });
    // no retry left behind for a submission that made its lead
    const retries = await t.database.pool.query(`SELECT 1 FROM outbox_events WHERE kind = 'web_form.submission' AND (payload->>'submissionId')::int = $1`, [submissions.body.data[0].id]);
    expect(retries.rowCount).toBe(0);

    const thanks = await t.app.request(`/api/v1/web-form/${form.form_link}/thanks`);
    expect(thanks.status).toBe(200);
    expect(await thanks.text()).toContain('Thank you. We have received your details');
  });

  it('merges a known email into its lead (status merged), and redirects to redirect_url when the form has one', async () => {
    const email = uniqueEmail('known');
    const existing = await t.call('POST', '/api/lead/add', { token: a.token, body: { first_name: 'Old', last_name: 'Name', email, company: 'Before' } });
    const form = await createForm(a, { redirect_url: 'https://www.example.com/thanks' });
    // browsers hold the redirect after a submission to form-action too: the redirect's origin is allowed
    const pageRes = await t.app.request(`/api/v1/web-form/${form.form_link}`);
    expect(pageRes.headers.get('content-security-policy')).toContain("form-action 'self' https://www.example.com;");
    const res = await postForm(form.form_link, { first_name: 'New', email: email.toUpperCase(), company: 'After', consent: 'on' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://www.example.com/thanks');
    const leads = await leadsByEmail(a.orgId, email);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ id: existing.body.data.id, first_name: 'New', last_name: 'Name', company: 'After' });
    const list = await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token, query: { status: 'merged', lead_id: existing.body.data.id } });
    expect(list.body.total).toBe(1);
  });

  it('shows the form again (422) with the answers and every error tied to its field', async () => {
    const form = await createForm(a);
    const res = await postForm(form.form_link, { first_name: 'G', email: 'not-an-email', team_size: 'enormous', budget: 'lots', company: 'Kept Co' });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('<title>Error: Talk to sales</title>');
    expect(page).toMatch(/<div id="error-summary" class="error-summary" role="alert" tabindex="-1" autofocus/);
    for (const key of ['email', 'team_size', 'budget', 'consent']) {
      expect(page).toContain(`<a href="#field-${key}">`);
      expect(page).toMatch(new RegExp(`id="field-${key}"[^>]*aria-describedby="field-${key}-error" aria-invalid="true"`));
      expect(page).toContain(`<p id="field-${key}-error" class="field-error">`);
    }
    expect(page).toContain('value="Kept Co"');
    expect(page).toContain('value="not-an-email"');
    // nothing was stored for an invalid submission
    expect((await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token })).body.total).toBe(0);
  });

  it('applies the §8.1 lead checks to mapped answers (a text field filling linkedin_url must hold a URL)', async () => {
    const form = await createForm(a, {
      fields: [
        { key: 'email', label: 'Email', type: 'email', maps_to: 'email' },
        { key: 'profile', label: 'LinkedIn profile', type: 'text', maps_to: 'linkedin_url' },
      ],
    });
    const res = await postForm(form.form_link, { email: uniqueEmail('li'), profile: 'just some words' });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toMatch(/id="field-profile"[^>]*aria-invalid="true"/);
    expect(page).toContain('<a href="#field-profile">“LinkedIn profile” is not valid');
  });

  it('answers JSON clients with 201, and 422 with details by field key', async () => {
    const form = await createForm(a);
    const email = uniqueEmail('json');
    const post = (body: Record<string, unknown>) =>
      t.call('POST', `/api/v1/web-form/${form.form_link}`, { body: { _lio_ts: stampAged(form.form_link, 10_000), ...body } });
    const bad = await post({ email: 'nope', consent: true });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ type: 'validation_error', code: 'invalid_answers' });
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'first_name']);
    const good = await post({ first_name: 'Jay', email, consent: true, budget: 10 });
    expect(good.status).toBe(201);
    expect(good.body.data).toEqual({ status: 'received', thank_you_message: 'Thank you. We have received your details and will be in touch.', redirect_url: null });
    expect(await leadsByEmail(a.orgId, email)).toHaveLength(1);
  });

  it('treats a filled honeypot, a too-fast post and a missing or forged stamp as spam: answered as success, nothing created', async () => {
    const form = await createForm(a);
    const emails = [uniqueEmail('hp'), uniqueEmail('fast'), uniqueEmail('nostamp'), uniqueEmail('forged'), uniqueEmail('otherform')];
    const other = await createForm(a);
    const answers = (email: string) => ({ first_name: 'Bot', email, consent: 'on' });
    const responses = [
      await postForm(form.form_link, { ...answers(emails[0]!), Website: 'http://spam.example' }),
      await postForm(form.form_link, { ...answers(emails[1]!), _lio_ts: stampAged(form.form_link, 500) }),
      await postForm(form.form_link, { ...answers(emails[2]!), _lio_ts: '' }),
      await postForm(form.form_link, { ...answers(emails[3]!), _lio_ts: stampAged(form.form_link, 10_000).replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')) }),
      // a stamp is bound to its form
      await postForm(form.form_link, { ...answers(emails[4]!), _lio_ts: stampAged(other.form_link, 10_000) }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/api/v1/web-form/${form.form_link}/thanks`);
    }
    for (const email of emails) expect(await leadsByEmail(a.orgId, email)).toHaveLength(0);
    const spam = await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token, query: { status: 'spam' } });
    expect(spam.body.total).toBe(5);
    expect(spam.body.data.map((s: { error: string }) => s.error).sort()).toEqual(['honeypot', 'no valid stamp', 'no valid stamp', 'no valid stamp', 'sent too fast']);
    expect(spam.body.data.every((s: { answers: object }) => Object.keys(s.answers).length === 0)).toBe(true);
  });

  it('shows the form again with a notice when the page is older than a day', async () => {
    const form = await createForm(a);
    const email = uniqueEmail('stale');
    const res = await postForm(form.form_link, { first_name: 'Late', email, consent: 'on', _lio_ts: stampAged(form.form_link, 25 * 3600_000) });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('This page was open for a long time');
    expect(page).toContain(`value="${email}"`);
    expect(await leadsByEmail(a.orgId, email)).toHaveLength(0);
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    const form = await createForm(a);
    const big = 'x'.repeat(t.deps.config.WEB_FORM_MAX_BODY_BYTES + 1);
    const res = await postForm(form.form_link, { first_name: big });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('text/html');
    // a browser declares the length: refused before anything is read
    const declared = await postForm(form.form_link, { first_name: big }, { 'content-length': String(big.length + 100) });
    expect(declared.status).toBe(413);
    const json = await t.call('POST', `/api/v1/web-form/${form.form_link}`, { body: { first_name: big } });
    expect(json.status).toBe(413);
    expect(json.body.error.type).toBe('payload_too_large');
  });

  it('limits submissions per client address (429 page with Retry-After) and per form, whatever the address', async () => {
    const limited = createTestApp({ WEB_FORM_IP_RATE_LIMIT: '3', WEB_FORM_RATE_LIMIT: '5', TRUST_PROXY: 'true' });
    try {
      const tenant = await seedTenant(limited);
      const res = await limited.call('POST', '/api/web-forms', { token: tenant.token, body: contactForm() });
      const link = res.body.data.form_link as string;
      const ip = `198.51.100.${randomBytes(1)[0]}`;
      const from = (address: string) => postForm(link, { first_name: 'Rate', email: uniqueEmail('rate'), consent: 'on' }, { 'x-forwarded-for': address }, limited);
      for (let i = 0; i < 3; i++) expect((await from(ip)).status).toBe(303);
      const refused = await from(ip);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.text()).toContain('Too many attempts');
      // another address is not limited by the first one's count ...
      expect((await from('203.0.113.7')).status).toBe(303);
      // ... but the form's own limit counts every submission (5 a minute here; the refused one counted too)
      const formLimited = await from('203.0.113.8');
      expect(formLimited.status).toBe(429);
      expect(formLimited.headers.get('retry-after')).not.toBeNull();
      // a JSON client gets the error envelope
      const json = await limited.call('POST', `/api/v1/web-form/${link}`, { body: { email: uniqueEmail('json') }, headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(json.status).toBe(429);
      expect(json.body.error.type).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });
});

describe('never losing a submission', () => {
  it('keeps a submission whose lead could not be made, and makes the lead exactly once when retried', async () => {
    const form = await createForm(a);
    const email = uniqueEmail('retry');
    const trigger = `fail_web_form_${randomBytes(4).toString('hex')}`;
    // only this test's address fails: other test files share the database
    await t.database.pool.query(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.dedupe_email = '${email.toLowerCase()}' THEN RAISE EXCEPTION 'lead store unavailable (test)'; END IF; RETURN NEW; END $$`);
    await t.database.pool.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON leads FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
    let submissionId: number;
    try {
      const res = await postForm(form.form_link, { first_name: 'Retry', email, consent: 'on' });
      // the person is thanked: the submission is kept
      expect(res.status).toBe(303);
      const [submission] = (await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token })).body.data;
      expect(submission).toMatchObject({ status: 'failed', attempts: 1, lead_id: null });
      expect(submission.error).toContain('lead store unavailable');
      submissionId = submission.id;
      const event = await t.database.pool.query(
        `SELECT available_at <= now() + interval '5 seconds' AS soon FROM outbox_events WHERE kind = 'web_form.submission' AND (payload->>'submissionId')::int = $1`,
        [submissionId],
      );
      expect(event.rows).toEqual([{ soon: true }]);
      // retried while the failure lasts: still kept, counted
      await expect(processSubmission(t.database, submissionId)).rejects.toThrow('lead store unavailable');
      expect(await leadsByEmail(a.orgId, email)).toHaveLength(0);
    } finally {
      await t.database.pool.query(`DROP TRIGGER ${trigger} ON leads; DROP FUNCTION ${trigger}()`);
    }
    // what the relay's delivery runs (worker/outbox-relay.ts 'web_form.submission'); running it again changes nothing
    expect(await processSubmission(t.database, submissionId)).toMatchObject({ status: 'accepted' });
    expect(await processSubmission(t.database, submissionId)).toEqual({ status: 'settled' });
    const leads = await leadsByEmail(a.orgId, email);
    expect(leads).toHaveLength(1);
    const [submission] = (await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token })).body.data;
    expect(submission).toMatchObject({ status: 'accepted', attempts: 3, lead_id: leads[0].id, error: null });
  });

  it('makes one lead when two attempts run at once, even for a lead with no email to merge on (phone only)', async () => {
    const form = await createForm(a, {
      fields: [
        { key: 'name', label: 'Name', type: 'text', required: true, maps_to: 'first_name' },
        { key: 'phone', label: 'Phone', type: 'tel', required: true, maps_to: 'phone_number' },
      ],
    });
    const phone = `+1 415 555 ${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
    const trigger = `fail_web_form_${randomBytes(4).toString('hex')}`;
    await t.database.pool.query(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.phone_number = '${phone}' AND NEW.org_id = ${a.orgId} THEN RAISE EXCEPTION 'lead store unavailable (test)'; END IF; RETURN NEW; END $$`);
    await t.database.pool.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON leads FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
    try {
      expect((await postForm(form.form_link, { name: 'Phone Only', phone })).status).toBe(303);
    } finally {
      await t.database.pool.query(`DROP TRIGGER ${trigger} ON leads; DROP FUNCTION ${trigger}()`);
    }
    const [stored] = (await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token })).body.data;
    expect(stored.status).toBe('failed');
    // the relay's retry and a second delivery of it at the same time: one settles, the other's lead is rolled back
    const outcomes = await Promise.all([processSubmission(t.database, stored.id), processSubmission(t.database, stored.id)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['accepted', 'settled']);
    const { rows: leads } = await t.database.pool.query('SELECT id FROM leads WHERE org_id = $1 AND phone_number = $2', [a.orgId, phone]);
    expect(leads).toHaveLength(1);
    const [submission] = (await t.call('GET', `/api/web-forms/${form.id}/submissions`, { token: a.token })).body.data;
    expect(submission).toMatchObject({ status: 'accepted', lead_id: leads[0].id });
  });
});

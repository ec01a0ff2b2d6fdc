// The hosted form in a real browser (Debian's chromium through
// playwright-core): what a person sees and does — filling and sending it,
// errors next to fields, keyboard only — what a bot is answered, the
// accessibility check, and embedding allowed on one origin and refused on another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  checkAccessibility,
  launchChromium,
  newAccessibleContext,
  screenshot,
  serveOtherOrigin,
  serveTestApp,
  type ServedOrigin,
} from '../helpers/browser.js';
import { seedTenant, uniqueEmail, type Tenant } from '../helpers/tenants.js';

// short enough for the tests to wait it out, long enough that a script posting at once is caught
const MIN_FILL_MS = 1500;

let t: TestApp;
let tenant: Tenant;
let app: ServedOrigin;
let browser: Browser;
// a customer's site allowed to embed the form, and another that is not (different origins: host and port)
const allowedPages: Record<string, string> = {};
const otherPages: Record<string, string> = {};
let allowedSite: ServedOrigin;
let otherSite: ServedOrigin;
let formUrl: string;

beforeAll(async () => {
  t = createTestApp({ WEB_FORM_MIN_FILL_MS: String(MIN_FILL_MS), WEB_FORM_IP_RATE_LIMIT: '100000' });
  [tenant, app, browser, allowedSite, otherSite] = await Promise.all([
    seedTenant(t),
    serveTestApp(t),
    launchChromium(),
    serveOtherOrigin(allowedPages, 'localhost'),
    serveOtherOrigin(otherPages, '127.0.0.1'),
  ]);
  const res = await t.call('POST', '/api/web-forms', {
    token: tenant.token,
    body: {
      name: 'Demo request',
      title: 'Request a demo',
      description: 'We will get back to you within a day.',
      fields: [
        { key: 'first_name', label: 'First name', type: 'text', required: true, maps_to: 'first_name' },
        { key: 'email', label: 'Work email', type: 'email', required: true, maps_to: 'email', help: 'We only use it to reply.' },
        { key: 'company', label: 'Company', type: 'text', maps_to: 'company' },
        { key: 'team_size', label: 'Team size', type: 'select', options: ['1-10', '11-50', '51+'] },
        { key: 'message', label: 'What would you like to see?', type: 'textarea' },
        { key: 'consent', label: 'I agree to be contacted about this request', type: 'checkbox', required: true },
      ],
      submit_label: 'Request demo',
      thank_you_message: 'Thanks! A specialist will contact you shortly.',
      lead_tags: ['demo'],
      allowed_domains: [allowedSite.url],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  formUrl = `${app.url}/api/v1/web-form/${res.body.data.form_link}`;
  const embed = (title: string) => `<!doctype html><html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1><iframe title="Demo request form" src="${formUrl}" width="600" height="900"></iframe></body></html>`;
  allowedPages['/'] = embed('Allowed customer site');
  otherPages['/'] = embed('Some other site');
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.close(), allowedSite?.close(), otherSite?.close()]);
  await t?.close();
});

const leadsByEmail = (email: string) =>
  t.database.pool.query('SELECT * FROM leads WHERE org_id = $1 AND dedupe_email = $2', [tenant.orgId, email.toLowerCase()]).then((r) => r.rows);

/** A page on a fresh context (no shared state between tests); axe can be injected into it despite the CSP. */
async function openForm(): Promise<Page> {
  const page = await (await newAccessibleContext(browser)).newPage();
  const res = await page.goto(formUrl);
  expect(res?.status()).toBe(200);
  return page;
}

/** Waits out the minimum fill time counted from when the page was served. */
const likeAPerson = (page: Page) => page.waitForTimeout(MIN_FILL_MS + 300);

describe('the hosted form in a browser', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  it('is filled and sent: the lead is created with the mapped fields, the thank-you page shown', async () => {
    const page = await openForm();
    const email = uniqueEmail('browser');
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Company').fill('Analytical Engines');
    await page.getByLabel('Team size').selectOption('11-50');
    await page.getByLabel('What would you like to see?').fill('Lead scoring <b>and</b> forms');
    await page.getByLabel('I agree to be contacted').check();
    await screenshot(page, 'web-form-filled');
    await likeAPerson(page);
    await page.getByRole('button', { name: 'Request demo' }).click();
    await page.waitForURL(/\/thanks$/);
    await expect(page.locator('p').textContent()).resolves.toBe('Thanks! A specialist will contact you shortly.');
    await screenshot(page, 'web-form-thanks');
    const [lead] = await leadsByEmail(email);
    expect(lead).toMatchObject({ first_name: 'Ada', company: 'Analytical Engines' });
    expect(lead.custom_fields).toEqual({ team_size: '11-50', message: 'Lead scoring <b>and</b> forms', consent: true });
    // refreshing the thank-you page sends nothing again
    await page.reload();
    expect(await leadsByEmail(email)).toHaveLength(1);
    await page.context().close();
  });

  it('shows errors next to their fields, keeps the input and puts focus on the summary', async () => {
    const page = await openForm();
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Work email').fill('ada-at-example');
    await page.getByLabel('Company').fill('Kept <Company>');
    await likeAPerson(page);
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Request demo' }).click();
    expect((await answer).status()).toBe(422);
    await page.waitForLoadState();
    expect(await page.title()).toBe('Error: Request a demo');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('error-summary');
    const summaryLinks = await page.locator('#error-summary a').allTextContents();
    expect(summaryLinks).toEqual(['Enter an email address in the right format, like name@example.com', 'Tick “I agree to be contacted about this request” to continue']);
    // each error is announced with its field: the input is described by it and marked invalid
    const email = page.getByLabel('Work email');
    await expect(email.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(email.getAttribute('aria-describedby')).resolves.toBe('field-email-hint field-email-error');
    await expect(page.locator('#field-email-error').isVisible()).resolves.toBe(true);
    await expect(email.inputValue()).resolves.toBe('ada-at-example');
    await expect(page.getByLabel('Company').inputValue()).resolves.toBe('Kept <Company>');
    // a summary link takes the person to the field
    await page.locator('#error-summary a').first().click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('field-email');
    await screenshot(page, 'web-form-errors');
    expect(await checkAccessibility(page)).toEqual([]);
    await page.context().close();
  });

  it('has no serious or critical accessibility violations on the empty form', async () => {
    const page = await openForm();
    expect(await checkAccessibility(page)).toEqual([]);
    // one column within a phone's width: nothing overflows sideways
    await page.setViewportSize({ width: 360, height: 800 });
    await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
    await screenshot(page, 'web-form-narrow');
    await page.context().close();
  });

  // what bots do, each answered like a person (the thank-you page) and creating nothing
  const bots: [string, (page: Page) => Promise<void>][] = [
    // a form-filling bot gives every input a value, the hidden one too, and takes its time
    ['the honeypot is filled', async (page) => {
      await page.evaluate(() => ((document.querySelector('input[name="Website"]') as HTMLInputElement).value = 'http://spam.example'));
      await likeAPerson(page);
    }],
    // a script posts as soon as it has the page
    ['the form is sent faster than a person could fill it', async () => undefined],
  ];
  for (const [behaviour, act] of bots) {
    it(`creates nothing when ${behaviour}, yet thanks the sender`, async () => {
      const page = await openForm();
      const email = uniqueEmail('bot');
      await page.getByLabel('First name').fill('Bot');
      await page.getByLabel('Work email').fill(email);
      await page.getByLabel('I agree to be contacted').check();
      await act(page);
      await page.getByRole('button', { name: 'Request demo' }).click();
      await page.waitForURL(/\/thanks$/);
      expect(await leadsByEmail(email)).toHaveLength(0);
      await page.context().close();
    });
  }

  it('can be filled and sent with the keyboard alone', async () => {
    const page = await openForm();
    const email = uniqueEmail('keyboard');
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('field-first_name');
    await page.keyboard.type('Kay');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('field-email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab'); // company
    await page.keyboard.type('Keys Ltd');
    await page.keyboard.press('Tab'); // team size
    await page.keyboard.press('Tab'); // message
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('field-consent');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    // the honeypot is out of the tab order: the button comes next
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('BUTTON');
    await likeAPerson(page);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/thanks$/);
    const [lead] = await leadsByEmail(email);
    expect(lead).toMatchObject({ first_name: 'Kay', company: 'Keys Ltd' });
    await page.context().close();
  });

  it('renders inside an iframe on an allowed origin and is refused on any other', async () => {
    // a plain context: the CSP (frame-ancestors) is what is under test
    const context = await browser.newContext();
    const allowed = await context.newPage();
    await allowed.goto(allowedSite.url);
    const frame = allowed.frameLocator('iframe');
    await expect(frame.locator('h1').textContent({ timeout: 10_000 })).resolves.toBe('Request a demo');
    await screenshot(allowed, 'web-form-embedded-allowed');

    const other = await context.newPage();
    const violations: string[] = [];
    other.on('console', (message) => {
      if (/frame-ancestors/.test(message.text())) violations.push(message.text());
    });
    await other.goto(otherSite.url);
    await other.waitForTimeout(1000);
    const child = other.frames().find((f) => f !== other.mainFrame());
    expect(child).toBeDefined();
    // the frame holds no form: the browser refused to render it
    expect(await child!.locator('form').count()).toBe(0);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]).toContain(allowedSite.url);
    await screenshot(other, 'web-form-embedded-refused');
    await context.close();
  });
});

// The booking page in a real browser (Debian's chromium through
// playwright-core): a person picks a week, a free time and books it — on the
// day Europe/Berlin moves its clocks, and from another time zone (the
// browser's own, or without script the one chosen in the page's select; the
// meeting's UTC time checked in the database) — two
// people booking the same time from two browsers (one confirmation, one
// "that time is no longer free"), and the accessibility check of the week,
// the form and its errors. Screenshots under test-artifacts/screenshots.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BROWSER_TEST_TIMEOUT_MS, checkAccessibility, launchChromium, newAccessibleContext, screenshot, serveTestApp, type ServedOrigin } from '../helpers/browser.js';
import { connectSandboxMailbox } from '../helpers/mailboxes.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
let tenant: Tenant;
let app: ServedOrigin;
let browser: Browser;
let slug: string;

beforeAll(async () => {
  t = createTestApp({ SANDBOX_CONNECTORS: 'true', BOOKING_RATE_LIMIT: '100000', BOOKING_CONFIRM_RATE_LIMIT: '100000' });
  [tenant, app, browser] = await Promise.all([seedTenant(t), serveTestApp(t), launchChromium()]);
  // the rep's mailbox: the sandbox records the confirmations (SANDBOX_CONNECTORS)
  await connectSandboxMailbox(t, { orgId: tenant.orgId, userId: tenant.adminId });
  slug = `browser-${randomBytes(4).toString('hex')}`;
  const res = await t.call('POST', '/api/booking-profiles', {
    token: tenant.token,
    body: {
      slug,
      title: 'Product demo',
      description: 'Thirty minutes with a product specialist.',
      durations: [30],
      working_hours: Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [['09:00', '12:00']]])),
      timezone: 'Europe/Berlin',
      minimum_notice_minutes: 0,
      horizon_days: 365,
      questions: [{ key: 'team_size', label: 'Team size', type: 'select', required: true, options: ['1-10', '11-50', '51+'] }],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await t?.close();
});

const weekUrl = (query: Record<string, string>) => `${app.url}/api/v1/booking/${slug}/page?${new URLSearchParams(query).toString()}`;

async function openPage(url: string, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await newAccessibleContext(browser, options)).newPage();
  await page.goto(url);
  return page;
}

/** Fills the details form and sends it; answers the page after the post. */
async function fillAndBook(page: Page, who: { name: string; email: string }) {
  await page.fill('#name', who.name);
  await page.fill('#email', who.email);
  await page.fill('#company', 'Visitor GmbH');
  await page.selectOption('#q-team_size', '11-50');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirm booking' }).click()]);
}

const bookingOf = (email: string) =>
  t.database.prisma.booking.findFirst({ where: { org_id: tenant.orgId, email, status: 'confirmed' } });

describe('the booking page in chromium', () => {
  it('books 09:00 on the day Berlin moves its clocks: the meeting starts 07:00 UTC (08:00 UTC the day before)', async () => {
    const page = await openPage(weekUrl({ date: '2027-03-27', tz: 'Europe/Berlin' }));
    expect(await page.title()).toBe('Book: Product demo');
    // the same local 09:00 on both sides of the change
    expect(await page.getByRole('link', { name: 'Saturday, 27 March 2027, 09:00–09:30 (Europe/Berlin)' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Sunday, 28 March 2027, 09:00–09:30 (Europe/Berlin)' }).count()).toBe(1);
    await screenshot(page, 'booking-week-dst');
    expect(await checkAccessibility(page)).toEqual([]);

    await page.getByRole('link', { name: 'Sunday, 28 March 2027, 09:00–09:30 (Europe/Berlin)' }).click();
    await page.waitForSelector('#name');
    expect(await page.textContent('h2')).toBe('Sunday, 28 March 2027, 09:00–09:30 (Europe/Berlin)');
    expect(await checkAccessibility(page)).toEqual([]);

    // sent empty: the errors name their fields, the values typed stay
    await page.fill('#company', 'Kept Co');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirm booking' }).click()]);
    expect(await page.getAttribute('#name', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#name', 'aria-describedby')).toContain('name-error');
    expect(await page.inputValue('#company')).toBe('Kept Co');
    expect(await page.getByRole('alert').textContent()).toContain('Enter your name');
    await screenshot(page, 'booking-form-errors');
    expect(await checkAccessibility(page)).toEqual([]);

    const email = `dst-${randomBytes(3).toString('hex')}@visitor.example.test`;
    await fillAndBook(page, { name: 'Dana Daylight', email });
    expect(await page.textContent('h1')).toBe('Your booking is confirmed');
    expect(await page.textContent('main')).toContain('Sunday, 28 March 2027, 09:00–09:30 (Europe/Berlin)');
    expect(await page.textContent('main')).toContain('A confirmation with a calendar invitation is on its way');
    await screenshot(page, 'booking-confirmed-dst');
    const booking = await bookingOf(email);
    expect(booking!.start_time.toISOString()).toBe('2027-03-28T07:00:00.000Z');
    expect(booking!.answers).toEqual({ team_size: '11-50' });
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  it('without script the week starts in the profile\'s zone, and the select changes it', async () => {
    const page = await openPage(weekUrl({ date: '2027-04-05' }), { javaScriptEnabled: false, timezoneId: 'America/New_York' });
    expect(await page.inputValue('#tz')).toBe('Europe/Berlin');
    await page.selectOption('#tz', 'America/New_York');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Show free times' }).click()]);
    expect(await page.getByRole('link', { name: 'Monday, 5 April 2027, 03:00–03:30 (America/New_York)' }).count()).toBe(1);
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  it("shows the times in the visitor's own zone (the browser's, New York) and books in it: New York 03:00 is Berlin 09:00 (07:00 UTC)", async () => {
    const page = await openPage(weekUrl({ date: '2027-04-05' }), { timezoneId: 'America/New_York' });
    // arrived without a zone: the page asked again in the browser's
    await page.waitForURL(/tz=America%2FNew_York/);
    expect(await page.inputValue('#tz')).toBe('America/New_York');
    const slot = page.getByRole('link', { name: 'Monday, 5 April 2027, 03:00–03:30 (America/New_York)' });
    expect(await slot.count()).toBe(1);
    await screenshot(page, 'booking-week-new-york');
    await slot.click();
    await page.waitForSelector('#name');
    const email = `ny-${randomBytes(3).toString('hex')}@visitor.example.test`;
    await fillAndBook(page, { name: 'Nora York', email });
    expect(await page.textContent('h1')).toBe('Your booking is confirmed');
    expect(await page.textContent('main')).toContain('Monday, 5 April 2027, 03:00–03:30 (America/New_York)');
    const booking = await bookingOf(email);
    expect(booking!.start_time.toISOString()).toBe('2027-04-05T07:00:00.000Z');
    expect(booking!.attendee_timezone).toBe('America/New_York');
    const meeting = await t.database.prisma.meeting.findFirstOrThrow({ where: { id: booking!.meeting_id!, org_id: tenant.orgId } });
    expect(meeting.start_time.toISOString()).toBe('2027-04-05T07:00:00.000Z');
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  it('lets one of two browsers booking the same time win; the other is told the time was just taken and sees the week again', async () => {
    const url = weekUrl({ date: '2027-04-06', tz: 'Europe/Berlin' });
    const name = 'Tuesday, 6 April 2027, 10:00–10:30 (Europe/Berlin)';
    const [first, second] = await Promise.all([openPage(url), openPage(url)]);
    for (const page of [first, second]) {
      await page.getByRole('link', { name }).click();
      await page.waitForSelector('#name');
      await page.fill('#name', page === first ? 'First Person' : 'Second Person');
      await page.fill('#email', `${page === first ? 'first' : 'second'}-${randomBytes(3).toString('hex')}@visitor.example.test`);
      await page.selectOption('#q-team_size', '1-10');
    }
    await Promise.all(
      [first, second].map((page) => Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirm booking' }).click()])),
    );
    const headings = await Promise.all([first, second].map((page) => page.textContent('h1')));
    const confirmed = [first, second].filter((_, i) => headings[i] === 'Your booking is confirmed');
    const refused = [first, second].filter((_, i) => headings[i] !== 'Your booking is confirmed');
    expect(confirmed).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const loser = refused[0]!;
    expect(await loser.getByRole('alert').textContent()).toContain('That time is no longer free');
    // the week again, without the time just taken
    expect(await loser.getByRole('link', { name }).count()).toBe(0);
    expect(await loser.getByRole('link', { name: 'Tuesday, 6 April 2027, 10:30–11:00 (Europe/Berlin)' }).count()).toBe(1);
    await screenshot(confirmed[0]!, 'booking-double-winner');
    await screenshot(loser, 'booking-double-taken');
    const { rows } = await t.database.pool.query(`SELECT count(*)::int AS n FROM bookings WHERE org_id = $1 AND start_time = $2 AND status = 'confirmed'`, [
      tenant.orgId,
      new Date('2027-04-06T08:00:00Z'),
    ]);
    expect(rows[0].n).toBe(1);
    await Promise.all([first.context().close(), second.context().close()]);
  }, BROWSER_TEST_TIMEOUT_MS);

  it('cancels from the manage page with the keyboard: the booking cancelled, the time free again', async () => {
    const page = await openPage(weekUrl({ date: '2027-04-07', tz: 'Europe/Berlin' }));
    await page.getByRole('link', { name: 'Wednesday, 7 April 2027, 11:00–11:30 (Europe/Berlin)' }).click();
    await page.waitForSelector('#name');
    const email = `cancel-${randomBytes(3).toString('hex')}@visitor.example.test`;
    await fillAndBook(page, { name: 'Cai Cancel', email });
    expect(await page.textContent('h1')).toBe('Your booking is confirmed');
    expect(await checkAccessibility(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel booking' }).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.textContent('h1')).toBe('Your booking is cancelled');
    await screenshot(page, 'booking-cancelled');
    expect(await t.database.prisma.booking.count({ where: { org_id: tenant.orgId, email, status: 'cancelled' } })).toBe(1);
    await page.goto(weekUrl({ date: '2027-04-07', tz: 'Europe/Berlin' }));
    expect(await page.getByRole('link', { name: 'Wednesday, 7 April 2027, 11:00–11:30 (Europe/Berlin)' }).count()).toBe(1);
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);
});

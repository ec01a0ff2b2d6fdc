// Public email tracking (§9.2): the pixel always answers its GIF and records only what a valid token names,
// the click redirect goes only where the token seals, machine opens and clicks make no signal, the third
// person's open is decided once under concurrency, and unsubscribing suppresses the address for good.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMailConfiguration, openMailAccount } from '../../domain/communications/mail-configuration.service.js';
import { queueTrackedMail, TRACKING_PURPOSE } from '../../domain/engagement/email-tracking.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

const PERSON = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const GMAIL_PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const NO_STORE = 'no-store, no-cache, must-revalidate, private';
const GIF_43 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

let t: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  t = createTestApp({ TRACKING_RATE_LIMIT: '100000' });
  tenant = await seedTenant(t);
});
afterAll(() => t?.close());

interface Sent {
  trackedEmailId: number;
  leadId: number;
  recipient: string;
  /** paths of the links in the email as it was queued */
  open: string;
  click: string;
  unsubscribe: string;
}

/** A tracked email to a new lead, as engagement sends it, delivered `sentAgoMs` ago; its links read from the queued HTML. */
async function sendTrackedEmail(options: { sentAgoMs?: number; link?: string } = {}): Promise<Sent> {
  const scope = { orgId: tenant.orgId, userId: tenant.adminId };
  const recipient = `lead-${randomBytes(4).toString('hex')}@example.test`;
  const { lead } = await createLead(t.database, scope, { first_name: 'Tracked', email: recipient });
  const config = await addMailConfiguration(t.database, t.deps.services.secrets, scope, { mailer: 'sandbox', from_address: `rep-${randomBytes(3).toString('hex')}@example.test`, password: 'x' }, async () => undefined);
  const account = await openMailAccount(t.database, t.deps.services.secrets, tenant.orgId, config.id);
  const link = options.link ?? 'https://example.com/pricing?plan=pro';
  const { message, trackedEmailId } = await queueTrackedMail(
    t.database,
    { tokens: t.deps.services.tokens, publicBaseUrl: t.deps.config.PUBLIC_BASE_URL },
    scope,
    account,
    { subject: 'Hello', body: `<p>See <a href="${link}">our plans</a></p>` },
    { source: 'ai_email', leadId: lead.id, recipient },
    `test-${randomBytes(6).toString('hex')}`,
  );
  await t.database.pool.query(`UPDATE outbound_messages SET status = 'sent', sent_at = now() - make_interval(secs => $2::float8 / 1000) WHERE id = $1`, [
    message.id,
    options.sentAgoMs ?? 3_600_000,
  ]);
  const { rows } = await t.database.pool.query<{ html: string }>("SELECT payload->>'html' AS html FROM outbound_messages WHERE id = $1", [message.id]);
  const path = (pattern: RegExp) => new URL(rows[0]!.html.match(pattern)![1]!.replaceAll('&amp;', '&')).pathname;
  return {
    trackedEmailId,
    leadId: lead.id,
    recipient,
    open: path(/<img src="([^"]+\/track\/open\/[^"]+)"/),
    click: path(/href="([^"]+\/track\/click\/[^"]+)"/),
    unsubscribe: path(/href="([^"]+\/track\/unsubscribe\/[^"]+)"/),
  };
}

/** Another app (other settings) of the same deployment: it verifies the tokens the first one signed. */
const sameKey = () => String(t.deps.config.CREDENTIALS_KEY);

const get = (path: string, userAgent = PERSON, headers: Record<string, string> = {}) =>
  t.app.request(path, { headers: { 'user-agent': userAgent, ...headers } });

async function countsOf(trackedEmailId: number) {
  const { rows } = await t.database.pool.query<{ open_count: number; machine_open_count: number; click_count: number }>(
    'SELECT open_count, machine_open_count, click_count FROM tracked_emails WHERE id = $1',
    [trackedEmailId],
  );
  return rows[0]!;
}

async function signalsOf(leadId: number) {
  const { rows } = await t.database.pool.query<{ signal_type: string; tracked_email_id: number | null; signal_detail: Record<string, unknown>; source: string }>(
    'SELECT signal_type, tracked_email_id, signal_detail, source FROM intent_signals WHERE org_id = $1 AND lead_id = $2 ORDER BY id',
    [tenant.orgId, leadId],
  );
  return rows;
}

async function expectPixel(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/gif');
  expect(res.headers.get('cache-control')).toBe(NO_STORE);
  expect(res.headers.get('pragma')).toBe('no-cache');
  expect(Buffer.from(await res.arrayBuffer()).equals(GIF_43)).toBe(true);
}

/** The token with its data part replaced (the tag kept): what an attacker can make without the key. */
const withData = (token: string, data: unknown) => `${Buffer.from(JSON.stringify(data)).toString('base64url')}.${token.split('.')[1]}`;
const tokenOf = (path: string) => path.split('/').at(-1)!;

describe('open pixel', () => {
  it('answers the same GIF with no-cache headers for a valid, tampered, unknown or oversized token, and counts only the valid one', async () => {
    const sent = await sendTrackedEmail();
    const token = tokenOf(sent.open);
    const tampered = `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`;
    const forged = withData(token, { e: sent.trackedEmailId + 1 });
    const unknown = t.deps.services.tokens.sign(TRACKING_PURPOSE.open, { e: 2_000_000_000 });
    for (const path of [`/api/v1/track/open/${tampered}`, `/api/v1/track/open/${forged}`, `/api/v1/track/open/${unknown}`, `/api/v1/track/open/${'a'.repeat(10_000)}`, '/api/v1/track/open/x']) {
      await expectPixel(await get(path));
    }
    expect(await countsOf(sent.trackedEmailId)).toEqual({ open_count: 0, machine_open_count: 0, click_count: 0 });
    expect(await signalsOf(sent.leadId)).toEqual([]);

    await expectPixel(await get(sent.open));
    expect(await countsOf(sent.trackedEmailId)).toEqual({ open_count: 1, machine_open_count: 0, click_count: 0 });
    expect(await signalsOf(sent.leadId)).toEqual([{ signal_type: 'email_opened', tracked_email_id: sent.trackedEmailId, signal_detail: { open_count: 1 }, source: 'tracking' }]);
  });

  it('counts mail-privacy proxies and opens within seconds of delivery as machine opens, with no signal', async () => {
    const sent = await sendTrackedEmail();
    await expectPixel(await get(sent.open, GMAIL_PROXY));
    await expectPixel(await get(sent.open, 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html'));
    // Apple Mail Privacy Protection: a bare agent from Apple's network
    const apple = createTestApp({ TRACKING_RATE_LIMIT: '100000', TRUST_PROXY: 'true', CREDENTIALS_KEY: sameKey() });
    try {
      await expectPixel(await apple.app.request(sent.open, { headers: { 'user-agent': 'Mozilla/5.0', 'x-forwarded-for': '17.58.101.7' } }));
    } finally {
      await apple.close();
    }
    // desktop Outlook fetching images as its user reads the mail is a person
    const inOutlook = await sendTrackedEmail();
    await expectPixel(await get(inOutlook.open, 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)'));
    expect(await countsOf(inOutlook.trackedEmailId)).toMatchObject({ open_count: 1, machine_open_count: 0 });
    const justDelivered = await sendTrackedEmail({ sentAgoMs: 1000 });
    await expectPixel(await get(justDelivered.open));

    expect(await countsOf(sent.trackedEmailId)).toEqual({ open_count: 0, machine_open_count: 3, click_count: 0 });
    expect(await countsOf(justDelivered.trackedEmailId)).toEqual({ open_count: 0, machine_open_count: 1, click_count: 0 });
    expect(await signalsOf(sent.leadId)).toEqual([]);
    expect(await signalsOf(justDelivered.leadId)).toEqual([]);
  });

  it('records email_opened_3x exactly once among 20 concurrent opens', async () => {
    const sent = await sendTrackedEmail();
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(sent.open)));
    for (const res of answers) await expectPixel(res);
    expect((await countsOf(sent.trackedEmailId)).open_count).toBe(20);
    const signals = await signalsOf(sent.leadId);
    expect(signals.filter((s) => s.signal_type === 'email_opened')).toHaveLength(20);
    expect(signals.filter((s) => s.signal_type === 'email_opened_3x')).toEqual([
      { signal_type: 'email_opened_3x', tracked_email_id: sent.trackedEmailId, signal_detail: { open_count: 3 }, source: 'tracking' },
    ]);
  });

  it("still counts opens and clicks of an email whose lead was deleted since, with no signal", async () => {
    const sent = await sendTrackedEmail();
    await t.database.pool.query('DELETE FROM leads WHERE id = $1 AND org_id = $2', [sent.leadId, tenant.orgId]);
    await expectPixel(await get(sent.open));
    expect((await get(sent.click)).status).toBe(302);
    expect(await countsOf(sent.trackedEmailId)).toEqual({ open_count: 1, machine_open_count: 0, click_count: 1 });
    expect(await signalsOf(sent.leadId)).toEqual([]);
  });
});

describe('click redirect', () => {
  it('redirects to the sealed URL only, records link_clicked, and sends no referrer', async () => {
    const sent = await sendTrackedEmail({ link: 'https://example.com/case-study?id=7&ref=mail' });
    const res = await get(`${sent.click}?url=${encodeURIComponent('https://evil.example/')}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/case-study?id=7&ref=mail');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await countsOf(sent.trackedEmailId)).toMatchObject({ click_count: 1 });
    expect(await signalsOf(sent.leadId)).toEqual([
      { signal_type: 'link_clicked', tracked_email_id: sent.trackedEmailId, signal_detail: { url: 'https://example.com/case-study?id=7&ref=mail' }, source: 'tracking' },
    ]);
  });

  it('never redirects for a token it did not seal: swapped URL, another purpose, made-up, //evil.com or javascript: targets', async () => {
    const sent = await sendTrackedEmail();
    const token = tokenOf(sent.click);
    const { tokens } = t.deps.services;
    const attempts = [
      `/api/v1/track/click/${withData(token, { e: sent.trackedEmailId, u: 'https://evil.example/' })}`,
      `/api/v1/track/click/${tokenOf(sent.open)}`,
      `/api/v1/track/click/${tokens.sign(TRACKING_PURPOSE.open, { e: sent.trackedEmailId, u: 'https://evil.example/' })}`,
      `/api/v1/track/click/${tokens.sign(TRACKING_PURPOSE.click, { e: sent.trackedEmailId, u: '//evil.example/' })}`,
      `/api/v1/track/click/${tokens.sign(TRACKING_PURPOSE.click, { e: sent.trackedEmailId, u: 'javascript:alert(1)' })}`,
      `/api/v1/track/click/${encodeURIComponent('//evil.example')}`,
      '/api/v1/track/click/not-a-token?url=https://evil.example/',
    ];
    for (const path of attempts) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('location'), path).toBeNull();
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
    }
    expect(await countsOf(sent.trackedEmailId)).toMatchObject({ click_count: 0 });
    expect(await signalsOf(sent.leadId)).toEqual([]);
  });

  it('redirects link scanners and clicks within seconds of delivery without a signal', async () => {
    const scanned = await sendTrackedEmail();
    const scan = await get(scanned.click, 'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))');
    expect(scan.status).toBe(302);
    const early = await sendTrackedEmail({ sentAgoMs: 1500 });
    const quick = await get(early.click);
    expect(quick.status).toBe(302);
    expect(quick.headers.get('location')).toBe('https://example.com/pricing?plan=pro');
    expect(await signalsOf(scanned.leadId)).toEqual([]);
    expect(await signalsOf(early.leadId)).toEqual([]);
    expect(await countsOf(early.trackedEmailId)).toMatchObject({ click_count: 0 });
  });
});

describe('unsubscribe', () => {
  it('shows a script-free confirmation page, suppresses on the form or one-click post (once), and engagement mail is then refused', async () => {
    const sent = await sendTrackedEmail();
    const page = await get(sent.unsubscribe);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).not.toMatch(/<script/i);
    // showing the page changes nothing (mail scanners follow links)
    expect((await t.database.pool.query('SELECT 1 FROM email_suppressions WHERE org_id = $1', [tenant.orgId])).rowCount).toBe(0);

    const oneClick = () =>
      t.app.request(sent.unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect((await oneClick()).status).toBe(200);
    expect((await oneClick()).status).toBe(200);
    const { rows } = await t.database.pool.query('SELECT email, reason FROM email_suppressions WHERE org_id = $1', [tenant.orgId]);
    expect(rows).toEqual([{ email: sent.recipient.toLowerCase(), reason: 'unsubscribed' }]);

    const scope = { orgId: tenant.orgId, userId: tenant.adminId };
    const config = await addMailConfiguration(t.database, t.deps.services.secrets, scope, { mailer: 'sandbox', from_address: 'again@example.test', password: 'x' }, async () => undefined);
    const account = await openMailAccount(t.database, t.deps.services.secrets, tenant.orgId, config.id);
    await expect(
      queueTrackedMail(t.database, { tokens: t.deps.services.tokens, publicBaseUrl: 'http://lio.test' }, scope, account, { subject: 'Again', body: '<p>Hi</p>' }, { source: 'sequence', recipient: sent.recipient.toUpperCase() }, 'again'),
    ).rejects.toMatchObject({ kind: 'validation_error', options: { code: 'recipient_unsubscribed' } });
  });

  it('answers an HTML 404 for a token that is not an unsubscribe token, suppressing nothing', async () => {
    const sent = await sendTrackedEmail();
    for (const path of [`/api/v1/track/unsubscribe/${tokenOf(sent.open)}`, '/api/v1/track/unsubscribe/forged']) {
      const res = await t.app.request(path, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });
});

describe('rate limit per client IP', () => {
  it('keeps answering the pixel beyond the limit but records nothing more, and answers clicks 429', async () => {
    const limited = createTestApp({ TRACKING_RATE_LIMIT: '2', TRUST_PROXY: 'true', CREDENTIALS_KEY: sameKey() });
    try {
      const sent = await sendTrackedEmail();
      const ip = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
      const from = (path: string) => limited.app.request(path, { headers: { 'user-agent': PERSON, 'x-forwarded-for': ip } });
      for (let i = 0; i < 3; i++) await expectPixel(await from(sent.open));
      expect((await countsOf(sent.trackedEmailId)).open_count).toBe(2);
      const click = await from(sent.click);
      expect(click.status).toBe(429);
      expect(click.headers.get('retry-after')).toMatch(/^\d+$/);
      // another address has its own budget
      const other = await limited.app.request(sent.click, { headers: { 'user-agent': PERSON, 'x-forwarded-for': '203.0.113.9' } });
      expect(other.status).toBe(302);
    } finally {
      await limited.close();
    }
  });
});

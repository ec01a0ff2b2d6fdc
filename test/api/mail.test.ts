// §6.11 mail configurations and the inbox against local fakes of Gmail (and
// Google's token endpoint), Microsoft Graph and an SMTP server
// (smtp-server): configurations stored only after a verify call, sealed and
// never shown; inbox paging, filters and config_id scoping; a 401 refreshed
// once with the new token stored sealed; a refused refresh shown as
// needs_reauth; a 429 recorded in the shared throttle; send and reply queued
// (202) with their outbox event. Delivery itself: test/workflow/mail-delivery.test.ts.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../domain/platform/logger.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { logSink } from '../helpers/log-sink.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { startGmailFake, type GmailFake, type GmailFakeMessage } from '../fakes/gmail-fake.js';
import { startGraphFake, type GraphFake } from '../fakes/graph-fake.js';

const GMAIL_ACCESS = 'ya29.gmail-access-token-0001';
const GMAIL_REFRESH = '1//gmail-refresh-token-0001';
const GRAPH_ACCESS = 'eyJ0eXAi.graph-access-0001';
const GRAPH_REFRESH = 'graph-refresh-0001';
const SMTP_PASSWORD = 'smtp-password-s3cret';

let t: TestApp;
let gmail: GmailFake;
let graph: GraphFake;
let smtp: SMTPServer;
let smtpPort: number;

beforeAll(async () => {
  gmail = await startGmailFake({ accessToken: GMAIL_ACCESS, refreshToken: GMAIL_REFRESH });
  graph = await startGraphFake({ accessToken: GRAPH_ACCESS, refreshToken: GRAPH_REFRESH });
  smtp = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      if (auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  t = createTestApp({
    EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
    SANDBOX_CONNECTORS: 'true',
    GOOGLE_CLIENT_ID: 'google-client',
    GOOGLE_CLIENT_SECRET: 'google-secret',
    GOOGLE_API_BASE_URL: gmail.apiUrl,
    GOOGLE_TOKEN_URL: gmail.tokenUrl,
    MICROSOFT_CLIENT_ID: 'ms-client',
    MICROSOFT_CLIENT_SECRET: 'ms-secret',
    MICROSOFT_GRAPH_BASE_URL: graph.graphUrl,
    MICROSOFT_TOKEN_URL: graph.tokenUrl,
  });
});

afterAll(async () => {
  await t?.close();
  await gmail?.close();
  await graph?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

const gmailToken = (access = GMAIL_ACCESS, refresh = GMAIL_REFRESH) =>
  JSON.stringify({ access_token: access, refresh_token: refresh, expiry_date: Date.now() + 3600_000 });

async function addGmail(tenant: Tenant, token = tenant.token, password = gmailToken()) {
  const res = await t.call('POST', '/api/mail-configurations/add', {
    token,
    body: { mailer: 'gmail', from_address: 'owner@example.com', from_name: 'Owner', password },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: number };
}

let nextMail = 1;
function inboxMessage(overrides: Partial<GmailFakeMessage> & { minutesAgo: number }): GmailFakeMessage {
  const id = `in${nextMail++}`;
  return {
    id,
    threadId: `thread-${id}`,
    labelIds: ['INBOX'],
    internalDate: Date.now() - overrides.minutesAgo * 60_000,
    headers: { 'Message-ID': `<${id}@sender.example>`, Subject: `Hello ${id}`, From: 'Sam Sender <sam@sender.example>', To: 'owner@example.com' },
    text: `Body of ${id}`,
    html: `<p>Body of ${id}</p>`,
    ...overrides,
  };
}

const storedSecret = async (configId: number) =>
  (await t.database.pool.query<{ secret_sealed: string; org_id: number }>('SELECT secret_sealed, org_id FROM mail_configurations WHERE id = $1', [configId])).rows[0]!;

describe('mail configurations', () => {
  it('stores a Gmail configuration after a verify call, sealed, and never shows the token', async () => {
    const tenant = await seedTenant(t);
    const before = gmail.requests.length;
    const added = await addGmail(tenant);
    expect(gmail.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual([
      `GET /gmail/v1/users/me/profile Bearer ${GMAIL_ACCESS}`,
    ]);
    const list = await t.call('GET', '/api/mail-configurations/list', { token: tenant.token });
    expect(list.body).toMatchObject({ total: 1, page: 1, data: [{ id: added.id, mailer: 'gmail', from_address: 'owner@example.com', needs_reauth: false, password_hint: '••••0001' }] });
    const { secret_sealed, org_id } = await storedSecret(added.id);
    expect(secret_sealed).not.toContain(GMAIL_ACCESS);
    expect(JSON.parse(t.deps.services.secrets.open(secret_sealed, `mail_configurations:${org_id}`))).toMatchObject({ access_token: GMAIL_ACCESS, refresh_token: GMAIL_REFRESH });
    for (const body of [JSON.stringify(list.body)]) {
      expect(body).not.toContain(GMAIL_ACCESS);
      expect(body).not.toContain(GMAIL_REFRESH);
    }
  });

  it('refuses credentials the provider refuses (422) and stores nothing', async () => {
    const tenant = await seedTenant(t);
    gmail.refreshTokens.delete('no-such');
    const res = await t.call('POST', '/api/mail-configurations/add', {
      token: tenant.token,
      body: { mailer: 'gmail', from_address: 'owner@example.com', password: 'ya29.not-a-valid-token' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('mail_credentials_refused');
    expect((await t.call('GET', '/api/mail-configurations/list', { token: tenant.token })).body.total).toBe(0);
  });

  it('verifies an SMTP login against the server, and an SMTP inbox answers 422 inbox_not_supported', async () => {
    const tenant = await seedTenant(t);
    const smtpBody = { mailer: 'smtp', from_address: 'rep@smtp.example', smtp_host: '127.0.0.1', smtp_port: smtpPort, smtp_secure: false };
    const refused = await t.call('POST', '/api/mail-configurations/add', { token: tenant.token, body: { ...smtpBody, password: 'wrong-password' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('mail_credentials_refused');
    const added = await t.call('POST', '/api/mail-configurations/add', { token: tenant.token, body: { ...smtpBody, password: SMTP_PASSWORD } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body.data).toMatchObject({ mailer: 'smtp', smtp: { host: '127.0.0.1', port: smtpPort, secure: false, user: null } });
    expect(JSON.stringify(added.body)).not.toContain(SMTP_PASSWORD);
    const inbox = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: added.body.data.id } });
    expect(inbox.status).toBe(422);
    expect(inbox.body.error.code).toBe('inbox_not_supported');
  });

  it('without the test opt-ins: no sandbox (SANDBOX_CONNECTORS off), and no SMTP host the egress refuses (loopback)', async () => {
    const production = createTestApp();
    try {
      const tenant = await seedTenant(production);
      const res = await production.call('POST', '/api/mail-configurations/add', {
        token: tenant.token,
        body: { mailer: 'sandbox', from_address: 'me@sandbox.test', password: 'x' },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('sandbox_disabled');
      const internal = await production.call('POST', '/api/mail-configurations/add', {
        token: tenant.token,
        body: { mailer: 'smtp', from_address: 'rep@smtp.example', password: SMTP_PASSWORD, smtp_host: '127.0.0.1', smtp_port: smtpPort, smtp_secure: false },
      });
      expect(internal.status).toBe(422);
      expect(internal.body.error.code).toBe('mail_host_refused');
      expect((await production.call('GET', '/api/mail-configurations/list', { token: tenant.token })).body.total).toBe(0);
    } finally {
      await production.close();
    }
  });

  it('filters the list by mailer and keeps a rep to their own configurations', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    await addGmail(tenant);
    const sandbox = await t.call('POST', '/api/mail-configurations/add', {
      token: rep.token,
      body: { mailer: 'sandbox', from_address: 'rep@sandbox.test', password: 'unused' },
    });
    expect(sandbox.status).toBe(201);
    expect((await t.call('GET', '/api/mail-configurations/list', { token: tenant.token, query: { mailer: 'gmail' } })).body.total).toBe(1);
    expect((await t.call('GET', '/api/mail-configurations/list', { token: tenant.token })).body.total).toBe(2);
    const repList = await t.call('GET', '/api/mail-configurations/list', { token: rep.token });
    expect(repList.body.data.map((c: { mailer: string }) => c.mailer)).toEqual(['sandbox']);
  });
});

describe('the inbox', () => {
  it('lists a page of the folder newest first with the filters, and scopes config_id to its owner and organization', async () => {
    const tenant = await seedTenant(t);
    const other = await seedTenant(t, 'Other');
    const rep = await tenant.addUser();
    const config = await addGmail(tenant);
    const messages = [1, 2, 3, 4, 5].map((n) => inboxMessage({ minutesAgo: n, ...(n === 2 ? { labelIds: ['INBOX', 'UNREAD'] } : {}) }));
    gmail.mailbox.push(...messages, inboxMessage({ minutesAgo: 0, labelIds: ['SENT'] }));
    const page2 = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id, page: 2, limit: 2 } });
    expect(page2.status, JSON.stringify(page2.body)).toBe(200);
    expect(page2.body).toMatchObject({ page: 2, limit: 2 });
    expect(page2.body.total).toBeGreaterThanOrEqual(5);
    expect(page2.body.data.map((m: { id: string }) => m.id)).toEqual([messages[2]!.id, messages[3]!.id]);
    expect(page2.body.data[0]).toMatchObject({ from: 'Sam Sender <sam@sender.example>', subject: `Hello ${messages[2]!.id}`, unread: false });
    const unread = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id, unreadOnly: 'true' } });
    expect(unread.body.data.map((m: { id: string }) => m.id)).toEqual([messages[1]!.id]);
    const searched = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id, search: `Hello ${messages[3]!.id}` } });
    expect(searched.body.data.map((m: { id: string }) => m.id)).toEqual([messages[3]!.id]);
    // received between 4.5 and 1.5 minutes ago: messages 2, 3 and 4 (Gmail's after:/before: in epoch seconds)
    const ranged = await t.call('GET', '/api/inbox/list', {
      token: tenant.token,
      query: { config_id: config.id, start_date: new Date(Date.now() - 270_000).toISOString(), end_date: new Date(Date.now() - 90_000).toISOString() },
    });
    expect(ranged.body.data.map((m: { id: string }) => m.id)).toEqual([messages[1]!.id, messages[2]!.id, messages[3]!.id]);
    const sent = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id, folder: 'sent', limit: 50 } });
    expect(sent.body.data.every((m: { id: string }) => !messages.some((x) => x.id === m.id))).toBe(true);

    const tooDeep = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id, page: 51 } });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body.error.code).toBe('mail_rejected');
    expect((await t.call('GET', '/api/inbox/list', { token: other.token, query: { config_id: config.id } })).status).toBe(404);
    expect((await t.call('GET', '/api/inbox/list', { token: rep.token, query: { config_id: config.id } })).status).toBe(404);
    expect((await t.call('GET', `/api/inbox/view/${messages[0]!.id}`, { token: other.token, query: { config_id: config.id } })).status).toBe(404);
  });

  it('shows a message with its HTML sanitised, and 404 for one the mailbox does not have', async () => {
    const tenant = await seedTenant(t);
    const config = await addGmail(tenant);
    const message = inboxMessage({ minutesAgo: 1, html: '<p onclick="steal()">Hi<script>alert(1)</script><a href="javascript:x()">link</a></p>' });
    gmail.mailbox.push(message);
    const view = await t.call('GET', `/api/inbox/view/${message.id}`, { token: tenant.token, query: { config_id: config.id } });
    expect(view.status).toBe(200);
    expect(view.body.data).toMatchObject({ id: message.id, message_id: message.headers['Message-ID'], thread_id: message.threadId });
    expect(view.body.data.html).toBe('<p>Hi<a>link</a></p>');
    expect((await t.call('GET', '/api/inbox/view/nosuchmessage', { token: tenant.token, query: { config_id: config.id } })).status).toBe(404);
  });

  it('refreshes a refused access token once, stores the new one sealed, and keeps going', async () => {
    const tenant = await seedTenant(t);
    const access = 'ya29.soon-revoked-0002';
    gmail.validTokens.add(access);
    const config = await addGmail(tenant, tenant.token, gmailToken(access));
    gmail.validTokens.delete(access);
    const tokenCalls = gmail.requests.filter((r) => r.path === '/token').length;
    const list = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id } });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(gmail.requests.filter((r) => r.path === '/token').length).toBe(tokenCalls + 1);
    const { secret_sealed, org_id } = await storedSecret(config.id);
    const stored = JSON.parse(t.deps.services.secrets.open(secret_sealed, `mail_configurations:${org_id}`));
    expect(stored.access_token).toMatch(/^refreshed-access-\d+$/);
    expect(stored.refresh_token).toBe(GMAIL_REFRESH);
    expect(gmail.validTokens.has(stored.access_token)).toBe(true);
  });

  it('marks the configuration needs_reauth when the refresh is refused', async () => {
    const tenant = await seedTenant(t);
    const access = 'ya29.revoked-0003';
    gmail.validTokens.add(access);
    const config = await addGmail(tenant, tenant.token, gmailToken(access, '1//refresh-that-will-be-revoked'));
    gmail.validTokens.delete(access);
    const list = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id } });
    expect(list.status).toBe(422);
    expect(list.body.error.code).toBe('mail_reauth_required');
    const configs = await t.call('GET', '/api/mail-configurations/list', { token: tenant.token });
    expect(configs.body.data[0]).toMatchObject({ id: config.id, needs_reauth: true });
    expect(configs.body.data[0].last_error).toContain('refresh was refused');
    // marked: the provider is not asked again until the user adds it anew
    const asked = gmail.requests.length;
    expect((await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id } })).body.error.code).toBe('mail_reauth_required');
    expect(gmail.requests.length).toBe(asked);
  });

  it("answers the provider's 429 with Retry-After and holds the account in the shared throttle", async () => {
    const tenant = await seedTenant(t);
    const config = await addGmail(tenant);
    gmail.failNext(1, 'GET', '/gmail/v1/users/me/messages', 429, 30);
    const limited = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    const { rows } = await t.database.pool.query(`SELECT provider FROM provider_throttles WHERE provider = 'gmail' AND account = $1 AND not_before > now() + interval '20 seconds'`, [
      `mail_configuration:${config.id}`,
    ]);
    expect(rows).toHaveLength(1);
    const asked = gmail.requests.length;
    expect((await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id } })).status).toBe(429);
    expect(gmail.requests.length).toBe(asked);
  });

  it('answers 502 mail_unavailable when the provider fails, without marking anything', async () => {
    const tenant = await seedTenant(t);
    const config = await addGmail(tenant);
    gmail.failNext(1, 'GET', '/gmail/v1/users/me/messages', 503);
    const failed = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id } });
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('mail_unavailable');
    expect(JSON.stringify(failed.body)).not.toContain('Backend Error');
    const configs = await t.call('GET', '/api/mail-configurations/list', { token: tenant.token });
    expect(configs.body.data[0]).toMatchObject({ needs_reauth: false, last_error: null });
    expect((await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: config.id } })).status).toBe(200);
  });

  it('reads an Outlook mailbox through Graph with $top/$skip paging and unread filter', async () => {
    const tenant = await seedTenant(t);
    const added = await t.call('POST', '/api/mail-configurations/add', {
      token: tenant.token,
      body: { mailer: 'outlook', from_address: 'owner@contoso.com', password: GRAPH_ACCESS, refresh_token: GRAPH_REFRESH },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    for (const n of [1, 2, 3]) {
      graph.mailbox.push({
        id: `o${n}`,
        folder: 'inbox',
        subject: `Outlook ${n}`,
        from: 'pat@partner.example',
        to: ['owner@contoso.com'],
        isRead: n !== 3,
        receivedDateTime: at(n),
        internetMessageId: `<o${n}@partner.example>`,
        html: `<div>Message ${n}</div>`,
      });
    }
    const page = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: added.body.data.id, page: 2, limit: 1 } });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body).toMatchObject({ total: 3, data: [{ id: 'o2', subject: 'Outlook 2', from: 'pat@partner.example', unread: false }] });
    const unread = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: added.body.data.id, unreadOnly: '1' } });
    expect(unread.body.data.map((m: { id: string }) => m.id)).toEqual(['o3']);
    const searched = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: added.body.data.id, search: 'Message 2' } });
    expect(searched.status, JSON.stringify(searched.body)).toBe(200);
    expect(searched.body.data.map((m: { id: string }) => m.id)).toEqual(['o2']);
    expect(graph.requests.filter((r) => r.path.startsWith('/v1.0/me')).every((r) => r.authorization === `Bearer ${GRAPH_ACCESS}`)).toBe(true);
  });
});

describe('send and reply', () => {
  it('queue the message with its outbox event (202), sanitised, once per Idempotency-Key', async () => {
    const tenant = await seedTenant(t);
    const config = await addGmail(tenant);
    const body = { config_id: config.id, to: ['lead@example.org'], subject: 'Proposal', body: '<p>Hello<script>x()</script></p>' };
    const sent = await t.call('POST', '/api/inbox/send', { token: tenant.token, body, headers: { 'idempotency-key': 'send-1' } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body.data).toMatchObject({ status: 'queued', channel: 'mail', connector: 'gmail', config_id: config.id, to: ['lead@example.org'], subject: 'Proposal' });
    expect(sent.body.data.message_id).toMatch(/^<[0-9a-f-]{36}@example\.com>$/);
    const again = await t.call('POST', '/api/inbox/send', { token: tenant.token, body, headers: { 'idempotency-key': 'send-1' } });
    expect(again.body.data.id).toBe(sent.body.data.id);
    const { rows } = await t.database.pool.query(`SELECT payload FROM outbox_events WHERE org_id = $1 AND kind = 'mail.send'`, [tenant.orgId]);
    expect(rows).toEqual([{ payload: { messageId: String(sent.body.data.id) } }]);
    const stored = await t.database.pool.query(`SELECT payload FROM outbound_messages WHERE id = $1`, [sent.body.data.id]);
    expect(stored.rows[0].payload).toMatchObject({ html: '<p>Hello</p>', text: 'Hello' });
    const followed = await t.call('GET', `/api/inbox/outbound/${sent.body.data.id}`, { token: tenant.token });
    expect(followed.body.data).toMatchObject({ id: sent.body.data.id, status: 'queued' });
    const other = await seedTenant(t, 'Other');
    expect((await t.call('GET', `/api/inbox/outbound/${sent.body.data.id}`, { token: other.token })).status).toBe(404);
    expect((await t.call('POST', '/api/inbox/send', { token: other.token, body })).status).toBe(404);
  });

  it('reply keeps the thread: In-Reply-To, References, the thread id, and "Re:"', async () => {
    const tenant = await seedTenant(t);
    const config = await addGmail(tenant);
    const original = inboxMessage({ minutesAgo: 3 });
    original.headers.References = '<root@sender.example>';
    gmail.mailbox.push(original);
    const reply = await t.call('POST', `/api/inbox/reply/${original.id}`, { token: tenant.token, body: { config_id: config.id, body: 'Thanks!' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    expect(reply.body.data).toMatchObject({ to: ['sam@sender.example'], subject: `Re: Hello ${original.id}`, in_reply_to: original.headers['Message-ID'] });
    const stored = await t.database.pool.query(`SELECT payload FROM outbound_messages WHERE id = $1`, [reply.body.data.id]);
    expect(stored.rows[0].payload).toMatchObject({
      references: ['<root@sender.example>', original.headers['Message-ID']],
      thread_id: original.threadId,
      reply_to_provider_id: original.id,
    });
  });

  it('the sandbox lists what it recorded, and its inbox shows the configuration\'s sent mail', async () => {
    const tenant = await seedTenant(t);
    const added = await t.call('POST', '/api/mail-configurations/add', { token: tenant.token, body: { mailer: 'sandbox', from_address: 'me@sandbox.test', password: 'x' } });
    const sent = await t.call('POST', '/api/inbox/send', { token: tenant.token, body: { config_id: added.body.data.id, to: ['a@b.test'], subject: 'Sandboxed', body: 'Hi' } });
    expect(sent.status).toBe(202);
    const listed = await t.call('GET', '/api/sandbox/messages', { token: tenant.token, query: { channel: 'mail' } });
    expect(listed.body).toMatchObject({ total: 1, data: [{ id: sent.body.data.id, connector: 'sandbox', subject: 'Sandboxed', to: ['a@b.test'] }] });
    const inbox = await t.call('GET', '/api/inbox/list', { token: tenant.token, query: { config_id: added.body.data.id } });
    expect(inbox.body).toMatchObject({ total: 1, data: [{ id: String(sent.body.data.id), subject: 'Sandboxed' }] });
    const other = await seedTenant(t, 'Other');
    expect((await t.call('GET', '/api/sandbox/messages', { token: other.token })).body.total).toBe(0);
    const page = await t.app.request('/sandbox');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/sandbox/messages');
    expect(html).toContain('/api/call/list');
    // what the API returns is inserted as text only
    expect(html).not.toContain('innerHTML');
  });
});

describe('secrets in logs', () => {
  it('no token or password reaches the logs, even at debug level', async () => {
    const { stream, lines } = logSink();
    const app = createApp({ ...t.deps, logger: createLogger('debug', 'lio-test', stream) });
    const tenant = await seedTenant(t);
    const add = await app.request('/api/mail-configurations/add', {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mailer: 'gmail', from_address: 'owner@example.com', password: gmailToken() }),
    });
    expect(add.status).toBe(201);
    const refused = await app.request('/api/mail-configurations/add', {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mailer: 'smtp', from_address: 'x@smtp.example', password: 'leaky-password-123', smtp_host: '127.0.0.1', smtp_port: smtpPort, smtp_secure: false }),
    });
    expect(refused.status).toBe(422);
    const output = lines.join('');
    expect(output.length).toBeGreaterThan(0);
    for (const secret of [GMAIL_ACCESS, GMAIL_REFRESH, 'leaky-password-123']) expect(output).not.toContain(secret);
  });
});

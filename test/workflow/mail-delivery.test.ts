// Mail delivery end to end: POST /api/inbox/send (or reply) records the
// message and its outbox event, the worker's relay starts
// mailDeliveryWorkflow, whose activity sends it through the configuration's
// connector to a local fake (Gmail + Google's token endpoint, Graph +
// Microsoft's, an SMTP server). Each case proves the message arrives exactly
// once whatever the provider did: refused token refreshed, refused refresh
// (needs_reauth, not retried), 429 with Retry-After (shared throttle, the
// next attempt waits), 5xx then success, and a send the provider took but
// answered too late (found by Message-ID, not sent again). A real worker
// against the real Temporal dev server, on a database of its own.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import { mailDeliveryWorkflowId } from '../../workflows/mail-delivery.workflow.js';
import { IN_DOUBT_UNANSWERABLE } from '../../activities/mail.activities.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { mimeHeaders, startGmailFake, type GmailFake } from '../fakes/gmail-fake.js';
import { startGraphFake, type GraphFake } from '../fakes/graph-fake.js';

const GMAIL_REFRESH = '1//mail-delivery-refresh';
const GRAPH_ACCESS = 'graph-delivery-access';
const GRAPH_REFRESH = 'graph-delivery-refresh';
const SMTP_PASSWORD = 'delivery-smtp-password';
// the egress gives up on an answer after this long: a send answered later is "in doubt"
const EGRESS_TIMEOUT_MS = 1500;

let system: TestSystem;
let t: TestApp;
let temporal: TemporalClient;
let gmail: GmailFake;
let graph: GraphFake;
let smtp: SMTPServer;
let smtpPort: number;
const smtpReceived: { messageId: string | undefined; subject: string | undefined; to: string }[] = [];
// the SMTP server takes the next message but confirms it (250 after DATA) only this much later
let smtpConfirmNextAfterMs = 0;

beforeAll(async () => {
  gmail = await startGmailFake({ accessToken: 'unused-initial', refreshToken: GMAIL_REFRESH });
  graph = await startGraphFake({ accessToken: GRAPH_ACCESS, refreshToken: GRAPH_REFRESH });
  smtp = new SMTPServer({
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (auth, _session, callback) => (auth.password === SMTP_PASSWORD ? callback(null, { user: auth.username }) : callback(new Error('Invalid login'))),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const headers = mimeHeaders(Buffer.concat(chunks).toString('utf8'));
        smtpReceived.push({ messageId: headers['message-id'], subject: headers.subject, to: session.envelope.rcptTo.map((r) => r.address).join(',') });
        const delay = smtpConfirmNextAfterMs;
        smtpConfirmNextAfterMs = 0;
        setTimeout(() => callback(), delay);
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  system = await createTestSystem('maildelivery', {
    worker: true,
    config: {
      EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
      EGRESS_TIMEOUT_MS: String(EGRESS_TIMEOUT_MS),
      SANDBOX_CONNECTORS: 'true',
      GOOGLE_CLIENT_ID: 'google-client',
      GOOGLE_CLIENT_SECRET: 'google-secret',
      GOOGLE_API_BASE_URL: gmail.apiUrl,
      GOOGLE_TOKEN_URL: gmail.tokenUrl,
      MICROSOFT_CLIENT_ID: 'ms-client',
      MICROSOFT_CLIENT_SECRET: 'ms-secret',
      MICROSOFT_GRAPH_BASE_URL: graph.graphUrl,
      MICROSOFT_TOKEN_URL: graph.tokenUrl,
    },
  });
  t = system.t;
  temporal = await connectTemporalClient(t.deps.config);
});

afterAll(async () => {
  await temporal?.connection.close();
  await system?.close();
  await gmail?.close();
  await graph?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

let tokens = 0;
/** A Gmail configuration with an access token of its own (valid at the fake until a test revokes it). */
async function gmailConfig(tenant: Tenant, refreshToken = GMAIL_REFRESH) {
  const access = `ya29.delivery-${++tokens}`;
  gmail.validTokens.add(access);
  const res = await t.call('POST', '/api/mail-configurations/add', {
    token: tenant.token,
    body: { mailer: 'gmail', from_address: 'owner@example.com', from_name: 'Owner', password: JSON.stringify({ access_token: access, refresh_token: refreshToken, expiry_date: Date.now() + 3600_000 }) },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.id as number, access };
}

async function send(tenant: Tenant, configId: number, subject: string) {
  const res = await t.call('POST', '/api/inbox/send', {
    token: tenant.token,
    body: { config_id: configId, to: ['lead@example.org'], subject, body: `<p>${subject}</p>` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data as { id: number; message_id: string };
}

/** The delivery's result, once the relay has started it and it has ended. */
async function delivered(tenant: Tenant, messageId: number) {
  const handle = temporal.client.workflow.getHandle(mailDeliveryWorkflowId({ orgPublicId: tenant.orgPublicId, messageId: String(messageId) }));
  await vi.waitFor(() => handle.describe(), { timeout: 20_000, interval: 200 });
  return handle.result();
}

const outbound = async (tenant: Tenant, id: number) => (await t.call('GET', `/api/inbox/outbound/${id}`, { token: tenant.token })).body.data;
const gmailSendsOf = (messageId: string) => gmail.sent.filter((m) => m.headers['Message-ID'] === messageId);

describe('mailDeliveryWorkflow through Gmail', () => {
  it('sends once, with our Message-ID, and records the provider id', async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant);
    const queued = await send(tenant, config.id, 'First contact');
    const result = await delivered(tenant, queued.id);
    const [sent, ...more] = gmailSendsOf(queued.message_id);
    expect(more).toEqual([]);
    expect(result).toEqual({ status: 'sent', providerMessageId: sent!.id });
    expect(mimeHeaders(sent!.raw!)).toMatchObject({ subject: 'First contact', to: 'lead@example.org', from: 'Owner <owner@example.com>' });
    expect(await outbound(tenant, queued.id)).toMatchObject({ status: 'sent', provider_message_id: sent!.id, attempts: 1 });
  });

  it('refreshes a refused token, sends once, and stores the refreshed token sealed', async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant);
    gmail.validTokens.delete(config.access);
    const queued = await send(tenant, config.id, 'After refresh');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    expect(gmailSendsOf(queued.message_id)).toHaveLength(1);
    const { rows } = await t.database.pool.query<{ secret_sealed: string }>('SELECT secret_sealed FROM mail_configurations WHERE id = $1', [config.id]);
    const stored = JSON.parse(t.deps.services.secrets.open(rows[0]!.secret_sealed, `mail_configurations:${tenant.orgId}`));
    expect(stored).toMatchObject({ access_token: expect.stringMatching(/^refreshed-access-/), refresh_token: GMAIL_REFRESH });
    expect(rows[0]!.secret_sealed).not.toContain(stored.access_token);
  });

  it('fails without retrying when the refresh is refused, and shows needs_reauth', async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant, '1//revoked-refresh');
    gmail.validTokens.delete(config.access);
    const queued = await send(tenant, config.id, 'Never sent');
    const result = await delivered(tenant, queued.id);
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('refresh was refused') });
    expect(gmailSendsOf(queued.message_id)).toEqual([]);
    expect(await outbound(tenant, queued.id)).toMatchObject({ status: 'failed', attempts: 1 });
    const list = await t.call('GET', '/api/mail-configurations/list', { token: tenant.token });
    expect(list.body.data[0]).toMatchObject({ id: config.id, needs_reauth: true });
    // a configuration needing re-authorisation takes no new mail
    const refused = await t.call('POST', '/api/inbox/send', { token: tenant.token, body: { config_id: config.id, to: ['x@y.test'], subject: 's', body: 'b' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('mail_reauth_required');
  });

  it("honours a 429's Retry-After: the throttle is recorded and the next attempt waits for it", async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant);
    gmail.failNext(1, 'POST', '/gmail/v1/users/me/messages/send', 429, 3);
    const queued = await send(tenant, config.id, 'Rate limited');
    await vi.waitFor(
      async () => {
        const { rows } = await t.database.pool.query(`SELECT 1 FROM provider_throttles WHERE provider = 'gmail' AND account = $1`, [`mail_configuration:${config.id}`]);
        expect(rows).toHaveLength(1);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    const sends = gmail.requests.filter((r) => r.path === '/gmail/v1/users/me/messages/send' && r.authorization === `Bearer ${config.access}`);
    expect(sends.map((r) => r.status)).toEqual([429, 200]);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(3000);
    expect(gmailSendsOf(queued.message_id)).toHaveLength(1);
    expect(await outbound(tenant, queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('retries 5xx answers and then sends once', async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant);
    gmail.failNext(2, 'POST', '/gmail/v1/users/me/messages/send', 503);
    const queued = await send(tenant, config.id, 'After outage');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    expect(gmailSendsOf(queued.message_id)).toHaveLength(1);
    expect(await outbound(tenant, queued.id)).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('a send Gmail took but answered too late is found by its Message-ID and not sent again', async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant);
    gmail.answerNextSendAfter(EGRESS_TIMEOUT_MS + 1500);
    const queued = await send(tenant, config.id, 'Slow answer');
    const result = await delivered(tenant, queued.id);
    const [sent, ...more] = gmailSendsOf(queued.message_id);
    expect(more).toEqual([]);
    expect(result).toEqual({ status: 'sent', providerMessageId: sent!.id });
    // the second attempt asked before sending
    expect(gmail.requests.some((r) => r.q === `rfc822msgid:${queued.message_id.slice(1, -1)}`)).toBe(true);
    expect(await outbound(tenant, queued.id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('a send whose connection dropped after Gmail took it is found by its Message-ID and not sent again', async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant);
    gmail.dropNextSendAnswer();
    const queued = await send(tenant, config.id, 'Dropped answer');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    expect(gmailSendsOf(queued.message_id)).toHaveLength(1);
    expect(gmail.requests.some((r) => r.q === `rfc822msgid:${queued.message_id.slice(1, -1)}`)).toBe(true);
  });

  it('a reply goes into the thread with In-Reply-To and References', async () => {
    const tenant = await seedTenant(t);
    const config = await gmailConfig(tenant);
    gmail.mailbox.push({
      id: 'orig-1',
      threadId: 'thread-orig-1',
      labelIds: ['INBOX'],
      internalDate: Date.now() - 60_000,
      headers: { 'Message-ID': '<orig-1@lead.example>', Subject: 'Question', From: 'Lee Lead <lee@lead.example>', To: 'owner@example.com' },
      text: 'Any news?',
    });
    const res = await t.call('POST', '/api/inbox/reply/orig-1', { token: tenant.token, body: { config_id: config.id, body: 'Yes!' } });
    expect(res.status).toBe(202);
    expect(await delivered(tenant, res.body.data.id)).toMatchObject({ status: 'sent' });
    const [sent] = gmailSendsOf(res.body.data.message_id);
    expect(sent!.threadId).toBe('thread-orig-1');
    expect(mimeHeaders(sent!.raw!)).toMatchObject({ 'in-reply-to': '<orig-1@lead.example>', references: '<orig-1@lead.example>', subject: 'Re: Question', to: 'lee@lead.example' });
  });
});

/** An Outlook configuration with an access token of its own (valid at the fake until a test revokes it). */
async function outlookConfig(tenant: Tenant, refreshToken = GRAPH_REFRESH) {
  const access = `graph-delivery-${++tokens}`;
  graph.validTokens.add(access);
  const res = await t.call('POST', '/api/mail-configurations/add', {
    token: tenant.token,
    body: { mailer: 'outlook', from_address: 'owner@contoso.com', password: access, refresh_token: refreshToken },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.id as number, access };
}

const graphSendsOf = (messageId: string) => graph.sent.filter((m) => m.internetMessageId === messageId);

/** A text file uploaded through the API, as a mail attachment would be. */
async function uploadedFile(tenant: Tenant, name: string, content: string) {
  const form = new FormData();
  form.set('file', new File([content], name, { type: 'text/plain' }));
  const res = await t.call('POST', '/api/storage-file/add', { token: tenant.token, body: form });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as number;
}

describe('attachments', () => {
  it('go out with the mail, read from storage when it is sent (Gmail raw MIME, Graph fileAttachment)', async () => {
    const tenant = await seedTenant(t);
    const fileId = await uploadedFile(tenant, 'quote.txt', 'Quote: 42 widgets');
    const gmailConfigured = await gmailConfig(tenant);
    const body = (configId: number) => ({ config_id: configId, to: ['lead@example.org'], subject: 'With attachment', body: 'See attached', attachment_ids: [fileId] });
    const viaGmail = await t.call('POST', '/api/inbox/send', { token: tenant.token, body: body(gmailConfigured.id) });
    expect(viaGmail.status, JSON.stringify(viaGmail.body)).toBe(202);
    expect(viaGmail.body.data.attachments).toEqual([{ file_id: fileId, filename: 'quote.txt', size: 17 }]);
    expect(await delivered(tenant, viaGmail.body.data.id)).toMatchObject({ status: 'sent' });
    const raw = gmailSendsOf(viaGmail.body.data.message_id)[0]!.raw!;
    expect(raw).toContain('filename=quote.txt');
    expect(raw).toContain(Buffer.from('Quote: 42 widgets').toString('base64'));

    const outlookConfigured = await outlookConfig(tenant);
    const viaGraph = await t.call('POST', '/api/inbox/send', { token: tenant.token, body: body(outlookConfigured.id) });
    expect(await delivered(tenant, viaGraph.body.data.id)).toMatchObject({ status: 'sent' });
    const [sent] = graphSendsOf(viaGraph.body.data.message_id);
    expect((sent!.request!.message as { attachments: unknown[] }).attachments).toEqual([
      { '@odata.type': '#microsoft.graph.fileAttachment', name: 'quote.txt', contentType: 'text/plain', contentBytes: Buffer.from('Quote: 42 widgets').toString('base64') },
    ]);
  });

  it("refuses another organization's file (404) before anything is queued", async () => {
    const tenant = await seedTenant(t);
    const other = await seedTenant(t, 'Other');
    const foreign = await uploadedFile(other, 'secret.txt', 'not yours');
    const config = await gmailConfig(tenant);
    const res = await t.call('POST', '/api/inbox/send', {
      token: tenant.token,
      body: { config_id: config.id, to: ['lead@example.org'], subject: 'x', body: 'y', attachment_ids: [foreign] },
    });
    expect(res.status).toBe(404);
    const { rows } = await t.database.pool.query('SELECT 1 FROM outbound_messages WHERE org_id = $1', [tenant.orgId]);
    expect(rows).toEqual([]);
  });
});

describe('mailDeliveryWorkflow through Outlook (Graph)', () => {
  it('refreshes a refused token with the refresh_token grant, sends once, and stores the new tokens sealed', async () => {
    const tenant = await seedTenant(t);
    const config = await outlookConfig(tenant);
    graph.validTokens.delete(config.access);
    const queued = await send(tenant, config.id, 'Graph after refresh');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    expect(graphSendsOf(queued.message_id)).toHaveLength(1);
    const { rows } = await t.database.pool.query<{ secret_sealed: string }>('SELECT secret_sealed FROM mail_configurations WHERE id = $1', [config.id]);
    const stored = JSON.parse(t.deps.services.secrets.open(rows[0]!.secret_sealed, `mail_configurations:${tenant.orgId}`));
    // Microsoft rotates the refresh token with every grant: the new one is kept
    expect(stored).toMatchObject({ access_token: expect.stringMatching(/^graph-access-/), refresh_token: expect.stringMatching(/^graph-refresh-/) });
    expect(graph.validTokens.has(stored.access_token)).toBe(true);
  });

  it('fails without retrying when the refresh is refused, and shows needs_reauth', async () => {
    const tenant = await seedTenant(t);
    const config = await outlookConfig(tenant, 'graph-refresh-revoked');
    graph.validTokens.delete(config.access);
    const queued = await send(tenant, config.id, 'Graph never sent');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'failed', reason: expect.stringContaining('refresh was refused') });
    expect(graphSendsOf(queued.message_id)).toEqual([]);
    const list = await t.call('GET', '/api/mail-configurations/list', { token: tenant.token });
    expect(list.body.data[0]).toMatchObject({ id: config.id, needs_reauth: true });
  });

  it('a sendMail Graph took but answered too late is found by internetMessageId and not sent again', async () => {
    const tenant = await seedTenant(t);
    const config = await outlookConfig(tenant);
    graph.answerNextSendAfter(EGRESS_TIMEOUT_MS + 1500);
    const queued = await send(tenant, config.id, 'Graph slow answer');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    expect(graphSendsOf(queued.message_id)).toHaveLength(1);
    expect(graph.requests.some((r) => r.path === '/v1.0/me/messages' && decodeURIComponent(r.query).includes(`internetMessageId eq '${queued.message_id}'`))).toBe(true);
  });
});

describe('mailDeliveryWorkflow through Outlook, SMTP and the sandbox', () => {
  it('Outlook: a 429 then the send, once, with our internetMessageId', async () => {
    const tenant = await seedTenant(t);
    const config = await outlookConfig(tenant);
    graph.failNext(1, 'POST', '/v1.0/me/sendMail', 429, 1);
    const queued = await send(tenant, config.id, 'Via Graph');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    expect(graphSendsOf(queued.message_id)).toHaveLength(1);
    const sends = graph.requests.filter((r) => r.path === '/v1.0/me/sendMail' && r.authorization === `Bearer ${config.access}`);
    expect(sends.map((r) => r.status)).toEqual([429, 202]);
  });

  it('SMTP: delivered once to the server, with our Message-ID', async () => {
    const tenant = await seedTenant(t);
    const added = await t.call('POST', '/api/mail-configurations/add', {
      token: tenant.token,
      body: { mailer: 'smtp', from_address: 'rep@smtp.example', password: SMTP_PASSWORD, smtp_host: '127.0.0.1', smtp_port: smtpPort, smtp_secure: false },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const queued = await send(tenant, added.body.data.id, 'Over SMTP');
    expect(await delivered(tenant, queued.id)).toMatchObject({ status: 'sent' });
    expect(smtpReceived.filter((m) => m.messageId === queued.message_id)).toEqual([{ messageId: queued.message_id, subject: 'Over SMTP', to: 'lead@example.org' }]);
  });

  it('SMTP: a message the server took but confirmed too late is not sent again (SMTP cannot be asked): failed, saying why', async () => {
    const tenant = await seedTenant(t);
    const added = await t.call('POST', '/api/mail-configurations/add', {
      token: tenant.token,
      body: { mailer: 'smtp', from_address: 'rep@smtp.example', password: SMTP_PASSWORD, smtp_host: '127.0.0.1', smtp_port: smtpPort, smtp_secure: false },
    });
    expect(added.status).toBe(201);
    smtpConfirmNextAfterMs = EGRESS_TIMEOUT_MS + 1500;
    const queued = await send(tenant, added.body.data.id, 'SMTP slow confirm');
    expect(await delivered(tenant, queued.id)).toEqual({ status: 'failed', reason: IN_DOUBT_UNANSWERABLE });
    expect(smtpReceived.filter((m) => m.messageId === queued.message_id)).toHaveLength(1);
    expect(await outbound(tenant, queued.id)).toMatchObject({ status: 'failed', last_error: IN_DOUBT_UNANSWERABLE });
  });

  it('the sandbox records the message as sent and sends nothing', async () => {
    const tenant = await seedTenant(t);
    const added = await t.call('POST', '/api/mail-configurations/add', { token: tenant.token, body: { mailer: 'sandbox', from_address: 'me@sandbox.test', password: 'x' } });
    const before = gmail.requests.length + graph.requests.length + smtpReceived.length;
    const queued = await send(tenant, added.body.data.id, 'Sandboxed');
    expect(await delivered(tenant, queued.id)).toEqual({ status: 'sent', providerMessageId: `sandbox:${queued.message_id}` });
    expect(gmail.requests.length + graph.requests.length + smtpReceived.length).toBe(before);
    const listed = await t.call('GET', '/api/sandbox/messages', { token: tenant.token });
    expect(listed.body.data[0]).toMatchObject({ id: queued.id, status: 'sent', connector: 'sandbox' });
  });
});

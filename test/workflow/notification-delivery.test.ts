// Notification delivery end to end: the API (or the change that makes an
// event) writes the outbound message or the announcement's outbox event, the
// worker's relay starts notificationDeliveryWorkflow, and its activity posts
// to local Slack and Teams fakes that speak their protocols. A real worker
// against the real Temporal dev server, on a database of its own. The
// egress timeout is short here so a held answer is a lost one.
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTeams, requestTestNotification } from '../../domain/integrations/messaging.service.js';
import { createPipeline } from '../../domain/crm/pipeline.service.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { setJobStatus } from '../../domain/jobs/job.service.js';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-fake.js';
import { startFakeTeams, type FakeTeams } from '../fakes/teams-fake.js';

let system: TestSystem;
let t: TestApp;
let slack: FakeSlack;
let teams: FakeTeams;
let temporal: TemporalClient;

const EGRESS_TIMEOUT_MS = 1500;

beforeAll(async () => {
  [slack, teams] = await Promise.all([startFakeSlack(), startFakeTeams()]);
  system = await createTestSystem('notify', {
    worker: true,
    config: {
      SLACK_API_URL: slack.url,
      MICROSOFT_GRAPH_BASE_URL: teams.graphUrl,
      EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
      EGRESS_TIMEOUT_MS: String(EGRESS_TIMEOUT_MS),
    },
  });
  t = system.t;
  temporal = await connectTemporalClient(t.deps.config);
});

afterAll(async () => {
  await temporal?.connection.close();
  await system?.close();
  await Promise.all([slack?.close(), teams?.close()]);
});

/** A tenant with Slack connected through the API, on a workspace (and token) of its own, and a channel the bot is in. */
async function withSlack(): Promise<{ tenant: Tenant; token: string; teamId: string; channel: string }> {
  const tenant = await seedTenant(t);
  const suffix = randomBytes(4).toString('hex').toUpperCase();
  const token = `xoxb-${suffix}-0000-notifytoken`;
  const teamId = `T0${suffix}`;
  const channel = `C0${suffix}`;
  slack.tokens.set(token, { teamId, team: `team-${suffix}` });
  slack.channels.push({ id: channel, name: `alerts-${suffix}`, is_private: false, is_member: true, num_members: 3 });
  const res = await t.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: token } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { tenant, token, teamId, channel };
}

const postsTo = (channel: string) => slack.posts.filter((p) => p.channel === channel);
const postCallsBy = (token: string) => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.token === token);

async function outboundMessage(orgId: number, id: string) {
  const { rows } = await t.database.pool.query('SELECT * FROM outbound_messages WHERE id = $1 AND org_id = $2', [id, orgId]);
  return rows[0];
}

/** The message once the worker settled it (sent or failed). */
async function settled(orgId: number, id: string, timeout = 30_000) {
  return vi.waitFor(
    async () => {
      const message = await outboundMessage(orgId, id);
      expect(['sent', 'failed']).toContain(message.status);
      return message;
    },
    { timeout, interval: 200 },
  );
}

async function testNotification(tenant: Tenant, channel: string, eventType = 'deal_won') {
  const res = await t.call('POST', '/api/slack/test-notification', { token: tenant.token, body: { channel, event_type: eventType } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.data).toMatchObject({ connector: 'slack', status: 'queued' });
  return res.body.data.id as string;
}

describe('test notification through the worker', () => {
  it('is posted once, with its idempotency key as message metadata', async () => {
    const { tenant, channel } = await withSlack();
    const id = await testNotification(tenant, channel, 'hot_lead');
    const message = await settled(tenant.orgId, id);
    expect(message).toMatchObject({ status: 'sent', attempts: 1, connector: 'slack' });
    const posts = postsTo(channel);
    expect(posts).toHaveLength(1);
    expect(message.provider_message_id).toBe(posts[0]!.ts);
    expect(posts[0]!.metadata).toEqual({ event_type: 'lio_notification', event_payload: { key: message.idempotency_key } });
    expect(posts[0]!.text).toContain('Hot lead (test notification)');
  });

  it("honours a 429's Retry-After for the workspace (recorded for every process) and then posts once", async () => {
    const { tenant, token, teamId, channel } = await withSlack();
    slack.script('chat.postMessage', 1, { rateLimitSeconds: 2 });
    const id = await testNotification(tenant, channel);
    const message = await settled(tenant.orgId, id);
    expect(message.status).toBe('sent');
    const calls = postCallsBy(token);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(postsTo(channel)).toHaveLength(1);
    const throttle = await t.database.pool.query('SELECT not_before FROM provider_throttles WHERE provider = $1 AND account = $2', ['slack', teamId]);
    expect(throttle.rows).toHaveLength(1);
    expect(throttle.rows[0].not_before.getTime()).toBeGreaterThanOrEqual(calls[0]!.at + 1900);
  });

  it('after a 5xx asks the channel first (the post may have gone through), then posts once', async () => {
    const { tenant, token, channel } = await withSlack();
    slack.script('chat.postMessage', 1, { status: 503 });
    const message = await settled(tenant.orgId, await testNotification(tenant, channel));
    expect(message).toMatchObject({ status: 'sent' });
    expect(postCallsBy(token).map((c) => c.status)).toEqual([503, 200]);
    const history = slack.calls.filter((c) => c.method === 'conversations.history' && c.token === token);
    expect(history).toHaveLength(1);
    expect(history[0]!.at).toBeGreaterThan(postCallsBy(token)[0]!.at);
    expect(postsTo(channel)).toHaveLength(1);
  });

  it('a look-up that is itself rate limited keeps the message in doubt: it is asked again, never blindly reposted', async () => {
    const { tenant, token, channel } = await withSlack();
    slack.script('chat.postMessage', 1, { takeAndHoldMs: EGRESS_TIMEOUT_MS + 2500 });
    slack.script('conversations.history', 1, { rateLimitSeconds: 1 });
    const message = await settled(tenant.orgId, await testNotification(tenant, channel));
    expect(message.status).toBe('sent');
    expect(postCallsBy(token)).toHaveLength(1);
    expect(slack.calls.filter((c) => c.method === 'conversations.history' && c.token === token).map((c) => c.status)).toEqual([429, 200]);
    expect(postsTo(channel)).toHaveLength(1);
  });

  it('a post whose answer was lost (timeout) is found by its key and not posted again', async () => {
    const { tenant, token, channel } = await withSlack();
    slack.script('chat.postMessage', 1, { takeAndHoldMs: EGRESS_TIMEOUT_MS + 2500 });
    const message = await settled(tenant.orgId, await testNotification(tenant, channel));
    expect(message.status).toBe('sent');
    // Slack took the one post; the retry asked the history instead of posting again
    expect(postCallsBy(token)).toHaveLength(1);
    expect(postsTo(channel)).toHaveLength(1);
    expect(message.provider_message_id).toBe(postsTo(channel)[0]!.ts);
    expect(slack.calls.some((c) => c.method === 'conversations.history' && c.token === token)).toBe(true);
  });

  it('a revoked token fails the message without retrying and shows needs_reauth on the connection', async () => {
    const { tenant, token, channel } = await withSlack();
    slack.script('chat.postMessage', 1, { error: 'token_revoked' });
    const message = await settled(tenant.orgId, await testNotification(tenant, channel));
    expect(message).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('token_revoked') });
    expect(postCallsBy(token)).toHaveLength(1);
    expect(postsTo(channel)).toHaveLength(0);
    const apps = await t.call('GET', '/api/connected-apps/list', { token: tenant.token });
    expect(apps.body.data.find((a: { provider: string }) => a.provider === 'slack')).toMatchObject({ needs_reauth: true, connected: true });
  });
});

describe('sandbox', () => {
  it('records a sandbox message as sent without calling Slack', async () => {
    const tenant = await seedTenant(t);
    const callsBefore = slack.calls.length;
    const message = await requestTestNotification(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { channel: 'C0SANDBOX', eventType: 'deal_won' }, true);
    expect(message.connector).toBe('sandbox');
    const delivered = await settled(tenant.orgId, String(message.id));
    expect(delivered).toMatchObject({ status: 'sent', provider_message_id: `sandbox:${message.id}` });
    expect(slack.calls.length).toBe(callsBefore);
  });
});

/** A tenant whose import_finished events go to a Teams webhook of its own on the fake. */
async function withTeams() {
  const tenant = await seedTenant(t);
  const scope = { orgId: tenant.orgId, userId: tenant.adminId, roleName: 'Admin' };
  const hook = `imports-${randomBytes(4).toString('hex')}`;
  await connectTeams(t.database, t.deps.services.secrets, scope, { webhookUrl: `${teams.webhookBase}/${hook}` });
  const routes = await t.call('PUT', '/api/notification-routes', { token: tenant.token, body: { routes: [{ event_type: 'import_finished', teams: true }] } });
  expect(routes.status).toBe(200);
  /** completes an import job of the tenant, and answers its announcement's result and its message */
  const finishImport = async () => {
    const job = await t.database.prisma.job.create({
      data: { org_id: tenant.orgId, type: 'lead_import', status: 'running', workflow_id: `lead_import:${tenant.orgPublicId}:teams-${randomBytes(3).toString('hex')}`, params: {} },
    });
    await setJobStatus(t.database, { orgId: tenant.orgId, jobId: job.id }, 'completed');
    const handle = temporal.client.workflow.getHandle(`notify:${tenant.orgPublicId}:import_finished:${job.id}`);
    await vi.waitFor(() => handle.describe(), { timeout: 20_000, interval: 200 });
    const result = await handle.result();
    const { rows } = await t.database.pool.query(`SELECT * FROM outbound_messages WHERE org_id = $1 AND idempotency_key LIKE $2`, [tenant.orgId, `announce:import_finished:${job.id}:%`]);
    return { result, message: rows[0] };
  };
  return { tenant, cards: () => teams.cards.filter((c) => c.webhook === hook), finishImport };
}

describe('Teams delivery', () => {
  it('retries after a 5xx and posts the card once', async () => {
    const { cards, finishImport } = await withTeams();
    teams.script(1, { status: 502 });
    const { result, message } = await finishImport();
    expect(result).toEqual({ sent: 1, failed: 0 });
    expect(message).toMatchObject({ channel: 'teams', status: 'sent', attempts: 2 });
    expect(cards()).toHaveLength(1);
    expect(cards()[0]!.title).toBe('Import finished');
  });

  it('a card whose answer was lost is not posted again: the webhook cannot be asked, so the message fails', async () => {
    const { cards, finishImport } = await withTeams();
    teams.script(1, { takeAndHoldMs: EGRESS_TIMEOUT_MS + 2500 });
    const { result, message } = await finishImport();
    expect(result).toEqual({ sent: 0, failed: 1 });
    expect(message).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('not posted again') });
    expect(cards()).toHaveLength(1);
  });

  it('a card whose connection dropped after it was sent is in doubt too, and not posted again', async () => {
    const { cards, finishImport } = await withTeams();
    teams.script(1, { takeAndDrop: true });
    const { result, message } = await finishImport();
    expect(result).toEqual({ sent: 0, failed: 1 });
    expect(message).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('not posted again') });
    expect(cards()).toHaveLength(1);
  });

  it('a card the webhook refuses (400) fails without retrying', async () => {
    const { cards, finishImport } = await withTeams();
    teams.script(1, { status: 400 });
    const { result, message } = await finishImport();
    expect(result).toEqual({ sent: 0, failed: 1 });
    expect(message).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('HTTP 400') });
    expect(cards()).toHaveLength(0);
  });
});

describe('event announcements', () => {
  it('a won deal is announced once to its routed Slack channel and Teams webhook, honouring a Teams 429', async () => {
    const { tenant, channel } = await withSlack();
    const scope = { orgId: tenant.orgId, userId: tenant.adminId, roleName: 'Admin' };
    const hook = `deal-${randomBytes(4).toString('hex')}`;
    await connectTeams(t.database, t.deps.services.secrets, scope, { webhookUrl: `${teams.webhookBase}/${hook}` });
    const routes = await t.call('PUT', '/api/notification-routes', { token: tenant.token, body: { routes: [{ event_type: 'deal_won', slack_channels: [channel], teams: true }] } });
    expect(routes.status).toBe(200);
    const pipeline = await createPipeline(t.database, { orgId: tenant.orgId }, { name: 'Sales' });
    const open = pipeline.stages.find((s) => !s.is_won && !s.is_lost)!;
    const won = pipeline.stages.find((s) => s.is_won)!;
    const { lead } = await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Wanda', last_name: 'Winner' });
    const deal = await t.call('POST', '/api/lead/deal/add', {
      token: tenant.token,
      body: { lead_id: lead.id, pipeline_id: pipeline.id, stage_id: open.id, title: 'Big one', value: 5000, expected_close_date: '2027-03-01' },
    });
    expect(deal.status, JSON.stringify(deal.body)).toBe(201);
    const dealId = deal.body.data.id as number;
    // no announcement while the deal is open
    const pending = await t.database.pool.query(`SELECT count(*)::int AS n FROM outbox_events WHERE org_id = $1 AND kind = 'notification.announce'`, [tenant.orgId]);
    expect(pending.rows[0].n).toBe(0);

    teams.script(1, { rateLimitSeconds: 1 });
    const moved = await t.call('POST', `/api/lead/deal/update/${dealId}`, { token: tenant.token, body: { stage_id: won.id } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);

    const workflowId = `notify:${tenant.orgPublicId}:deal_won:${dealId}`;
    const handle = temporal.client.workflow.getHandle(workflowId);
    await vi.waitFor(() => handle.describe(), { timeout: 20_000, interval: 200 });
    expect(await handle.result()).toEqual({ sent: 2, failed: 0 });
    expect(postsTo(channel)).toHaveLength(1);
    expect(postsTo(channel)[0]!.text).toContain('Big one was won');
    const cards = teams.cards.filter((c) => c.webhook === hook);
    expect(cards).toHaveLength(1);
    expect(cards[0]!.title).toBe('Deal won');
    expect(cards[0]!.texts).toContain('Big one was won (5000)');
    const throttled = await t.database.pool.query('SELECT 1 FROM provider_throttles WHERE provider = $1 AND account = $2', ['teams', new URL(teams.webhookBase).host]);
    expect(throttled.rows).toHaveLength(1);

    // won again after a detour, and the event redelivered: still one announcement
    await t.call('POST', `/api/lead/deal/update/${dealId}`, { token: tenant.token, body: { stage_id: open.id } });
    await t.call('POST', `/api/lead/deal/update/${dealId}`, { token: tenant.token, body: { stage_id: won.id } });
    await vi.waitFor(
      async () => {
        const { rows } = await t.database.pool.query('SELECT count(*)::int AS n FROM outbox_events WHERE org_id = $1', [tenant.orgId]);
        expect(rows[0].n).toBe(0);
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(postsTo(channel)).toHaveLength(1);
    expect(teams.cards.filter((c) => c.webhook === hook)).toHaveLength(1);
    const { rows: messages } = await t.database.pool.query('SELECT channel, status FROM outbound_messages WHERE org_id = $1 ORDER BY channel', [tenant.orgId]);
    expect(messages).toEqual([
      { channel: 'slack', status: 'sent' },
      { channel: 'teams', status: 'sent' },
    ]);
  });

  it('a lead newly scoring hot, a finished import and a due follow-up are each announced once where they happen', async () => {
    const { tenant, channel } = await withSlack();
    const routes = await t.call('PUT', '/api/notification-routes', {
      token: tenant.token,
      body: { routes: ['hot_lead', 'import_finished', 'follow_up_due'].map((event_type) => ({ event_type, slack_channels: [channel] })) },
    });
    expect(routes.status).toBe(200);
    const announced = async (eventType: string, subjectId: number) => {
      const handle = temporal.client.workflow.getHandle(`notify:${tenant.orgPublicId}:${eventType}:${subjectId}`);
      await vi.waitFor(() => handle.describe(), { timeout: 30_000, interval: 200 });
      return handle.result();
    };

    // scored by the scoring workflow (through the outbox): every factor near its ceiling crosses HOT_LEAD_SCORE
    const hot = await t.call('POST', '/api/lead/add', {
      token: tenant.token,
      body: {
        first_name: 'Hattie', last_name: 'Hot', email: 'hattie@bigcorp.example', phone_number: '+1 415 555 0199', job_title: 'CEO',
        company: 'BigCorp', linkedin_url: 'https://linkedin.com/in/hattie-hot', lead_source: 2, estimated_value: 250000,
      },
    });
    expect(hot.status, JSON.stringify(hot.body)).toBe(201);
    expect(await announced('hot_lead', hot.body.data.id)).toEqual({ sent: 1, failed: 0 });
    expect(postsTo(channel).filter((p) => p.text.includes('Hattie Hot (BigCorp) reached a lead score'))).toHaveLength(1);

    const job = await t.database.prisma.job.create({
      data: { org_id: tenant.orgId, type: 'lead_import', status: 'running', workflow_id: `lead_import:${tenant.orgPublicId}:notify-${randomBytes(3).toString('hex')}`, params: {} },
    });
    await setJobStatus(t.database, { orgId: tenant.orgId, jobId: job.id }, 'completed');
    // a finished job is never updated again: a repeated completion announces nothing more
    await setJobStatus(t.database, { orgId: tenant.orgId, jobId: job.id }, 'completed');
    expect(await announced('import_finished', job.id)).toEqual({ sent: 1, failed: 0 });
    expect(postsTo(channel).filter((p) => p.text.includes(`Import #${job.id} finished (completed)`))).toHaveLength(1);

    const followUp = await t.call('POST', '/api/lead/follow-up/add', {
      token: tenant.token,
      body: { lead_id: hot.body.data.id, follow_up_date: new Date(Date.now() + 2000).toISOString(), notes: 'Call back' },
    });
    expect(followUp.status, JSON.stringify(followUp.body)).toBe(201);
    expect(await announced('follow_up_due', followUp.body.data.id)).toEqual({ sent: 1, failed: 0 });
    expect(postsTo(channel).filter((p) => p.text.includes('The follow-up with Hattie Hot is due'))).toHaveLength(1);
    expect(postsTo(channel)).toHaveLength(3);
  });

  it('an event the organization routes nowhere writes no announcement, starts no workflow and sends nothing', async () => {
    const { tenant, channel } = await withSlack();
    const pipeline = await createPipeline(t.database, { orgId: tenant.orgId }, { name: 'Quiet' });
    const won = pipeline.stages.find((s) => s.is_won)!;
    const { lead } = await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Quinn', last_name: 'Quiet' });
    const deal = await t.call('POST', '/api/lead/deal/add', {
      token: tenant.token,
      body: { lead_id: lead.id, pipeline_id: pipeline.id, stage_id: won.id, title: 'Quiet win', value: 10, expected_close_date: '2027-03-01' },
    });
    expect(deal.status).toBe(201);
    // the lead's own scoring event is relayed; no announcement was ever written beside it
    await vi.waitFor(
      async () => {
        const { rows } = await t.database.pool.query('SELECT count(*)::int AS n FROM outbox_events WHERE org_id = $1', [tenant.orgId]);
        expect(rows[0].n).toBe(0);
      },
      { timeout: 20_000, interval: 200 },
    );
    const handle = temporal.client.workflow.getHandle(`notify:${tenant.orgPublicId}:deal_won:${deal.body.data.id}`);
    await expect(handle.describe()).rejects.toThrow(WorkflowNotFoundError);
    expect(postsTo(channel)).toHaveLength(0);
    const { rows } = await t.database.pool.query('SELECT count(*)::int AS n FROM outbound_messages WHERE org_id = $1', [tenant.orgId]);
    expect(rows[0].n).toBe(0);
  });
});

describe('worker restart', () => {
  it('a send interrupted by a worker restart is finished by the next worker without a second post', async () => {
    const { tenant, token, channel } = await withSlack();
    slack.script('chat.postMessage', 1, { takeAndHoldMs: EGRESS_TIMEOUT_MS + 2500 });
    const id = await testNotification(tenant, channel);
    // Slack has the post; its answer is held while the worker goes away
    await vi.waitFor(() => expect(postsTo(channel)).toHaveLength(1), { timeout: 20_000, interval: 100 });
    await system.restartWorker();
    const message = await settled(tenant.orgId, id);
    expect(message).toMatchObject({ status: 'sent', provider_message_id: postsTo(channel)[0]!.ts });
    expect(postCallsBy(token)).toHaveLength(1);
    expect(postsTo(channel)).toHaveLength(1);
  });
});

// Slack and Teams through the API (§6.14): connections verified and sealed,
// channel lists paged through the providers' own paging against local fakes
// that speak their protocols, notification routes, and the test
// notification's record (its delivery runs in the worker:
// test/workflow/notification-delivery.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant } from '../helpers/tenants.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-fake.js';
import { startFakeTeams, type FakeTeams } from '../fakes/teams-fake.js';
import { connectTeams } from '../../domain/integrations/messaging.service.js';

let slack: FakeSlack;
let teams: FakeTeams;
let t: TestApp;
let sandboxed: TestApp;

const BOT_TOKEN = 'xoxb-1111-2222-abcdefghijkl';

beforeAll(async () => {
  [slack, teams] = await Promise.all([startFakeSlack(), startFakeTeams()]);
  slack.tokens.set(BOT_TOKEN, { teamId: 'T0ACME', team: 'acme' });
  for (let i = 1; i <= 5; i++) slack.channels.push({ id: `C0CHAN${i}`, name: `channel-${i}`, is_private: i === 5, is_member: i !== 4, num_members: i });
  teams.teams.set('team-1', [
    { id: '19:a@thread.tacv2', displayName: 'General', description: null, membershipType: 'standard' },
    { id: '19:b@thread.tacv2', displayName: 'Sales', description: 'Deals', membershipType: 'standard' },
    { id: '19:c@thread.tacv2', displayName: 'Secret', description: null, membershipType: 'private' },
  ]);
  const fakes = { SLACK_API_URL: slack.url, MICROSOFT_GRAPH_BASE_URL: teams.graphUrl, EGRESS_ALLOW_PRIVATE_NETWORKS: 'true' };
  t = createTestApp(fakes);
  sandboxed = createTestApp({ ...fakes, SANDBOX_CONNECTORS: 'true' });
});

afterAll(async () => {
  await t?.close();
  await sandboxed?.close();
  await Promise.all([slack?.close(), teams?.close()]);
});

const connectedApp = async (app: TestApp, token: string, provider: string) =>
  (await app.call('GET', '/api/connected-apps/list', { token })).body.data.find((a: { provider: string }) => a.provider === provider);

describe('Slack connection', () => {
  it('is verified with auth.test before it is stored, admins only, and never shows the token', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const refused = await t.call('POST', '/api/connected-apps/slack/connect', { token: rep.token, body: { bot_token: BOT_TOKEN } });
    expect(refused.status).toBe(403);

    const wrong = await t.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: 'xoxb-9999-wrong-token00' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('slack_reauth_required');
    expect((await connectedApp(t, tenant.token, 'slack')).connected).toBe(false);

    const res = await t.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: BOT_TOKEN } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ provider: 'slack', connected: true, needs_reauth: false });
    expect(JSON.stringify(res.body)).not.toContain(BOT_TOKEN);
    expect(res.body.data.token_hint).toMatch(/ijkl$/);
    const { rows } = await t.database.pool.query('SELECT secret_sealed, settings FROM connected_apps WHERE org_id = $1 AND provider = $2', [tenant.orgId, 'slack']);
    expect(rows[0].secret_sealed).not.toContain(BOT_TOKEN);
    expect(rows[0].settings).toEqual({ team_id: 'T0ACME', team_name: 'acme' });
    const authCalls = slack.calls.filter((c) => c.method === 'auth.test' && c.token === BOT_TOKEN);
    expect(authCalls.length).toBeGreaterThan(0);

    const gone = await t.call('POST', '/api/connected-apps/slack/disconnect', { token: tenant.token });
    expect(gone.body.data.connected).toBe(false);
    expect((await connectedApp(t, tenant.token, 'slack')).connected).toBe(false);
  });

  it('is refused by the egress where the operator does not allow private destinations (the fake is on 127.0.0.1)', async () => {
    const closed = createTestApp({ SLACK_API_URL: slack.url });
    try {
      const tenant = await seedTenant(closed);
      const callsBefore = slack.calls.length;
      const res = await closed.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: BOT_TOKEN } });
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({ code: 'slack_unavailable', message: expect.stringContaining('not allowed') });
      expect(slack.calls.length).toBe(callsBefore);
    } finally {
      await closed.close();
    }
  });

  it('answers 502 slack_unavailable when Slack fails, and stores nothing', async () => {
    const tenant = await seedTenant(t);
    slack.script('auth.test', 1, { status: 503 });
    const res = await t.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: BOT_TOKEN } });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('slack_unavailable');
    expect(JSON.stringify(res.body)).not.toContain('upstream failure');
    expect((await connectedApp(t, tenant.token, 'slack')).connected).toBe(false);
  });
});

describe('GET /api/slack/channels', () => {
  it("pages through Slack's cursor", async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/slack/channels', { token: tenant.token })).body.error.code).toBe('slack_not_connected');
    await t.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: BOT_TOKEN } });

    const first = await t.call('GET', '/api/slack/channels', { token: tenant.token, query: { limit: 3 } });
    expect(first.status).toBe(200);
    expect(first.body.data.map((c: { id: string }) => c.id)).toEqual(['C0CHAN1', 'C0CHAN2', 'C0CHAN3']);
    expect(first.body).toMatchObject({ total: 3, page: 1, limit: 3 });
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await t.call('GET', '/api/slack/channels', { token: tenant.token, query: { limit: 3, cursor: first.body.next_cursor } });
    expect(second.body.data.map((c: { id: string }) => c.id)).toEqual(['C0CHAN4', 'C0CHAN5']);
    expect(second.body.data[1]).toMatchObject({ name: 'channel-5', is_private: true, is_member: true });
    expect(second.body.next_cursor).toBeNull();
  });

  it('a revoked token answers 422 and shows needs_reauth in the connected-apps list', async () => {
    const tenant = await seedTenant(t);
    await t.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: BOT_TOKEN } });
    slack.script('conversations.list', 1, { error: 'token_revoked' });
    const res = await t.call('GET', '/api/slack/channels', { token: tenant.token });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('slack_reauth_required');
    expect(await connectedApp(t, tenant.token, 'slack')).toMatchObject({ connected: true, needs_reauth: true, last_error: expect.stringContaining('token_revoked') });
  });

  it("a 429 answers 429 with Slack's Retry-After, without waiting it out in the request", async () => {
    const tenant = await seedTenant(t);
    await t.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: BOT_TOKEN } });
    slack.script('conversations.list', 1, { rateLimitSeconds: 30 });
    const started = Date.now();
    const res = await t.call('GET', '/api/slack/channels', { token: tenant.token });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('slack_rate_limited');
    expect(res.headers.get('retry-after')).toBe('30');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('Teams', () => {
  it('connect takes https webhooks only, admins only, and keeps the URL sealed', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const body = { webhook_url: 'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=secret123' };
    expect((await t.call('POST', '/api/connected-apps/teams/connect', { token: rep.token, body })).status).toBe(403);
    const plain = await t.call('POST', '/api/connected-apps/teams/connect', { token: tenant.token, body: { webhook_url: `${teams.webhookBase}/w1` } });
    expect(plain.status).toBe(422);
    expect(plain.body.error.code).toBe('webhook_url_refused');
    // the destination check resolves the name: an unresolvable one is refused too
    const nowhere = await t.call('POST', '/api/connected-apps/teams/connect', { token: tenant.token, body: { webhook_url: 'https://nowhere.invalid/hook' } });
    expect(nowhere.body.error.code).toBe('webhook_url_refused');
    expect((await connectedApp(t, tenant.token, 'teams')).connected).toBe(false);

    // an https address the egress allows here (private networks are opened for the fakes): stored sealed, shown masked
    const webhookUrl = 'https://127.0.0.1:9/webhooks/abc?sig=secret-signature-9f3k';
    const res = await t.call('POST', '/api/connected-apps/teams/connect', { token: tenant.token, body: { webhook_url: webhookUrl, access_token: teams.graphToken } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ provider: 'teams', connected: true, token_hint: expect.stringMatching(/9f3k$/) });
    expect(JSON.stringify(res.body)).not.toContain('secret-signature');
    const { rows } = await t.database.pool.query('SELECT secret_sealed FROM connected_apps WHERE org_id = $1 AND provider = $2', [tenant.orgId, 'teams']);
    expect(rows[0].secret_sealed).not.toContain('secret-signature');
    expect(rows[0].secret_sealed).not.toContain(teams.graphToken);
    expect((await t.call('POST', '/api/connected-apps/teams/disconnect', { token: tenant.token })).body.data.connected).toBe(false);
  });

  it("lists a team's channels through Graph, following @odata.nextLink on the Graph host only", async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('GET', '/api/teams/channels', { token: tenant.token, query: { team_id: 'team-1' } });
    expect(res.body.error.code).toBe('teams_not_connected');
    const scope = { orgId: tenant.orgId, userId: tenant.adminId, roleName: 'Admin' };
    await connectTeams(t.database, t.deps.services.secrets, scope, { webhookUrl: `${teams.webhookBase}/w1` });
    expect((await t.call('GET', '/api/teams/channels', { token: tenant.token, query: { team_id: 'team-1' } })).body.error.code).toBe(
      'teams_channel_listing_not_configured',
    );

    await connectTeams(t.database, t.deps.services.secrets, scope, { webhookUrl: `${teams.webhookBase}/w1`, graphAccessToken: teams.graphToken });
    const listed = await t.call('GET', '/api/teams/channels', { token: tenant.token, query: { team_id: 'team-1' } });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.data.map((c: { display_name: string }) => c.display_name)).toEqual(['General', 'Sales', 'Secret']);
    expect(listed.body.data[1]).toEqual({ id: '19:b@thread.tacv2', display_name: 'Sales', description: 'Deals', membership_type: 'standard' });

    expect((await t.call('GET', '/api/teams/channels', { token: tenant.token, query: { team_id: 'team-9' } })).status).toBe(404);

    teams.foreignNextLink = 'http://127.0.0.2:1/v1.0/teams/team-1/channels?$skiptoken=2';
    try {
      const offHost = await t.call('GET', '/api/teams/channels', { token: tenant.token, query: { team_id: 'team-1' } });
      expect(offHost.status).toBe(502);
      expect(offHost.body.error.code).toBe('teams_unavailable');
    } finally {
      teams.foreignNextLink = null;
    }

    teams.throttleGraphNext(1, 30);
    const throttled = await t.call('GET', '/api/teams/channels', { token: tenant.token, query: { team_id: 'team-1' } });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toMatchObject({ code: 'teams_rate_limited' });
    expect(throttled.headers.get('retry-after')).toBe('30');

    await connectTeams(t.database, t.deps.services.secrets, scope, { webhookUrl: `${teams.webhookBase}/w1`, graphAccessToken: 'expired-token' });
    const rejected = await t.call('GET', '/api/teams/channels', { token: tenant.token, query: { team_id: 'team-1' } });
    expect(rejected.status).toBe(422);
    expect(rejected.body.error.code).toBe('teams_reauth_required');
  });
});

describe('notification routes', () => {
  it('are set per event type by admins and read back', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const body = { routes: [{ event_type: 'deal_won', slack_channels: ['C0CHAN1', 'C0CHAN2', 'C0CHAN1'], teams: true }, { event_type: 'hot_lead', slack_channels: ['C0CHAN3'] }] };
    expect((await t.call('PUT', '/api/notification-routes', { token: rep.token, body })).status).toBe(403);
    expect((await t.call('GET', '/api/notification-routes', { token: rep.token })).status).toBe(403);
    const saved = await t.call('PUT', '/api/notification-routes', { token: tenant.token, body });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.data).toEqual([
      { event_type: 'hot_lead', slack_channels: ['C0CHAN3'], teams: false },
      { event_type: 'deal_won', slack_channels: ['C0CHAN1', 'C0CHAN2'], teams: true },
      { event_type: 'import_finished', slack_channels: [], teams: false },
      { event_type: 'follow_up_due', slack_channels: [], teams: false },
      { event_type: 'intent_alert', slack_channels: [], teams: false },
    ]);
    const replaced = await t.call('PUT', '/api/notification-routes', { token: tenant.token, body: { routes: [{ event_type: 'deal_won', slack_channels: ['C0CHAN5'] }] } });
    expect(replaced.body.data[1]).toEqual({ event_type: 'deal_won', slack_channels: ['C0CHAN5'], teams: false });
    expect(replaced.body.data[0]).toEqual({ event_type: 'hot_lead', slack_channels: ['C0CHAN3'], teams: false });

    const twice = await t.call('PUT', '/api/notification-routes', { token: tenant.token, body: { routes: [{ event_type: 'deal_won' }, { event_type: 'deal_won' }] } });
    expect(twice.status).toBe(422);
    const badChannel = await t.call('PUT', '/api/notification-routes', { token: tenant.token, body: { routes: [{ event_type: 'deal_won', slack_channels: ['#general'] }] } });
    expect(badChannel.status).toBe(422);
  });
});

describe('POST /api/slack/test-notification', () => {
  it('answers 422 slack_not_connected without a connection, and records nothing', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('POST', '/api/slack/test-notification', { token: tenant.token, body: { channel: 'C0CHAN1', event_type: 'deal_won' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('slack_not_connected');
    const { rows } = await t.database.pool.query('SELECT count(*)::int AS n FROM outbound_messages WHERE org_id = $1', [tenant.orgId]);
    expect(rows[0].n).toBe(0);
  });

  it('records the message with its outbox event and answers 202; with the sandbox and no connection it is a sandbox message', async () => {
    const tenant = await seedTenant(sandboxed);
    const res = await sandboxed.call('POST', '/api/slack/test-notification', { token: tenant.token, body: { channel: 'C0CHAN1', event_type: 'hot_lead' } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.data).toMatchObject({ channel: 'slack', connector: 'sandbox', status: 'queued' });
    const { rows } = await sandboxed.database.pool.query('SELECT kind, payload FROM outbox_events WHERE org_id = $1', [tenant.orgId]);
    expect(rows).toEqual([{ kind: 'notification.deliver', payload: { messageId: res.body.data.id } }]);
    const message = await sandboxed.database.pool.query('SELECT payload FROM outbound_messages WHERE id = $1 AND org_id = $2', [res.body.data.id, tenant.orgId]);
    expect(message.rows[0].payload).toMatchObject({ channel: 'C0CHAN1', event_type: 'hot_lead', test: true, provider: 'slack' });

    await sandboxed.call('POST', '/api/connected-apps/slack/connect', { token: tenant.token, body: { bot_token: BOT_TOKEN } });
    const connected = await sandboxed.call('POST', '/api/slack/test-notification', { token: tenant.token, body: { channel: 'C0CHAN1', event_type: 'hot_lead' } });
    expect(connected.body.data.connector).toBe('slack');
  });
});

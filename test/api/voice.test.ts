// Voice and calling (§6.12) against the local Twilio fake (test/fakes/twilio-fake.ts),
// through the real Twilio SDK and the egress: numbers (search, purchase exactly
// once however often or concurrently it is asked, 5xx, 429 with Retry-After, a
// timed-out purchase taken over), assignment, the wallet (concurrent debits
// never below zero, a call charged once), the voice token, starting an agent
// call, the signed status callback and the recording only the organization can fetch.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { debitCallCharge } from '../../domain/voice/wallet.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, seedTwoTenants, type Tenant } from '../helpers/tenants.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio-fake.js';

const PUBLIC_BASE_URL = 'https://lio.example.com';
const API_KEY_SECRET = randomBytes(16).toString('hex');

let t: TestApp;
let unconfigured: TestApp;
let twilio: FakeTwilio;

beforeAll(async () => {
  twilio = await startFakeTwilio();
  t = createTestApp({
    TWILIO_ACCOUNT_SID: twilio.parent.sid,
    TWILIO_AUTH_TOKEN: twilio.parent.token,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_API_KEY_SID: `SK${randomBytes(16).toString('hex')}`,
    TWILIO_API_KEY_SECRET: API_KEY_SECRET,
    TWILIO_TWIML_APP_SID: `AP${randomBytes(16).toString('hex')}`,
    PUBLIC_BASE_URL,
    // the fake listens on 127.0.0.1, which the egress refuses unless told otherwise
    EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
    EGRESS_TIMEOUT_MS: '1500',
  });
  unconfigured = createTestApp();
});

afterAll(async () => {
  await t?.close();
  await unconfigured?.close();
  await twilio?.close();
});

/** A number of the fake's inventory nobody has bought yet (each test buys its own). */
const freshNumber = () => twilio.newNumber();

const purchasesOf = (phoneNumber: string) => twilio.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/IncomingPhoneNumbers.json') && r.form.PhoneNumber === phoneNumber);

async function purchase(tenant: Tenant, phoneNumber = freshNumber()) {
  const res = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber, friendlyName: 'Sales line' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: number; phone_number: string; status: string };
}

const credit = (tenant: Tenant, amount: number) =>
  postLedgerEntry(t.database.pool, { orgId: tenant.orgId, account: 'voice_wallet', amount, reason: 'top_up', idempotencyKey: `top-up-${randomBytes(4).toString('hex')}` });

describe('phone numbers', () => {
  it('answers 422 voice_not_configured where the server has no voice provider', async () => {
    const tenant = await seedTenant(unconfigured);
    for (const [method, path, body] of [
      ['GET', '/api/voice/available-numbers', undefined],
      ['POST', '/api/voice/purchase-number', { phoneNumber: '+14155550100' }],
      ['POST', '/api/call/voice-token', undefined],
    ] as const) {
      const res = await unconfigured.call(method, path, { token: tenant.token, body });
      expect(res.status, path).toBe(422);
      expect(res.body.error.code).toBe('voice_not_configured');
    }
  });

  it('goes out only through the egress: a Twilio address on a private network is refused before any request', async () => {
    const guarded = createTestApp({ TWILIO_ACCOUNT_SID: twilio.parent.sid, TWILIO_AUTH_TOKEN: twilio.parent.token, TWILIO_API_BASE_URL: twilio.url });
    try {
      const tenant = await seedTenant(guarded);
      const before = twilio.requests.length;
      const res = await guarded.call('GET', '/api/voice/available-numbers', { token: tenant.token });
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('voice_provider_unavailable');
      expect(twilio.requests.length).toBe(before);
    } finally {
      await guarded.close();
    }
  });

  it('searches the provider by type, area code and pattern, with the operator\'s account before the organization has its own', async () => {
    const tenant = await seedTenant(t);
    const local = await t.call('GET', '/api/voice/available-numbers', { token: tenant.token, query: { areaCode: 415, contains: '0123', limit: 5 } });
    expect(local.status).toBe(200);
    expect(local.body.data.map((n: { phone_number: string }) => n.phone_number)).toEqual(['+14155550123']);
    const tollFree = await t.call('GET', '/api/voice/available-numbers', { token: tenant.token, query: { type: 'toll_free' } });
    expect(tollFree.body.data.every((n: { phone_number: string }) => n.phone_number.startsWith('+18'))).toBe(true);
    const searches = twilio.requests.filter((r) => r.path.includes('/AvailablePhoneNumbers/US/'));
    expect(searches.slice(-2).map((r) => [r.path.split('/').at(-1), r.account])).toEqual([
      ['Local.json', twilio.parent.sid],
      ['TollFree.json', twilio.parent.sid],
    ]);
    const tooMany = await t.call('GET', '/api/voice/available-numbers', { token: tenant.token, query: { limit: 51 } });
    expect(tooMany.status).toBe(422);
  });

  it('buys a number once in the organization\'s own subaccount: a repeat answers the bought number, a rep may not buy', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const number = freshNumber();
    const refused = await t.call('POST', '/api/voice/purchase-number', { token: rep.token, body: { phoneNumber: number } });
    expect(refused.status).toBe(403);
    const invalid = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: '415-555-0100' } });
    expect(invalid.status).toBe(422);

    const bought = await purchase(tenant, number);
    expect(bought).toMatchObject({ phone_number: number, status: 'active', provider: 'twilio', friendly_name: 'Sales line' });
    const again = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: number } });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(bought.id);
    expect(purchasesOf(number)).toHaveLength(1);
    // bought with the organization's own subaccount, whose secret is sealed, never shown
    const subaccount = purchasesOf(number)[0]!.account!;
    expect(twilio.accounts.get(subaccount)?.parent).toBe(twilio.parent.sid);
    const stored = await t.database.prisma.connectedApp.findFirstOrThrow({ where: { org_id: tenant.orgId, provider: 'twilio' } });
    expect(stored.secret_sealed).not.toContain(twilio.accounts.get(subaccount)!.token);

    const mine = await t.call('GET', '/api/voice/my-numbers', { token: rep.token });
    expect(mine.body).toMatchObject({ total: 1, data: [{ id: bought.id, phone_number: number, status: 'active' }] });
  });

  it('buys exactly once when the same purchase arrives many times at once, with one subaccount', async () => {
    const tenant = await seedTenant(t);
    const number = freshNumber();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: number } })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 201 || s === 200 || s === 409)).toBe(true);
    expect(purchasesOf(number)).toHaveLength(1);
    const subaccounts = twilio.requests.filter((r) => r.method === 'POST' && r.path === '/2010-04-01/Accounts.json' && r.form.FriendlyName === `LIO ${tenant.orgPublicId}`);
    expect(subaccounts).toHaveLength(1);
  });

  it('fails on a 5xx without buying (the number may be purchased again) and then buys it once', async () => {
    const tenant = await seedTenant(t);
    await purchase(tenant);
    const number = freshNumber();
    twilio.failNext(1, { status: 500 }, (method, path) => method === 'POST' && path.endsWith('/IncomingPhoneNumbers.json'));
    const failed = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: number } });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatchObject({ code: 'voice_provider_unavailable', message: 'The voice provider failed or could not be reached: Twilio answered 500 (error 20500)' });
    expect(await t.database.prisma.phoneNumber.findFirst({ where: { org_id: tenant.orgId, phone_number: number } })).toMatchObject({ status: 'failed' });
    await purchase(tenant, number);
    expect(purchasesOf(number).filter((r) => r.status === 201)).toHaveLength(1);
  });

  it('answers 429 with the provider\'s Retry-After and buys nothing', async () => {
    const tenant = await seedTenant(t);
    await purchase(tenant);
    const number = freshNumber();
    twilio.failNext(1, { status: 429, retryAfter: 7 }, (method, path) => method === 'POST' && path.endsWith('/IncomingPhoneNumbers.json'));
    const limited = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: number } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.error.code).toBe('voice_provider_rate_limited');
    expect(twilio.purchased.some((p) => p.phoneNumber === number)).toBe(false);
    // the SDK did not retry on its own (its autoRetry would have, ignoring Retry-After)
    expect(purchasesOf(number).map((r) => r.status)).toEqual([429]);
  });

  it('keeps a timed-out purchase in doubt, and whoever takes it over finds the number the provider did buy instead of buying another', async () => {
    const tenant = await seedTenant(t);
    await purchase(tenant);
    const number = freshNumber();
    // Twilio buys the number, but its answer never arrives
    twilio.failNext(1, { status: 0, hang: true, afterActing: true }, (method, path) => method === 'POST' && path.endsWith('/IncomingPhoneNumbers.json'));
    const timedOut = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: number } });
    expect(timedOut.status).toBe(502);
    expect(await t.database.prisma.phoneNumber.findFirst({ where: { org_id: tenant.orgId, phone_number: number } })).toMatchObject({ status: 'purchasing' });
    const meanwhile = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: number } });
    expect(meanwhile.status).toBe(409);
    // the attempt is abandoned once it is older than its takeover time
    await t.database.pool.query("UPDATE phone_numbers SET updated_at = now() - interval '1 hour' WHERE org_id = $1 AND phone_number = $2", [tenant.orgId, number]);
    const takenOver = await purchase(tenant, number);
    expect(takenOver.status).toBe('active');
    expect(twilio.purchased.filter((p) => p.phoneNumber === number)).toHaveLength(1);
    expect(purchasesOf(number)).toHaveLength(1);
  });

  it('assigns a number to users of the organization only', async () => {
    const [a, b] = await seedTwoTenants(t);
    const number = await purchase(a);
    const rep = await a.addUser();
    const other = await b.addUser();
    const assigned = await t.call('POST', '/api/voice/assign-number', { token: a.token, body: { number_id: number.id, user_ids: [rep.id, a.adminId] } });
    expect(assigned.status).toBe(200);
    expect(assigned.body.data.assigned_user_ids).toEqual([a.adminId, rep.id].sort((x, y) => x - y));
    const single = await t.call('POST', '/api/voice/assign-number', { token: a.token, body: { number_id: number.id, user_id: rep.id } });
    expect(single.body.data.assigned_user_ids).toEqual([rep.id]);
    const stranger = await t.call('POST', '/api/voice/assign-number', { token: a.token, body: { number_id: number.id, user_ids: [other.id] } });
    expect(stranger.status).toBe(422);
    expect(stranger.body.error.code).toBe('invalid_users');
    const notTheirs = await t.call('POST', '/api/voice/assign-number', { token: b.token, body: { number_id: number.id, user_id: other.id } });
    expect(notTheirs.status).toBe(404);
  });
});

describe('the calling wallet', () => {
  it('shows the balance in minor units and in the organization\'s currency', async () => {
    const tenant = await seedTenant(t);
    expect((await t.call('GET', '/api/voice/wallet', { token: tenant.token })).body.data).toEqual({ currency: 'USD', balance_minor: 0, balance: 0 });
    await credit(tenant, 1234);
    expect((await t.call('GET', '/api/voice/wallet', { token: tenant.token })).body.data).toEqual({ currency: 'USD', balance_minor: 1234, balance: 12.34 });
    await t.database.prisma.organization.update({ where: { id: tenant.orgId }, data: { currency: 'JPY' } });
    expect((await t.call('GET', '/api/voice/wallet', { token: tenant.token })).body.data).toEqual({ currency: 'JPY', balance_minor: 1234, balance: 1234 });
  });

  it('never goes below zero under many concurrent call charges, and charges each call once', async () => {
    const tenant = await seedTenant(t);
    await credit(tenant, 1050);
    const charges = Array.from({ length: 30 }, (_, i) => ({ orgId: tenant.orgId, callId: 1_000_000 + i, priceMinor: 100n }));
    // each call settled twice at once, as a retried activity would
    const results = await Promise.all([...charges, ...charges].map((charge) => debitCallCharge(t.database, charge)));
    const { rows } = await t.database.pool.query<{ balance: string }>("SELECT balance FROM ledger_balances WHERE org_id = $1 AND account = 'voice_wallet'", [tenant.orgId]);
    expect(rows[0]!.balance).toBe('0');
    const entries = await t.database.prisma.ledgerEntry.findMany({ where: { org_id: tenant.orgId, account: 'voice_wallet', reason: 'call' } });
    expect(entries).toHaveLength(30);
    expect(entries.reduce((sum, e) => sum + e.amount, 0n)).toBe(-1050n);
    expect(entries.every((e) => e.amount <= 0n && e.amount >= -100n)).toBe(true);
    // what the wallet could not pay is recorded on the entries
    expect(entries.reduce((sum, e) => sum + Number((e.reference as { shortfall_minor?: number }).shortfall_minor ?? 0), 0)).toBe(3000 - 1050);
    expect(results.every((r) => r.debited >= 0n)).toBe(true);
  });
});

describe('voice token', () => {
  it('is a Twilio Access Token with a Voice grant for the calling user, signed with the API key secret', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const res = await t.call('POST', '/api/call/voice-token', { token: rep.token });
    expect(res.status).toBe(200);
    const [header, payload, signature] = (res.body.data.token as string).split('.') as [string, string, string];
    const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    expect(decode(header)).toMatchObject({ alg: 'HS256', cty: 'twilio-fpa;v=1' });
    const claims = decode(payload);
    expect(claims).toMatchObject({
      iss: t.deps.config.TWILIO_API_KEY_SID,
      sub: twilio.parent.sid,
      grants: { identity: `user_${rep.id}`, voice: { outgoing: { application_sid: t.deps.config.TWILIO_TWIML_APP_SID }, incoming: { allow: true } } },
    });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(createHmac('sha256', API_KEY_SECRET).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
  });
});

describe('agent calls', () => {
  async function callable(tenant: Tenant, phone: string | null = '+1 (415) 555-0199') {
    const { lead } = await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Carla', last_name: 'Callee', phone_number: phone ?? undefined });
    return lead.id;
  }

  const initiate = (tenant: Tenant, body: Record<string, unknown>) =>
    t.call('POST', '/api/call/agent/initiate', { token: tenant.token, body: { system_prompt: 'You book demos.', first_message: 'Hi, this is LIO.', language: 'en-US', ...body } });

  it('refuses before anything is written: no number to call from, no dialable number, an empty wallet, another organization\'s lead', async () => {
    const [a, b] = await seedTwoTenants(t);
    const lead = await callable(a);
    expect((await initiate(a, { lead_id: lead })).body.error.code).toBe('no_phone_number');
    await purchase(a);
    const noPhone = await callable(a, null);
    expect((await initiate(a, { lead_id: noPhone })).body.error.code).toBe('no_dialable_number');
    const empty = await initiate(a, { lead_id: lead });
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('insufficient_balance');
    await credit(a, 500);
    await purchase(b);
    await credit(b, 500);
    expect((await initiate(b, { lead_id: lead })).status).toBe(404);
    expect((await initiate(a, { lead_id: lead, contact_id: 1 })).status).toBe(422);
    expect(await t.database.prisma.call.count({ where: { org_id: { in: [a.orgId, b.orgId] } } })).toBe(0);
  });

  it('records the call (202, queued, from the caller\'s number) with its workflow\'s outbox event in one statement', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    await purchase(tenant);
    const repsNumber = await purchase(tenant);
    await t.call('POST', '/api/voice/assign-number', { token: tenant.token, body: { number_id: repsNumber.id, user_id: rep.id } });
    await credit(tenant, 500);
    const lead = await callable(tenant);
    const res = await t.call('POST', '/api/call/agent/initiate', { token: rep.token, body: { system_prompt: 'Qualify the lead.', lead_id: lead, voice_id: 'Polly.Joanna' } });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({
      user_id: rep.id,
      lead_id: lead,
      direction: 'outbound',
      from_number: repsNumber.phone_number,
      to_number: '+14155550199',
      status: 'queued',
      provider: 'twilio',
      price: null,
      recording_url: null,
      agent: { system_prompt: 'Qualify the lead.', voice_id: 'Polly.Joanna', first_message: null, language: null },
    });
    const events = await t.database.prisma.outboxEvent.findMany({ where: { org_id: tenant.orgId, kind: 'call.start' } });
    expect(events.map((e) => e.payload)).toEqual([{ callId: res.body.data.id }]);

    const list = await t.call('GET', '/api/call/list', { token: tenant.token, query: { lead_id: lead, status: 'queued' } });
    expect(list.body).toMatchObject({ total: 1, data: [{ id: res.body.data.id }] });
    expect((await t.call('GET', '/api/call/list', { token: tenant.token, query: { status: 'completed' } })).body.total).toBe(0);
    expect((await t.call('GET', `/api/call/${res.body.data.id}`, { token: tenant.token })).body.data.id).toBe(res.body.data.id);
    expect((await t.call('GET', `/api/call/${res.body.data.id}/transcript`, { token: tenant.token })).body.data).toEqual({ id: res.body.data.id, status: 'queued', transcript: null, available: false });
  });

  /** A queued call the fake knows as placed (the workflow's part, done here by hand: no worker in this file). */
  async function placedCall(tenant: Tenant) {
    await purchase(tenant);
    await credit(tenant, 500);
    const res = await initiate(tenant, { lead_id: await callable(tenant) });
    const callId = res.body.data.id as number;
    const sub = (await t.database.prisma.connectedApp.findFirstOrThrow({ where: { org_id: tenant.orgId, provider: 'twilio' } })).settings as { account_sid: string };
    const { sid } = twilio.seedCall(sub.account_sid, {
      to: '+14155550199',
      from: res.body.data.from_number,
      statusCallback: `${PUBLIC_BASE_URL}/api/call/${callId}/status-callback`,
      status: 'queued',
    });
    await t.database.prisma.call.update({ where: { id: callId }, data: { provider_call_sid: sid } });
    return { callId, sid };
  }

  const postCallback = (callback: { path: string; body: string; signature: string }, signature = callback.signature) =>
    t.call('POST', callback.path, { body: callback.body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });

  it('applies signed status callbacks forward only, and rejects a forged or missing signature without changing anything', async () => {
    const tenant = await seedTenant(t);
    const { callId, sid } = await placedCall(tenant);
    const statusOf = async () => (await t.database.prisma.call.findUniqueOrThrow({ where: { id: callId } })).status;
    const wakeUps = () => t.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'call.status' } });

    const ringing = twilio.callbackOf(sid, 'ringing');
    const forged = await postCallback(ringing, createHmac('sha1', 'not-the-token').update(ringing.url).digest('base64'));
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('invalid_signature');
    const unsigned = await t.call('POST', ringing.path, { body: ringing.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(unsigned.status).toBe(403);
    // a body changed after signing
    expect((await postCallback({ ...ringing, body: ringing.body.replace('ringing', 'completed') })).status).toBe(403);
    expect(await statusOf()).toBe('queued');
    expect(await wakeUps()).toBe(0);

    expect((await postCallback(ringing)).status).toBe(204);
    expect(await statusOf()).toBe('ringing');
    expect(await wakeUps()).toBe(1);
    const completed = twilio.callbackOf(sid, 'completed', { CallDuration: '42' });
    expect((await postCallback(completed)).status).toBe(204);
    // late and repeated callbacks change nothing and wake nobody
    expect((await postCallback(twilio.callbackOf(sid, 'in-progress'))).status).toBe(204);
    expect((await postCallback(completed)).status).toBe(204);
    const call = await t.database.prisma.call.findUniqueOrThrow({ where: { id: callId } });
    expect(call).toMatchObject({ status: 'completed', duration_sec: 42 });
    expect(call.ended_at!.getTime() - call.answered_at!.getTime()).toBe(42_000);
    expect(await wakeUps()).toBe(2);
  });

  it('serves the recording only to the organization, fetched from the provider with its credentials', async () => {
    const [a, b] = await seedTwoTenants(t);
    const { callId, sid } = await placedCall(a);
    const noneYet = await t.call('GET', `/api/call/${callId}/recording`, { token: a.token });
    expect(noneYet.status).toBe(404);
    expect(noneYet.body.error.code).toBe('recording_not_available');
    const audio = randomBytes(64);
    const recording = twilio.addRecording(sid, { audio, transcript: null });
    await t.database.prisma.call.update({ where: { id: callId }, data: { recording_sid: recording.sid } });
    expect((await t.call('GET', `/api/call/${callId}`, { token: a.token })).body.data.recording_url).toBe(`/api/call/${callId}/recording`);

    const res = await t.app.request(`/api/call/${callId}/recording`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(await res.arrayBuffer()).equals(audio)).toBe(true);
    expect(twilio.requests.at(-1)).toMatchObject({ path: `/2010-04-01/Accounts/${recording.accountSid}/Recordings/${recording.sid}.mp3`, account: recording.accountSid });
    expect((await t.call('GET', `/api/call/${callId}/recording`, { token: b.token })).status).toBe(404);
    expect((await t.call('GET', `/api/call/${callId}/recording`)).status).toBe(401);
  });
});

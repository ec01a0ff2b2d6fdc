// The AI agent call end to end: POST /api/call/agent/initiate writes the call
// and its outbox event, a worker process (worker/worker.ts, spawned, so it can
// be killed as a crash would) starts agentCallWorkflow, which places the call
// at the local Twilio fake through the real SDK, follows it through Twilio's
// signed status callbacks (posted to the API as Twilio would: out of order,
// twice, and forged) or, when none come, by polling, and settles its
// recording, transcript and price (debited once). A real Temporal dev server,
// on a database of its own.
import type { ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { postLedgerEntry } from '../../domain/billing/ledger.service.js';
import { createLead } from '../../domain/leads/lead.service.js';
import { connectTemporalClient, type TemporalClient } from '../../worker/temporal-connection.js';
import { startFakeTwilio, type FakeCall, type FakeTwilio } from '../fakes/twilio-fake.js';
import type { TestApp } from '../helpers/app.js';
import { createTestSystem, type TestSystem } from '../helpers/system.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';
import { killGroup, spawnWorker, workerEnvOf } from '../helpers/worker-process.js';

const PUBLIC_BASE_URL = 'https://lio.example.com';

let twilio: FakeTwilio;
let system: TestSystem;
let t: TestApp;
let temporal: TemporalClient;
const workers: ChildProcess[] = [];

function twilioSettings(): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: twilio.parent.sid,
    TWILIO_AUTH_TOKEN: twilio.parent.token,
    TWILIO_API_BASE_URL: twilio.url,
    PUBLIC_BASE_URL,
    // the fake listens on 127.0.0.1; an unanswered request fails after 2 s
    EGRESS_ALLOW_PRIVATE_NETWORKS: 'true',
    EGRESS_TIMEOUT_MS: '2000',
  };
}

beforeAll(async () => {
  twilio = await startFakeTwilio();
  system = await createTestSystem('agentcall', { worker: false, config: twilioSettings() });
  t = system.t;
  temporal = await connectTemporalClient(t.deps.config);
}, 60_000);

afterEach(async () => {
  await Promise.all(workers.splice(0).map(stopWorker));
});

afterAll(async () => {
  await temporal?.connection.close();
  await system?.close();
  await twilio?.close();
});

/** A worker process on the test's database and task queue; `pollSeconds` between its checks with Twilio. */
function startWorker(pollSeconds: number): ChildProcess {
  const child = spawnWorker({ ...workerEnvOf(t), ...twilioSettings(), VOICE_CALL_POLL_SECONDS: String(pollSeconds) });
  workers.push(child);
  return child;
}

async function stopWorker(child: ChildProcess) {
  const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
  killGroup(child, 'SIGKILL');
  await exited;
}

/** An organization with a number, a wallet of `balance` cents and a lead to call. */
async function callingTenant(balance: number): Promise<{ tenant: Tenant; leadId: number }> {
  const tenant = await seedTenant(t);
  const bought = await t.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: twilio.inventory.find((n) => !twilio.purchased.some((p) => p.phoneNumber === n) && !n.startsWith('+18'))! } });
  expect(bought.status, JSON.stringify(bought.body)).toBe(201);
  await postLedgerEntry(t.database.pool, { orgId: tenant.orgId, account: 'voice_wallet', amount: balance, reason: 'top_up', idempotencyKey: 'top-up' });
  const { lead } = await createLead(t.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Carla', last_name: 'Callee', phone_number: '+1 415 555 0199' });
  return { tenant, leadId: lead.id };
}

async function initiate(tenant: Tenant, leadId: number) {
  const res = await t.call('POST', '/api/call/agent/initiate', {
    token: tenant.token,
    body: { system_prompt: 'You book demos.', lead_id: leadId, first_message: 'Hi Carla, this is the LIO assistant.', voice_id: 'Polly.Joanna', language: 'en-US' },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const callId = res.body.data.id as number;
  return { callId, handle: temporal.client.workflow.getHandle(`agent-call:${tenant.orgPublicId}:${callId}`) };
}

const callbackUrl = (callId: number) => `${PUBLIC_BASE_URL}/api/call/${callId}/status-callback`;
const placementsOf = (callId: number) => twilio.calls.filter((c) => c.statusCallback === callbackUrl(callId));

/** The call at the fake, once the workflow has placed it. */
async function placed(callId: number): Promise<FakeCall> {
  return vi.waitFor(
    () => {
      const [call] = placementsOf(callId);
      if (!call) throw new Error('not placed yet');
      return call;
    },
    { timeout: 30_000, interval: 100 },
  );
}

const post = (callback: { path: string; body: string; signature: string }, signature = callback.signature) =>
  t.call('POST', callback.path, { body: callback.body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });

const callRow = (callId: number) => t.database.prisma.call.findUniqueOrThrow({ where: { id: callId } });
const chargesOf = (tenant: Tenant) => t.database.prisma.ledgerEntry.findMany({ where: { org_id: tenant.orgId, account: 'voice_wallet', reason: 'call' } });
const walletOf = async (tenant: Tenant) => (await t.call('GET', '/api/voice/wallet', { token: tenant.token })).body.data.balance_minor as number;

describe('agentCallWorkflow (worker process, Twilio fake, real Temporal)', () => {
  it('places the call once, is driven by signed callbacks out of order and repeated (a forged one changes nothing), and settles recording, transcript and price once', async () => {
    // polling every 10 minutes: only the callbacks can end this call within the test
    startWorker(600);
    const { tenant, leadId } = await callingTenant(1000);
    const { callId, handle } = await initiate(tenant, leadId);
    const call = await placed(callId);
    expect(call.to).toBe('+14155550199');
    expect(call.twiml).toContain('<Say voice="Polly.Joanna" language="en-US">Hi Carla, this is the LIO assistant.</Say>');
    expect(call.twiml).toContain('<Record transcribe="true"');
    await vi.waitFor(async () => expect((await callRow(callId)).provider_call_sid).toBe(call.sid), { timeout: 10_000 });

    const forged = twilio.callbackOf(call.sid, 'failed');
    expect((await post(forged, createHmac('sha1', 'guessed-token').update(forged.url).digest('base64'))).status).toBe(403);
    expect((await post(twilio.callbackOf(call.sid, 'ringing'))).status).toBe(204);
    expect((await callRow(callId)).status).toBe('ringing');

    twilio.progress(call.sid, 'completed', { duration: 42, price: '-0.0130' });
    twilio.addRecording(call.sid, { audio: randomBytes(32), transcript: 'Hi Carla, this is the LIO assistant. Yes, Tuesday works.' });
    const completed = twilio.callbackOf(call.sid, 'completed', { CallDuration: '42' });
    for (const callback of [completed, twilio.callbackOf(call.sid, 'in-progress'), twilio.callbackOf(call.sid, 'ringing'), completed]) {
      expect((await post(callback)).status).toBe(204);
    }

    // 0.013 USD is 1.3 cents, charged as 2
    expect(await handle.result()).toEqual({ complete: true, status: 'completed', priceMinor: 2, debitedMinor: 2 });
    const row = await callRow(callId);
    expect(row).toMatchObject({
      status: 'completed',
      duration_sec: 42,
      price_minor: 2n,
      transcript: 'Hi Carla, this is the LIO assistant. Yes, Tuesday works.',
      recording_sid: twilio.recordings.find((r) => r.callSid === call.sid)!.sid,
      workflow_id: `agent-call:${tenant.orgPublicId}:${callId}`,
    });
    expect(placementsOf(callId)).toHaveLength(1);
    expect((await chargesOf(tenant)).map((e) => e.amount)).toEqual([-2n]);
    expect(await walletOf(tenant)).toBe(998);
    const view = await t.call('GET', `/api/call/${callId}`, { token: tenant.token });
    expect(view.body.data).toMatchObject({ status: 'completed', price: 0.02, recording_url: `/api/call/${callId}/recording` });
  }, 90_000);

  it('ends a call correctly when the worker is killed mid-call and no callback ever arrives (polling), charging it once', async () => {
    const first = startWorker(1);
    const { tenant, leadId } = await callingTenant(1000);
    const { callId, handle } = await initiate(tenant, leadId);
    const call = await placed(callId);
    twilio.progress(call.sid, 'in-progress');
    await vi.waitFor(async () => expect((await callRow(callId)).status).toBe('in-progress'), { timeout: 15_000, interval: 200 });

    await stopWorker(first);
    // the call ends while no worker runs, and its callbacks are lost
    twilio.progress(call.sid, 'completed', { duration: 65, price: '-0.2500' });
    startWorker(1);

    expect(await handle.result()).toEqual({ complete: true, status: 'completed', priceMinor: 25, debitedMinor: 25 });
    expect(await callRow(callId)).toMatchObject({ status: 'completed', duration_sec: 65, price_minor: 25n, recording_sid: null });
    expect(placementsOf(callId)).toHaveLength(1);
    expect((await chargesOf(tenant)).map((e) => e.amount)).toEqual([-25n]);
    expect(await walletOf(tenant)).toBe(975);
  }, 120_000);

  it('places the call exactly once through a 5xx, a 429 with Retry-After (shared with every process) and a placement whose answer timed out', async () => {
    startWorker(600);
    const { tenant, leadId } = await callingTenant(1000);
    const placing = (method: string, path: string) => method === 'POST' && path.endsWith('/Calls.json');
    twilio.failNext(1, { status: 500 }, placing);
    twilio.failNext(1, { status: 429, retryAfter: 1 }, placing);
    // Twilio places the call, but its answer never arrives
    twilio.failNext(1, { status: 0, hang: true, afterActing: true }, placing);
    const { callId, handle } = await initiate(tenant, leadId);

    const call = await placed(callId);
    // the retry after the timeout finds the call at Twilio instead of placing another
    await vi.waitFor(async () => expect((await callRow(callId)).provider_call_sid).toBe(call.sid), { timeout: 30_000, interval: 200 });
    const subaccount = call.accountSid;
    expect(twilio.requests.filter((r) => placing(r.method, r.path) && r.account === subaccount)).toHaveLength(3);
    expect(twilio.requests.some((r) => r.method === 'GET' && r.path.endsWith('/Calls.json') && r.account === subaccount)).toBe(true);
    const { rows } = await t.database.pool.query("SELECT 1 FROM provider_throttles WHERE provider = 'twilio' AND account = $1", [subaccount]);
    expect(rows).toHaveLength(1);

    twilio.progress(call.sid, 'no-answer', { duration: 0, price: '0' });
    expect((await post(twilio.callbackOf(call.sid, 'no-answer'))).status).toBe(204);
    expect(await handle.result()).toEqual({ complete: true, status: 'no-answer', priceMinor: 0, debitedMinor: 0 });
    expect(placementsOf(callId)).toHaveLength(1);
    expect(await chargesOf(tenant)).toEqual([]);
    expect(await walletOf(tenant)).toBe(1000);
  }, 120_000);

  it('ends the call as failed when Twilio refuses the account\'s credentials, and marks the connection as needing re-authorisation', async () => {
    startWorker(600);
    const { tenant, leadId } = await callingTenant(1000);
    twilio.failNext(1, { status: 401 }, (method, path) => method === 'POST' && path.endsWith('/Calls.json'));
    const { callId, handle } = await initiate(tenant, leadId);
    // nothing reaches Twilio to wait for first: the result is asked for until the relay has started the workflow
    expect(await vi.waitFor(() => handle.result(), { timeout: 30_000, interval: 200 })).toEqual({ complete: true, status: 'failed', priceMinor: null, debitedMinor: 0 });
    expect(await callRow(callId)).toMatchObject({ status: 'failed', provider_call_sid: null });
    expect(placementsOf(callId)).toEqual([]);
    const connection = await t.database.prisma.connectedApp.findFirstOrThrow({ where: { org_id: tenant.orgId, provider: 'twilio' } });
    expect(connection).toMatchObject({ needs_reauth: true, last_error: 'Twilio answered 401 (error 20003)' });
    expect(await chargesOf(tenant)).toEqual([]);
  }, 60_000);
});

describe('the development sandbox (SANDBOX_CONNECTORS, no Twilio account)', () => {
  let sandbox: TestSystem;
  let sandboxTemporal: TemporalClient;

  beforeAll(async () => {
    sandbox = await createTestSystem('sandboxcall', { worker: true, config: { SANDBOX_CONNECTORS: 'true', VOICE_CALL_POLL_SECONDS: '1' } });
    sandboxTemporal = await connectTemporalClient(sandbox.t.deps.config);
  }, 60_000);

  afterAll(async () => {
    await sandboxTemporal?.connection.close();
    await sandbox?.close();
  });

  it('buys nothing and dials nobody, yet every number and call is recorded and a call runs its course, free', async () => {
    const s = sandbox.t;
    const tenant = await seedTenant(s);
    const offered = await s.call('GET', '/api/voice/available-numbers', { token: tenant.token, query: { areaCode: 212, limit: 3 } });
    expect(offered.body.data.map((n: { phone_number: string }) => n.phone_number)).toEqual(['+12125550100', '+12125550101', '+12125550102']);
    const bought = await s.call('POST', '/api/voice/purchase-number', { token: tenant.token, body: { phoneNumber: '+12125550100' } });
    expect(bought.body.data).toMatchObject({ status: 'active', provider: 'sandbox' });
    // the sandbox cannot issue a token a browser could call with
    expect((await s.call('POST', '/api/call/voice-token', { token: tenant.token })).body.error.code).toBe('voice_not_configured');

    await postLedgerEntry(s.database.pool, { orgId: tenant.orgId, account: 'voice_wallet', amount: 100, reason: 'top_up', idempotencyKey: 'top-up' });
    const { lead } = await createLead(s.database, { orgId: tenant.orgId, userId: tenant.adminId }, { first_name: 'Sam', phone_number: '+44 20 7946 0018' });
    const started = await s.call('POST', '/api/call/agent/initiate', { token: tenant.token, body: { system_prompt: 'Say hello.', lead_id: lead.id } });
    expect(started.status).toBe(202);
    const callId = started.body.data.id as number;
    const handle = sandboxTemporal.client.workflow.getHandle(`agent-call:${tenant.orgPublicId}:${callId}`);
    expect(await vi.waitFor(() => handle.result(), { timeout: 30_000, interval: 500 })).toEqual({ complete: true, status: 'completed', priceMinor: 0, debitedMinor: 0 });

    const calls = await s.call('GET', '/api/call/list', { token: tenant.token });
    expect(calls.body.data).toMatchObject([{ id: callId, provider: 'sandbox', status: 'completed', to_number: '+442079460018', from_number: '+12125550100', duration_sec: 2, price: 0 }]);
    expect((await s.call('GET', '/api/voice/wallet', { token: tenant.token })).body.data.balance_minor).toBe(100);
  }, 60_000);
});

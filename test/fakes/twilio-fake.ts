// A local Twilio that speaks the REST API 2010-04-01 the official SDK calls
// (JSON answers, form-encoded bodies): subaccounts (Accounts.json),
// AvailablePhoneNumbers/{country}/{Local|TollFree|Mobile}.json,
// IncomingPhoneNumbers.json (list, purchase), Calls.json (create, list with
// To/From/StartTime> filters), Calls/{sid}.json, Recordings.json?CallSid=,
// Recordings/{sid}.mp3 and Recordings/{sid}/Transcriptions.json. Every
// request needs HTTP Basic auth with an account's sid and auth token, and an
// account acts only on its own path (the parent also on its subaccounts');
// errors carry Twilio's body {code, message, more_info, status}.
//
// Scriptable per test: the next requests matching a predicate answer a
// status (429 with Retry-After, 500, 401) or hang; a call is moved along by
// the test (progress), and callbackOf() gives the status callback Twilio
// would post for it, signed (X-Twilio-Signature) with the call's account
// token over the PUBLIC callback URL the call was placed with. Every request
// is recorded, so a test can count purchases and placed calls.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { requestText } from './request-text.js';

export interface FakeTwilioRequest {
  method: string;
  path: string;
  /** the account of the Basic credentials (null when none or wrong) */
  account: string | null;
  status: number;
  form: Record<string, string | string[]>;
}

export interface FakeCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  status: string;
  twiml: string;
  statusCallback: string;
  startTime: Date | null;
  endTime: Date | null;
  duration: number | null;
  /** Twilio's price: negative, as text (null until priced) */
  price: string | null;
  priceUnit: string;
  createdAt: Date;
}

export interface FakeRecording {
  sid: string;
  callSid: string;
  accountSid: string;
  audio: Buffer;
  transcript: string | null;
}

export interface ScriptedFailure {
  status: number;
  /** seconds, for a 429 */
  retryAfter?: number;
  /** hold the request unanswered (the client's timeout ends it) instead of answering */
  hang?: boolean;
  /** with hang: carry the request out (buy, place) and only then withhold the answer: the client cannot know it happened */
  afterActing?: boolean;
}

export interface FakeTwilio {
  url: string;
  parent: { sid: string; token: string };
  accounts: Map<string, { token: string; parent: string | null }>;
  purchased: { sid: string; accountSid: string; phoneNumber: string; friendlyName: string | null }[];
  calls: FakeCall[];
  recordings: FakeRecording[];
  requests: FakeTwilioRequest[];
  /** numbers AvailablePhoneNumbers offers (the area code is the 3 digits after +1) */
  inventory: string[];
  /** adds a number nobody has bought to the inventory and returns it */
  newNumber(): string;
  /** a call as if the account had placed it with this status callback URL (for tests that place calls without a workflow) */
  seedCall(accountSid: string, call: { to: string; from: string; statusCallback: string; status: string }): FakeCall;
  /** the next `count` requests for which `match` holds answer `failure` */
  failNext(count: number, failure: ScriptedFailure, match?: (method: string, path: string) => boolean): void;
  /** moves a call on: its status and, for an ended call, duration and price */
  progress(callSid: string, status: string, details?: { duration?: number; price?: string | null }): void;
  /** the status callback Twilio would post now for the call: path and query of the public URL, form body, signature */
  callbackOf(callSid: string, status: string, extra?: Record<string, string>): { url: string; path: string; body: string; signature: string };
  addRecording(callSid: string, recording: { audio: Buffer; transcript: string | null }): FakeRecording;
  close(): Promise<void>;
}

const sidOf = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const rfc2822 = (d: Date | null) => d?.toUTCString() ?? null;

function callJson(call: FakeCall) {
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    to: call.to,
    from: call.from,
    status: call.status,
    direction: 'outbound-api',
    start_time: rfc2822(call.startTime),
    end_time: rfc2822(call.endTime),
    duration: call.duration === null ? null : String(call.duration),
    price: call.price,
    price_unit: call.priceUnit,
    date_created: rfc2822(call.createdAt),
    uri: `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}.json`,
  };
}

const page = (key: string, items: unknown[], uri: string) => ({ [key]: items, uri, page: 0, page_size: items.length, next_page_uri: null, previous_page_uri: null, start: 0, end: items.length });

async function readBody(req: IncomingMessage): Promise<Record<string, string | string[]>> {
  const form: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(await requestText(req))) {
    const existing = form[key];
    form[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return form;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const parent = { sid: sidOf('AC'), token: randomBytes(16).toString('hex') };
  const accounts = new Map<string, { token: string; parent: string | null }>([[parent.sid, { token: parent.token, parent: null }]]);
  const purchased: FakeTwilio['purchased'] = [];
  const calls: FakeCall[] = [];
  const recordings: FakeRecording[] = [];
  const requests: FakeTwilioRequest[] = [];
  const inventory = ['+14155550100', '+14155550101', '+14155550123', '+16505550111', '+18005550199'];
  const scripted: { remaining: number; failure: ScriptedFailure; match: (method: string, path: string) => boolean }[] = [];
  const hanging = new Set<ServerResponse>();

  function authenticated(req: IncomingMessage): string | null {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return null;
    const [sid, token] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    return sid && accounts.get(sid)?.token === token ? sid : null;
  }

  const mayActOn = (caller: string, account: string) => caller === account || accounts.get(account)?.parent === caller;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const form = method === 'POST' ? await readBody(req) : {};
    const caller = authenticated(req);
    const record: FakeTwilioRequest = { method, path, account: caller, status: 200, form };
    requests.push(record);
    let withhold = false;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      if (withhold) {
        hanging.add(res);
        return;
      }
      const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': Buffer.isBuffer(body) ? 'audio/mpeg' : 'application/json', ...headers });
      res.end(text);
    };
    const error = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
      send(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);

    const script = scripted.find((s) => s.remaining > 0 && s.match(method, path));
    if (script) {
      script.remaining--;
      if (script.failure.hang && script.failure.afterActing) withhold = true;
      else if (script.failure.hang) {
        record.status = 0;
        hanging.add(res);
        return;
      }
    }
    if (script && !withhold) {
      const { status, retryAfter } = script.failure;
      if (status === 429) return error(429, 20429, 'Too Many Requests', retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
      if (status === 401) return error(401, 20003, 'Authenticate');
      return error(status, 20500, 'Internal Server Error');
    }
    if (!caller) return error(401, 20003, 'Authenticate');

    if (method === 'POST' && path === '/2010-04-01/Accounts.json') {
      const sid = sidOf('AC');
      const token = randomBytes(16).toString('hex');
      accounts.set(sid, { token, parent: caller });
      return send(201, { sid, auth_token: token, friendly_name: form.FriendlyName ?? null, status: 'active', owner_account_sid: caller, uri: `/2010-04-01/Accounts/${sid}.json` });
    }
    const scoped = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/(.+)$/.exec(path);
    if (!scoped) return error(404, 20404, 'The requested resource was not found');
    const [, account, rest] = scoped as unknown as [string, string, string];
    if (!mayActOn(caller, account)) return error(401, 20003, 'Authenticate');

    const available = /^AvailablePhoneNumbers\/([A-Z]{2})\/(Local|TollFree|Mobile)\.json$/.exec(rest);
    if (method === 'GET' && available) {
      const areaCode = url.searchParams.get('AreaCode');
      const contains = url.searchParams.get('Contains');
      const size = Number(url.searchParams.get('PageSize') ?? 50);
      const tollFree = available[2] === 'TollFree';
      const offered = inventory
        .filter((n) => n.startsWith('+18') === tollFree)
        .filter((n) => !purchased.some((p) => p.phoneNumber === n))
        .filter((n) => (areaCode ? n.slice(2, 5) === areaCode : true) && (contains ? n.includes(contains) : true))
        .slice(0, size)
        .map((n) => ({ phone_number: n, friendly_name: `(${n.slice(2, 5)}) ${n.slice(5, 8)}-${n.slice(8)}`, locality: 'San Francisco', region: 'CA', iso_country: available[1], capabilities: { voice: true, SMS: true, MMS: false } }));
      return send(200, page('available_phone_numbers', offered, path));
    }
    if (rest === 'IncomingPhoneNumbers.json' && method === 'GET') {
      const owned = purchased.filter((p) => p.accountSid === account).map((p) => ({ sid: p.sid, phone_number: p.phoneNumber, friendly_name: p.friendlyName ?? p.phoneNumber, account_sid: account }));
      return send(200, page('incoming_phone_numbers', owned, path));
    }
    if (rest === 'IncomingPhoneNumbers.json' && method === 'POST') {
      const phoneNumber = String(form.PhoneNumber ?? '');
      if (!inventory.includes(phoneNumber) || purchased.some((p) => p.phoneNumber === phoneNumber)) return error(400, 21422, 'PhoneNumber is not available');
      const bought = { sid: sidOf('PN'), accountSid: account, phoneNumber, friendlyName: typeof form.FriendlyName === 'string' ? form.FriendlyName : null };
      purchased.push(bought);
      return send(201, { sid: bought.sid, phone_number: phoneNumber, friendly_name: bought.friendlyName ?? phoneNumber, account_sid: account });
    }
    if (rest === 'Calls.json' && method === 'POST') {
      const call: FakeCall = {
        sid: sidOf('CA'),
        accountSid: account,
        to: String(form.To),
        from: String(form.From),
        status: 'queued',
        twiml: String(form.Twiml ?? ''),
        statusCallback: String(form.StatusCallback ?? ''),
        startTime: null,
        endTime: null,
        duration: null,
        price: null,
        priceUnit: 'USD',
        createdAt: new Date(),
      };
      calls.push(call);
      return send(201, callJson(call));
    }
    if (rest === 'Calls.json' && method === 'GET') {
      const to = url.searchParams.get('To');
      const from = url.searchParams.get('From');
      const after = url.searchParams.get('StartTime>');
      const found = calls
        .filter((c) => c.accountSid === account && (!to || c.to === to) && (!from || c.from === from))
        .filter((c) => !after || c.createdAt.getTime() >= Date.parse(after))
        .reverse();
      return send(200, page('calls', found.map(callJson), path));
    }
    const oneCall = /^Calls\/(CA[0-9a-f]{32})\.json$/.exec(rest);
    if (oneCall && method === 'GET') {
      const call = calls.find((c) => c.sid === oneCall[1] && c.accountSid === account);
      return call ? send(200, callJson(call)) : error(404, 20404, 'The requested resource was not found');
    }
    if (rest === 'Recordings.json' && method === 'GET') {
      const callSid = url.searchParams.get('CallSid');
      const found = recordings.filter((r) => r.accountSid === account && (!callSid || r.callSid === callSid));
      return send(200, page('recordings', found.map((r) => ({ sid: r.sid, call_sid: r.callSid, account_sid: account, duration: '2', status: 'completed' })), path));
    }
    const media = /^Recordings\/(RE[0-9a-f]{32})\.mp3$/.exec(rest);
    if (media && method === 'GET') {
      const recording = recordings.find((r) => r.sid === media[1] && r.accountSid === account);
      return recording ? send(200, recording.audio) : error(404, 20404, 'The requested resource was not found');
    }
    const transcriptions = /^Recordings\/(RE[0-9a-f]{32})\/Transcriptions\.json$/.exec(rest);
    if (transcriptions && method === 'GET') {
      const recording = recordings.find((r) => r.sid === transcriptions[1] && r.accountSid === account);
      const items = recording?.transcript ? [{ sid: sidOf('TR'), recording_sid: recording.sid, transcription_text: recording.transcript, status: 'completed' }] : [];
      return send(200, page('transcriptions', items, path));
    }
    return error(404, 20404, 'The requested resource was not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const callOf = (sid: string) => {
    const call = calls.find((c) => c.sid === sid);
    if (!call) throw new Error(`fake Twilio has no call ${sid}`);
    return call;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    parent,
    accounts,
    purchased,
    calls,
    recordings,
    requests,
    inventory,
    newNumber() {
      const number = `+1415555${String(1000 + inventory.length).padStart(4, '0')}`;
      inventory.push(number);
      return number;
    },
    seedCall(accountSid, { to, from, statusCallback, status }) {
      const call: FakeCall = { sid: sidOf('CA'), accountSid, to, from, status, twiml: '', statusCallback, startTime: null, endTime: null, duration: null, price: null, priceUnit: 'USD', createdAt: new Date() };
      calls.push(call);
      return call;
    },
    failNext(count, failure, match = () => true) {
      scripted.push({ remaining: count, failure, match });
    },
    progress(callSid, status, details = {}) {
      const call = callOf(callSid);
      call.status = status;
      if (status === 'in-progress') call.startTime = new Date();
      if (['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status)) {
        call.endTime = new Date();
        call.duration = details.duration ?? 0;
        call.price = details.price === undefined ? null : details.price;
      }
    },
    callbackOf(callSid, status, extra = {}) {
      const call = callOf(callSid);
      const params: Record<string, string> = { AccountSid: call.accountSid, CallSid: call.sid, CallStatus: status, To: call.to, From: call.from, Direction: 'outbound-api', ...extra };
      const token = accounts.get(call.accountSid)!.token;
      const signature = twilio.getExpectedTwilioSignature(token, call.statusCallback, params);
      const target = new URL(call.statusCallback);
      return { url: call.statusCallback, path: target.pathname + target.search, body: new URLSearchParams(params).toString(), signature };
    },
    addRecording(callSid, { audio, transcript }) {
      const call = callOf(callSid);
      const recording = { sid: sidOf('RE'), callSid, accountSid: call.accountSid, audio, transcript };
      recordings.push(recording);
      return recording;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

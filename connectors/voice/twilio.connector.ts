// The voice connector on Twilio's official SDK (twilio 6.3.1). Twilio's SDK
// has no base URL option (ENGINEERING.md §8): every request goes through
// EgressRequestClient, a twilio.RequestClient that sends *.twilio.com
// requests to TWILIO_API_BASE_URL when the operator set one (tests: a local
// fake), over the egress's agents (the SSRF check, the time and size
// bounds), with the SDK's own 429 retry off (it ignores Retry-After; the
// activities retry instead). Every answer of 400 or more is thrown as a
// ConnectorError naming the status and Twilio's error code, never its text.
import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient.js';
import { ConnectorError, failureOfStatus, type ConnectorFailure } from '../connector-error.js';
import type { Egress } from '../egress.js';
import { retryAfterMs } from '../rate-limiter.js';
import type {
  AvailableNumber,
  CallStatus,
  NumberSearch,
  OwnedNumber,
  PlaceCallInput,
  ProviderCall,
  ProviderRecording,
  RecordingAudio,
  VoiceAccount,
  VoiceConnector,
} from './voice.connector.js';

export interface TwilioSettings {
  /** the operator's (parent) account: subaccounts are created under it */
  accountSid: string;
  authToken: string;
  /** an API key of the parent account and the TwiML app browsers call through (voice Access Tokens) */
  apiKeySid?: string;
  apiKeySecret?: string;
  twimlAppSid?: string;
  /** where *.twilio.com requests go instead (tests); absent: Twilio itself */
  apiBaseUrl?: string;
  /** milliseconds a request may take */
  timeoutMs: number;
}

const PROVIDER = 'twilio';
const TWILIO_HOST = /(^|\.)twilio\.com$/i;

/** Twilio's URL as the operator routes it: the same path and query on TWILIO_API_BASE_URL's origin. */
function routedUrl(uri: string, apiBaseUrl: string | undefined): string {
  const url = new URL(uri);
  if (!apiBaseUrl || !TWILIO_HOST.test(url.hostname)) return url.toString();
  const base = new URL(apiBaseUrl);
  url.protocol = base.protocol;
  url.host = base.host;
  return url.toString();
}

/** A transport failure (no HTTP answer) as a ConnectorError. */
function transportFailure(err: unknown, egress: Egress): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const egressFailure = egress.failureOf(err);
  if (egressFailure) {
    const kinds: Record<typeof egressFailure.failure, ConnectorFailure> = { refused: 'refused', too_large: 'refused', timeout: 'timeout', unreachable: 'unavailable' };
    return new ConnectorError(kinds[egressFailure.failure], `Twilio: ${egressFailure.message}`, { provider: PROVIDER });
  }
  const code = (err as { code?: unknown } | null)?.code;
  // axios's own timeout (the request's `timeout`)
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return new ConnectorError('timeout', 'Twilio did not answer in time', { provider: PROVIDER });
  return new ConnectorError('unavailable', `Twilio could not be reached${typeof code === 'string' ? ` (${code})` : ''}`, { provider: PROVIDER });
}

/** An HTTP answer of 400 or more as a ConnectorError: the status and Twilio's numeric error code, not its message. */
function statusFailure(status: number, body: unknown, headers: Record<string, unknown>): ConnectorError {
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const twilioCode = (parsed as { code?: unknown } | null)?.code;
  const retryAfter = retryAfterMs(typeof headers['retry-after'] === 'string' ? headers['retry-after'] : null);
  return new ConnectorError(failureOfStatus(status), `Twilio answered ${status}${typeof twilioCode === 'number' ? ` (error ${twilioCode})` : ''}`, {
    provider: PROVIDER,
    status,
    ...(retryAfter !== null ? { retryAfterMs: retryAfter } : {}),
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The SDK's HTTP client, through the egress. autoRetry is off here (the SDK
 * reads it from its RequestClient, not from twilio(...) when a client is
 * given); the egress agents replace the SDK's own https agent.
 */
class EgressRequestClient extends twilio.RequestClient {
  constructor(
    private readonly egress: Egress,
    private readonly apiBaseUrl: string | undefined,
    timeoutMs: number,
  ) {
    super({ autoRetry: false, timeout: timeoutMs });
    this.axios.defaults.httpsAgent = egress.agentFor({ protocol: 'https:' });
    this.axios.defaults.httpAgent = egress.agentFor({ protocol: 'http:' });
  }

  override async request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    let response;
    try {
      response = await super.request<TData>({ ...opts, uri: routedUrl(opts.uri, this.apiBaseUrl), allowRedirects: false });
    } catch (err) {
      throw transportFailure(err, this.egress);
    }
    if (response.statusCode >= 400) throw statusFailure(response.statusCode, response.body, response.headers as Record<string, unknown>);
    return response;
  }
}

const numberOrNull = (value: string | number | null | undefined) => (value === null || value === undefined || value === '' ? null : Number(value));

/** Twilio's price is negative (a charge): the amount charged, positive, as text. */
const chargedAmount = (price: string | null | undefined) => (price === null || price === undefined || price === '' ? null : String(Math.abs(Number(price))));

interface TwilioCallFields {
  sid: string;
  status: string;
  to: string;
  from: string;
  startTime: Date | null;
  endTime: Date | null;
  duration: string | null;
  price: string | null;
  priceUnit: string | null;
}

const providerCall = (call: TwilioCallFields): ProviderCall => ({
  sid: call.sid,
  status: call.status as CallStatus,
  to: call.to,
  from: call.from,
  startTime: call.startTime ?? null,
  endTime: call.endTime ?? null,
  durationSec: numberOrNull(call.duration),
  price: chargedAmount(call.price),
  priceUnit: call.priceUnit ? call.priceUnit.toUpperCase() : null,
});

/** The call's instructions: say the greeting, then record (and transcribe) what follows, for the conversation engine and the call's record. */
function agentTwiml(greeting: PlaceCallInput['greeting']): string {
  const response = new twilio.twiml.VoiceResponse();
  const sayAttributes = {
    ...(greeting.voice ? { voice: greeting.voice as never } : {}),
    ...(greeting.language ? { language: greeting.language as never } : {}),
  };
  if (greeting.text) response.say(sayAttributes, greeting.text);
  response.record({ transcribe: true, maxLength: 3600, playBeep: false });
  return response.toString();
}

export function createTwilioConnector(settings: TwilioSettings, egress: Egress): VoiceConnector {
  const httpClient = new EgressRequestClient(egress, settings.apiBaseUrl, settings.timeoutMs);
  const clientOf = (account: VoiceAccount) => twilio(account.accountSid, account.authToken, { httpClient });
  const parent = () => clientOf({ accountSid: settings.accountSid, authToken: settings.authToken });

  return {
    provider: 'twilio',

    async createSubaccount(friendlyName) {
      const account = await parent().api.v2010.accounts.create({ friendlyName });
      return { accountSid: account.sid, authToken: account.authToken };
    },

    async searchAvailableNumbers(account, search: NumberSearch): Promise<AvailableNumber[]> {
      const country = (account ? clientOf(account) : parent()).availablePhoneNumbers(search.country);
      const options = { areaCode: search.areaCode, contains: search.contains, voiceEnabled: true, limit: search.limit };
      // AvailablePhoneNumbers/{country}/Local.json, TollFree.json, Mobile.json
      const numbers =
        search.type === 'toll_free' ? await country.tollFree.list(options) : search.type === 'mobile' ? await country.mobile.list(options) : await country.local.list(options);
      return numbers.map((n) => ({
        phone_number: n.phoneNumber,
        friendly_name: n.friendlyName,
        locality: n.locality || null,
        region: n.region || null,
        country: n.isoCountry,
        voice: Boolean(n.capabilities?.voice),
        sms: Boolean(n.capabilities?.sms),
      }));
    },

    async listOwnedNumbers(account): Promise<OwnedNumber[]> {
      const numbers = await clientOf(account).incomingPhoneNumbers.list({ limit: 1000 });
      return numbers.map((n) => ({ sid: n.sid, phone_number: n.phoneNumber, friendly_name: n.friendlyName || null }));
    },

    async purchaseNumber(account, { phoneNumber, friendlyName }) {
      const bought = await clientOf(account).incomingPhoneNumbers.create({ phoneNumber, ...(friendlyName ? { friendlyName } : {}) });
      return { sid: bought.sid, phone_number: bought.phoneNumber, friendly_name: bought.friendlyName || null };
    },

    async placeCall(account, input) {
      const call = await clientOf(account).calls.create({
        to: input.to,
        from: input.from,
        twiml: agentTwiml(input.greeting),
        statusCallback: input.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      });
      return providerCall(call);
    },

    async findCalls(account, { to, from, since }) {
      const calls = await clientOf(account).calls.list({ to, from, startTimeAfter: since, limit: 20 });
      return calls.map(providerCall);
    },

    async fetchCall(account, callSid) {
      return providerCall(await clientOf(account).calls(callSid).fetch());
    },

    async listRecordings(account, callSid): Promise<ProviderRecording[]> {
      const recordings = await clientOf(account).recordings.list({ callSid, limit: 20 });
      return recordings.map((r) => ({ sid: r.sid, durationSec: numberOrNull(r.duration) }));
    },

    // A plain GET with Basic auth, not an SDK call (the SDK has none for the media, §8)
    async fetchRecordingAudio(account, recordingSid): Promise<RecordingAudio> {
      const url = routedUrl(`https://api.twilio.com/2010-04-01/Accounts/${account.accountSid}/Recordings/${recordingSid}.mp3`, settings.apiBaseUrl);
      let response: Response;
      try {
        response = await egress.fetch(url, {
          headers: { authorization: `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}` },
        });
      } catch (err) {
        throw transportFailure(err, egress);
      }
      if (response.status >= 400) {
        throw statusFailure(response.status, await response.text(), Object.fromEntries(response.headers.entries()));
      }
      return { contentType: response.headers.get('content-type') ?? 'audio/mpeg', body: new Uint8Array(await response.arrayBuffer()) };
    },

    async fetchTranscriptText(account, recordingSid) {
      const transcriptions = await clientOf(account).recordings(recordingSid).transcriptions.list({ limit: 1 });
      return transcriptions[0]?.transcriptionText ?? null;
    },

    accessToken(identity, ttlSeconds) {
      const { apiKeySid, apiKeySecret, twimlAppSid } = settings;
      if (!apiKeySid || !apiKeySecret || !twimlAppSid) return null;
      const token = new twilio.jwt.AccessToken(settings.accountSid, apiKeySid, apiKeySecret, { identity, ttl: ttlSeconds });
      token.addGrant(new twilio.jwt.AccessToken.VoiceGrant({ outgoingApplicationSid: twimlAppSid, incomingAllow: true }));
      return token.toJwt();
    },

    validateSignature(account, publicUrl, params, signature) {
      return twilio.validateRequest(account.authToken, signature, publicUrl, params);
    },
  };
}

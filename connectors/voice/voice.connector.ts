// The voice connector: phone numbers, outbound calls, their recordings and
// transcripts, browser calling tokens and the signatures on the provider's
// callbacks. The domain and the activities see only this interface; the
// composition root (services/services.ts) builds the Twilio implementation
// when the operator configured a Twilio account, the sandbox one in
// development (SANDBOX_CONNECTORS) when not, and none otherwise.
//
// Every organization has an account of its own at the provider (a Twilio
// subaccount), so its numbers, calls and recordings are kept apart there as
// well; each call below names the account it acts in. Failures are thrown as
// ConnectorError (connectors/connector-error.ts), never retried here: the
// activities retry (Temporal) and honour Retry-After across processes.

export const NUMBER_TYPES = ['local', 'toll_free', 'mobile'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

/** An organization's own account at the provider; the token is a secret (sealed at rest, never logged). */
export interface VoiceAccount {
  accountSid: string;
  authToken: string;
}

export interface NumberSearch {
  /** ISO 3166-1 alpha-2 */
  country: string;
  type: NumberType;
  areaCode?: number;
  contains?: string;
  limit: number;
}

export interface AvailableNumber {
  phone_number: string;
  friendly_name: string;
  locality: string | null;
  region: string | null;
  country: string;
  voice: boolean;
  sms: boolean;
}

export interface OwnedNumber {
  sid: string;
  phone_number: string;
  friendly_name: string | null;
}

export interface PlaceCallInput {
  to: string;
  from: string;
  /** what the agent says once the call is answered, in which voice and language; the rest of the call is recorded and transcribed */
  greeting: { text: string; voice: string | null; language: string | null };
  /** where the provider posts the call's progress (a public URL, signed by the provider) */
  statusCallback: string;
}

/** queued | initiated | ringing | in-progress | completed | busy | no-answer | failed | canceled (Twilio's names) */
export type CallStatus = 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export interface ProviderCall {
  sid: string;
  status: CallStatus;
  to: string;
  from: string;
  startTime: Date | null;
  endTime: Date | null;
  durationSec: number | null;
  /** what the call cost, as the provider states it (a positive decimal), null until the provider has priced it */
  price: string | null;
  /** ISO 4217 of `price` */
  priceUnit: string | null;
}

export interface ProviderRecording {
  sid: string;
  durationSec: number | null;
}

export interface RecordingAudio {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
}

export interface VoiceConnector {
  /** 'twilio' or 'sandbox': stored on every number and call it handled */
  readonly provider: 'twilio' | 'sandbox';
  /** a new account of the organization's own under the operator's (called once per organization) */
  createSubaccount(friendlyName: string): Promise<VoiceAccount>;
  /** numbers for sale (the same for every account): `account` null searches with the operator's, before the organization has its own */
  searchAvailableNumbers(account: VoiceAccount | null, search: NumberSearch): Promise<AvailableNumber[]>;
  listOwnedNumbers(account: VoiceAccount): Promise<OwnedNumber[]>;
  /** buys the number (not idempotent at the provider: the caller records the purchase first) */
  purchaseNumber(account: VoiceAccount, input: { phoneNumber: string; friendlyName: string | null }): Promise<OwnedNumber>;
  /** places a call (not idempotent at the provider: the caller records the attempt first) */
  placeCall(account: VoiceAccount, input: PlaceCallInput): Promise<ProviderCall>;
  /** the calls placed from `from` to `to` since `since`, newest first: how an attempt whose answer was lost is found */
  findCalls(account: VoiceAccount, query: { to: string; from: string; since: Date }): Promise<ProviderCall[]>;
  fetchCall(account: VoiceAccount, callSid: string): Promise<ProviderCall>;
  listRecordings(account: VoiceAccount, callSid: string): Promise<ProviderRecording[]>;
  /** the recording's audio (mp3), fetched with the account's credentials: its address is never handed out */
  fetchRecordingAudio(account: VoiceAccount, recordingSid: string): Promise<RecordingAudio>;
  /** the text of the recording's transcription, null when it has none (yet) */
  fetchTranscriptText(account: VoiceAccount, recordingSid: string): Promise<string | null>;
  /** a browser calling token (a JWT with a Voice grant) for `identity`, null where this connector cannot issue one */
  accessToken(identity: string, ttlSeconds: number): string | null;
  /** whether `signature` (X-Twilio-Signature) is the provider's for this public URL and these form parameters */
  validateSignature(account: VoiceAccount, publicUrl: string, params: Record<string, string>, signature: string): boolean;
}

export const TERMINAL_CALL_STATUSES: readonly CallStatus[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
export const isTerminalCallStatus = (status: string) => (TERMINAL_CALL_STATUSES as readonly string[]).includes(status);

// The development stand-in for a voice provider (SANDBOX_CONNECTORS=true and
// no Twilio account configured; never chosen otherwise): nothing is dialled
// or bought. Numbers offered are from the fictional 555-01xx range, a
// "purchase" succeeds at once, and a placed call progresses by the clock
// from the moment it was placed (its sid carries that moment, so any process
// reading it sees the same progress): queued, ringing after 1 s, in-progress
// after 2 s, completed after 4 s, 2 s long, free. The calls table keeps every
// call with provider 'sandbox', which is how a new user sees what would have
// been dialled.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { AvailableNumber, CallStatus, ProviderCall, VoiceConnector } from './voice.connector.js';

const RINGING_AFTER_MS = 1000;
const ANSWERED_AFTER_MS = 2000;
const COMPLETED_AFTER_MS = 4000;

const sandboxSid = (prefix: string, at: number) => `${prefix}sandbox${at.toString(16).padStart(12, '0')}${randomBytes(6).toString('hex')}`;

/** When the call was placed, read back from its sid. */
const placedAt = (sid: string) => Number.parseInt(sid.slice('CAsandbox'.length, 'CAsandbox'.length + 12), 16);

function progressOf(sid: string, to: string, from: string, now: number): ProviderCall {
  const start = placedAt(sid);
  const elapsed = now - start;
  const status: CallStatus =
    elapsed >= COMPLETED_AFTER_MS ? 'completed' : elapsed >= ANSWERED_AFTER_MS ? 'in-progress' : elapsed >= RINGING_AFTER_MS ? 'ringing' : 'queued';
  const completed = status === 'completed';
  return {
    sid,
    status,
    to,
    from,
    startTime: elapsed >= ANSWERED_AFTER_MS ? new Date(start + ANSWERED_AFTER_MS) : null,
    endTime: completed ? new Date(start + COMPLETED_AFTER_MS) : null,
    durationSec: completed ? (COMPLETED_AFTER_MS - ANSWERED_AFTER_MS) / 1000 : null,
    // a sandbox call costs nothing, in whatever currency the organization uses
    price: completed ? '0' : null,
    priceUnit: null,
  };
}

export function createSandboxVoiceConnector(now: () => number = Date.now): VoiceConnector {
  return {
    provider: 'sandbox',

    async createSubaccount() {
      return { accountSid: sandboxSid('AC', now()), authToken: randomBytes(16).toString('hex') };
    },

    async searchAvailableNumbers(_account, search) {
      const area = String(search.areaCode ?? (search.type === 'toll_free' ? 800 : 555)).padStart(3, '0');
      const numbers: AvailableNumber[] = [];
      for (let line = 100; line < 200 && numbers.length < search.limit; line++) {
        const phone = `+1${area}555${String(line).padStart(4, '0')}`;
        if (search.contains && !phone.includes(search.contains.replace(/\D/g, ''))) continue;
        numbers.push({ phone_number: phone, friendly_name: `(${area}) 555-${String(line).padStart(4, '0')}`, locality: 'Sandbox', region: null, country: search.country, voice: true, sms: false });
      }
      return numbers;
    },

    // nothing is kept at a sandbox "provider": the numbers table is the record
    async listOwnedNumbers() {
      return [];
    },

    async purchaseNumber(_account, { phoneNumber, friendlyName }) {
      return { sid: sandboxSid('PN', now()), phone_number: phoneNumber, friendly_name: friendlyName };
    },

    async placeCall(_account, input) {
      return progressOf(sandboxSid('CA', now()), input.to, input.from, now());
    },

    // a sandbox placement cannot lose its answer: there is never an attempt in doubt to find
    async findCalls() {
      return [];
    },

    async fetchCall(_account, callSid) {
      return progressOf(callSid, '', '', now());
    },

    async listRecordings() {
      return [];
    },

    async fetchRecordingAudio() {
      return { contentType: 'audio/mpeg', body: new Uint8Array() };
    },

    async fetchTranscriptText() {
      return null;
    },

    // a browser can only call through a real provider
    accessToken() {
      return null;
    },

    validateSignature(account, publicUrl, params, signature) {
      return twilio.validateRequest(account.authToken, signature, publicUrl, params);
    },
  };
}

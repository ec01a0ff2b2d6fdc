// The AI agent call's I/O (workflows/agent-call.workflow.ts): place the call
// once, bring its status up to date, and settle it when it has ended. Every
// provider call goes through the voice connector with the organization's own
// account; failures retry through Temporal, never inside the SDK. A 429's
// Retry-After is recorded in the shared provider throttle so that no process
// calls that account again before it, and is this activity's next retry delay.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ConnectorError } from '../connectors/connector-error.js';
import type { VoiceAccount, VoiceConnector } from '../connectors/voice/voice.connector.js';
import { markNeedsReauth } from '../domain/integrations/connected-app.service.js';
import { pauseAfterRateLimit, waitOutThrottle } from './provider-throttle.js';
import {
  applyCallStatus,
  callStatusCallbackPath,
  isEndStatus,
  markCallFailed,
  placementStateOf,
  publicUrlOf,
  recordCallOutcome,
  recordPlacementAttempt,
  recordProviderCall,
  type CallRef,
  type CallStatus,
} from '../domain/voice/call.service.js';
import { findVoiceAccount } from '../domain/voice/voice-account.js';
import { debitCallCharge, organizationCurrency, toMinorUnits } from '../domain/voice/wallet.service.js';
import type { ActivityDeps } from './activity-deps.js';

export interface AgentCallProgress {
  status: string;
  ended: boolean;
  /** seconds between checks with the provider (the operator's VOICE_CALL_POLL_SECONDS) */
  pollSeconds: number;
}

export interface AgentCallSettlement {
  /** false while the provider has not priced the call or transcribed its recording yet */
  complete: boolean;
  status: string;
  priceMinor: number | null;
  debitedMinor: number;
}

/** An attempt whose answer was lost is looked up among the calls placed since a little before it was made (clock skew). */
const IN_DOUBT_LOOKBACK_MS = 60_000;

export function createVoiceActivities({ database, services, config, logger }: ActivityDeps) {
  /** The connector and the organization's account; a call without them cannot proceed (not retried). */
  async function voiceOf(ref: CallRef): Promise<{ voice: VoiceConnector; account: VoiceAccount }> {
    const voice = services.voice;
    const account = voice ? await findVoiceAccount(database, services.secrets, ref.orgId) : null;
    if (!voice || !account) {
      await markCallFailed(database, ref);
      throw ApplicationFailure.nonRetryable(voice ? 'the organization has no voice account' : 'voice is not configured on this worker', 'VoiceNotConfigured');
    }
    return { voice, account };
  }

  /** Waits out a recorded Retry-After of the account (on every process) by failing this attempt with that delay. */
  async function respectThrottle(account: VoiceAccount) {
    await waitOutThrottle(database.pool, 'twilio', account.accountSid, `Twilio account ${account.accountSid}`);
  }

  /**
   * A provider failure as this attempt's outcome: a 429 is shared and retried
   * after its Retry-After; refused credentials mark the connection for
   * re-authorisation; other retryable failures are retried by the policy.
   * Returns for the caller to end the call when retrying cannot help.
   */
  async function handleProviderFailure(ref: CallRef, account: VoiceAccount, err: unknown): Promise<'give_up'> {
    if (!(err instanceof ConnectorError)) throw err;
    if (err.failure === 'rate_limited') {
      throw await pauseAfterRateLimit(database.pool, 'twilio', account.accountSid, err.details.retryAfterMs ?? 1000, err.message);
    }
    if (err.retryable) throw err;
    if (err.failure === 'auth') await markNeedsReauth(database, ref.orgId, 'twilio', err.message);
    logger.warn({ orgId: ref.orgId, callId: ref.callId, failure: err.failure, status: err.details.status }, 'voice provider refused the request');
    return 'give_up';
  }

  async function progressOf(ref: CallRef): Promise<AgentCallProgress> {
    const state = await placementStateOf(database, ref);
    return { status: state.status, ended: isEndStatus(state.status), pollSeconds: config.VOICE_CALL_POLL_SECONDS };
  }

  return {
    /**
     * Places the call, once: a call that has a provider sid is not placed again,
     * and an earlier attempt whose answer never came (a timeout, a worker that
     * died) is looked for at the provider before another is made.
     */
    async placeAgentCall(ref: CallRef): Promise<AgentCallProgress> {
      const { voice, account } = await voiceOf(ref);
      const state = await placementStateOf(database, ref);
      if (state.providerCallSid || isEndStatus(state.status)) return progressOf(ref);
      await respectThrottle(account);
      try {
        if (state.attemptedAt && state.from) {
          const since = new Date(state.attemptedAt.getTime() - IN_DOUBT_LOOKBACK_MS);
          const earlier = (await voice.findCalls(account, { to: state.to, from: state.from, since }))[0];
          if (earlier) {
            await recordProviderCall(database, ref, earlier.sid);
            await applyCallStatus(database, ref, { status: earlier.status, providerCallSid: earlier.sid, at: new Date() }, { wakeWorkflow: false });
            return progressOf(ref);
          }
        }
        await recordPlacementAttempt(database, ref, Context.current().info.workflowExecution?.workflowId ?? null);
        const placed = await voice.placeCall(account, {
          to: state.to,
          from: state.from ?? '',
          greeting: { text: state.agent.first_message ?? '', voice: state.agent.voice_id, language: state.agent.language },
          statusCallback: publicUrlOf(config.PUBLIC_BASE_URL, callStatusCallbackPath(ref.callId)),
        });
        await recordProviderCall(database, ref, placed.sid);
        await applyCallStatus(database, ref, { status: placed.status, providerCallSid: placed.sid, at: new Date() }, { wakeWorkflow: false });
      } catch (err) {
        await handleProviderFailure(ref, account, err);
        await markCallFailed(database, ref);
      }
      return progressOf(ref);
    },

    /** The call's status: as the callbacks left it, or (`fromProvider`, when no callback came) as the provider reports it now. */
    async refreshAgentCall({ fromProvider, ...ref }: CallRef & { fromProvider: boolean }): Promise<AgentCallProgress> {
      const state = await placementStateOf(database, ref);
      if (fromProvider && state.providerCallSid && !isEndStatus(state.status)) {
        const { voice, account } = await voiceOf(ref);
        await respectThrottle(account);
        try {
          const call = await voice.fetchCall(account, state.providerCallSid);
          await applyCallStatus(
            database,
            ref,
            { status: call.status as CallStatus, providerCallSid: state.providerCallSid, at: call.endTime ?? new Date(), durationSec: call.durationSec },
            { wakeWorkflow: false },
          );
        } catch (err) {
          await handleProviderFailure(ref, account, err);
          // the provider no longer knows the call (or refuses to say): it is over for LIO
          await markCallFailed(database, ref);
        }
      }
      return progressOf(ref);
    },

    /**
     * Settles an ended call: its recording and transcript stored, its price
     * debited from the wallet once (the debit's key names the call, so a
     * retried or repeated settlement debits nothing more). `final`: stop
     * waiting for a price or transcript the provider has not produced.
     */
    async settleAgentCall({ final, ...ref }: CallRef & { final: boolean }): Promise<AgentCallSettlement> {
      const state = await placementStateOf(database, ref);
      if (!state.providerCallSid) return { complete: true, status: state.status, priceMinor: null, debitedMinor: 0 };
      const { voice, account } = await voiceOf(ref);
      await respectThrottle(account);
      try {
        const call = await voice.fetchCall(account, state.providerCallSid);
        await applyCallStatus(
          database,
          ref,
          { status: call.status as CallStatus, providerCallSid: state.providerCallSid, at: call.endTime ?? new Date(), durationSec: call.durationSec },
          { wakeWorkflow: false },
        );
        const recording = (await voice.listRecordings(account, state.providerCallSid))[0] ?? null;
        const transcript = recording ? await voice.fetchTranscriptText(account, recording.sid) : null;
        const currency = await organizationCurrency(database, ref.orgId);
        const sameCurrency = call.priceUnit === null || call.priceUnit === currency;
        if (!sameCurrency) logger.warn({ orgId: ref.orgId, callId: ref.callId, priceUnit: call.priceUnit, currency }, 'call priced in another currency than the wallet; not debited');
        const priceMinor = call.price !== null && sameCurrency ? toMinorUnits(call.price, currency) : null;
        await recordCallOutcome(database, ref, { recordingSid: recording?.sid ?? null, transcript, priceMinor, durationSec: call.durationSec });
        const priced = priceMinor !== null || !sameCurrency;
        const complete = priced && (recording === null || transcript !== null);
        if (!complete && !final) return { complete, status: call.status, priceMinor: priceMinor === null ? null : Number(priceMinor), debitedMinor: 0 };
        const charge = priceMinor === null ? { debited: 0n } : await debitCallCharge(database, { orgId: ref.orgId, callId: ref.callId, priceMinor });
        return { complete: true, status: call.status, priceMinor: priceMinor === null ? null : Number(priceMinor), debitedMinor: Number(charge.debited) };
      } catch (err) {
        await handleProviderFailure(ref, account, err);
        return { complete: true, status: state.status, priceMinor: null, debitedMinor: 0 };
      }
    },
  };
}

export type VoiceActivities = ReturnType<typeof createVoiceActivities>;

// One AI agent call, from placing it to its settled price (started through
// the outbox when the call is requested). The call is placed once; then the
// workflow waits for its status to change: a provider callback applied by
// the API wakes it by signal (through the outbox), and every poll interval
// without one it asks the provider itself, so a lost callback or a worker
// restart mid-call still ends the call correctly. Once the call has ended,
// its recording, transcript and price are settled, waiting a while for the
// provider to price and transcribe it; the price is debited once.
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { AgentCallProgress, AgentCallSettlement, VoiceActivities } from '../activities/voice.activities.js';

export const callStatusSignal = defineSignal('callStatus');

/** One workflow per call, named by the organization's public id (org_…), the id operators know. */
export const agentCallWorkflowId = ({ orgPublicId, callId }: { orgPublicId: string; callId: number }) => `agent-call:${orgPublicId}:${callId}`;

export interface AgentCallWorkflowInput {
  orgId: number;
  callId: number;
}

// longer than any call Twilio allows (4 hours): a call never reported as ended is settled as it stands
const MAX_CALL_MS = 5 * 60 * 60 * 1000;
// the provider prices a call and transcribes its recording within minutes of its end
const SETTLEMENT_CHECKS = 20;

const { placeAgentCall, refreshAgentCall, settleAgentCall } = proxyActivities<VoiceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
});

export async function agentCallWorkflow(input: AgentCallWorkflowInput): Promise<AgentCallSettlement> {
  let woken = false;
  setHandler(callStatusSignal, () => {
    woken = true;
  });
  let progress: AgentCallProgress = await placeAgentCall(input);
  const givesUpAt = Date.now() + MAX_CALL_MS;
  while (!progress.ended && Date.now() < givesUpAt) {
    const signalled = await condition(() => woken, progress.pollSeconds * 1000);
    woken = false;
    // a callback already wrote the new status; without one, the provider is asked
    progress = await refreshAgentCall({ ...input, fromProvider: !signalled });
  }
  for (let check = 1; ; check++) {
    const settlement = await settleAgentCall({ ...input, final: check >= SETTLEMENT_CHECKS });
    if (settlement.complete) return settlement;
    await sleep(progress.pollSeconds * 1000);
  }
}

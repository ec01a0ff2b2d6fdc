// The outreach sequence's I/O (workflows/outreach-sequence.workflow.ts;
// domain/engagement/outreach.service.ts): which step is next and when, one
// step executed exactly once, the sequence finished or cancelled, and the
// contact's replies looked for in the sending mailbox's inbox.
import { ApiError } from '../domain/platform/errors.js';
import type { JobRef } from '../domain/jobs/job.service.js';
import { mailboxSession } from '../domain/communications/inbox.service.js';
import { openMailAccount } from '../domain/communications/mail-configuration.service.js';
import {
  cancelRemainingSteps,
  executeOutreachStep,
  finishSequenceIfIdle,
  nextOutreachStep,
  recordInboxReply,
  replyProbeOf,
  type NextOutreachStep,
  type StepExecution,
} from '../domain/engagement/outreach.service.js';
import type { ActivityDeps } from './activity-deps.js';

/** How many of the contact's latest messages one look at the inbox reads (one is enough to stop; a few survive a provider's loose search). */
const REPLY_LOOKUP_LIMIT = 5;

export function createOutreachActivities({ database, services, config, logger }: ActivityDeps) {
  return {
    /** The sequence's next step and its send time (epoch ms), or nothing left — the stop conditions judged first. */
    nextOutreachStep: (ref: JobRef): Promise<NextOutreachStep> => nextOutreachStep(database, ref),

    /** Runs one step once: not before its send time, not after the contact replied, booked or unsubscribed. */
    executeOutreachStep: ({ stepId, asOf, ...ref }: JobRef & { stepId: number; asOf?: string }): Promise<StepExecution> =>
      executeOutreachStep(database, ref, stepId, {
        tracking: { tokens: services.tokens, publicBaseUrl: config.PUBLIC_BASE_URL },
        secrets: services.secrets,
        voiceProvider: services.voice?.provider ?? null,
        // `asOf`: the workflow's clock, so that waking and judging a step due agree (as the follow-up reminder's);
        // absent in activities scheduled before workflows passed it
        now: asOf ? new Date(asOf) : new Date(),
      }),

    /** Completes the job when no step waits; false when a step joined meanwhile. */
    finishOutreachIfIdle: (ref: JobRef): Promise<boolean> => finishSequenceIfIdle(database, ref),

    /** The job was cancelled: its waiting steps are cancelled. */
    cancelOutreachSteps: async (ref: JobRef): Promise<void> => {
      await cancelRemainingSteps(database, ref);
    },

    /**
     * Asks the mailbox the sequence sent from whether the contact wrote
     * since the first send (Gmail `from:` search, Outlook $search); a reply
     * becomes a reply_received signal, which stops the sequence. A mailbox
     * that cannot be read (SMTP, the sandbox) or refuses now (credentials to
     * renew, throttled, unreachable) is skipped this time: the stop check
     * before each step still sees replies recorded any other way.
     */
    async detectOutreachReply(ref: JobRef): Promise<{ replied: boolean }> {
      const probe = await replyProbeOf(database, ref);
      if (!probe) return { replied: false };
      try {
        const account = await openMailAccount(database, services.secrets, ref.orgId, probe.configId);
        const session = mailboxSession(database, services.secrets, ref.orgId, account);
        const reader = services.mail.forAccount(account, { onTokens: session.onTokens }).reader;
        if (!reader) return { replied: false };
        const { messages } = await session.run(() =>
          reader.listMessages({ search: `from:${probe.address}`, after: probe.since, page: 1, limit: REPLY_LOOKUP_LIMIT }),
        );
        // the provider's search is loose (Outlook's $search matches words): only a message from the address itself counts
        const reply = messages.find((m) => m.from?.toLowerCase().includes(probe.address.toLowerCase()) && (!m.date || new Date(m.date) >= probe.since));
        if (!reply) return { replied: false };
        await recordInboxReply(database, ref, probe, { messageId: reply.id, at: reply.date ? new Date(reply.date) : new Date() });
        return { replied: true };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        logger.warn({ orgId: ref.orgId, jobId: ref.jobId, code: err.options.code ?? err.kind }, 'outreach reply detection skipped: the mailbox could not be read');
        return { replied: false };
      }
    },
  };
}

export type OutreachActivities = ReturnType<typeof createOutreachActivities>;

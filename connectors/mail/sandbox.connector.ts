// The sandbox mail account (SANDBOX_CONNECTORS=true only, e.g. `npm run dev`
// with no provider configured): sends nothing anywhere. The message's
// send-once record (outbound_messages, connector 'sandbox') IS what it
// "sent", and what GET /api/sandbox/messages and the /sandbox page show; the
// sandbox account's inbox is read from there by the domain, so `reader` is null.
import type { MailConnector } from './mail-connector.js';

export function createSandboxMailConnector(): MailConnector {
  return {
    mailer: 'sandbox',
    reader: null,
    // nothing to authenticate against
    verify: async () => undefined,
    // our Message-ID is the only id the message will ever have
    send: async (mail) => ({ providerMessageId: `sandbox:${mail.messageId}` }),
    // nothing left the process: an attempt that died before recording "sent" may record it now (there is nothing to send twice)
    findSentByMessageId: async () => ({ state: 'not_found' }),
  };
}

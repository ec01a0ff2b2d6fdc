// The mail connectors of a process: built once by the composition root with
// the operator's settings, asked for one connector per mail account (its
// tokens or password and settings come from the caller, who opened them).
import { ConnectorError } from '../connector-error.js';
import type { Egress } from '../egress.js';
import { createGmailConnector } from './gmail.connector.js';
import { isOAuthCredentials, type MailAccount, type MailConnector, type MailConnectorHooks } from './mail-connector.js';
import { createOutlookConnector } from './outlook.connector.js';
import { createSandboxMailConnector } from './sandbox.connector.js';
import { createSmtpConnector } from './smtp.connector.js';

export * from './mail-connector.js';

export interface MailConnectorSettings {
  egress: Egress;
  google: { clientId?: string; clientSecret?: string; tokenUrl: string; apiBaseUrl?: string };
  microsoft: { clientId?: string; clientSecret?: string; tokenUrl: string; graphBaseUrl: string };
  smtpTimeoutMs: number;
  /** SANDBOX_CONNECTORS: only then may an account be a sandbox one */
  sandboxAllowed: boolean;
}

export interface MailConnectors {
  forAccount(account: MailAccount, hooks?: MailConnectorHooks): MailConnector;
}

export function createMailConnectors(settings: MailConnectorSettings): MailConnectors {
  const wrongCredentials = (mailer: string) => new ConnectorError('auth', `the stored credentials are not those of a ${mailer} account`, { provider: mailer });
  return {
    forAccount(account, hooks) {
      const { credentials } = account;
      switch (account.mailer) {
        case 'gmail':
          if (!isOAuthCredentials(credentials)) throw wrongCredentials('gmail');
          return createGmailConnector({ egress: settings.egress, ...settings.google }, account.address, credentials, hooks);
        case 'outlook':
          if (!isOAuthCredentials(credentials)) throw wrongCredentials('outlook');
          return createOutlookConnector({ egress: settings.egress, ...settings.microsoft }, credentials, hooks);
        case 'smtp': {
          const { host, port, secure, user } = account.settings;
          if (isOAuthCredentials(credentials)) throw wrongCredentials('smtp');
          if (typeof host !== 'string' || typeof port !== 'number') throw new ConnectorError('rejected', 'the SMTP account has no host and port', { provider: 'smtp' });
          return createSmtpConnector({ egress: settings.egress, timeoutMs: settings.smtpTimeoutMs }, account.address, credentials, {
            host,
            port,
            secure: secure === true,
            ...(typeof user === 'string' ? { user } : {}),
          });
        }
        case 'sandbox':
          // never a silent stand-in for a real provider: only where the operator turned the sandbox on
          if (!settings.sandboxAllowed) throw new ConnectorError('refused', 'sandbox mail accounts are off on this server (SANDBOX_CONNECTORS)', { provider: 'sandbox' });
          return createSandboxMailConnector();
      }
    },
  };
}

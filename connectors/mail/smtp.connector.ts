// Any other mail provider over SMTP, through nodemailer's SMTP connection
// (nodemailer/lib/smtp-connection: connect, login, send, each step known).
// Not HTTP, so not through the egress agents: the SMTP host is resolved and
// judged by the egress (resolveAllowed) and the connection goes to that very
// address, with TLS checked against the host's name (servername), so a name
// cannot point at an internal address between the check and the connection.
//
// Bounded in time (connect, greeting, every socket read). Nothing is retried
// here. Once the envelope and message are being handed over, a timeout or a
// lost connection leaves the message in doubt (ConnectorError 'timeout'):
// the server may have taken it. SMTP cannot be asked afterwards whether a
// message went out: findSentByMessageId answers 'unknown', and the activity
// then does not send an in-doubt message again (at most once). Reading the
// inbox (IMAP) is left out: `reader` is null (README "Mail").
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Egress } from '../egress.js';
import { ConnectorError, type ConnectorFailure } from '../connector-error.js';
import type { MailConnector, OutgoingMail, PasswordMailCredentials, SmtpSettings } from './mail-connector.js';
import { composeMime } from './mime.js';

export interface SmtpConnectorSettings {
  egress: Egress;
  /** connect, greeting and socket inactivity bound */
  timeoutMs: number;
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  command?: string;
}

/** Where a session was when it failed: only a failure while handing the message over leaves it in doubt. */
type Stage = 'connect' | 'login' | 'handover';

/**
 * The ConnectorError of an SMTP failure: 535/EAUTH is auth; a 4xx reply is
 * unavailable (the server said "later": it did not take the message); a 5xx
 * reply is rejected; a timeout or lost connection before the hand-over is
 * unavailable, during it timeout (in doubt).
 */
export function smtpConnectorError(err: unknown, egress: Egress, stage: Stage): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as NodemailerError;
  // only the egress's own refusals (resolving the host): a socket's ETIMEDOUT or ECONNRESET is judged by the stage below
  const refusal = e.code?.startsWith('EGRESS_') ? egress.failureOf(err) : null;
  if (refusal) return new ConnectorError(refusal.failure === 'refused' ? 'refused' : 'unavailable', refusal.message, { provider: 'smtp' });
  const status = e.responseCode;
  let failure: ConnectorFailure;
  if (e.code === 'EAUTH' || status === 535 || status === 534 || status === 530) failure = 'auth';
  else if (status !== undefined && status >= 400 && status < 500) failure = 'unavailable';
  else if (status !== undefined && status >= 500) failure = 'rejected';
  else if (e.code === 'EENVELOPE') failure = 'rejected';
  else failure = stage === 'handover' ? 'timeout' : 'unavailable';
  const what = status !== undefined ? `SMTP server answered ${status}` : `SMTP ${e.code ?? 'failure'}`;
  return new ConnectorError(failure, `${what} (${stage})`, { provider: 'smtp', ...(status ? { status } : {}) });
}

const step = <T>(run: (done: (err: Error | null, value?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));

export function createSmtpConnector(
  settings: SmtpConnectorSettings,
  address: string,
  credentials: PasswordMailCredentials,
  smtp: SmtpSettings,
): MailConnector {
  /** Runs `work` on a logged-in connection, closed afterwards; failures are ConnectorErrors naming the stage. */
  async function session<T>(work: (connection: SMTPConnection, enter: (stage: Stage) => void) => Promise<T>): Promise<T> {
    let stage: Stage = 'connect';
    let connection: SMTPConnection | undefined;
    try {
      const target = await settings.egress.resolveAllowed(smtp.host, smtp.port);
      connection = new SMTPConnection({
        host: target.address,
        port: smtp.port,
        secure: smtp.secure,
        // the certificate is checked against the name the account gave, not the address connected to
        servername: smtp.host,
        tls: { servername: smtp.host },
        connectionTimeout: settings.timeoutMs,
        greetingTimeout: settings.timeoutMs,
        socketTimeout: settings.timeoutMs,
        // credentials and message bodies stay out of any log
        logger: false,
        debug: false,
      });
      const open = connection;
      // an error between steps (the server closing the connection) fails the step in progress, never the process
      const failed = new Promise<never>((_, reject) => open.on('error', reject));
      failed.catch(() => undefined);
      await Promise.race([step<void>((done) => open.connect(() => done(null))), failed]);
      stage = 'login';
      await Promise.race([step<void>((done) => open.login({ user: smtp.user ?? address, pass: credentials.password }, (err) => done(err))), failed]);
      return await Promise.race([work(open, (next) => (stage = next)), failed]);
    } catch (err) {
      throw smtpConnectorError(err, settings.egress, stage);
    } finally {
      if (connection) {
        connection.removeAllListeners('error');
        connection.on('error', () => undefined);
        connection.quit();
      }
    }
  }

  return {
    mailer: 'smtp',
    reader: null,

    verify: () => session(async () => undefined),

    send: (mail: OutgoingMail) =>
      session(async (connection, enter) => {
        const message = await composeMime(mail, { keepBcc: false });
        const recipients = [...mail.to, ...(mail.cc ?? []), ...(mail.bcc ?? [])];
        enter('handover');
        const info = await step<{ accepted: string[]; rejected: string[]; serverMessageId?: string }>((done) =>
          connection.send({ from: mail.from.address, to: recipients }, message, (err, sent) => done(err, sent)),
        );
        if (info.accepted.length === 0) throw new ConnectorError('rejected', 'the SMTP server accepted none of the recipients', { provider: 'smtp' });
        // a server that replaces the Message-ID (Microsoft 365, SES) names its own in the reply
        return { providerMessageId: info.serverMessageId ?? mail.messageId };
      }),

    findSentByMessageId: async () => ({ state: 'unknown' }),
  };
}

// Any other mail provider over SMTP, through nodemailer. Not HTTP, so not
// through the egress agents: the SMTP host is resolved and judged by the
// egress (resolveAllowed) and nodemailer connects to that very address, with
// TLS checked against the host's name (servername), so a name cannot point
// at an internal address between the check and the connection.
//
// Bounded in time (connect, greeting, every socket read). nodemailer does not
// retry on its own; a pooled transport is not used (one message per
// activity). SMTP cannot be asked afterwards whether a message went out:
// findSentByMessageId answers 'unknown', and the activity then does not send
// an in-doubt message again (at most once). Reading the inbox (IMAP) is left
// out: `reader` is null (README "Mail").
import nodemailer from 'nodemailer';
import type { Egress } from '../egress.js';
import { ConnectorError, type ConnectorFailure } from '../connector-error.js';
import type { MailConnector, OutgoingMail, PasswordMailCredentials, SmtpSettings } from './mail-connector.js';

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

/**
 * The ConnectorError of a nodemailer failure: 535/EAUTH is auth, a 4xx reply
 * or a lost connection before the message was handed over is unavailable
 * (retry), a 5xx reply is rejected, a timeout while the message was being
 * handed over is timeout (in doubt).
 */
export function smtpConnectorError(err: unknown, egress: Egress): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const refusal = egress.failureOf(err);
  if (refusal) return new ConnectorError(refusal.failure === 'refused' ? 'refused' : 'unavailable', refusal.message, { provider: 'smtp' });
  const e = (err ?? {}) as NodemailerError;
  const status = e.responseCode;
  const handingOver = e.command === 'DATA' || e.command === 'DATA_END' || e.command === 'message';
  let failure: ConnectorFailure;
  if (e.code === 'EAUTH' || status === 535 || status === 534 || status === 530) failure = 'auth';
  else if (e.code === 'ETIMEDOUT') failure = handingOver ? 'timeout' : 'unavailable';
  else if (status !== undefined && status >= 400 && status < 500) failure = 'unavailable';
  else if (status !== undefined && status >= 500) failure = 'rejected';
  else if (e.code === 'EENVELOPE') failure = 'rejected';
  else failure = handingOver ? 'timeout' : 'unavailable';
  const what = status !== undefined ? `SMTP server answered ${status}` : `SMTP ${e.code ?? 'failure'}`;
  return new ConnectorError(failure, `${what}${e.command ? ` (${e.command})` : ''}`, { provider: 'smtp', ...(status ? { status } : {}) });
}

export function createSmtpConnector(
  settings: SmtpConnectorSettings,
  address: string,
  credentials: PasswordMailCredentials,
  smtp: SmtpSettings,
): MailConnector {
  async function transport() {
    const target = await settings.egress.resolveAllowed(smtp.host, smtp.port);
    return nodemailer.createTransport({
      host: target.address,
      port: smtp.port,
      secure: smtp.secure,
      auth: { user: smtp.user ?? address, pass: credentials.password },
      // the certificate is checked against the name the account gave, not the address connected to
      tls: { servername: smtp.host },
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      // credentials and message bodies stay out of any log
      logger: false,
      debug: false,
    });
  }
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw smtpConnectorError(err, settings.egress);
    }
  };

  return {
    mailer: 'smtp',
    reader: null,

    verify: () =>
      call(async () => {
        const t = await transport();
        try {
          await t.verify();
        } finally {
          t.close();
        }
      }),

    send: (mail: OutgoingMail) =>
      call(async () => {
        const t = await transport();
        try {
          const info = await t.sendMail({
            from: mail.from.name ? { name: mail.from.name, address: mail.from.address } : mail.from.address,
            to: mail.to,
            cc: mail.cc,
            bcc: mail.bcc,
            subject: mail.subject,
            html: mail.html,
            text: mail.text,
            messageId: mail.messageId,
            inReplyTo: mail.inReplyTo,
            references: mail.references,
            attachments: mail.attachments?.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
          });
          return { providerMessageId: info.messageId ?? mail.messageId };
        } finally {
          t.close();
        }
      }),

    findSentByMessageId: async () => ({ state: 'unknown' }),
  };
}

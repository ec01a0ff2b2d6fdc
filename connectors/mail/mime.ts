// The MIME text of an outgoing mail (nodemailer's MailComposer): our
// Message-ID, In-Reply-To/References for a reply, both bodies, attachments.
// Gmail takes it as `raw`; SMTP streams it after DATA.
import MailComposer from 'nodemailer/lib/mail-composer';
import { INVITATION_FILENAME, type OutgoingMail } from './mail-connector.js';

/**
 * `keepBcc`: Gmail delivers to Bcc only if the raw message names them (it
 * strips the header before delivery); over SMTP the Bcc recipients go in the
 * envelope and the header must not be sent.
 */
export function composeMime(mail: OutgoingMail, { keepBcc }: { keepBcc: boolean }): Promise<Buffer> {
  const composer = new MailComposer({
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
    // nodemailer puts it both as a text/calendar alternative (what Gmail and Outlook show as an invitation) and as the attachment
    ...(mail.invitation && { icalEvent: { method: mail.invitation.method, filename: INVITATION_FILENAME, content: mail.invitation.content } }),
  });
  const node = composer.compile();
  node.keepBcc = keepBcc;
  return node.build();
}

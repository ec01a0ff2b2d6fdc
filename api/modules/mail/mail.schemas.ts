// Request and response shapes of the mail module (§6.11 mail configurations
// and inbox; the sandbox's record of what would have been sent).
import { z } from '@hono/zod-openapi';
import { MAILERS } from '../../../domain/communications/mail-configuration.service.js';
import { boundedIntParam, dateBound, limitParam, pageParam, recordId, recordIdParam } from '../../openapi/params.js';

const email = z.string().trim().email().max(254);
const emailList = (what: string, max: number) => z.array(email).max(max).openapi({ description: `${what} (at most ${max} addresses)` });

export const mailConfigurationSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    mailer: z.enum(MAILERS),
    from_address: z.string(),
    from_name: z.string().nullable(),
    password_hint: z.string().nullable().openapi({ description: 'The token or password masked to its last four characters; the secret itself is never returned' }),
    smtp: z.object({ host: z.string().nullable(), port: z.number().int().nullable(), secure: z.boolean(), user: z.string().nullable() }).nullable(),
    state_id: z.number().int().openapi({ description: '1 active, 0 inactive' }),
    needs_reauth: z.boolean().openapi({ description: 'The provider refused the stored credentials (a token refresh failed): add the configuration again' }),
    last_error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('MailConfiguration');

export const mailConfigurationListQuery = z.object({
  page: pageParam,
  limit: limitParam(),
  mailer: z.enum(MAILERS).optional(),
  state_id: boundedIntParam(0, 1).optional(),
  start_date: dateBound.optional(),
  end_date: dateBound.optional(),
});

export const addMailConfigurationBody = z
  .object({
    mailer: z.enum(MAILERS).openapi({ description: 'gmail, outlook, smtp; sandbox only where the server runs its sandbox connectors (SANDBOX_CONNECTORS)' }),
    from_address: email,
    from_name: z.string().trim().min(1).max(200).nullable().optional(),
    password: z
      .string()
      .min(1)
      .max(8000)
      .openapi({
        description:
          'gmail/outlook: the OAuth token, as JSON { "access_token", "refresh_token", "expiry_date" (epoch ms) } or a bare access token; smtp: the password. ' +
          'Checked with a test call before it is stored (422 mail_credentials_refused when the provider refuses it); stored encrypted, never returned',
      }),
    refresh_token: z.string().min(1).max(4000).optional().openapi({ description: 'gmail/outlook: the refresh token, when password is a bare access token' }),
    smtp_host: z.string().trim().min(1).max(253).optional(),
    smtp_port: z.number().int().min(1).max(65535).optional(),
    smtp_secure: z.boolean().optional().openapi({ description: 'TLS from the start (port 465); default: true on 465, else STARTTLS when offered' }),
    smtp_user: z.string().trim().min(1).max(254).optional().openapi({ description: 'The SMTP login; default: from_address' }),
  })
  .superRefine((body, ctx) => {
    if (body.mailer === 'smtp' && (!body.smtp_host || !body.smtp_port)) {
      ctx.addIssue({ code: 'custom', path: ['smtp_host'], message: 'smtp_host and smtp_port are required for an SMTP configuration' });
    }
  })
  .openapi('AddMailConfigurationRequest');

const configIdQuery = recordIdParam.openapi({ description: 'The mail configuration (GET /api/mail-configurations/list) to read or send through' });

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .openapi({ type: 'string', enum: ['true', 'false', '1', '0'] });

export const inboxListQuery = z.object({
  config_id: configIdQuery,
  folder: z.string().trim().min(1).max(100).optional().openapi({ description: "inbox (default), sent, drafts, spam, trash, or the provider's folder/label id" }),
  search: z.string().trim().min(1).max(200).optional().openapi({ description: "The provider's search (Gmail's search syntax; Outlook's $search)" }),
  unreadOnly: booleanFlag.optional(),
  start_date: dateBound.optional().openapi({ description: 'Received at or after' }),
  end_date: dateBound.optional().openapi({ description: 'Received at or before (a date-only value includes the whole day)' }),
  page: pageParam,
  limit: limitParam(50, 20),
});

export const inboxConfigQuery = z.object({ config_id: configIdQuery });

export const messageIdParam = z.object({
  messageId: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_\-=+/.:]+$/, "a provider's message id")
    .openapi({ param: { name: 'messageId', in: 'path' }, example: '18c2f0a9d3b4e5f6' }),
});

export const inboxMessageSchema = z
  .object({
    id: z.string(),
    thread_id: z.string().nullable(),
    from: z.string().nullable(),
    to: z.array(z.string()),
    subject: z.string().nullable(),
    snippet: z.string().nullable(),
    date: z.string().nullable(),
    unread: z.boolean(),
  })
  .openapi('InboxMessage');

export const inboxMessageDetailSchema = inboxMessageSchema
  .extend({
    cc: z.array(z.string()),
    message_id: z.string().nullable(),
    references: z.array(z.string()),
    html: z.string().nullable().openapi({ description: 'Sanitised: no scripts, styles, forms or event handlers' }),
    text: z.string().nullable(),
    attachments: z.array(z.object({ filename: z.string(), content_type: z.string(), size: z.number().int() })),
  })
  .openapi('InboxMessageDetail');

const attachmentIds = z
  .array(recordId)
  .max(10)
  .optional()
  .openapi({ description: 'Files uploaded with POST /api/storage-file/add to attach (at most 10, 3 MB each, 10 MB together; 422 attachment_too_large)' });

export const sendMailBody = z
  .object({
    config_id: recordId,
    to: emailList('Recipients', 100).min(1),
    cc: emailList('Copy recipients', 100).optional(),
    bcc: emailList('Blind copy recipients', 100).optional(),
    subject: z.string().trim().min(1).max(998),
    body: z.string().min(1).max(1_000_000).openapi({ description: 'HTML (sanitised before it is sent) or plain text' }),
    attachment_ids: attachmentIds,
  })
  .openapi('SendMailRequest');

export const replyMailBody = z
  .object({
    config_id: recordId,
    body: z.string().min(1).max(1_000_000).openapi({ description: 'HTML (sanitised before it is sent) or plain text' }),
    cc: emailList('Copy recipients', 100).optional(),
    attachment_ids: attachmentIds,
  })
  .openapi('ReplyMailRequest');

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .trim()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: 'A retried request with the same key answers the message already queued instead of sending another' }),
});

export const outboundMessageSchema = z
  .object({
    id: z.number().int(),
    channel: z.enum(['mail', 'slack', 'teams']),
    connector: z.string(),
    config_id: z.number().int().nullable(),
    status: z.enum(['queued', 'sending', 'sent', 'failed']).openapi({ description: 'queued → sending → sent, or failed (last_error says why)' }),
    to: z.array(z.string()),
    cc: z.array(z.string()),
    bcc: z.array(z.string()),
    subject: z.string().nullable(),
    message_id: z.string().nullable().openapi({ description: 'Our Message-ID header, set before the first attempt' }),
    in_reply_to: z.string().nullable(),
    attachments: z.array(z.object({ file_id: z.number().int(), filename: z.string(), size: z.number().int() })),
    destination: z.string().nullable().openapi({ description: 'Slack/Teams: the channel; mail: null' }),
    preview: z.string(),
    provider_message_id: z.string().nullable(),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi('OutboundMail');

export const sandboxListQuery = z.object({
  page: pageParam,
  limit: limitParam(),
  channel: z.enum(['mail', 'slack', 'teams']).optional(),
  search_value: z.string().trim().min(1).max(200).optional(),
  start_date: dateBound.optional(),
  end_date: dateBound.optional(),
});

import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import {
  addMailConfigurationBody,
  idempotencyHeaders,
  inboxConfigQuery,
  inboxListQuery,
  inboxMessageDetailSchema,
  inboxMessageSchema,
  mailConfigurationListQuery,
  mailConfigurationSchema,
  messageIdParam,
  outboundMessageSchema,
  replyMailBody,
  sandboxListQuery,
  sendMailBody,
} from './mail.schemas.js';

const tags = ['Mail'];

const providerFailed = errorResponse('The mail provider failed, did not answer in time, or its address is not an allowed destination (error.code mail_unavailable)');

const whoSees = 'A user sees and uses the configurations they added; admins see all of their organization\'s (another\'s id is a 404).';

const providerErrors =
  '422 mail_reauth_required when the provider refused the stored credentials (the configuration then shows needs_reauth); ' +
  '422 inbox_not_supported for an SMTP configuration (LIO does not read IMAP); 429 with Retry-After when the provider asked to slow down; 502 mail_unavailable.';

export const listMailConfigurationsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/mail-configurations/list',
  tags,
  summary: 'List mail configurations',
  description: `Mail accounts, newest first, filtered by mailer, state_id and created_at range. ${whoSees} Secrets are never returned: password_hint shows the last four characters.`,
  request: { query: mailConfigurationListQuery },
  responses: { 200: { description: 'A page of mail configurations', content: jsonContent(listEnvelope(mailConfigurationSchema)) } },
});

export const addMailConfigurationRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/mail-configurations/add',
  tags,
  summary: 'Add a mail configuration',
  description:
    "Adds a mail account of the calling user. The credentials are checked with a test call first (Gmail's profile, Graph's /me, an SMTP login): " +
    '422 mail_credentials_refused when the provider refuses them, 422 mail_host_refused when the SMTP host is not an allowed destination, ' +
    '502 mail_unavailable when it cannot be reached; nothing is stored then. Stored encrypted (AES-256-GCM), never returned.',
  request: { body: { required: true, content: jsonContent(addMailConfigurationBody) } },
  responses: {
    201: { description: 'Added', content: jsonContent(okEnvelope(mailConfigurationSchema)) },
    502: providerFailed,
  },
});

export const listInboxRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/inbox/list',
  tags,
  summary: 'List inbox messages',
  description:
    `Messages of a folder of the configuration's mailbox, read live from the provider, newest first, a page at a time (total is Gmail's estimate for Gmail). ${whoSees} ` +
    `A sandbox configuration lists what the sandbox recorded for it. ${providerErrors}`,
  request: { query: inboxListQuery },
  responses: {
    200: { description: 'A page of messages', content: jsonContent(listEnvelope(inboxMessageSchema)) },
    502: providerFailed,
  },
});

export const viewInboxMessageRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/inbox/view/{messageId}',
  tags,
  summary: 'Message detail',
  description: `One message with its bodies (HTML sanitised), recipients, threading headers and attachment names. 404 when the mailbox has no such message. ${providerErrors}`,
  request: { params: messageIdParam, query: inboxConfigQuery },
  responses: {
    200: { description: 'The message', content: jsonContent(okEnvelope(inboxMessageDetailSchema)) },
    502: providerFailed,
  },
});

export const sendMailRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/inbox/send',
  tags,
  summary: 'Send an email',
  description:
    'Queues the message (HTML sanitised) and answers 202 with it at once (status queued); a durable workflow sends it exactly once, retrying ' +
    "on the provider's failures and honouring its Retry-After; follow it with GET /api/inbox/outbound/{id}. " +
    '422 mail_reauth_required when the configuration needs re-authorisation.',
  request: { headers: idempotencyHeaders, body: { required: true, content: jsonContent(sendMailBody) } },
  responses: { 202: { description: 'Queued', content: jsonContent(okEnvelope(outboundMessageSchema)) } },
});

export const replyMailRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/inbox/reply/{messageId}',
  tags,
  summary: 'Reply to a message',
  description:
    "Replies to the message's sender (Reply-To when given) with \"Re:\" and the threading headers kept (In-Reply-To, References; Gmail's thread, Outlook's reply), " +
    `queued and sent as POST /api/inbox/send is (202). ${providerErrors}`,
  request: { headers: idempotencyHeaders, params: messageIdParam, body: { required: true, content: jsonContent(replyMailBody) } },
  responses: {
    202: { description: 'Queued', content: jsonContent(okEnvelope(outboundMessageSchema)) },
    502: providerFailed,
  },
});

export const viewOutboundMailRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/inbox/outbound/{id}',
  tags,
  summary: 'A sent message and its delivery status (beyond the spec)',
  description: 'A message queued by send or reply: queued, sending, sent (with the provider\'s id where it gives one) or failed (last_error). Its sender or an admin; 404 otherwise.',
  request: { params: idParam },
  responses: { 200: { description: 'The message', content: jsonContent(okEnvelope(outboundMessageSchema)) } },
});

export const listSandboxMessagesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/sandbox/messages',
  tags,
  summary: 'What the sandbox recorded instead of sending (beyond the spec)',
  description:
    'With SANDBOX_CONNECTORS (npm run dev) and nothing real configured, mail, Slack and Teams messages are recorded instead of sent: this lists them, newest first ' +
    '(also shown at /sandbox). Empty where the sandbox is off.',
  request: { query: sandboxListQuery },
  responses: { 200: { description: 'A page of recorded messages', content: jsonContent(listEnvelope(outboundMessageSchema)) } },
});

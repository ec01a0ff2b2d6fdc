// Public email tracking (§9.2): the open pixel, the click redirect and the
// unsubscribe page. No bearer token: the signed token in the path is the only
// credential (domain/platform/signed-token.ts). Their bodies are not JSON: a
// GIF, a redirect, small HTML pages.
import { z } from '@hono/zod-openapi';
import { fileBytes } from '../../openapi/uploads.js';
import { defineRoute } from '../../openapi/route.js';

const tags = ['Email tracking'];

// No length or alphabet rule here: the pixel must answer its GIF for any token, a malformed one included;
// the token is checked (and its length bounded) by the signer, which refuses anything not signed by us
const tokenParam = z.object({
  token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'A signed tracking token, as put in the email' }),
});

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

const noStore = {
  'Cache-Control': { description: 'no-store, no-cache, must-revalidate, private', schema: { type: 'string' as const } },
  Pragma: { description: 'no-cache', schema: { type: 'string' as const } },
};

export const trackOpenRoute = defineRoute('public', {
  method: 'get',
  path: '/api/track/open/{token}',
  tags,
  summary: 'Open-tracking pixel (a 1×1 GIF)',
  description:
    'Always answers the same 43-byte transparent GIF, never cached, whatever the token: an unknown, altered or oversized token records nothing, ' +
    'and so does a request beyond the per-IP rate limit (TRACKING_RATE_LIMIT a minute). A valid token counts the open of its email; a person’s open ' +
    'of an email about a lead records an email_opened signal, their third email_opened_3x. Mail-privacy proxies and fetches within seconds of ' +
    'delivery are counted as machine opens and record no signal (docs/engagement.md).',
  request: { params: tokenParam },
  responses: { 200: { description: 'The pixel', headers: noStore, content: { 'image/gif': { schema: fileBytes } } } },
});

export const trackClickRoute = defineRoute('public', {
  method: 'get',
  path: '/api/track/click/{token}',
  tags,
  summary: 'Click redirect',
  description:
    'Redirects (302) to the URL sealed in the signed token, and only there: no query parameter is read. A person’s click on an email about a ' +
    'lead records a link_clicked signal; link scanners (known agents, or within seconds of delivery) are redirected without a signal. ' +
    'A token that is not ours answers an HTML error page (404), never a redirect. Beyond the per-IP rate limit: 429.',
  request: { params: tokenParam },
  responses: {
    302: { description: 'To the link’s original URL', headers: { Location: { description: 'the sealed URL', schema: { type: 'string' as const } } } },
    404: html('Not a tracking link of ours'),
  },
});

export const unsubscribePageRoute = defineRoute('public', {
  method: 'get',
  path: '/api/track/unsubscribe/{token}',
  tags,
  summary: 'Unsubscribe confirmation page',
  description: 'A plain HTML page (no script) asking to confirm; the form posts to the same URL. Changes nothing by itself (mail scanners follow links).',
  request: { params: tokenParam },
  responses: { 200: html('The confirmation form'), 404: html('Not an unsubscribe link of ours') },
});

export const unsubscribeRoute = defineRoute('public', {
  method: 'post',
  path: '/api/track/unsubscribe/{token}',
  tags,
  summary: 'Unsubscribe (the confirmation form, or RFC 8058 one-click)',
  description:
    'Suppresses the address the token names for its organization (engagement email to it is refused from then on); a repeated request changes ' +
    'nothing. Accepts the confirmation form and RFC 8058 one-click posts (body List-Unsubscribe=One-Click).',
  request: {
    params: tokenParam,
    body: {
      required: false,
      content: { 'application/x-www-form-urlencoded': { schema: z.object({ 'List-Unsubscribe': z.string().max(50).optional() }) } },
    },
  },
  responses: { 200: html('Unsubscribed'), 404: html('Not an unsubscribe link of ours') },
});

import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { readClickToken, readOpenToken } from '../../../domain/engagement/email-tracking.js';
import { recordClick, recordOpen, unsubscribe, unsubscribeTarget, type Requester } from '../../../domain/engagement/tracking-events.js';
import { enforceRateLimit } from '../../../domain/platform/rate-limit.service.js';
import type { AppEnv } from '../../app-env.js';
import { clientIp } from '../../middleware/auth.js';
import type { trackClickRoute, trackOpenRoute, unsubscribePageRoute, unsubscribeRoute } from './tracking.routes.js';

/** The smallest transparent 1×1 GIF (43 bytes): what every open answers. */
export const TRACKING_PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

const NO_STORE = { 'Cache-Control': 'no-store, no-cache, must-revalidate, private', Pragma: 'no-cache', Expires: '0' };

// the pages are plain HTML: no script may run, nothing is loaded from elsewhere, and the form only posts back here
const PAGE_HEADERS = {
  ...NO_STORE,
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#111827}button{font-size:1rem;padding:.5rem 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const notOurs = (c: Context<AppEnv>) =>
  c.html(page('Link not valid', '<p>This link is not valid. It may have been copied incompletely.</p>'), 404, PAGE_HEADERS);

const requesterOf = (c: Context<AppEnv>): Requester => ({ userAgent: c.req.header('user-agent') ?? null, ip: clientIp(c) });

/** Per client IP, across every API process (the counters live in PostgreSQL); throws 429 beyond it. */
const limitByIp = (c: Context<AppEnv>) =>
  enforceRateLimit(c.var.deps.database, { bucket: `track:ip:${clientIp(c) ?? 'unknown'}`, limit: c.var.deps.config.TRACKING_RATE_LIMIT, windowSeconds: 60 });

export const trackOpenHandler: RouteHandler<typeof trackOpenRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const { token } = c.req.valid('param');
  try {
    // a token that is not ours costs no database work at all (nor any of the sender's rate limit)
    if (readOpenToken(services.tokens, token)) {
      await limitByIp(c);
      await recordOpen(database, services.tokens, token, requesterOf(c));
    }
  } catch (err) {
    // the pixel answers the same whatever happened: a limited, failed or forged open records nothing and shows nothing
    if ((err as { kind?: string }).kind !== 'rate_limited') c.var.logger.warn({ err }, 'open not recorded');
  }
  return c.body(new Uint8Array(TRACKING_PIXEL), 200, { 'Content-Type': 'image/gif', 'Content-Length': String(TRACKING_PIXEL.length), ...NO_STORE });
};

export const trackClickHandler: RouteHandler<typeof trackClickRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const { token } = c.req.valid('param');
  const click = readClickToken(services.tokens, token);
  if (!click) return notOurs(c);
  await limitByIp(c);
  try {
    await recordClick(database, services.tokens, token, requesterOf(c));
  } catch (err) {
    // the person still reaches the page the sender linked: a click that could not be counted is only lost
    c.var.logger.warn({ err }, 'click not recorded');
  }
  return c.body(null, 302, { Location: click.u, 'Referrer-Policy': 'no-referrer', ...NO_STORE });
};

export const unsubscribePageHandler: RouteHandler<typeof unsubscribePageRoute, AppEnv> = async (c) => {
  const target = unsubscribeTarget(c.var.deps.services.tokens, c.req.valid('param').token);
  if (!target) return notOurs(c);
  await limitByIp(c);
  const form = `<p>Stop receiving these emails at <strong>${escapeHtml(target.a)}</strong>?</p>
<form method="post" action=""><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`;
  return c.html(page('Unsubscribe', form), 200, PAGE_HEADERS);
};

export const unsubscribeHandler: RouteHandler<typeof unsubscribeRoute, AppEnv> = async (c) => {
  const { database, services } = c.var.deps;
  const { token } = c.req.valid('param');
  const target = unsubscribeTarget(services.tokens, token);
  if (!target) return notOurs(c);
  await limitByIp(c);
  await unsubscribe(database, services.tokens, token);
  return c.html(page('Unsubscribed', `<p><strong>${escapeHtml(target.a)}</strong> will not receive these emails again.</p>`), 200, PAGE_HEADERS);
};

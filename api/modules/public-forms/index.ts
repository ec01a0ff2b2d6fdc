import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../../../domain/platform/errors.js';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import { messagePage, sendPublicPage } from '../../pages/public-page.js';
import * as handlers from './public-forms.handlers.js';
import * as routes from './public-forms.routes.js';

/**
 * A form post is small: bounded far below the API's JSON limit, so an
 * anonymous sender cannot make the server read megabytes per request. A
 * declared length over the limit is refused before anything is read, a
 * chunked body is cut off while it is read: a page for a browser, the error
 * envelope for a JSON client.
 */
const formBodyLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== 'POST') return next();
  const maxBytes = c.var.deps.config.WEB_FORM_MAX_BODY_BYTES;
  const tooLarge = (ctx: Context) => {
    if (/json/i.test(ctx.req.header('content-type') ?? '')) {
      throw new ApiError('payload_too_large', `The form is larger than the limit of ${maxBytes} bytes`, { meta: { max_bytes: maxBytes } });
    }
    return sendPublicPage(ctx, 413, messagePage('Form too large', 'What was sent is too large for this form. Please shorten your answers and try again.'));
  };
  if (Number(c.req.header('content-length') ?? 0) > maxBytes) return tooLarge(c);
  return bodyLimit({ maxSize: maxBytes, onError: tooLarge })(c, next);
};

export function mountPublicForms(app: OpenAPIHono<AppEnv>) {
  app.use('/api/web-form/:form_link', formBodyLimit);
  mountRoutes(app, routes, handlers, ['showWebForm', 'webFormThanks', 'submitWebForm']);
}

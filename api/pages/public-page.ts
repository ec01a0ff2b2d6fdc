// The pieces every public, unauthenticated HTML page is made of (hosted web
// forms, public booking): the document shell, the security headers, the one
// escaping rule and the accessible error markup.
//
// The escaping rule: page markup is written ONLY with the `html` tag below.
// Every interpolated value is escaped (text and attribute values alike, so
// attributes must be quoted) unless it is itself a SafeHtml made by `html`.
// Nothing a visitor or an organization typed ever reaches the page unescaped;
// `trustedHtml` exists for this module's own constants and nothing else.
//
// The pages run no script and load nothing from elsewhere: the one inline
// stylesheet carries a per-response nonce, so the Content-Security-Policy can
// refuse everything else (default-src 'none').
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';

/** Markup that is safe to insert as-is: made by `html` (its values escaped) or by this module. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

/** What may be interpolated: text (escaped), markup made by `html`, lists of either, or nothing (false/null/undefined). */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The tag every page is written with: html`<p>${text}</p>` escapes `text`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => (out += render(value) + (strings[i + 1] ?? '')));
  return new SafeHtml(out);
}

/** Only for markup written in this code base (constants), never for anything stored or received. */
const trustedHtml = (markup: string) => new SafeHtml(markup);

/** A fresh nonce for one response's inline stylesheet (128 random bits). */
export const createNonce = () => randomBytes(16).toString('base64');

/**
 * Origins a page may be framed by, as they may appear in frame-ancestors:
 * scheme://host[:port] only. Anything else is dropped here as a second line
 * of defence (the stored values are validated when saved), so no stored value
 * can inject a directive into the header.
 */
const FRAME_ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

export interface PublicPageSecurity {
  /** the response's stylesheet nonce (createNonce) */
  nonce: string;
  /** origins allowed to embed the page in a frame; none: the page cannot be framed */
  frameAncestors?: readonly string[];
  /**
   * origins a form of the page may end up at besides this one: browsers apply
   * form-action to the redirects that follow a submission too (a form whose
   * answer redirects to the organization's own thank-you page)
   */
  formTargets?: readonly string[];
  /** the page runs its one inline script (PublicPageContent.script), under the same nonce */
  runsScript?: boolean;
}

/**
 * The headers of every public page: a strict CSP (no script but the page's
 * own nonce'd one when it has one, the one nonce'd stylesheet, images only from here or data:, forms post only back
 * here), never cached (pages carry per-response nonces and signed stamps).
 * No X-Frame-Options: frame-ancestors decides framing, and an XFO header
 * would contradict it for the allowed origins.
 */
export function publicPageHeaders({ nonce, frameAncestors = [], formTargets = [], runsScript = false }: PublicPageSecurity): Record<string, string> {
  const ancestors = frameAncestors.filter((origin) => FRAME_ORIGIN.test(origin));
  const targets = formTargets.filter((origin) => FRAME_ORIGIN.test(origin));
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    ...(runsScript ? [`script-src 'nonce-${nonce}'`] : []),
    "img-src 'self' data:",
    ["form-action 'self'", ...targets].join(' '),
    "base-uri 'none'",
    `frame-ancestors ${ancestors.length > 0 ? ancestors.join(' ') : "'none'"}`,
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cache-Control': 'no-store',
  };
}

// One column, readable measure, visible focus, contrast above WCAG AA (4.5:1) for text and error colours.
const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;background:#fff}
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .75rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
p{margin:0 0 1rem}
.field{margin:0 0 1.25rem}
label,.label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{display:block;color:#4b5563;font-size:.9rem;margin-bottom:.25rem}
input[type=text],input[type=email],input[type=tel],input[type=url],input[type=number],input[type=date],select,textarea{display:block;width:100%;font:inherit;padding:.5rem .6rem;border:2px solid #6b7280;border-radius:4px;background:#fff;color:inherit}
textarea{min-height:6rem}
input[type=checkbox]{width:1.25rem;height:1.25rem;margin:0 .5rem 0 0;vertical-align:middle}
.checkbox label{display:inline;font-weight:400}
input[aria-invalid=true],select[aria-invalid=true],textarea[aria-invalid=true]{border-color:#b91c1c}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
button:hover{background:#1e40af}
.field-error{color:#b91c1c;font-weight:600;margin:.25rem 0}
.error-summary{border:3px solid #b91c1c;border-radius:4px;padding:1rem;margin:0 0 1.5rem}
.error-summary ul{margin:0;padding-left:1.25rem}
.error-summary a{color:#b91c1c;font-weight:600}
.notice{border-left:4px solid #1d4ed8;padding:.5rem 1rem;background:#eff6ff}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.required{color:#b91c1c}
.slots{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;margin:0 0 1.25rem;padding:0}
.slots a{display:inline-block;min-width:4.5rem;text-align:center;padding:.4rem .75rem;border:2px solid #1d4ed8;border-radius:4px;color:#1d4ed8;font-weight:600;text-decoration:none}
.slots a:hover{background:#eff6ff}
`;

export interface PublicPageContent {
  /** the document title (also the page's h1 unless the body brings its own) */
  title: string;
  body: SafeHtml;
  /** BCP 47 language of the page */
  lang?: string;
  /**
   * A progressive enhancement the page works without: one inline script
   * written in this code base (a constant, never anything received), run
   * under the response's nonce.
   */
  script?: string;
}

/** The whole document: language, viewport, title, the nonce'd stylesheet and the body in <main>. */
export function renderPublicPage({ title, body, lang = 'en', script }: PublicPageContent, nonce: string): string {
  return `<!doctype html>${html`<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style nonce="${nonce}">${trustedHtml(STYLESHEET)}</style>
</head>
<body><main>${body}</main>${script ? html`<script nonce="${nonce}">${trustedHtml(script)}</script>` : ''}</body>
</html>`}`;
}

/** The status codes public pages answer with. */
export type PublicPageStatus = 200 | 404 | 409 | 413 | 422 | 429;

/** Sends a public page with its security headers (and any extra ones, e.g. Retry-After). */
export function sendPublicPage<S extends PublicPageStatus>(
  c: Context,
  status: S,
  content: PublicPageContent,
  options: Omit<PublicPageSecurity, 'nonce'> & { headers?: Record<string, string> } = {},
) {
  const nonce = createNonce();
  const headers = {
    ...publicPageHeaders({ nonce, frameAncestors: options.frameAncestors, formTargets: options.formTargets, runsScript: content.script !== undefined }),
    ...options.headers,
  };
  return c.html(renderPublicPage(content, nonce), status, headers);
}

/** A page that only says something: not found, too many requests, thank you. */
export const messagePage = (title: string, message: string, extra?: SafeHtml): PublicPageContent => ({
  title,
  body: html`<h1>${title}</h1><p>${message}</p>${extra}`,
});

/** A field's error element id: what its input's aria-describedby names. */
export const fieldErrorId = (fieldId: string) => `${fieldId}-error`;

/** The error under a field: tied to it by id, "Error:" read out before the message. */
export const fieldError = (fieldId: string, message: string | undefined) =>
  message ? html`<p id="${fieldErrorId(fieldId)}" class="field-error"><span class="visually-hidden">Error:</span> ${message}</p>` : html``;

/** The aria attributes of an input: described by its hint and error, marked invalid when it has one. */
export function fieldAria(fieldId: string, { hintId, error }: { hintId?: string; error?: string }) {
  const describedBy = [hintId, error ? fieldErrorId(fieldId) : undefined].filter(Boolean).join(' ');
  return html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? html` aria-invalid="true"` : ''}`;
}

export const ERROR_SUMMARY_ID = 'error-summary';

/**
 * The summary above a form shown again with errors: announced (role=alert),
 * focused when the page loads (autofocus; no script), each error a link to
 * its field.
 */
export function errorSummary(errors: readonly { fieldId: string; message: string }[], heading = 'There is a problem') {
  if (errors.length === 0) return html``;
  return html`<div id="${ERROR_SUMMARY_ID}" class="error-summary" role="alert" tabindex="-1" autofocus aria-labelledby="${ERROR_SUMMARY_ID}-title">
<h2 id="${ERROR_SUMMARY_ID}-title">${heading}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.fieldId}">${e.message}</a></li>`)}</ul>
</div>`;
}

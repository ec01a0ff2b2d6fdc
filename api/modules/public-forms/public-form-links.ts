// Where a hosted form lives, and the names of the two fields the server adds
// to every form. Field keys are lower case and start with a letter
// (web-form.schemas.ts), so neither name can collide with a field of a form.

/** The honeypot: hidden from people (visually and from assistive technology), an ordinary-looking name bots fill in. */
export const HONEYPOT_FIELD = 'Website';

/** The signed render stamp (domain/webforms/form-stamp.ts). */
export const STAMP_FIELD = '_lio_ts';

/** The path the page is served on and posts to (the documented /api/v1 prefix). */
export const publicFormPath = (formLink: string) => `/api/v1/web-form/${encodeURIComponent(formLink)}`;

export const publicFormUrl = (publicBaseUrl: string, formLink: string) => `${publicBaseUrl.replace(/\/+$/, '')}${publicFormPath(formLink)}`;

export const thankYouPath = (formLink: string) => `${publicFormPath(formLink)}/thanks`;

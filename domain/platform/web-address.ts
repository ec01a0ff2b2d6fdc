// Web addresses as LIO stores them: a company's website, and the base URL of
// an outside service (an operator's setting or a tenant's HubSpot base path).
// Pure functions with no I/O, so that schemas, services and the composition
// root (services/) apply one rule; whether a service URL's host may be
// reached is the egress's question (connectors/egress.ts), asked separately.

/**
 * A website as entered ("Acme.com", "http://acme.com/about/") in one form
 * ("https://acme.com", "http://acme.com/about"): http(s) only, the scheme
 * defaulting to https, host lower-cased, no credentials, query, fragment or
 * trailing slash. Null when it is not a web address with a domain name.
 */
export function normaliseWebsite(input: string): string | null {
  const text = input.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[^:/]+:\d+(\/|$)/.test(text);
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `https://${text}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  // a domain name: dot-separated labels ending in an alphabetic (or punycode) top-level domain
  if (!/^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(url.hostname)) return null;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** Why `raw` cannot be an outside service's base URL (http/https only, no credentials, query or fragment); null when it can. */
export function serviceUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not carry credentials';
  // href keeps an empty "?" or "#" that search and hash report as ''
  if (url.href.includes('?') || url.href.includes('#')) return 'must not have a query or a fragment';
  return null;
}

/** scheme://host[:port]/path without a trailing slash: the form in which a base URL (one serviceUrlProblem accepts) is stored and used. */
export function normaliseServiceUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

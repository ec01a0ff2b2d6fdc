// The offline enrichment provider: what can be derived from a lead's own
// data without asking anyone. An email's domain is the company's website
// (unless it is a free-mail provider's), a full name splits into first and
// last name (surname particles such as "van der" stay with the last name),
// and a LinkedIn URL is written in one canonical form.
import type { CompanyFields, EnrichmentProvider, PersonFields, PersonQuery } from './enrichment.js';
import { dedupeLinkedin } from '../leads/lead.service.js';

/** Mail providers anyone can sign up with: their domain says nothing about the employer. */
const FREE_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'ymail.com', 'rocketmail.com', 'hotmail.com',
  'hotmail.co.uk', 'hotmail.fr', 'outlook.com', 'outlook.de', 'live.com', 'live.co.uk', 'msn.com', 'aol.com', 'icloud.com', 'me.com',
  'mac.com', 'proton.me', 'protonmail.com', 'pm.me', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com', 'mail.ru', 'yandex.com',
  'yandex.ru', 'zoho.com', 'qq.com', '163.com', '126.com', 'fastmail.com', 'hey.com', 'tutanota.com', 'seznam.cz', 'orange.fr',
  'free.fr', 'libero.it', 't-online.de',
]);

export const isFreeMailDomain = (domain: string) => FREE_MAIL_DOMAINS.has(domain.trim().toLowerCase());

/** The domain of an email address, lower-cased; null when it has none. */
export function emailDomain(email: string | null | undefined): string | null {
  const domain = email?.trim().toLowerCase().split('@')[1];
  return domain && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) ? domain : null;
}

/** "https://www.Acme.com/about" or "acme.com" -> "acme.com"; null when it is not a domain. */
export function bareDomain(website: string | null | undefined): string | null {
  const text = website?.trim();
  if (!text) return null;
  try {
    const host = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`).hostname.toLowerCase().replace(/^www\./, '');
    return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) ? host : null;
  } catch {
    return null;
  }
}

/** The company domain a person's email reveals: none for free-mail addresses. */
export function companyDomainOfEmail(email: string | null | undefined): string | null {
  const domain = emailDomain(email);
  return domain && !isFreeMailDomain(domain) ? domain : null;
}

const SURNAME_PARTICLES = new Set([
  'van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'das', 'dos', 'du', 'la', 'le', 'ter', 'ten', 'bin', 'binti', 'al', 'el', 'st', 'st.',
]);
const NAME_PREFIXES = /^(mr|mrs|ms|miss|dr|prof|sir|madam)\.?$/i;
const NAME_SUFFIXES = /^(jr|sr|ii|iii|iv|phd|md|mba|esq)\.?$/i;

/**
 * "Jane van der Berg" -> Jane / van der Berg; "Berg, Jane" -> Jane / Berg;
 * "Dr. Jane Doe Jr." -> Jane / Doe; a single word is a first name.
 */
export function parsePersonName(fullName: string | null | undefined): { first_name?: string; last_name?: string } {
  const text = fullName?.replace(/\s+/g, ' ').trim();
  if (!text) return {};
  const comma = text.indexOf(',');
  if (comma > 0) {
    const last = text.slice(0, comma).trim();
    const first = text.slice(comma + 1).trim().split(' ').filter((w) => !NAME_SUFFIXES.test(w)).join(' ');
    if (first && last) return { first_name: first, last_name: last };
  }
  const words = text.split(' ').filter((w, i, all) => !(i === 0 && all.length > 1 && NAME_PREFIXES.test(w)));
  while (words.length > 1 && NAME_SUFFIXES.test(words[words.length - 1]!.replace(/,$/, ''))) words.pop();
  if (words.length === 1) return { first_name: words[0] };
  // the surname starts at the first particle after the first given name, or is the last word
  const particle = words.findIndex((w, i) => i > 0 && SURNAME_PARTICLES.has(w.toLowerCase()));
  const split = particle > 0 && particle < words.length - 1 ? particle : words.length - 1;
  return { first_name: words.slice(0, split).join(' '), last_name: words.slice(split).join(' ') };
}

/** The canonical form of a LinkedIn profile URL (https://www.linkedin.com/in/jane-doe); null when it is not LinkedIn's. */
export function canonicalLinkedinUrl(url: string | null | undefined): string | null {
  const key = dedupeLinkedin(url);
  if (!key?.startsWith('linkedin.com/')) return null;
  return `https://www.${key}`;
}

function derivePerson(query: PersonQuery): PersonFields | null {
  const fields: PersonFields = {};
  if (!query.first_name && !query.last_name) Object.assign(fields, parsePersonName(query.name));
  const domain = companyDomainOfEmail(query.email) ?? bareDomain(query.domain);
  if (domain) fields.website = `https://${domain}`;
  const linkedin = canonicalLinkedinUrl(query.linkedin_url);
  if (linkedin) fields.linkedin_url = linkedin;
  return Object.keys(fields).length > 0 ? fields : null;
}

export const derivedProvider: EnrichmentProvider = {
  name: 'derived',
  cached: false,
  billable: false,
  person: async (query) => derivePerson(query),
  company: async (query): Promise<CompanyFields | null> => (query.domain ? { website: `https://${query.domain}` } : null),
};

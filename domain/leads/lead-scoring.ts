// The rules-based lead score (model "rules-v1"): a pure, deterministic
// function of the lead's own fields, so a score can always be explained
// factor by factor and recomputed to the same value. Each factor has a
// ceiling; the ceilings add up to exactly 100.

export const SCORING_MODEL = 'rules-v1';

/** The leads columns a score is computed from (ScoringInput), for SELECT and RETURNING lists. */
export const SCORING_COLUMNS = 'email, phone_number, linkedin_url, first_name, last_name, job_title, company, lead_source, estimated_value';

export interface ScoringInput {
  email: string | null;
  phone_number: string | null;
  linkedin_url: string | null;
  first_name: string | null;
  last_name: string | null;
  job_title: string | null;
  company: string | null;
  lead_source: number | null;
  estimated_value: number | null;
}

export interface ScoreFactor {
  factor: string;
  points: number;
  /** why these points, in words a sales rep can check against the lead */
  reason: string;
}

export interface LeadScore {
  score: number;
  breakdown: ScoreFactor[];
}

const present = (value: string | null) => value !== null && value.trim() !== '';

function contactCompleteness(lead: ScoringInput): ScoreFactor {
  const channels = [
    { name: 'email', points: 10, given: present(lead.email) },
    { name: 'phone', points: 8, given: present(lead.phone_number) },
    { name: 'LinkedIn', points: 7, given: present(lead.linkedin_url) },
  ];
  const given = channels.filter((c) => c.given);
  return {
    factor: 'contact_completeness',
    points: given.reduce((sum, c) => sum + c.points, 0),
    reason: given.length > 0 ? `reachable by ${given.map((c) => c.name).join(', ')}` : 'no way to reach the lead',
  };
}

function nameKnown(lead: ScoringInput): ScoreFactor {
  const full = present(lead.first_name) && present(lead.last_name);
  const partial = present(lead.first_name) || present(lead.last_name);
  return {
    factor: 'name',
    points: full ? 5 : partial ? 2 : 0,
    reason: full ? 'first and last name known' : partial ? 'only part of the name known' : 'name unknown',
  };
}

// Most senior band first: "Senior Vice President" is a VP, not merely senior
// (and not a president).
const SENIORITY_BANDS: { points: number; label: string; pattern: RegExp }[] = [
  { points: 20, label: 'executive', pattern: /\b(ceo|cto|cfo|coo|cmo|cio|cro|chief|founder|co-?founder|owner|(?<!vice[ -])president|partner)\b/i },
  { points: 16, label: 'vice president, head or director', pattern: /\b(vp|svp|evp|vice[ -]president|head|director)\b/i },
  { points: 10, label: 'manager or team lead', pattern: /\b(manager|lead|principal)\b/i },
  { points: 6, label: 'senior individual contributor', pattern: /\b(senior|sr\.?|staff)\b/i },
];

/** Seniority read from a job title: rank 4 (executive) down to 1 (senior), 0 for a title without a keyword; null without a title. */
export function seniorityOf(jobTitle: string | null): { rank: number; label: string } | null {
  if (jobTitle === null || !present(jobTitle)) return null;
  const index = SENIORITY_BANDS.findIndex((b) => b.pattern.test(jobTitle.trim()));
  return index < 0 ? { rank: 0, label: 'no seniority keyword' } : { rank: SENIORITY_BANDS.length - index, label: SENIORITY_BANDS[index]!.label };
}

function jobSeniority(lead: ScoringInput): ScoreFactor {
  if (!present(lead.job_title)) return { factor: 'job_seniority', points: 0, reason: 'no job title' };
  const title = lead.job_title!.trim();
  const band = SENIORITY_BANDS.find((b) => b.pattern.test(title));
  return band
    ? { factor: 'job_seniority', points: band.points, reason: `"${title}" reads as ${band.label}` }
    : { factor: 'job_seniority', points: 3, reason: `"${title}" shows no seniority keyword` };
}

function companyKnown(lead: ScoringInput): ScoreFactor {
  return present(lead.company)
    ? { factor: 'company', points: 10, reason: `works at ${lead.company!.trim()}` }
    : { factor: 'company', points: 0, reason: 'company unknown' };
}

const FREE_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'ymail.com', 'hotmail.com', 'hotmail.co.uk', 'outlook.com',
  'live.com', 'msn.com', 'aol.com', 'icloud.com', 'me.com', 'mac.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de',
  'gmx.net', 'web.de', 'mail.com', 'mail.ru', 'yandex.com', 'yandex.ru', 'zoho.com', 'qq.com', '163.com', 'fastmail.com',
]);

/** The domain of an email address, lower-cased; undefined without one. */
export const emailDomainOf = (email: string | null) => email?.trim().toLowerCase().split('@')[1] || undefined;

export const isFreeMailDomain = (domain: string) => FREE_MAIL_DOMAINS.has(domain);

function emailDomain(lead: ScoringInput): ScoreFactor {
  const domain = emailDomainOf(lead.email);
  if (!domain) return { factor: 'email_domain', points: 0, reason: 'no email address' };
  return FREE_MAIL_DOMAINS.has(domain)
    ? { factor: 'email_domain', points: 3, reason: `${domain} is a free-mail provider` }
    : { factor: 'email_domain', points: 15, reason: `${domain} looks like a company domain` };
}

// The default lead_source codes every organization starts with (spec §7.1);
// codes an organization adds later get the "other source" weight.
const SOURCE_WEIGHTS: Record<number, { points: number; label: string }> = {
  1: { points: 8, label: 'Website' },
  2: { points: 10, label: 'Referral' },
  3: { points: 7, label: 'LinkedIn' },
  4: { points: 5, label: 'Email' },
  5: { points: 6, label: 'Direct' },
};

function leadSource(lead: ScoringInput): ScoreFactor {
  if (lead.lead_source === null) return { factor: 'lead_source', points: 0, reason: 'source unknown' };
  const weight = SOURCE_WEIGHTS[lead.lead_source];
  return weight
    ? { factor: 'lead_source', points: weight.points, reason: `came from ${weight.label} (source ${lead.lead_source})` }
    : { factor: 'lead_source', points: 3, reason: `came from organization-defined source ${lead.lead_source}` };
}

const VALUE_BANDS = [
  { above: 100_000, points: 15 },
  { above: 25_000, points: 10 },
  { above: 5_000, points: 6 },
  { above: 0, points: 3 },
];

function estimatedValue(lead: ScoringInput): ScoreFactor {
  const value = lead.estimated_value;
  const band = value === null ? undefined : VALUE_BANDS.find((b) => value > b.above);
  return band
    ? { factor: 'estimated_value', points: band.points, reason: `estimated value ${value} is above ${band.above}` }
    : { factor: 'estimated_value', points: 0, reason: 'no estimated value' };
}

const FACTORS = [contactCompleteness, nameKnown, jobSeniority, companyKnown, emailDomain, leadSource, estimatedValue];

export function scoreLead(lead: ScoringInput): LeadScore {
  const breakdown = FACTORS.map((factor) => factor(lead));
  return { score: breakdown.reduce((sum, f) => sum + f.points, 0), breakdown };
}

/**
 * A lead's rules score and the ai_information.scoring entry that explains it,
 * as of `at` (ISO 8601), for paths that score a lead as they write it (a new
 * lead has no engagement yet): the same shape as lead-fit-model.ts's record,
 * which the stored-lead and rescoring paths write with engagement and the
 * organization's learned model.
 */
export function scoringRecord(lead: ScoringInput, at: string) {
  const { score, breakdown } = scoreLead(lead);
  return {
    score,
    scoring: {
      score, model: SCORING_MODEL, breakdown, scored_at: at, computed_at: at,
      fit: { model: SCORING_MODEL, points: score },
      engagement: { points: 0, heat: 0, reason: 'no engagement recorded' },
    },
  };
}

// How alike two companies are, as a score that explains itself: a fixed set
// of weighted factors (same industry, headcount band and country; shared
// name and website words), each reported with whether and how well it
// matched. Pure functions: company.service preselects the candidates in SQL
// and ranks them here.

export interface ComparableCompany {
  id: number;
  company_name: string;
  industry_type: string | null;
  employee_size: string | null;
  country: string | null;
  website: string | null;
}

export type SimilarityFactor = 'industry' | 'employee_size' | 'country' | 'name' | 'website';

/** Relative importance of each factor; the weights of the factors that apply to a company are rescaled to sum to 1. */
export const SIMILARITY_WEIGHTS: Record<SimilarityFactor, number> = {
  industry: 0.3,
  name: 0.25,
  employee_size: 0.2,
  country: 0.15,
  website: 0.1,
};

export interface SimilarityReason {
  factor: SimilarityFactor;
  /** this factor's share of the score; the reasons' weights sum to 1 */
  weight: number;
  matched: boolean;
  /** how well it matched, 0-1: 1 or 0 for the equality factors, the word overlap (Jaccard) for name and website */
  score: number;
  /** what the two companies share: the industry, band or country, or the shared words */
  detail: string | null;
}

export interface Similarity {
  /** 0-1: the sum of weight × score over the reasons */
  similarity: number;
  reasons: SimilarityReason[];
}

/** Legal forms and filler that say nothing about which company a name means. */
const NAME_STOP_WORDS = new Set([
  'the', 'and', 'of', 'inc', 'incorporated', 'llc', 'llp', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company',
  'gmbh', 'ag', 'sa', 'sas', 'srl', 'bv', 'nv', 'oy', 'ab', 'plc', 'pvt', 'pty', 'group', 'holding', 'holdings',
]);

/** Host labels that are registry suffixes rather than names (example.co.uk, example.com.au). */
const WEBSITE_SUFFIX_LABELS = new Set(['www', 'com', 'co', 'org', 'net', 'gov', 'edu', 'ac']);

const words = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word.length >= 2);

/** The distinctive words of a company name: "The Acme Group, Inc." -> {acme}. */
export const nameTokens = (name: string) => new Set(words(name).filter((word) => !NAME_STOP_WORDS.has(word)));

/** The host of a stored website, or null when it is not a URL. */
export function websiteHost(website: string): string | null {
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(website) ? website : `https://${website}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** The words of a website's host without its top-level domain: "https://www.acme-labs.co.uk" -> {acme, labs}. */
export function websiteTokens(website: string): Set<string> {
  const labels = websiteHost(website)?.split('.') ?? [];
  return new Set(
    labels
      .slice(0, -1)
      .filter((label) => !WEBSITE_SUFFIX_LABELS.has(label))
      .flatMap(words),
  );
}

const sameText = (a: string | null, b: string | null) => a !== null && b !== null && a.trim().toLowerCase() === b.trim().toLowerCase();

function overlap(a: Set<string>, b: Set<string>): { score: number; shared: string[] } {
  const shared = [...a].filter((word) => b.has(word)).sort();
  const union = new Set([...a, ...b]).size;
  return { score: union === 0 ? 0 : shared.length / union, shared };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

interface FactorMatch {
  factor: SimilarityFactor;
  score: number;
  detail: string | null;
}

/**
 * The factors that can say something about `source`: a factor for which the
 * company itself has no value (no industry, no website) is left out rather
 * than counted as a mismatch against every candidate.
 */
function factorMatches(source: ComparableCompany, candidate: ComparableCompany): FactorMatch[] {
  const matches: FactorMatch[] = [];
  const equality = (factor: SimilarityFactor, a: string | null, b: string | null) => {
    if (a === null || a.trim() === '') return;
    const matched = sameText(a, b);
    matches.push({ factor, score: matched ? 1 : 0, detail: matched ? a.trim() : null });
  };
  const wordOverlap = (factor: SimilarityFactor, a: Set<string>, b: Set<string>) => {
    if (a.size === 0) return;
    const { score, shared } = overlap(a, b);
    matches.push({ factor, score, detail: shared.length > 0 ? shared.join(', ') : null });
  };
  equality('industry', source.industry_type, candidate.industry_type);
  wordOverlap('name', nameTokens(source.company_name), nameTokens(candidate.company_name));
  equality('employee_size', source.employee_size, candidate.employee_size);
  equality('country', source.country, candidate.country);
  wordOverlap('website', source.website ? websiteTokens(source.website) : new Set(), candidate.website ? websiteTokens(candidate.website) : new Set());
  return matches;
}

export function compareCompanies(source: ComparableCompany, candidate: ComparableCompany): Similarity {
  const matches = factorMatches(source, candidate);
  const totalWeight = matches.reduce((sum, m) => sum + SIMILARITY_WEIGHTS[m.factor], 0);
  const reasons = matches.map((m) => ({
    factor: m.factor,
    weight: totalWeight === 0 ? 0 : round(SIMILARITY_WEIGHTS[m.factor] / totalWeight),
    matched: m.score > 0,
    score: round(m.score),
    detail: m.detail,
  }));
  const similarity = totalWeight === 0 ? 0 : matches.reduce((sum, m) => sum + SIMILARITY_WEIGHTS[m.factor] * m.score, 0) / totalWeight;
  return { similarity: round(similarity), reasons };
}

/** The `limit` candidates most like `source` (none that share nothing), best first; equal scores by ascending id. */
export function rankSimilar(source: ComparableCompany, candidates: ComparableCompany[], limit: number) {
  return candidates
    .filter((candidate) => candidate.id !== source.id)
    .map((candidate) => ({ candidate, ...compareCompanies(source, candidate) }))
    .filter((ranked) => ranked.similarity > 0)
    .sort((x, y) => y.similarity - x.similarity || x.candidate.id - y.candidate.id)
    .slice(0, limit);
}

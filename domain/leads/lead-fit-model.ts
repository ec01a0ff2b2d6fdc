// The lead score as stored (docs/scoring.md): score = fit + engagement, 0–100.
//  - fit: how much the lead looks like the organization's customers. Until
//    the organization has a learned model that beat the rules on held-out
//    outcomes (domain/scoring/), it is the rules model (lead-scoring.ts,
//    0–100); then it is 100 × the model's win probability, a logistic
//    regression over the lead's features (below).
//  - engagement: the lead's intent heat (lead_heat) decayed to the time of
//    scoring, ENGAGEMENT_POINTS_CAP points at ENGAGEMENT_FULL_HEAT and more,
//    proportionally below, and never more than the headroom the fit leaves
//    under 100 (so the breakdown always sums to the score, and a lead without
//    engagement scores exactly its fit: new organizations score as before).
// Pure: the same input, model and time give the same record.
import { decayed } from './heat-decay.js';
import { emailDomainOf, isFreeMailDomain, scoreLead, SCORING_MODEL, seniorityOf, type ScoreFactor, type ScoringInput } from './lead-scoring.js';

/** Most points engagement adds (of 100). */
export const ENGAGEMENT_POINTS_CAP = 15;
/** Heat (decayed to now) that earns the whole cap: the default hot-lead threshold, a demo request this week. */
export const ENGAGEMENT_FULL_HEAT = 10;

/** The firmographic and profile dimensions a learned model one-hot encodes (the ideal profile is kept per dimension). */
export const FIT_DIMENSIONS = ['industry', 'employee_band', 'country', 'seniority', 'lead_source'] as const;
export type FitDimension = (typeof FIT_DIMENSIONS)[number];
/** The numeric features, each in [0, 1] before standardisation. */
export const NUMERIC_FEATURES = ['completeness', 'log_value', 'seniority_rank', 'company_email'] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

/** What the fit is computed from: the lead's scoring columns and its company's firmographics (the lead's own when it has no company). */
export interface FitInput extends ScoringInput {
  industry: string | null;
  employee_size: string | null;
  country: string | null;
}

/** What a stored lead is scored from: its fit input and its heat as last computed. */
export interface LeadScoreInput extends FitInput {
  heat: number | null;
  heat_at: Date | null;
}

export interface LeadFeatures {
  categories: Record<FitDimension, string>;
  numeric: Record<NumericFeature, number>;
}

/** One model input: a dimension's value (one-hot) or a numeric feature. */
export type FeatureSpec = { name: string; dimension: FitDimension; value: string } | { name: NumericFeature };

/** A trained logistic regression (scoring_models.parameters): p = σ(intercept + Σ coefficient · (x − mean) / std). */
export interface LogisticFitModel {
  kind: 'logistic-v1';
  version: number;
  features: FeatureSpec[];
  means: number[];
  stds: number[];
  coefficients: number[];
  intercept: number;
}

export const LOGISTIC_MODEL_KIND = 'logistic-v1';

const UNKNOWN = 'unknown';

const categoryOf = (value: string | null) => {
  const text = value?.trim().toLowerCase().replace(/\s+/g, ' ');
  return text ? text : UNKNOWN;
};

// employee_size is free text ("51-200", "1,000+", "12"): its first number decides the band
const EMPLOYEE_BANDS = [
  { upTo: 10, label: '1-10' },
  { upTo: 50, label: '11-50' },
  { upTo: 200, label: '51-200' },
  { upTo: 1000, label: '201-1000' },
  { upTo: Infinity, label: '1001+' },
];

export function employeeBandOf(size: string | null): string {
  const first = size?.replace(/,/g, '').match(/\d+/)?.[0];
  if (first === undefined) return UNKNOWN;
  const count = Number(first);
  return EMPLOYEE_BANDS.find((b) => count <= b.upTo)!.label;
}

const present = (value: string | null) => value !== null && value.trim() !== '';

// log10(1 + value) / 7: 0 for none, 1 at ten million
const VALUE_LOG_SCALE = 7;

export function leadFeatures(lead: FitInput): LeadFeatures {
  const seniority = seniorityOf(lead.job_title);
  const domain = emailDomainOf(lead.email);
  const reachable = [lead.email, lead.phone_number, lead.linkedin_url, lead.first_name, lead.last_name, lead.company];
  return {
    categories: {
      industry: categoryOf(lead.industry),
      employee_band: employeeBandOf(lead.employee_size),
      country: categoryOf(lead.country),
      seniority: seniority ? seniority.label : 'no job title',
      lead_source: lead.lead_source === null ? UNKNOWN : String(lead.lead_source),
    },
    numeric: {
      completeness: reachable.filter(present).length / reachable.length,
      log_value: Math.min(1, Math.log10(1 + Math.max(0, lead.estimated_value ?? 0)) / VALUE_LOG_SCALE),
      seniority_rank: (seniority?.rank ?? 0) / 4,
      company_email: domain !== undefined && !isFreeMailDomain(domain) ? 1 : 0,
    },
  };
}

/** The raw (unstandardised) value of each feature of `specs` for a lead. */
export function featureValues(specs: readonly FeatureSpec[], features: LeadFeatures): number[] {
  return specs.map((spec) => ('dimension' in spec ? (features.categories[spec.dimension] === spec.value ? 1 : 0) : features.numeric[spec.name]));
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export interface FeatureContribution {
  feature: string;
  /** log-odds this feature adds against an average lead of the training data */
  contribution: number;
}

/** The model's win probability for a lead and what each feature added to its log-odds. */
export function predictFit(model: LogisticFitModel, features: LeadFeatures): { probability: number; contributions: FeatureContribution[] } {
  const values = featureValues(model.features, features);
  const contributions = model.features.map((spec, i) => ({
    feature: spec.name,
    contribution: (model.coefficients[i]! * (values[i]! - model.means[i]!)) / model.stds[i]!,
  }));
  const z = model.intercept + contributions.reduce((sum, c) => sum + c.contribution, 0);
  return { probability: sigmoid(z), contributions };
}

const DRIVERS_SHOWN = 3;
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;

interface FitPart {
  model: string;
  points: number;
  breakdown: ScoreFactor[];
  details: Record<string, unknown>;
}

function learnedFit(model: LogisticFitModel, lead: FitInput): FitPart {
  const { probability, contributions } = predictFit(model, leadFeatures(lead));
  const drivers = contributions
    .filter((c) => Math.abs(c.contribution) >= 0.005)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature))
    .slice(0, DRIVERS_SHOWN)
    .map((c) => ({ feature: c.feature, contribution: Math.round(c.contribution * 1000) / 1000 }));
  const points = Math.round(100 * probability);
  const why = drivers.length > 0 ? `; strongest: ${drivers.map((d) => `${d.feature} ${signed(d.contribution)}`).join(', ')} (log-odds)` : '';
  return {
    model: LOGISTIC_MODEL_KIND,
    points,
    breakdown: [{ factor: 'fit_model', points, reason: `learned model v${model.version} gives a ${(probability * 100).toFixed(1)}% win chance${why}` }],
    details: { model: LOGISTIC_MODEL_KIND, version: model.version, points, probability: Math.round(probability * 10000) / 10000, drivers },
  };
}

function rulesFit(lead: FitInput): FitPart {
  const { score, breakdown } = scoreLead(lead);
  return { model: SCORING_MODEL, points: score, breakdown, details: { model: SCORING_MODEL, points: score } };
}

/** The engagement points for a heat measured at `heatAt`, decayed to `at`, within `headroom`. */
export function engagementPart(heat: number | null, heatAt: Date | null, at: Date, headroom: number) {
  const now = heat === null || heatAt === null ? 0 : decayed(heat, heatAt, at);
  const earned = Math.round(ENGAGEMENT_POINTS_CAP * Math.min(1, now / ENGAGEMENT_FULL_HEAT));
  const points = Math.max(0, Math.min(earned, headroom));
  const heatNow = Math.round(now * 100) / 100;
  const reason =
    now === 0
      ? 'no engagement recorded'
      : `intent heat ${heatNow} now (${ENGAGEMENT_FULL_HEAT} earns the full ${ENGAGEMENT_POINTS_CAP})${points < earned ? `, capped at the ${headroom} points left under 100` : ''}`;
  return { points, heat: heatNow, reason };
}

/**
 * A stored lead's score and its ai_information.scoring entry as of `at`:
 * the fit of `model` (the rules when null), plus engagement. The breakdown
 * lists the fit's factors, then engagement when it adds points; it sums to
 * the score.
 */
export function leadScoreRecord(lead: LeadScoreInput, model: LogisticFitModel | null, at: Date) {
  const fit = model ? learnedFit(model, lead) : rulesFit(lead);
  const engagement = engagementPart(lead.heat, lead.heat_at, at, 100 - fit.points);
  const score = fit.points + engagement.points;
  const breakdown = engagement.points > 0 ? [...fit.breakdown, { factor: 'engagement', points: engagement.points, reason: engagement.reason }] : fit.breakdown;
  const iso = at.toISOString();
  return {
    score,
    scoring: {
      score,
      model: fit.model,
      ...(model && { model_version: model.version }),
      breakdown,
      fit: fit.details,
      engagement,
      scored_at: iso,
      computed_at: iso,
    },
  };
}

/** The organization's active learned model from its stored parameters; null when it has none. */
export function fitModelOf(row: { version: number; parameters: unknown } | null | undefined): LogisticFitModel | null {
  if (!row) return null;
  const parameters = row.parameters as Omit<LogisticFitModel, 'version'>;
  return parameters.kind === LOGISTIC_MODEL_KIND ? { ...parameters, version: row.version } : null;
}

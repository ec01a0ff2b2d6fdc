// The deal forecast (§6.7): an open deal's win probability, expected close
// and category, computed from plain numbers (no I/O) so that every step can
// be checked by hand (docs/forecasting.md has the formulas with examples).
//
// The probability starts from the deal's stage probability and is moved by
// four factors, applied in this order, each reported as
// { factor, effect (signed probability points, 0.05 = 5 points), reason }:
//   history     the organization's win rate of closed deals that reached the stage
//   stage_age   time in the stage against the stage's max_days_in_stage
//   engagement  the lead's intent signals, meetings and replies of the last 30 days
//   deal_size   the value against the organization's median won deal
// then kept within [MIN_OPEN_PROBABILITY, MAX_OPEN_PROBABILITY] (a `bounds`
// factor says by how much when that moved it), so the effects always add up
// to the answer: probability = stage probability + Σ effects.

import { SIGNAL_WEIGHTS } from '../engagement/hot-leads.js';

/** An open deal is never certain either way. */
export const MIN_OPEN_PROBABILITY = 0.01;
export const MAX_OPEN_PROBABILITY = 0.99;

/** Closed deals that reached a stage needed before its history counts at all. */
export const MIN_HISTORY_DEALS = 10;
/** The history's weight is n / (n + HISTORY_HALF_WEIGHT): half at this many closed deals, growing towards 1. */
export const HISTORY_HALF_WEIGHT = 30;

/** An overdue deal loses this share of its probability per max_days_in_stage overdue ... */
export const OVERDUE_LOSS_PER_STAGE_LENGTH = 0.5;
/** ... up to this share. */
export const MAX_OVERDUE_LOSS = 0.5;

/** The engagement window. */
export const ENGAGEMENT_DAYS = 30;
/** Probability points per engagement point, and the most engagement can add. */
export const POINTS_PER_ENGAGEMENT = 0.004;
export const MAX_ENGAGEMENT_GAIN = 0.1;
/** What 30 days without any signal or meeting costs (at most; never more than a quarter of the probability). */
export const SILENCE_LOSS = 0.05;

/**
 * Engagement points: each intent signal in the window weighs what it adds to
 * a lead's heat (SIGNAL_WEIGHTS of the engagement issue: demo request 10,
 * reply 8, … email open 1; a type it does not know counts 1), a meeting held
 * as much as a demo request, one scheduled as much as a reply.
 */
export const HELD_MEETING_POINTS = 10;
export const SCHEDULED_MEETING_POINTS = 8;

/** Points lost per doubling of the value over the median won deal, and at most. */
export const SIZE_LOSS_PER_DOUBLING = 0.03;
export const MAX_SIZE_LOSS = 0.1;

/** Category thresholds (docs/forecasting.md). */
export const COMMIT_PROBABILITY = 0.7;
export const BEST_CASE_PROBABILITY = 0.4;

/** A close date already past is moved this many days after the forecast's day. */
export const PAST_CLOSE_PUSH_DAYS = 30;

export type ForecastFactorName = 'history' | 'stage_age' | 'engagement' | 'deal_size' | 'bounds';
export type ForecastCategory = 'commit' | 'best_case' | 'pipeline';

export interface ForecastFactor {
  factor: ForecastFactorName;
  /** signed probability points (0.05 = 5 points) */
  effect: number;
  reason: string;
}

/** Closed deals that reached one stage (were in it at some snapshot), and how many of them were won. */
export interface StageHistory {
  closed: number;
  won: number;
}

/** What the organization's past says, the same for every deal of one forecast run. */
export interface OrgForecastContext {
  /** stage id -> its history; a stage without closed deals is absent */
  stageHistory: Readonly<Record<number, StageHistory>>;
  /** median value of the organization's won deals; null when it has none */
  medianWonValue: number | null;
}

/** One open deal as the forecast reads it. */
export interface DealFeatures {
  dealId: number;
  stageId: number;
  stageName: string;
  /** the stage's probability, 0..1 */
  stageProbability: number;
  maxDaysInStage: number | null;
  /** whole days since the deal entered its stage */
  daysInStage: number;
  value: number;
  /** YYYY-MM-DD */
  expectedCloseDate: string;
  /** intent signals of the deal's lead in the engagement window, by type */
  signals: Readonly<Record<string, number>>;
  /** the lead's meetings held in the window, and scheduled (booked, not yet held) around it */
  meetingsHeld: number;
  meetingsScheduled: number;
}

export interface DealForecastResult {
  winProbability: number;
  /** YYYY-MM-DD */
  expectedCloseDate: string;
  category: ForecastCategory;
  factors: ForecastFactor[];
}

/** Probabilities and effects are kept to 4 decimals, so the effects add up exactly to what is shown. */
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const percent = (x: number) => `${Math.round(x * 100)}%`;
const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(Math.round(x * 1000) / 10)} points`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function historyFactor(deal: DealFeatures, context: OrgForecastContext, p: number): ForecastFactor {
  const history = context.stageHistory[deal.stageId] ?? { closed: 0, won: 0 };
  if (history.closed < MIN_HISTORY_DEALS) {
    return {
      factor: 'history',
      effect: 0,
      reason: `${plural(history.closed, 'closed deal')} reached "${deal.stageName}"; at least ${MIN_HISTORY_DEALS} are needed before the history counts`,
    };
  }
  const winRate = history.won / history.closed;
  const weight = history.closed / (history.closed + HISTORY_HALF_WEIGHT);
  return {
    factor: 'history',
    effect: round4(weight * (winRate - p)),
    reason: `${history.won} of ${history.closed} closed deals that reached "${deal.stageName}" were won (${percent(winRate)} against the stage's ${percent(p)}), weighted ${percent(weight)} for ${history.closed} deals`,
  };
}

function stageAgeFactor(deal: DealFeatures, p: number): ForecastFactor | null {
  const max = deal.maxDaysInStage;
  if (max === null || max <= 0) return null;
  if (deal.daysInStage <= max) {
    return { factor: 'stage_age', effect: 0, reason: `${plural(deal.daysInStage, 'day')} in "${deal.stageName}", within its ${plural(max, 'day')}` };
  }
  const overdue = deal.daysInStage - max;
  const loss = Math.min(MAX_OVERDUE_LOSS, (OVERDUE_LOSS_PER_STAGE_LENGTH * overdue) / max);
  return {
    factor: 'stage_age',
    effect: round4(-loss * p),
    reason: `${plural(overdue, 'day')} over the ${plural(max, 'day')} expected in "${deal.stageName}": ${percent(loss)} of its probability lost`,
  };
}

/** The deal's engagement points and the words that say where they come from. */
export function engagementPoints(deal: Pick<DealFeatures, 'signals' | 'meetingsHeld' | 'meetingsScheduled'>): { points: number; parts: string[] } {
  let total = 0;
  const parts: string[] = [];
  for (const [type, count] of Object.entries(deal.signals).sort(([a], [b]) => a.localeCompare(b))) {
    if (count <= 0) continue;
    total += count * ((SIGNAL_WEIGHTS as Readonly<Record<string, number>>)[type] ?? 1);
    parts.push(`${count} ${type.replace(/_/g, ' ')}`);
  }
  if (deal.meetingsHeld > 0) parts.push(plural(deal.meetingsHeld, 'meeting') + ' held');
  if (deal.meetingsScheduled > 0) parts.push(plural(deal.meetingsScheduled, 'meeting') + ' scheduled');
  total += deal.meetingsHeld * HELD_MEETING_POINTS + deal.meetingsScheduled * SCHEDULED_MEETING_POINTS;
  return { points: total, parts };
}

function engagementFactor(deal: DealFeatures, p: number): ForecastFactor {
  const { points: engagement, parts } = engagementPoints(deal);
  if (engagement === 0) {
    return {
      factor: 'engagement',
      effect: round4(-Math.min(SILENCE_LOSS, p / 4)),
      reason: `no intent signal, reply or meeting from the lead in the last ${ENGAGEMENT_DAYS} days`,
    };
  }
  return {
    factor: 'engagement',
    effect: round4(Math.min(MAX_ENGAGEMENT_GAIN, POINTS_PER_ENGAGEMENT * engagement)),
    reason: `in the last ${ENGAGEMENT_DAYS} days: ${parts.join(', ')} (${engagement} engagement points)`,
  };
}

function dealSizeFactor(deal: DealFeatures, context: OrgForecastContext): ForecastFactor | null {
  const median = context.medianWonValue;
  if (median === null || median <= 0) return null;
  const ratio = deal.value / median;
  if (ratio <= 1) {
    return { factor: 'deal_size', effect: 0, reason: `value ${deal.value} is at most the median won deal (${median})` };
  }
  const loss = Math.min(MAX_SIZE_LOSS, SIZE_LOSS_PER_DOUBLING * Math.log2(ratio));
  return {
    factor: 'deal_size',
    effect: round4(-loss),
    reason: `value ${deal.value} is ${Math.round(ratio * 10) / 10}× the median won deal (${median}): larger deals close less often`,
  };
}

/** YYYY-MM-DD plus `days`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The last day (YYYY-MM-DD) of the calendar quarter `date` is in. */
export function quarterEnd(date: string): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const lastMonth = Math.ceil(month / 3) * 3;
  return new Date(Date.UTC(year, lastMonth, 0)).toISOString().slice(0, 10);
}

/**
 * The expected close: the deal's own date, moved later by the days it is
 * overdue in its stage (it is that far behind its stage's pace), and a date
 * still before `today` is moved to today + PAST_CLOSE_PUSH_DAYS.
 */
export function forecastCloseDate(deal: Pick<DealFeatures, 'expectedCloseDate' | 'daysInStage' | 'maxDaysInStage'>, today: string): string {
  const overdue = deal.maxDaysInStage !== null && deal.maxDaysInStage > 0 ? Math.max(0, deal.daysInStage - deal.maxDaysInStage) : 0;
  const moved = addDays(deal.expectedCloseDate, overdue);
  return moved < today ? addDays(today, PAST_CLOSE_PUSH_DAYS) : moved;
}

/** commit: likely and closing by the end of the current quarter; best_case: likely enough; pipeline: the rest. */
export function forecastCategory(probability: number, expectedClose: string, today: string): ForecastCategory {
  if (probability >= COMMIT_PROBABILITY && expectedClose <= quarterEnd(today)) return 'commit';
  if (probability >= BEST_CASE_PROBABILITY) return 'best_case';
  return 'pipeline';
}

/** The forecast of one open deal as of `today` (YYYY-MM-DD, the organization's calendar day). */
export function forecastDeal(deal: DealFeatures, context: OrgForecastContext, today: string): DealForecastResult {
  const start = deal.stageProbability;
  const factors: ForecastFactor[] = [];
  let p = start;
  const apply = (factor: ForecastFactor | null) => {
    if (!factor) return;
    factors.push(factor);
    p = round4(p + factor.effect);
  };
  apply(historyFactor(deal, context, p));
  apply(stageAgeFactor(deal, p));
  apply(engagementFactor(deal, p));
  apply(dealSizeFactor(deal, context));
  const bounded = Math.min(MAX_OPEN_PROBABILITY, Math.max(MIN_OPEN_PROBABILITY, p));
  if (bounded !== p) {
    apply({ factor: 'bounds', effect: round4(bounded - p), reason: `kept within ${percent(MIN_OPEN_PROBABILITY)}–${percent(MAX_OPEN_PROBABILITY)}: an open deal is never certain` });
  }
  const expectedCloseDate = forecastCloseDate(deal, today);
  return { winProbability: p, expectedCloseDate, category: forecastCategory(p, expectedCloseDate, today), factors };
}

/** Words for a probability change, e.g. in a trend. */
export const describeChange = (delta: number) => points(delta);

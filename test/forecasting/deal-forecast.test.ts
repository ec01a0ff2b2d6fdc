// The deal forecast's arithmetic on hand-computed fixtures (the numbers in
// the comments are worked out by hand from docs/forecasting.md, not by the
// code under test): every factor, the clamps, the close-date rule, the
// categories, and an organization without history.
import { describe, expect, it } from 'vitest';
import { forecastDeal, forecastCloseDate, quarterEnd, type DealFeatures, type OrgForecastContext } from '../../domain/forecasting/deal-forecast.js';

const TODAY = '2026-12-06';
const noHistory: OrgForecastContext = { stageHistory: {}, medianWonValue: null };

const deal = (over: Partial<DealFeatures>): DealFeatures => ({
  dealId: 1,
  stageId: 7,
  stageName: 'Proposal',
  stageProbability: 0.6,
  maxDaysInStage: 30,
  daysInStage: 10,
  value: 5000,
  expectedCloseDate: '2026-12-20',
  signals: {},
  meetingsHeld: 0,
  meetingsScheduled: 0,
  ...over,
});

const effects = (result: ReturnType<typeof forecastDeal>) => Object.fromEntries(result.factors.map((f) => [f.factor, f.effect]));
const sum = (result: ReturnType<typeof forecastDeal>) => result.factors.reduce((total, f) => total + f.effect, 0);

describe('forecastDeal', () => {
  it('an organization without history: the stage probability, less 5 points of silence', () => {
    const result = forecastDeal(deal({}), noHistory, TODAY);
    // 0.6 + 0 (no history) + 0 (10 of 30 days) − min(0.05, 0.6/4) = 0.55; no won deal, so no size factor
    expect(effects(result)).toEqual({ history: 0, stage_age: 0, engagement: -0.05 });
    expect(result.winProbability).toBe(0.55);
    expect(result.expectedCloseDate).toBe('2026-12-20');
    expect(result.category).toBe('best_case');
    expect(result.factors[0]!.reason).toBe('0 closed deals reached "Proposal"; at least 10 are needed before the history counts');
    expect(result.factors[2]!.reason).toBe('no intent signal, reply or meeting from the lead in the last 30 days');
  });

  it('every factor at once, in order, adding up to the answer', () => {
    const context: OrgForecastContext = { stageHistory: { 7: { closed: 30, won: 24 } }, medianWonValue: 10_000 };
    const result = forecastDeal(
      deal({ stageProbability: 0.5, maxDaysInStage: 20, daysInStage: 30, value: 40_000, expectedCloseDate: '2026-12-10', signals: { reply_received: 2, pricing_page_visit: 1 }, meetingsHeld: 1 }),
      context,
      TODAY,
    );
    // history: rate 24/30 = 0.8, weight 30/(30+30) = 0.5 → 0.5 × (0.8 − 0.5) = +0.15 → 0.65
    // stage age: 10 days over 20 → loss min(0.5, 0.5 × 10/20) = 0.25 of 0.65 → −0.1625 → 0.4875
    // engagement: 2 replies × 8 + 1 pricing visit × 5 + 1 held meeting × 10 = 31 points → min(0.10, 0.004 × 31) = +0.10 → 0.5875
    // size: 40,000 / 10,000 = 4 = two doublings → −min(0.10, 0.03 × 2) = −0.06 → 0.5275
    expect(effects(result)).toEqual({ history: 0.15, stage_age: -0.1625, engagement: 0.1, deal_size: -0.06 });
    expect(result.winProbability).toBe(0.5275);
    expect(sum(result) + 0.5).toBeCloseTo(result.winProbability, 10);
    // 10 days behind its stage's pace: the close moves 10 days later
    expect(result.expectedCloseDate).toBe('2026-12-20');
    expect(result.category).toBe('best_case');
    expect(result.factors.map((f) => f.reason)).toEqual([
      '24 of 30 closed deals that reached "Proposal" were won (80% against the stage\'s 50%), weighted 50% for 30 deals',
      '10 days over the 20 days expected in "Proposal": 25% of its probability lost',
      'in the last 30 days: 1 pricing page visit, 2 reply received, 1 meeting held (31 engagement points)',
      'value 40000 is 4× the median won deal (10000): larger deals close less often',
    ]);
  });

  it('a history of exactly 10 closed deals counts, at a quarter of its weight', () => {
    const result = forecastDeal(deal({ stageProbability: 0.5, signals: { demo_requested: 1 } }), { stageHistory: { 7: { closed: 10, won: 0 } }, medianWonValue: null }, TODAY);
    // weight 10/40 = 0.25 → 0.25 × (0 − 0.5) = −0.125; a demo request = 10 points → +0.04 → 0.415
    expect(effects(result)).toEqual({ history: -0.125, stage_age: 0, engagement: 0.04 });
    expect(result.winProbability).toBe(0.415);
  });

  it('clamps at 99% with a bounds factor, and a past close date moves 30 days after today', () => {
    const context: OrgForecastContext = { stageHistory: { 7: { closed: 90, won: 90 } }, medianWonValue: null };
    const result = forecastDeal(
      deal({ stageProbability: 0.95, maxDaysInStage: null, expectedCloseDate: '2026-11-01', signals: { demo_requested: 1, reply_received: 1, link_clicked: 1 }, meetingsScheduled: 1 }),
      context,
      TODAY,
    );
    // history: weight 90/120 = 0.75 × (1 − 0.95) = +0.0375 → 0.9875; engagement 10 + 8 + 3 + 8 = 29 points → +min(0.10, 0.116) → 1.0875
    // no max_days_in_stage: no stage age factor; bounds: 0.99 − 1.0875 = −0.0975
    expect(effects(result)).toEqual({ history: 0.0375, engagement: 0.1, bounds: -0.0975 });
    expect(result.winProbability).toBe(0.99);
    expect(sum(result) + 0.95).toBeCloseTo(0.99, 10);
    expect(result.expectedCloseDate).toBe('2027-01-05');
    // likely, but closing after this quarter: best case, not commit
    expect(result.category).toBe('best_case');
    expect(forecastDeal(deal({ stageProbability: 0.95, maxDaysInStage: null, expectedCloseDate: '2026-12-31', signals: { demo_requested: 1 } }), noHistory, TODAY).category).toBe('commit');
  });

  it('clamps at 1% and caps the overdue loss at half; history under 10 deals is only reported', () => {
    const result = forecastDeal(deal({ stageProbability: 0.02, maxDaysInStage: 10, daysInStage: 100, expectedCloseDate: '2026-12-01' }), { stageHistory: { 7: { closed: 9, won: 9 } }, medianWonValue: 1000 }, TODAY);
    // stage age: 90 days over 10 → loss min(0.5, 4.5) = 0.5 of 0.02 → −0.01 → 0.01
    // silence: −min(0.05, 0.01/4) = −0.0025 → 0.0075; value 5000 = 5× the median → −min(0.10, 0.03 × log2 5) = −0.0697 → −0.0622
    // bounds: 0.01 − (−0.0622) = +0.0722
    expect(effects(result)).toEqual({ history: 0, stage_age: -0.01, engagement: -0.0025, deal_size: -0.0697, bounds: 0.0722 });
    expect(result.winProbability).toBe(0.01);
    expect(result.category).toBe('pipeline');
    // 90 days overdue moves 2026-12-01 to 2027-03-01, already after today: kept
    expect(result.expectedCloseDate).toBe('2027-03-01');
  });

  it('a deal smaller than the median won deal is not penalised', () => {
    const result = forecastDeal(deal({ value: 500, signals: { email_opened: 2 } }), { stageHistory: {}, medianWonValue: 1000 }, TODAY);
    // 2 opens × 1 = 2 points → +0.008 → 0.608
    expect(effects(result)).toEqual({ history: 0, stage_age: 0, engagement: 0.008, deal_size: 0 });
    expect(result.winProbability).toBe(0.608);
  });
});

describe('close dates and quarters', () => {
  it('quarter ends', () => {
    expect([quarterEnd('2026-01-01'), quarterEnd('2026-05-31'), quarterEnd('2026-09-30'), quarterEnd('2026-12-06')]).toEqual(['2026-03-31', '2026-06-30', '2026-09-30', '2026-12-31']);
  });

  it('moves a close by the days overdue, then past dates after today', () => {
    expect(forecastCloseDate({ expectedCloseDate: '2027-02-27', daysInStage: 12, maxDaysInStage: 10 }, TODAY)).toBe('2027-03-01');
    expect(forecastCloseDate({ expectedCloseDate: '2026-12-06', daysInStage: 0, maxDaysInStage: null }, TODAY)).toBe('2026-12-06');
    expect(forecastCloseDate({ expectedCloseDate: '2026-12-05', daysInStage: 0, maxDaysInStage: null }, TODAY)).toBe('2027-01-05');
  });
});

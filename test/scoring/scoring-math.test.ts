// The learning score's arithmetic on fixtures computed by hand: the logistic
// function and its loss gradient, a fit whose maximum-likelihood answer is
// known in closed form, AUC (with ties), Brier score, calibration bins, the
// engagement part and the guard's verdicts; then training itself on
// synthetic outcomes (pure: no database).
import { describe, expect, it } from 'vitest';
import {
  employeeBandOf,
  engagementPart,
  leadFeatures,
  leadScoreRecord,
  predictFit,
  sigmoid,
  type FitInput,
  type LogisticFitModel,
} from '../../domain/leads/lead-fit-model.js';
import { scoreLead } from '../../domain/leads/lead-scoring.js';
import { auc, brierScore, calibrationBins, fitLogistic, logLossGradient, solveLinear } from '../../domain/scoring/logistic.js';
import { coin } from '../helpers/scoring-seed.js';
import { guardDecision, insufficiency, isHeldOut, trainFitModel, type Outcome } from '../../domain/scoring/scoring-training.js';

const blank: FitInput = {
  email: null, phone_number: null, linkedin_url: null, first_name: null, last_name: null, job_title: null, company: null,
  lead_source: null, estimated_value: null, industry: null, employee_size: null, country: null,
};
const DAY = 86_400_000;

describe('logistic regression arithmetic', () => {
  it('sigmoid: σ(0) = ½, σ(ln 3) = ¾, σ(−z) = 1 − σ(z), no overflow far out', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 12);
    expect(sigmoid(-2) + sigmoid(2)).toBeCloseTo(1, 12);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
  });

  it('the gradient of the penalised log-loss matches the hand computation', () => {
    // at w = 0 both predictions are ½: Σ(p−y) = −½ + ½ = 0, Σ(p−y)x = −½·1 + ½·(−1) = −1
    expect(logLossGradient([[1], [-1]], [1, 0], 0, [0], 0)).toEqual([0, -1]);
    // at w = ½, l2 = 2: p = σ(½) = 0.6224593, σ(−½) = 0.3775407; Σ(p−y)x + l2·w = −0.3775407 − 0.3775407 + 1
    const [g0, g1] = logLossGradient([[1], [-1]], [1, 0], 0, [0.5], 2);
    expect(g0).toBeCloseTo(0, 12);
    expect(g1).toBeCloseTo(0.2449187, 6);
  });

  it('solves a linear system', () => {
    const x = solveLinear([[4, 1], [1, 3]], [1, 2]);
    expect(x[0]).toBeCloseTo(1 / 11, 12);
    expect(x[1]).toBeCloseTo(7 / 11, 12);
  });

  it('fits the closed-form maximum likelihood of one binary feature', () => {
    // x = 0: 1 won of 4 → b = ln(1/3); x = 1: 3 won of 4 → b + w = ln 3, so w = 2 ln 3
    const rows = [[0], [0], [0], [0], [1], [1], [1], [1]];
    const labels = [1, 0, 0, 0, 1, 1, 1, 0];
    const fit = fitLogistic(rows, labels, { l2: 0 });
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(Math.log(1 / 3), 8);
    expect(fit.coefficients[0]).toBeCloseTo(2 * Math.log(3), 8);
    // the penalty pulls the coefficient towards zero
    expect(fitLogistic(rows, labels, { l2: 1 }).coefficients[0]!).toBeLessThan(2 * Math.log(3));
  });

  it('is deterministic', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [Math.sin(i), (i % 7) / 7]);
    const labels = rows.map((_, i) => (i % 3 === 0 ? 1 : 0));
    expect(fitLogistic(rows, labels)).toEqual(fitLogistic(rows, labels));
  });
});

describe('held-out measures', () => {
  it('AUC of a known ranking, with ties counted half', () => {
    // positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // positives 0.5 and 0.9 against negatives 0.5, 0.5: the two ties count ½ each, 0.9 wins both → 3/4
    expect(auc([0.5, 0.5, 0.5, 0.9], [1, 0, 0, 1])).toBe(0.75);
    expect(auc([0.3, 0.3, 0.3], [1, 0, 1])).toBe(0.5);
    expect(auc([0.9, 0.1], [1, 0])).toBe(1);
    expect(auc([0.9, 0.1], [0, 1])).toBe(0);
    expect(auc([0.2, 0.4], [1, 1])).toBeNull();
  });

  it('Brier score', () => {
    expect(brierScore([0.9, 0.2], [1, 0])).toBeCloseTo((0.01 + 0.04) / 2, 12);
    expect(brierScore([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.25);
  });

  it('calibration bins: mean prediction and observed rate per tenth, 1.0 in the last bin', () => {
    const bins = calibrationBins([0.05, 0.15, 0.95, 1.0, 0.92], [0, 1, 1, 1, 0]);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toEqual({ from: 0, to: 0.1, count: 1, predicted: 0.05, observed: 0 });
    expect(bins[1]).toEqual({ from: 0.1, to: 0.2, count: 1, predicted: 0.15, observed: 1 });
    expect(bins[9]).toEqual({ from: 0.9, to: 1, count: 3, predicted: 0.9567, observed: 0.6667 });
    expect(bins.slice(2, 9).every((b) => b.count === 0 && b.predicted === null && b.observed === null)).toBe(true);
  });
});

describe('the stored score: fit + engagement', () => {
  const at = new Date('2026-12-06T12:00:00Z');
  const rich: FitInput = { ...blank, email: 'ana@acme.example', first_name: 'Ana', last_name: 'Lima', job_title: 'VP Sales', company: 'Acme', lead_source: 2 };

  it('without engagement and without a learned model it is the rules score, factor for factor', () => {
    const record = leadScoreRecord({ ...rich, heat: null, heat_at: null }, null, at);
    const rules = scoreLead(rich);
    expect(record.score).toBe(rules.score);
    expect(record.scoring).toMatchObject({ model: 'rules-v1', breakdown: rules.breakdown, fit: { model: 'rules-v1', points: rules.score }, engagement: { points: 0 } });
  });

  it('engagement: heat decayed by its half-life, 15 points at heat 10, capped by the headroom; the breakdown sums to the score', () => {
    // heat 10 measured a week ago is 5 now: 15 · ½ = 7.5 → 8
    expect(engagementPart(10, new Date(at.getTime() - 7 * DAY), at, 100).points).toBe(8);
    expect(engagementPart(40, at, at, 100).points).toBe(15);
    expect(engagementPart(40, at, at, 6).points).toBe(6);
    const record = leadScoreRecord({ ...rich, heat: 5, heat_at: at }, null, at);
    expect(record.score).toBe(scoreLead(rich).score + 8);
    expect(record.scoring.breakdown.at(-1)).toMatchObject({ factor: 'engagement', points: 8 });
    expect(record.scoring.breakdown.reduce((s, f) => s + f.points, 0)).toBe(record.score);
    const full: FitInput = { ...rich, phone_number: '+1 555', linkedin_url: 'https://linkedin.com/in/ana', job_title: 'CEO', estimated_value: 500_000 };
    const capped = leadScoreRecord({ ...full, heat: 40, heat_at: at }, null, at);
    expect(capped.score).toBe(100);
    expect(capped.scoring.breakdown.reduce((s, f) => s + f.points, 0)).toBe(100);
  });

  it('a learned model: 100 × its probability, drivers by log-odds against the average lead', () => {
    const model: LogisticFitModel = {
      kind: 'logistic-v1', version: 3,
      features: [{ name: 'industry=software', dimension: 'industry', value: 'software' }, { name: 'completeness' }],
      means: [0.5, 0.5], stds: [0.5, 0.25], coefficients: [1, 0.5], intercept: -0.5,
    };
    // software (x=1): (1−0.5)/0.5·1 = +1; completeness 3/6 = 0.5 → 0; z = −0.5 + 1 = 0.5 → p = 0.6225 → 62 points
    const lead = { ...blank, industry: ' Software ', email: 'a@b.example', first_name: 'A', company: 'B' };
    const { probability, contributions } = predictFit(model, leadFeatures(lead));
    expect(probability).toBeCloseTo(sigmoid(0.5), 12);
    expect(contributions).toEqual([{ feature: 'industry=software', contribution: 1 }, { feature: 'completeness', contribution: 0 }]);
    const record = leadScoreRecord({ ...lead, heat: null, heat_at: null }, model, at);
    expect(record.score).toBe(62);
    expect(record.scoring).toMatchObject({ model: 'logistic-v1', model_version: 3, fit: { version: 3, points: 62, drivers: [{ feature: 'industry=software', contribution: 1 }] } });
    expect(record.scoring.breakdown).toEqual([expect.objectContaining({ factor: 'fit_model', points: 62 })]);
  });

  it('reads employee size bands from free text', () => {
    expect(['12', '1-10', '51-200', '1,000+', '5000', null, 'many'].map(employeeBandOf)).toEqual(['11-50', '1-10', '51-200', '201-1000', '1001+', 'unknown', 'unknown']);
  });
});

describe('training and the guard', () => {
  // a synthetic organization: industry decides the outcome (software wins 9 of 10, retail 1 of 10); the rules cannot see industry
  const signal = (n: number): Outcome[] =>
    Array.from({ length: n }, (_, i) => {
      const software = i % 2 === 0;
      const won = software ? i % 20 !== 0 : i % 20 === 1;
      return { id: i + 1, won, input: { ...blank, email: `p${i}@x${i % 3}.example`, industry: software ? 'Software' : 'Retail', job_title: i % 5 === 0 ? 'CEO' : 'Analyst' } };
    });
  // noise: the outcome is a coin toss, unrelated to anything the lead carries
  const noise = (n: number): Outcome[] =>
    Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      won: coin(i + 1),
      input: { ...blank, email: `p${i}@x.example`, industry: ['Software', 'Retail', 'Finance'][i % 3]!, job_title: i % 4 === 0 ? 'CEO' : 'Analyst' },
    }));

  it('holds out a fixed quarter of leads by id', () => {
    const held = Array.from({ length: 4000 }, (_, i) => i + 1).filter(isHeldOut).length;
    expect(held / 4000).toBeGreaterThan(0.22);
    expect(held / 4000).toBeLessThan(0.28);
    expect(isHeldOut(1234)).toBe(isHeldOut(1234));
  });

  it('activates a model that learned the deciding feature, with its reasons', () => {
    const trained = trainFitModel(signal(400));
    expect(trained.status).toBe('active');
    expect(trained.metrics.model.auc!).toBeGreaterThan(0.85);
    expect(trained.metrics.model.auc!).toBeGreaterThanOrEqual(trained.metrics.rules.auc! + 0.02);
    expect(trained.decision).toMatch(/^activated: held-out AUC 0\.\d{3} against the rules' 0\.\d{3}/);
    const software = trained.parameters.features.findIndex((f) => f.name === 'industry=software');
    expect(trained.parameters.coefficients[software]!).toBeGreaterThan(1);
    expect(trained.profile.dimensions.industry.map((v) => v.value).sort()).toEqual(['retail', 'software']);
    expect(trained.trainingRows + trained.holdoutRows).toBe(400);
    expect(trained.metrics.model.calibration.reduce((s, b) => s + b.count, 0)).toBe(trained.holdoutRows);
  });

  it('rejects a model trained on noise and says why', () => {
    const trained = trainFitModel(noise(400));
    expect(trained.status).toBe('rejected');
    expect(trained.decision).toMatch(/^rejected: /);
  });

  it('the guard: the AUC floor, the margin over the rules, calibration', () => {
    const q = (aucValue: number | null, brier: number) => ({ auc: aucValue, brier, calibration: [] });
    expect(guardDecision(q(0.59, 0.1), q(0.4, 0.3))).toMatchObject({ activate: false, decision: expect.stringContaining('under 0.6') });
    expect(guardDecision(q(0.71, 0.1), q(0.7, 0.3))).toMatchObject({ activate: false, decision: expect.stringContaining('0.02 better') });
    expect(guardDecision(q(0.8, 0.31), q(0.7, 0.3))).toMatchObject({ activate: false, decision: expect.stringContaining('worse calibrated') });
    expect(guardDecision(q(null, 0.2), q(0.7, 0.3))).toMatchObject({ activate: false });
    expect(guardDecision(q(0.8, 0.2), q(0.7, 0.3))).toEqual({ activate: true, decision: "activated: held-out AUC 0.800 against the rules' 0.700, Brier 0.200 against 0.300" });
  });

  it('needs 40 closed leads, 10 won and 10 lost', () => {
    const outcomes = signal(400);
    expect(insufficiency(outcomes.slice(0, 39))).toBe('not enough outcomes: 39 of 40 leads with a closed deal');
    expect(insufficiency(outcomes.filter((o) => o.won).slice(0, 45))).toBe('not enough outcomes: 0 of 10 lost leads');
    expect(insufficiency(outcomes)).toBeNull();
  });
});

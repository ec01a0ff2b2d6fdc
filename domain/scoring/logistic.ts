// The numbers behind a learned score, in plain deterministic TypeScript:
// logistic regression fitted by Newton–Raphson (IRLS) with an L2 penalty,
// and the held-out measures a model is judged by — AUC (Mann–Whitney, ties
// counted half), Brier score and calibration bins. No randomness: the same
// rows give the same model and the same figures.
import { sigmoid } from '../leads/lead-fit-model.js';

export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  iterations: number;
  converged: boolean;
}

export interface FitOptions {
  /** L2 penalty on the coefficients (not the intercept); keeps one-hot columns of rare values from running away */
  l2?: number;
  maxIterations?: number;
  /** stop when no parameter moves by more than this */
  tolerance?: number;
}

/** Solves A x = b (A symmetric positive definite here) by Gaussian elimination with partial pivoting; A and b are copied. */
export function solveLinear(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    if (Math.abs(p) < 1e-12) throw new Error('singular system');
    for (let r = col + 1; r < n; r++) {
      const f = a[r]![col]! / p;
      if (f !== 0) for (let k = col; k <= n; k++) a[r]![k]! -= f * a[col]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r]![n]!;
    for (let k = r + 1; k < n; k++) sum -= a[r]![k]! * x[k]!;
    x[r] = sum / a[r]![r]!;
  }
  return x;
}

/**
 * The gradient of the penalised negative log-likelihood at (intercept, w):
 * [Σ(p−y), Σ(p−y)x_j + l2·w_j]. Exposed so tests can check it by hand.
 */
export function logLossGradient(rows: readonly number[][], labels: readonly number[], intercept: number, weights: readonly number[], l2: number): number[] {
  const gradient = new Array<number>(weights.length + 1).fill(0);
  rows.forEach((x, i) => {
    const residual = sigmoid(intercept + x.reduce((s, v, j) => s + v * weights[j]!, 0)) - labels[i]!;
    gradient[0]! += residual;
    x.forEach((v, j) => (gradient[j + 1]! += residual * v));
  });
  weights.forEach((w, j) => (gradient[j + 1]! += l2 * w));
  return gradient;
}

/** Fits p(y=1|x) = σ(b + w·x) to 0/1 labels by Newton steps on the penalised log-likelihood. */
export function fitLogistic(rows: readonly number[][], labels: readonly number[], options: FitOptions = {}): LogisticFit {
  const { l2 = 1, maxIterations = 50, tolerance = 1e-8 } = options;
  const d = rows[0]?.length ?? 0;
  let theta = new Array<number>(d + 1).fill(0);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const gradient = logLossGradient(rows, labels, theta[0]!, theta.slice(1), l2);
    // Hessian: Xᵀ W X over the augmented x = [1, x], W = p(1−p), plus l2 on the coefficients
    const hessian = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (const x of rows) {
      const p = sigmoid(theta[0]! + x.reduce((s, v, j) => s + v * theta[j + 1]!, 0));
      const w = Math.max(p * (1 - p), 1e-10);
      for (let a = 0; a <= d; a++) {
        const xa = a === 0 ? 1 : x[a - 1]!;
        if (xa === 0) continue;
        for (let b = a; b <= d; b++) {
          const xb = b === 0 ? 1 : x[b - 1]!;
          hessian[a]![b]! += w * xa * xb;
        }
      }
    }
    for (let a = 0; a <= d; a++) {
      for (let b = 0; b < a; b++) hessian[a]![b] = hessian[b]![a]!;
      if (a > 0) hessian[a]![a]! += l2;
    }
    const step = solveLinear(hessian, gradient);
    theta = theta.map((t, i) => t - step[i]!);
    if (Math.max(...step.map(Math.abs)) < tolerance) return { intercept: theta[0]!, coefficients: theta.slice(1), iterations: iteration, converged: true };
  }
  return { intercept: theta[0]!, coefficients: theta.slice(1), iterations: maxIterations, converged: false };
}

/**
 * Area under the ROC curve: the chance that a random positive ranks above a
 * random negative, ties counting half (Mann–Whitney U from average ranks).
 * null without both classes.
 */
export function auc(scores: readonly number[], labels: readonly number[]): number | null {
  const positives = labels.filter((y) => y === 1).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = scores.map((s, i) => ({ s, y: labels[i]! })).sort((a, b) => a.s - b.s);
  let rankSumPositives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]!.s === order[i]!.s) j++;
    // ranks i+1 .. j share their average
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k]!.y === 1) rankSumPositives += averageRank;
    i = j;
  }
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared difference between predicted probability and outcome (0 is perfect; always 0.25 scores 0.25). */
export function brierScore(probabilities: readonly number[], labels: readonly number[]): number {
  if (probabilities.length === 0) return 0;
  return probabilities.reduce((sum, p, i) => sum + (p - labels[i]!) ** 2, 0) / probabilities.length;
}

export interface CalibrationBin {
  /** predictions in [from, to) (the last bin includes 1) */
  from: number;
  to: number;
  count: number;
  /** mean prediction in the bin; null when empty */
  predicted: number | null;
  /** share of positives in the bin; null when empty */
  observed: number | null;
}

/** Predictions cut into `bins` equal-width bins, each with its mean prediction and observed rate: a calibrated model has them close. */
export function calibrationBins(probabilities: readonly number[], labels: readonly number[], bins = 10): CalibrationBin[] {
  const result = Array.from({ length: bins }, (_, b) => ({ from: b / bins, to: (b + 1) / bins, count: 0, sum: 0, positives: 0 }));
  probabilities.forEach((p, i) => {
    const bin = result[Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))]!;
    bin.count++;
    bin.sum += p;
    bin.positives += labels[i]!;
  });
  const round = (x: number) => Math.round(x * 10000) / 10000;
  return result.map(({ from, to, count, sum, positives }) => ({
    from: round(from),
    to: round(to),
    count,
    predicted: count === 0 ? null : round(sum / count),
    observed: count === 0 ? null : round(positives / count),
  }));
}

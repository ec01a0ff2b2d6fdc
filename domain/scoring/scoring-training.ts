// Training an organization's fit model (docs/scoring.md): its leads with a
// closed deal are the examples (won: any of its deals reached a won stage),
// split deterministically by lead id into training (3/4) and held-out (1/4)
// parts. The ideal profile counts, per dimension, how often each value
// occurs among won and among all closed leads; its common values become
// one-hot features beside the numeric ones, all standardised on the
// training part. A logistic regression is fitted on the training part and
// judged on the held-out part against the rules model (its points read as a
// probability): AUC, Brier score, calibration bins. The guard activates it
// only when it ranks clearly better and is not worse calibrated; otherwise
// it is stored as rejected, with the reason, and the fit stays as it was.
import type pg from 'pg';
import { createJob, readJobState, setJobResult, type JobRef } from '../jobs/job.service.js';
import {
  FIT_DIMENSIONS,
  featureValues,
  leadFeatures,
  LOGISTIC_MODEL_KIND,
  NUMERIC_FEATURES,
  sigmoid,
  type FeatureSpec,
  type FitDimension,
  type FitInput,
  type LeadFeatures,
  type LogisticFitModel,
} from '../leads/lead-fit-model.js';
import { countLeads, fitInputOf, LEAD_FIT_COLUMNS, LEAD_FIT_FROM } from '../leads/lead-score.service.js';
import { scoreLead } from '../leads/lead-scoring.js';
import type { Database } from '../platform/db.js';
import { transaction } from '../platform/transaction.js';
import { auc, brierScore, calibrationBins, fitLogistic } from './logistic.js';

/** Enough outcomes to learn from: leads with a closed deal, and of them won and lost. */
export const MIN_CLOSED_LEADS = 40;
export const MIN_WON_LEADS = 10;
export const MIN_LOST_LEADS = 10;
/** The guard: a model replaces the rules only with a held-out AUC at least this much above theirs ... */
export const GUARD_AUC_MARGIN = 0.02;
/** ... and at least this (0.5 is a coin toss), with a Brier score no worse. */
export const GUARD_MIN_AUC = 0.6;
/** A dimension's value becomes a feature when this many training leads have it ... */
const MIN_VALUE_SUPPORT = 5;
/** ... for its most common values only. */
const MAX_VALUES_PER_DIMENSION = 8;
const L2_PENALTY = 1;

export interface Outcome {
  id: number;
  input: FitInput;
  won: boolean;
}

/**
 * Whether a lead is held out: a fixed quarter of ids by Fibonacci hashing
 * (the top two bits of id × 2^32/φ; the low bits of a product follow the
 * id's own low bits, so `% 4` would hold out every fourth id), so a lead
 * stays on its side across trainings.
 */
export const isHeldOut = (leadId: number) => Math.imul(leadId, 0x9e3779b1) >>> 30 === 0;

export interface ProfileValue {
  value: string;
  closed: number;
  won: number;
  win_rate: number;
}

export interface IdealProfile {
  closed: number;
  won: number;
  base_rate: number;
  /** per dimension, its values by how many closed leads have them */
  dimensions: Record<FitDimension, ProfileValue[]>;
}

const round4 = (x: number) => Math.round(x * 10000) / 10000;

/** How common each dimension's values are among won and among all closed leads. */
export function idealProfile(examples: readonly { features: LeadFeatures; won: boolean }[]): IdealProfile {
  const won = examples.filter((e) => e.won).length;
  const dimensions = Object.fromEntries(
    FIT_DIMENSIONS.map((dimension) => {
      const counts = new Map<string, { closed: number; won: number }>();
      for (const e of examples) {
        const value = e.features.categories[dimension];
        const count = counts.get(value) ?? { closed: 0, won: 0 };
        count.closed++;
        if (e.won) count.won++;
        counts.set(value, count);
      }
      const values = [...counts]
        .map(([value, c]) => ({ value, closed: c.closed, won: c.won, win_rate: round4(c.won / c.closed) }))
        .sort((a, b) => b.closed - a.closed || a.value.localeCompare(b.value));
      return [dimension, values];
    }),
  ) as Record<FitDimension, ProfileValue[]>;
  return { closed: examples.length, won, base_rate: examples.length === 0 ? 0 : round4(won / examples.length), dimensions };
}

/** The model's inputs: each dimension's common values (one-hot; "unknown" is the baseline), then the numeric features. */
export function chooseFeatures(profile: IdealProfile): FeatureSpec[] {
  const categorical = FIT_DIMENSIONS.flatMap((dimension) =>
    profile.dimensions[dimension]
      .filter((v) => v.value !== 'unknown' && v.closed >= MIN_VALUE_SUPPORT)
      .slice(0, MAX_VALUES_PER_DIMENSION)
      .map((v) => ({ name: `${dimension}=${v.value}`, dimension, value: v.value })),
  );
  return [...categorical, ...NUMERIC_FEATURES.map((name) => ({ name }))];
}

export interface HeldOutQuality {
  auc: number | null;
  brier: number;
  calibration: ReturnType<typeof calibrationBins>;
}

const qualityOf = (probabilities: number[], labels: number[]): HeldOutQuality => ({
  auc: (() => {
    const value = auc(probabilities, labels);
    return value === null ? null : round4(value);
  })(),
  brier: round4(brierScore(probabilities, labels)),
  calibration: calibrationBins(probabilities, labels, 10),
});

export interface TrainingOutcome {
  status: 'active' | 'rejected';
  decision: string;
  profile: IdealProfile;
  parameters: Omit<LogisticFitModel, 'version'> & { iterations: number; converged: boolean };
  metrics: { model: HeldOutQuality; rules: HeldOutQuality; holdout: { rows: number; won: number }; training: { rows: number; won: number } };
  trainingRows: number;
  holdoutRows: number;
}

/** The guard's verdict in words. */
export function guardDecision(model: HeldOutQuality, rules: HeldOutQuality): { activate: boolean; decision: string } {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  const figures = `held-out AUC ${f(model.auc)} against the rules' ${f(rules.auc)}, Brier ${f(model.brier)} against ${f(rules.brier)}`;
  if (model.auc === null || rules.auc === null) return { activate: false, decision: `rejected: the held-out part lacks won or lost leads to judge by (${figures})` };
  if (model.auc < GUARD_MIN_AUC) {
    return { activate: false, decision: `rejected: ${figures}; an AUC under ${GUARD_MIN_AUC} means the lead's features barely separate won from lost, the rules stay` };
  }
  if (model.auc < rules.auc + GUARD_AUC_MARGIN) {
    return { activate: false, decision: `rejected: ${figures}; it must rank at least ${GUARD_AUC_MARGIN} better than the rules to replace them` };
  }
  if (model.brier > rules.brier) return { activate: false, decision: `rejected: ${figures}; its probabilities are worse calibrated than the rules'` };
  return { activate: true, decision: `activated: ${figures}` };
}

/** Trains and judges a model on these outcomes (at least one of each class in the training part). Pure. */
export function trainFitModel(outcomes: readonly Outcome[]): TrainingOutcome {
  const examples = outcomes.map((o) => ({ id: o.id, input: o.input, features: leadFeatures(o.input), won: o.won }));
  const training = examples.filter((e) => !isHeldOut(e.id));
  const holdout = examples.filter((e) => isHeldOut(e.id));
  const profile = idealProfile(examples);
  const candidates = chooseFeatures(idealProfile(training));
  const raw = training.map((e) => featureValues(candidates, e.features));
  const means = candidates.map((_, j) => raw.reduce((s, x) => s + x[j]!, 0) / Math.max(1, raw.length));
  const stds = candidates.map((_, j) => Math.sqrt(raw.reduce((s, x) => s + (x[j]! - means[j]!) ** 2, 0) / Math.max(1, raw.length)));
  // a feature constant over the training part carries nothing
  const kept = candidates.map((_, j) => j).filter((j) => stds[j]! > 1e-9);
  const features = kept.map((j) => candidates[j]!);
  const standardise = (x: number[]) => kept.map((j) => (x[j]! - means[j]!) / stds[j]!);
  const labels = training.map((e) => (e.won ? 1 : 0));
  const fit = fitLogistic(raw.map(standardise), labels, { l2: L2_PENALTY });
  const parameters = {
    kind: LOGISTIC_MODEL_KIND as typeof LOGISTIC_MODEL_KIND,
    features,
    means: kept.map((j) => means[j]!),
    stds: kept.map((j) => stds[j]!),
    coefficients: fit.coefficients,
    intercept: fit.intercept,
    iterations: fit.iterations,
    converged: fit.converged,
  };
  const heldOutLabels = holdout.map((e) => (e.won ? 1 : 0));
  const modelProbabilities = holdout.map((e) => sigmoid(fit.intercept + standardise(featureValues(candidates, e.features)).reduce((s, v, j) => s + v * fit.coefficients[j]!, 0)));
  const rulesProbabilities = holdout.map((e) => scoreLead(e.input).score / 100);
  const model = qualityOf(modelProbabilities, heldOutLabels);
  const rules = qualityOf(rulesProbabilities, heldOutLabels);
  const { activate, decision } = guardDecision(model, rules);
  return {
    status: activate ? 'active' : 'rejected',
    decision,
    profile,
    parameters,
    metrics: {
      model,
      rules,
      holdout: { rows: holdout.length, won: heldOutLabels.filter((y) => y === 1).length },
      training: { rows: training.length, won: labels.filter((y) => y === 1).length },
    },
    trainingRows: training.length,
    holdoutRows: holdout.length,
  };
}

/** The organization's leads with a closed deal and whether any of their deals was won. */
async function loadOutcomes(client: pg.PoolClient, orgId: number): Promise<Outcome[]> {
  const { rows } = await client.query<FitInput & { id: number; estimated_value: string | null; won: boolean }>(
    `SELECT ${LEAD_FIT_COLUMNS}, o.won
       FROM ${LEAD_FIT_FROM}
       JOIN (SELECT d.lead_id, bool_or(s.is_won) AS won
               FROM deals d JOIN stages s ON s.id = d.stage_id
              WHERE d.org_id = $1 AND (s.is_won OR s.is_lost)
              GROUP BY d.lead_id) o ON o.lead_id = l.id
      WHERE l.org_id = $1
      ORDER BY l.id`,
    [orgId],
  );
  return rows.map(({ won, ...row }) => {
    const input = fitInputOf<FitInput & { id: number }>(row);
    return { id: row.id, input, won };
  });
}

export type TrainingResult =
  | { skipped: string; closed: number; won: number; lost: number }
  | { model_version: number; status: 'active' | 'rejected'; decision: string; model_auc: number | null; rules_auc: number | null; rescore_job_id: number | null };

/** Whether these outcomes are enough to learn from; the reason in words when not. */
export function insufficiency(outcomes: readonly Outcome[]): string | null {
  const won = outcomes.filter((o) => o.won).length;
  const lost = outcomes.length - won;
  if (outcomes.length < MIN_CLOSED_LEADS) return `not enough outcomes: ${outcomes.length} of ${MIN_CLOSED_LEADS} leads with a closed deal`;
  if (won < MIN_WON_LEADS) return `not enough outcomes: ${won} of ${MIN_WON_LEADS} won leads`;
  if (lost < MIN_LOST_LEADS) return `not enough outcomes: ${lost} of ${MIN_LOST_LEADS} lost leads`;
  return null;
}

/**
 * The scoring_train job's work, in one transaction: trains on the
 * organization's outcomes and stores the model (version + 1), activating it
 * when the guard allows — which retires the previous active model and starts
 * a lead_rescore job. Idempotent per job: a retried activity finds the model
 * its first attempt stored. The job's result says what happened.
 */
export async function trainScoringModel(db: Database, ref: JobRef, createdBy: number | null): Promise<TrainingResult> {
  return transaction(db.pool, { actorId: null }, async (client) => {
    // one training per organization at a time decides version numbers and the active model
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('scoring_models'), $1)`, [ref.orgId]);
    const job = await readJobState(client, ref, true);
    if (!job) throw new Error(`scoring_train job ${ref.jobId} of organization ${ref.orgId} is gone`);
    if ('status' in job.result || 'skipped' in job.result) return job.result as TrainingResult;
    const outcomes = await loadOutcomes(client, ref.orgId);
    const reason = insufficiency(outcomes);
    const won = outcomes.filter((o) => o.won).length;
    let result: TrainingResult;
    if (reason) {
      result = { skipped: reason, closed: outcomes.length, won, lost: outcomes.length - won };
    } else {
      const trained = trainFitModel(outcomes);
      if (trained.status === 'active') {
        await client.query(`UPDATE scoring_models SET status = 'retired' WHERE org_id = $1 AND status = 'active'`, [ref.orgId]);
      }
      const { rows } = await client.query<{ version: number }>(
        `INSERT INTO scoring_models (org_id, kind, version, status, profile, parameters, metrics, training_rows, holdout_rows, decision, job_id)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10 FROM scoring_models WHERE org_id = $1
         RETURNING version`,
        [
          ref.orgId, LOGISTIC_MODEL_KIND, trained.status, JSON.stringify(trained.profile), JSON.stringify(trained.parameters),
          JSON.stringify(trained.metrics), trained.trainingRows, trained.holdoutRows, trained.decision, ref.jobId,
        ],
      );
      const version = rows[0]!.version;
      const rescore =
        trained.status === 'active'
          ? await createJob(client, { orgId: ref.orgId, userId: createdBy }, {
              type: 'lead_rescore',
              params: { reason: `model v${version} activated` },
              total: await countLeads(client, ref.orgId),
            })
          : null;
      result = {
        model_version: version,
        status: trained.status,
        decision: trained.decision,
        model_auc: trained.metrics.model.auc,
        rules_auc: trained.metrics.rules.auc,
        rescore_job_id: rescore?.id ?? null,
      };
    }
    await setJobResult(client, ref, result);
    return result;
  });
}

// The scoring model as the scoring endpoints show it (domain/scoring/scoring-model.service.ts).
import { z } from '@hono/zod-openapi';

const quality = z.object({
  auc: z.number().nullable().openapi({ description: 'Held-out AUC: the chance a won lead ranks above a lost one (0.5 is a coin toss)' }),
  brier: z.number().openapi({ description: 'Held-out Brier score: mean squared error of the win probability (lower is better)' }),
  calibration: z
    .array(z.object({ from: z.number(), to: z.number(), count: z.number().int(), predicted: z.number().nullable(), observed: z.number().nullable() }))
    .openapi({ description: 'Ten bins of predicted probability: mean prediction against the share actually won' }),
});

const profileValue = z.object({ value: z.string(), closed: z.number().int(), won: z.number().int(), win_rate: z.number() });

export const scoringModelSchema = z
  .object({
    version: z.number().int(),
    kind: z.string().openapi({ example: 'logistic-v1' }),
    status: z.enum(['trained', 'rejected', 'active', 'retired']),
    decision: z.string().nullable().openapi({ description: 'Why the guard activated or rejected it, in words' }),
    trained_at: z.string(),
    training_rows: z.number().int(),
    holdout_rows: z.number().int(),
    job_id: z.number().int().nullable(),
    metrics: z
      .object({ model: quality, rules: quality, holdout: z.object({ rows: z.number().int(), won: z.number().int() }), training: z.object({ rows: z.number().int(), won: z.number().int() }) })
      .partial()
      .openapi({ description: 'Held-out quality of the model and of the rules it competed with' }),
    intercept: z.number().nullable(),
    features: z.array(z.object({ name: z.string(), coefficient: z.number() })).openapi({ description: 'Each input (standardised) and its coefficient in log-odds' }),
    profile: z
      .object({ closed: z.number().int(), won: z.number().int(), base_rate: z.number(), dimensions: z.record(z.string(), z.array(profileValue)) })
      .openapi({ description: 'The ideal profile from closed deals: per dimension, its most common values with won/closed counts' }),
  })
  .openapi('ScoringModel');

export const scoringOverviewSchema = z
  .object({
    fit_model: z.string().openapi({ description: 'What computes the fit part now: rules-v1, or the active learned model', example: 'rules-v1' }),
    active: scoringModelSchema.nullable().openapi({ description: 'The active learned model; null while the rules decide the fit' }),
    latest: scoringModelSchema.nullable().openapi({ description: 'The most recently trained model, whatever the guard decided' }),
    engagement: z.object({ points_cap: z.number().int(), full_heat: z.number(), half_life_days: z.number() }),
    training: z.object({
      min_closed_leads: z.number().int(),
      min_won_leads: z.number().int(),
      min_lost_leads: z.number().int(),
      guard_auc_margin: z.number(),
      guard_min_auc: z.number(),
    }),
  })
  .openapi('ScoringOverview');

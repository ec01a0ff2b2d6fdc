// Request and response shapes of forecasting (§6.7) and its runs and schedule (beyond the spec).
import { z } from '@hono/zod-openapi';
import { RISK_REASONS } from '../../../domain/forecasting/forecast-report.service.js';
import { boundedIntParam, limitParam, pageParam, recordIdParam } from '../../openapi/params.js';

const pipelineIdQuery = recordIdParam.optional().openapi({ description: 'Only deals of this pipeline' });

export const factorSchema = z
  .object({
    factor: z.enum(['history', 'stage_age', 'engagement', 'deal_size', 'bounds']),
    effect: z.number().openapi({ description: 'Signed probability points (0.05 = 5 points) this factor moved the win probability', example: -0.05 }),
    reason: z.string().openapi({ example: 'no intent signal, reply or meeting from the lead in the last 30 days' }),
  })
  .openapi('ForecastFactor');

const snapshotFields = {
  snapshot_date: z.string().openapi({ description: "The organization's day the forecast stands for", example: '2026-12-06' }),
  win_probability: z.number().openapi({ example: 0.55 }),
  expected_close_date: z.string().openapi({ example: '2026-12-20' }),
  value: z.number(),
  weighted_value: z.number().openapi({ description: 'value × win_probability' }),
  category: z.enum(['commit', 'best_case', 'pipeline', 'omitted']),
  stage_id: z.number().int(),
  factors: z.array(factorSchema),
  job_id: z.number().int().nullable().openapi({ description: 'The forecast_run job that took the snapshot; null when computed on read' }),
  computed_at: z.string(),
};

export const dealForecastSchema = z
  .object({
    deal_id: z.number().int(),
    title: z.string(),
    pipeline_id: z.number().int(),
    stage_name: z.string(),
    status: z.enum(['open', 'won', 'lost']),
    source: z.enum(['snapshot', 'live']).openapi({ description: 'snapshot: the latest stored one; live: computed now, no run has reached the deal yet' }),
    ...snapshotFields,
    trend: z.object({
      change_7d: z.number().nullable().openapi({ description: 'win_probability minus that of the snapshot 7 days earlier (or the last before)' }),
      change_30d: z.number().nullable(),
      direction: z.enum(['up', 'down', 'flat']).nullable(),
      summary: z.string(),
    }),
  })
  .openapi('DealForecast');

export const dealForecastSnapshotSchema = z.object(snapshotFields).openapi('DealForecastSnapshot');

export const historyQuery = z.object({ limit: limitParam(365, 30) });

export const pipelineForecastQuery = z.object({
  period: z.enum(['monthly', 'quarterly']).default('monthly'),
  months: boundedIntParam(1, 24).default(3).openapi({ description: 'Months ahead from the current one; quarterly answers ceil(months / 3) quarters' }),
  pipeline_id: pipelineIdQuery,
});

export const pipelineForecastSchema = z
  .object({
    period: z.enum(['monthly', 'quarterly']),
    pipeline_id: z.number().int().nullable(),
    periods: z.array(
      z.object({
        period: z.string().openapi({ example: '2026-12' }),
        start: z.string(),
        end: z.string(),
        committed: z.number().openapi({ description: 'Value of open deals at ≥ 70% expected to close in the period' }),
        best_case: z.number().openapi({ description: 'Value of open deals at ≥ 40% (commit included) expected to close in the period' }),
        weighted: z.number().openapi({ description: 'Σ value × win probability of open deals expected to close in the period' }),
        deal_count: z.number().int(),
        closed_won: z.number().openapi({ description: 'Value won in the period so far' }),
        closed_won_count: z.number().int(),
      }),
    ),
  })
  .openapi('PipelineForecast');

export const contributorsQuery = z.object({
  pipeline_id: pipelineIdQuery,
  period_month: z
    .string()
    // years PostgreSQL dates and a forecast can mean (0000 is no year to it)
    .regex(/^(19|20|21)\d{2}-(0[1-9]|1[0-2])$/, 'period_month must be YYYY-MM, a month of 1900 to 2199')
    .optional()
    .openapi({ description: 'The month (YYYY-MM); default the current one', example: '2026-12' }),
  page: pageParam,
  limit: limitParam(),
});

export const contributorSchema = z
  .object({
    deal_id: z.number().int(),
    title: z.string(),
    pipeline_id: z.number().int(),
    stage_id: z.number().int(),
    stage_name: z.string(),
    value: z.number(),
    win_probability: z.number(),
    weighted_value: z.number(),
    category: z.enum(['commit', 'best_case', 'pipeline']),
    expected_close_date: z.string(),
    source: z.enum(['snapshot', 'stage']).openapi({ description: "snapshot: the deal's latest snapshot; stage: no run reached it yet, its stage probability and own close date" }),
    snapshot_date: z.string().nullable(),
    owner_id: z.number().int().nullable(),
    owner_name: z.string().nullable(),
  })
  .openapi('ForecastContributor');

export const atRiskQuery = z.object({
  status: z
    .enum(['all', ...RISK_REASONS])
    .default('all')
    .openapi({ description: 'all: deals with any risk reason; or only those with this one' }),
  owner: z.enum(['me', 'all']).default('all').openapi({ description: "me: deals whose lead is assigned to the caller (or, unassigned, that the caller created)" }),
  pipeline_id: pipelineIdQuery,
  limit: limitParam(100, 20),
});

export const atRiskSchema = z
  .object({
    deal_id: z.number().int(),
    title: z.string(),
    pipeline_id: z.number().int(),
    stage_name: z.string(),
    value: z.number(),
    owner_id: z.number().int().nullable(),
    expected_close_date: z.string(),
    win_probability: z.number().nullable().openapi({ description: 'From the latest snapshot; null when no run reached the deal yet' }),
    reasons: z.array(z.object({ reason: z.enum(RISK_REASONS), detail: z.string() })).min(1),
  })
  .openapi('AtRiskDeal');

export const accuracyQuery = z.object({
  months: boundedIntParam(1, 24).default(6).openapi({ description: 'Past complete months to report' }),
  pipeline_id: pipelineIdQuery,
  format: z.enum(['json', 'csv']).default('json'),
});

export const accuracySchema = z
  .object({
    months: z.array(
      z.object({
        month: z.string().openapi({ example: '2026-11' }),
        snapshot_date: z.string().nullable().openapi({ description: 'The snapshot taken at the start of the month (first in it, or last before); null: none' }),
        forecast: z.number().nullable().openapi({ description: 'Weighted value the snapshot expected to close in the month' }),
        actual: z.number().openapi({ description: 'Value won in the month' }),
        error: z.number().nullable().openapi({ description: 'forecast − actual (positive: too high)' }),
        abs_pct_error: z.number().nullable(),
      }),
    ),
    mape: z.number().nullable().openapi({ description: 'Mean absolute percentage error over months with a forecast and something won' }),
    bias: z.number().nullable().openapi({ description: 'Mean signed error (money) over months with a forecast; positive = over-forecast' }),
    bias_percent: z.number().nullable(),
    months_compared: z.number().int(),
    summary: z.string().openapi({ example: 'Forecasts were 12% too high on average over 6 months; a month\'s forecast was off by 15% on average (MAPE).' }),
  })
  .openapi('ForecastAccuracy');

export const forecastSettingsSchema = z
  .object({
    run_at: z.string().openapi({ example: '02:00' }),
    paused: z.boolean(),
    timezone: z.string().openapi({ description: "The organization's time zone, in which run_at is read", example: 'Europe/Berlin' }),
    schedule_id: z.string().openapi({ example: 'forecast:org_3kq9' }),
    stored: z.boolean().openapi({ description: 'false: nothing stored yet, the defaults are shown' }),
    updated_at: z.string().nullable(),
  })
  .openapi('ForecastSettings');

export const forecastSettingsBody = z
  .object({
    run_at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'run_at must be HH:MM, 00:00 to 23:59')
      .optional()
      .openapi({ description: "Local time of the daily run in the organization's time zone", example: '02:00' }),
    paused: z.boolean().optional(),
  })
  .strict()
  .openapi('ForecastSettingsRequest');

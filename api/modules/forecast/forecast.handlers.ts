import type { RouteHandler } from '@hono/zod-openapi';
import { accuracyCsv, forecastAccuracy } from '../../../domain/forecasting/forecast-accuracy.js';
import { atRiskDeals, dealForecastHistory, getDealForecast, pipelineContributors, pipelineForecast } from '../../../domain/forecasting/forecast-report.service.js';
import { requestForecastRun } from '../../../domain/forecasting/forecast-run.service.js';
import { getForecastSettings, saveForecastSettings } from '../../../domain/forecasting/forecast-settings.js';
import { presentJob } from '../../../domain/jobs/job.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import { attachmentDisposition } from '../../openapi/uploads.js';
import type {
  atRiskRoute,
  dealForecastHistoryRoute,
  dealForecastRoute,
  forecastAccuracyRoute,
  getForecastSettingsRoute,
  pipelineContributorsRoute,
  pipelineForecastRoute,
  putForecastSettingsRoute,
  startForecastRunRoute,
} from './forecast.routes.js';

export const dealForecastHandler: RouteHandler<typeof dealForecastRoute, AppEnv> = async (c) =>
  ok(c, await getDealForecast(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Deal forecast retrieved');

export const dealForecastHistoryHandler: RouteHandler<typeof dealForecastHistoryRoute, AppEnv> = async (c) =>
  ok(c, await dealForecastHistory(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('query').limit), 'Deal forecast history retrieved');

export const pipelineForecastHandler: RouteHandler<typeof pipelineForecastRoute, AppEnv> = async (c) =>
  ok(c, await pipelineForecast(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Pipeline forecast retrieved');

export const pipelineContributorsHandler: RouteHandler<typeof pipelineContributorsRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const { rows, total } = await pipelineContributors(c.var.deps.database, c.var.auth, query);
  return okList(c, { data: rows, total, page: query.page, limit: query.limit }, 'Forecast contributors retrieved');
};

export const atRiskHandler: RouteHandler<typeof atRiskRoute, AppEnv> = async (c) =>
  ok(c, await atRiskDeals(c.var.deps.database, c.var.auth, c.req.valid('query')), 'At-risk deals retrieved');

export const forecastAccuracyHandler: RouteHandler<typeof forecastAccuracyRoute, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const report = await forecastAccuracy(c.var.deps.database, c.var.auth, query);
  if (query.format === 'json') return ok(c, report, 'Forecast accuracy retrieved');
  return c.body(accuracyCsv(report), 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': attachmentDisposition(`forecast-accuracy-${query.months}m.csv`),
    'X-Content-Type-Options': 'nosniff',
  });
};

export const startForecastRunHandler: RouteHandler<typeof startForecastRunRoute, AppEnv> = async (c) =>
  ok(c, presentJob(await requestForecastRun(c.var.deps.database, c.var.auth)), 'Forecast run started', 202);

export const getForecastSettingsHandler: RouteHandler<typeof getForecastSettingsRoute, AppEnv> = async (c) =>
  ok(c, await getForecastSettings(c.var.deps.database, c.var.auth), 'Forecast settings retrieved');

export const putForecastSettingsHandler: RouteHandler<typeof putForecastSettingsRoute, AppEnv> = async (c) =>
  ok(c, await saveForecastSettings(c.var.deps.database, c.var.auth, c.req.valid('json')), 'Forecast settings saved');

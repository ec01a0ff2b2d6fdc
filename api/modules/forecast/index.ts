// Forecasting (§6.7): deal forecasts and their history, the pipeline
// forecast and its contributors, at-risk deals, accuracy; beyond the spec,
// on-demand forecast runs and the daily schedule's settings.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './forecast.handlers.js';
import * as routes from './forecast.routes.js';

export function mountForecast(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'dealForecastHistory',
    'dealForecast',
    'pipelineContributors',
    'pipelineForecast',
    'atRisk',
    'forecastAccuracy',
    'startForecastRun',
    'getForecastSettings',
    'putForecastSettings',
  ]);
}

import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { jobSchema } from '../jobs/job.schemas.js';
import {
  accuracyQuery,
  accuracySchema,
  atRiskQuery,
  atRiskSchema,
  contributorSchema,
  contributorsQuery,
  dealForecastSchema,
  dealForecastSnapshotSchema,
  forecastSettingsBody,
  forecastSettingsSchema,
  historyQuery,
  pipelineForecastQuery,
  pipelineForecastSchema,
} from './forecast.schemas.js';
import { z } from '@hono/zod-openapi';

const tags = ['Forecasting'];

export const dealForecastRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/forecast/deal/{id}',
  tags,
  summary: 'Latest deal forecast and trend',
  description:
    "The deal's latest forecast — win probability, expected close, category, and the factors that moved it from the stage's probability, " +
    'each with its effect in probability points and the reason in words — and its trend against the snapshots of 7 and 30 days before. ' +
    'source is snapshot (the latest stored by a forecast run) or live (computed now: no run has reached the deal yet). docs/forecasting.md.',
  request: { params: idParam },
  responses: { 200: { description: 'The forecast', content: jsonContent(okEnvelope(dealForecastSchema)) } },
});

export const dealForecastHistoryRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/forecast/deal/{id}/history',
  tags,
  summary: 'Deal forecast history',
  description: "The deal's stored daily snapshots, newest first; limit 1..365 (default 30).",
  request: { params: idParam, query: historyQuery },
  responses: { 200: { description: 'The snapshots', content: jsonContent(okEnvelope(z.array(dealForecastSnapshotSchema))) } },
});

export const pipelineForecastRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/forecast/pipeline',
  tags,
  summary: 'Pipeline forecast',
  description:
    "Per period from the current one (the organization's calendar): committed, best case and weighted amounts of the open deals expected " +
    'to close in it (their latest snapshot; a deal no run reached yet counts at its stage probability and own close date; a close date ' +
    'before the current period counts in it), the deal count, and what was won in the period so far.',
  request: { query: pipelineForecastQuery },
  responses: { 200: { description: 'The forecast per period', content: jsonContent(okEnvelope(pipelineForecastSchema)) } },
});

export const pipelineContributorsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/forecast/pipeline/contributors',
  tags,
  summary: 'Deal-level breakdown of a month',
  description: 'The open deals expected to close in period_month (default the current month), largest weighted value first, paged (§5).',
  request: { query: contributorsQuery },
  responses: { 200: { description: 'A page of deals', content: jsonContent(listEnvelope(contributorSchema)) } },
});

export const atRiskRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/forecast/at-risk',
  tags,
  summary: 'At-risk deals',
  description:
    'Open deals at risk, each with every reason that holds: overdue_in_stage (longer in its stage than max_days_in_stage), ' +
    'close_date_passed, no_engagement (no intent signal nor meeting from the lead for 21 days), probability_drop (10 points or more ' +
    'below the snapshot of a week ago). status all (default) or one reason; most reasons first, then largest value; limit 1..100 (default 20).',
  request: { query: atRiskQuery },
  responses: { 200: { description: 'The deals', content: jsonContent(okEnvelope(z.array(atRiskSchema))) } },
});

export const forecastAccuracyRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/forecast/accuracy',
  tags,
  summary: 'Forecast accuracy report',
  description:
    'For each of the last `months` complete months: the weighted forecast of the snapshot taken at its start (first in the month, or last ' +
    'before) for deals expected to close in it, against the value won in it; error, absolute percentage error, MAPE, bias (positive = ' +
    'over-forecast) and a summary in words. format=csv answers the same as a CSV download (cells starting with = + - @ prefixed with \').',
  request: { query: accuracyQuery },
  responses: {
    200: {
      description: 'The report (JSON, or CSV with format=csv)',
      content: { ...jsonContent(okEnvelope(accuracySchema)), 'text/csv': { schema: z.string() } },
    },
  },
});

export const startForecastRunRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/forecast/runs',
  tags,
  summary: 'Start a forecast run now (beyond the spec)',
  description:
    "Admins only. Snapshots every open deal's forecast as a forecast_run job (the same job the daily schedule starts): 202 with the job; " +
    'follow, pause, resume or cancel it through /api/jobs/{id}. 409 (forecast_run_in_progress) while another run is queued, running or paused. ' +
    "A second run on the same day replaces that day's snapshots.",
  responses: {
    202: { description: 'The job, queued', content: jsonContent(okEnvelope(jobSchema)) },
    409: errorResponse('A forecast run is already in progress'),
  },
});

export const getForecastSettingsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/forecast/settings',
  tags,
  summary: 'Forecast schedule (beyond the spec)',
  description: "The daily forecast run's local time (the organization's time zone) and whether it is paused; schedule_id names its Temporal Schedule.",
  responses: { 200: { description: 'The settings', content: jsonContent(okEnvelope(forecastSettingsSchema)) } },
});

export const putForecastSettingsRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/forecast/settings',
  tags,
  summary: 'Change the forecast schedule (beyond the spec)',
  description:
    "Admins only. Stores run_at and/or paused; within seconds the organization's Temporal Schedule forecast:<organization id> follows " +
    '(a pause made by hand in the Temporal UI is replaced by the stored state at the next change).',
  request: { body: { required: true, content: jsonContent(forecastSettingsBody) } },
  responses: { 200: { description: 'The stored settings', content: jsonContent(okEnvelope(forecastSettingsSchema)) } },
});

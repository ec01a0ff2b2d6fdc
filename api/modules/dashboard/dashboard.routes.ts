import { z } from '@hono/zod-openapi';
import {
  AGING_BUCKETS,
  DAILY_SERIES_MAX_DAYS,
  DEFAULT_SERIES_DAYS,
  MAX_SERIES_DAYS,
  TOP_ACCOUNTS_DEFAULT,
  TOP_ACCOUNTS_MAX,
  TOP_ASSIGNEES,
} from '../../../domain/analytics/dashboard.service.js';
import { jsonContent, okEnvelope } from '../../openapi/envelopes.js';
import { dateBound, limitParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';

const count = z.number().int();
const amount = z.number().openapi({ description: 'Sum of deal values' });

const dateRangeQuery = z.object({
  start_date: dateBound.optional().openapi({ description: 'Created on or after (YYYY-MM-DD = from the start of that UTC day)' }),
  end_date: dateBound.optional().openapi({ description: 'Created on or before (YYYY-MM-DD = to the end of that UTC day); not before start_date' }),
});

const periodSchema = z
  .object({
    start_date: z.string().nullable().openapi({ example: '2026-06-01' }),
    end_date: z.string().nullable().openapi({ example: '2026-06-30' }),
  })
  .openapi('DashboardPeriod', { description: 'The date range as given (null: unbounded)' });

const recordCountsSchema = z.object({ total: count, new_in_period: count });

const overviewSchema = z
  .object({
    period: periodSchema,
    leads: z.object({
      total: count.openapi({ description: 'All leads of the organization, whatever the range' }),
      new_in_period: count.openapi({ description: 'Leads created in the range' }),
      average_score: z.number().nullable().openapi({ description: 'Of the leads created in the range (two decimals); null without leads' }),
      by_status: z
        .array(z.object({ status: count, status_text: z.string().nullable(), count }))
        .openapi({ description: "Leads created in the range per status: every status lookup (0 when none), then codes without a lookup" }),
      by_lead_source: z
        .array(z.object({ lead_source: count.nullable(), lead_source_text: z.string().nullable(), count }))
        .openapi({ description: 'Leads created in the range per source; lead_source null counts leads without a source' }),
    }),
    deals: z
      .object({
        count,
        open_count: count,
        open_value: amount,
        won_count: count,
        won_value: amount,
        lost_count: count,
      })
      .openapi({ description: 'Deals created in the range; won and lost by their stage (is_won / is_lost), open on every other stage' }),
    contacts: recordCountsSchema,
    companies: recordCountsSchema,
    conversion_rate: z
      .number()
      .nullable()
      .openapi({ description: 'Won deals created in the range per 100 leads created in the range (two decimals); null without leads' }),
  })
  .openapi('DashboardOverview');

const seriesPoint = z.object({
  date: z.string().openapi({ description: 'First day of the bucket (a Monday for weekly buckets)', example: '2026-06-15' }),
  count,
});

const stageSummary = z.object({
  stage_id: count,
  stage_name: z.string(),
  position: count,
  is_won: z.boolean(),
  is_lost: z.boolean(),
  probability: z.number(),
  deal_count: count,
  value: amount,
  weighted_value: z.number().openapi({ description: 'value × probability (two decimals)' }),
});

const statsSchema = z
  .object({
    period: periodSchema,
    series: periodSchema.extend({ granularity: z.enum(['day', 'week']) }).openapi({
      description:
        `The range leads_created and deals_created cover: the given range, else the ${DEFAULT_SERIES_DAYS} days up to end_date ` +
        `(today when absent); start_date alone runs to today (or to its own day when later). Weekly buckets when it spans more than ${DAILY_SERIES_MAX_DAYS} days.`,
    }),
    leads_created: z.array(seriesPoint),
    deals_created: z.array(seriesPoint),
    pipelines: z
      .array(
        z.object({
          pipeline_id: count,
          pipeline_name: z.string(),
          deal_count: count,
          value: amount,
          weighted_value: z.number(),
          stages: z.array(stageSummary),
        }),
      )
      .openapi({ description: 'Every pipeline and stage with the deals created in the range (all deals without one)' }),
    top_assignees: z
      .array(z.object({ user_id: count, name: z.string(), leads_assigned: count, deals_won: count, won_value: amount }))
      .openapi({
        description:
          `Up to ${TOP_ASSIGNEES} users by leads assigned to them (created in the range), then won deals of those leads ` +
          '(deals created in the range, on a won stage)',
      }),
  })
  .openapi('DashboardStats');

const agingBucket = z.object({
  bucket: z.string().openapi({ description: `One of ${AGING_BUCKETS.map((b) => b.bucket).join(', ')}`, example: '8-30' }),
  min_days: count,
  max_days: count.nullable(),
  count,
  percentage: z.number().openapi({ description: 'Share of the leads counted beside it, in percent (two decimals)' }),
});

const leadAgingSchema = z
  .object({
    as_of: z.string(),
    total: count,
    by_age: z.array(agingBucket).openapi({ description: 'Whole days since created_at' }),
    by_inactivity: z.array(agingBucket).openapi({ description: 'Whole days since last_activity_at (created_at when the lead has none)' }),
    by_status: z.array(
      z.object({ status: count, status_text: z.string().nullable(), total: count, by_age: z.array(agingBucket), by_inactivity: z.array(agingBucket) }),
    ),
  })
  .openapi('DashboardLeadAging');

const topAccountSchema = z
  .object({
    rank: count,
    company_id: count,
    company_name: z.string(),
    industry_type: z.string().nullable(),
    website: z.string().nullable(),
    open_deal_value: amount.openapi({ description: 'Deals of the linked leads on stages neither won nor lost' }),
    open_deal_count: count,
    lead_count: count.openapi({ description: 'Leads linked through company_id' }),
    last_activity_at: z.string().nullable(),
  })
  .openapi('DashboardTopAccount');

export const overviewRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/dashboard/overview',
  tags: ['Dashboards'],
  summary: 'Overview statistics',
  description: 'Totals for the period: start_date/end_date filter on created_at (no range: all time).',
  request: { query: dateRangeQuery },
  responses: { 200: { description: 'Overview figures', content: jsonContent(okEnvelope(overviewSchema)) } },
});

export const statsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/dashboard/stats',
  tags: ['Dashboards'],
  summary: 'CRM statistics',
  description:
    'Leads and deals created per day or week, the pipeline summary and the top assignees. start_date/end_date filter on created_at; ' +
    `the range may span at most ${MAX_SERIES_DAYS} days.`,
  request: { query: dateRangeQuery },
  responses: { 200: { description: 'CRM statistics', content: jsonContent(okEnvelope(statsSchema)) } },
});

export const leadAgingRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/dashboard/lead-aging',
  tags: ['Dashboards'],
  summary: 'Lead aging analysis',
  description: 'Every lead of the organization, by days since creation and since its last activity, overall and per status.',
  responses: { 200: { description: 'Aging buckets', content: jsonContent(okEnvelope(leadAgingSchema)) } },
});

export const topAccountsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/dashboard/top-accounts',
  tags: ['Dashboards'],
  summary: 'Top accounts',
  description:
    'Companies with linked leads, ranked by the value of their open deals, then by lead count, then by the latest activity of their leads.',
  request: {
    query: z.object({
      limit: limitParam(TOP_ACCOUNTS_MAX, TOP_ACCOUNTS_DEFAULT).openapi({ example: 10 }),
    }),
  },
  responses: { 200: { description: 'The top companies, best first', content: jsonContent(okEnvelope(z.array(topAccountSchema))) } },
});

import { errorResponse, jsonContent, listEnvelope, messageEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { z } from '@hono/zod-openapi';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { widgetAnswerSchema } from '../queries/queries.schemas.js';
import { createDashboardBody, dashboardSchema, listDashboardsQuery, updateDashboardBody } from './dashboards.schemas.js';

const tags = ['Dashboards'];
const forbidden = errorResponse('Workspace dashboards are created and changed by Admins only; a team dashboard by its owner or an Admin');
const notFound = errorResponse("Not found: also another member's personal dashboard, and ids of another organization");
const conflict = errorResponse('The dashboard changed while this update was checked (error.code concurrent_update): read it again and retry');

export const listDashboardsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/dashboards',
  tags,
  summary: 'List the dashboards you can see',
  description: 'Your personal dashboards and every team and workspace dashboard of the organization; scope narrows the list.',
  request: { query: listDashboardsQuery },
  responses: { 200: { description: 'A page of dashboards', content: jsonContent(listEnvelope(dashboardSchema)) } },
});

export const createDashboardRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/dashboards',
  tags,
  summary: 'Create a dashboard, or copy one (dashboard_id)',
  description: 'The definition is validated by the widget schema (422 invalid_definition naming each problem); a workspace dashboard needs an Admin (403).',
  request: { body: { required: true, content: jsonContent(createDashboardBody) } },
  responses: { 201: { description: 'Created', content: jsonContent(okEnvelope(dashboardSchema)) }, 403: forbidden, 404: notFound },
});

export const getDashboardRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/dashboards/{id}',
  tags,
  summary: 'One dashboard you can see',
  request: { params: idParam },
  responses: { 200: { description: 'The dashboard', content: jsonContent(okEnvelope(dashboardSchema)) }, 404: notFound },
});

export const updateDashboardRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/dashboards/{id}',
  tags,
  summary: 'Change a dashboard (name, scope, definition; any of them)',
  request: { params: idParam, body: { required: true, content: jsonContent(updateDashboardBody) } },
  responses: { 200: { description: 'Changed', content: jsonContent(okEnvelope(dashboardSchema)) }, 403: forbidden, 404: notFound, 409: conflict },
});

export const deleteDashboardRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/dashboards/{id}',
  tags,
  summary: 'Delete a dashboard',
  request: { params: idParam },
  responses: { 200: { description: 'Deleted', content: jsonContent(messageEnvelope) }, 403: forbidden, 404: notFound },
});

export const widgetDataRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/dashboards/{id}/widgets/{widgetId}/data',
  tags,
  summary: "One widget's data, shaped for its type",
  description:
    "Runs the widget's query (inline, or its saved query with the widget's parameters) over the organization's own data, bounded in time and rows like " +
    'POST /api/queries/:queryId/execute. Beyond the spec: what draws a dashboard.',
  request: {
    params: idParam.extend({
      widgetId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/).openapi({ param: { name: 'widgetId', in: 'path' }, example: 'leads-by-source' }),
    }),
  },
  responses: { 200: { description: "The widget's data", content: jsonContent(okEnvelope(widgetAnswerSchema)) }, 404: notFound },
});

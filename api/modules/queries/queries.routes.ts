import { errorResponse, jsonContent, listEnvelope, messageEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { createQueryBody, executeAnswerSchema, executeQueryBody, listQueriesQuery, queryIdParam, savedQuerySchema, updateQueryBody } from './queries.schemas.js';

const tags = ['Saved queries'];
const forbidden = errorResponse('Only the owner of the saved query or an Admin may change it');
const conflict = errorResponse('The saved query changed while this update was checked (error.code concurrent_update): read it again and retry');

export const listQueriesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/queries',
  tags,
  summary: "List the organization's saved queries",
  request: { query: listQueriesQuery },
  responses: { 200: { description: 'A page of saved queries', content: jsonContent(listEnvelope(savedQuerySchema)) } },
});

export const createQueryRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/queries',
  tags,
  summary: 'Save a query (any member)',
  description: 'The definition is checked against the catalogue and the declared parameters: 422 (error.code invalid_query) names each problem.',
  request: { body: { required: true, content: jsonContent(createQueryBody) } },
  responses: { 201: { description: 'Saved', content: jsonContent(okEnvelope(savedQuerySchema)) } },
});

export const getQueryRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/queries/{queryId}',
  tags,
  summary: 'One saved query',
  request: { params: queryIdParam },
  responses: { 200: { description: 'The saved query', content: jsonContent(okEnvelope(savedQuerySchema)) } },
});

export const updateQueryRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/queries/{queryId}',
  tags,
  summary: 'Change a saved query (owner or Admin)',
  request: { params: queryIdParam, body: { required: true, content: jsonContent(updateQueryBody) } },
  responses: { 200: { description: 'Changed', content: jsonContent(okEnvelope(savedQuerySchema)) }, 403: forbidden, 409: conflict },
});

export const deleteQueryRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/queries/{queryId}',
  tags,
  summary: 'Delete a saved query (owner or Admin)',
  request: { params: queryIdParam },
  responses: { 200: { description: 'Deleted', content: jsonContent(messageEnvelope) }, 403: forbidden },
});

export const executeQueryRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/queries/{queryId}/execute',
  tags,
  summary: 'Run a saved query',
  description:
    'Runs the query over the organization\'s own data with the given parameter values, shaped for widgetType: kpi { value, label }; line/bar { labels, series }; ' +
    'pie/funnel { slices }; table { columns, rows } (default). 422: unknown, missing or mistyped parameters (invalid_parameters, invalid_value), a widget the ' +
    'query\'s shape cannot feed (widget_shape_mismatch), or a query that ran past its time bound (query_timeout). Rows are bounded by the query\'s limit (meta.truncated).',
  request: { params: queryIdParam, body: { required: false, content: jsonContent(executeQueryBody) } },
  responses: { 200: { description: 'The result', content: jsonContent(okEnvelope(executeAnswerSchema)) } },
});

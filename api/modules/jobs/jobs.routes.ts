import { JOB_CONTROL_ACTIONS, JOB_SORTABLE_FIELDS, JOB_STATUSES, JOB_TYPES, type JobControlAction } from '../../../domain/jobs/job.service.js';
import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { csvOf, idParam, listQuery } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { jobSchema } from './job.schemas.js';


export const listJobsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/jobs',
  tags: ['Jobs'],
  summary: 'List jobs of every type',
  description:
    'Imports, exports, enrichment and HubSpot imports, with status and progress. search_value matches the workflow id; ' +
    'start_date/end_date filter on created_at.',
  request: {
    query: listQuery(JOB_SORTABLE_FIELDS).extend({ type: csvOf(JOB_TYPES).optional(), status: csvOf(JOB_STATUSES).optional() }),
  },
  responses: { 200: { description: 'A page of jobs', content: jsonContent(listEnvelope(jobSchema)) } },
});

export const viewJobRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/jobs/{id}',
  tags: ['Jobs'],
  summary: 'Get one job',
  request: { params: idParam },
  responses: { 200: { description: 'The job', content: jsonContent(okEnvelope(jobSchema)) } },
});

const ACTION_NOTES: Record<JobControlAction, string> = {
  pause: 'The job stops at its next batch boundary and holds its place (status becomes paused); a queued or running job can be paused.',
  resume: 'A paused job continues from where it stopped.',
  cancel: 'The job stops; work already committed stays (status becomes cancelled).',
};

function controlRoute(action: JobControlAction) {
  return defineRoute('bearer', {
    method: 'post',
    path: `/api/jobs/{id}/${action}`,
    tags: ['Jobs'],
    summary: `${action[0]!.toUpperCase()}${action.slice(1)} a job`,
    description: `${ACTION_NOTES[action]} Answers at once with the job as it is; poll GET /api/jobs/{id} to see the change. 409 when the job is in a state the action does not apply to.`,
    request: { params: idParam },
    responses: {
      202: { description: 'Requested', content: jsonContent(okEnvelope(jobSchema)) },
      409: errorResponse('The job is in a state the action does not apply to (error.code job_state)'),
    },
  });
}

export const jobControlRoutes = Object.fromEntries(JOB_CONTROL_ACTIONS.map((action) => [action, controlRoute(action)])) as Record<
  JobControlAction,
  ReturnType<typeof controlRoute>
>;

import { jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { createOutreachStepBody, outreachListQuery, outreachStepSchema } from './outreach.schemas.js';

export const listOutreachPlansRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/target-accounts/{id}/outreach-plans',
  tags: ['ABM'],
  summary: 'List outreach plans',
  description: 'The target account\'s outreach steps, by scheduled_at (then id), with status, outcome and the sequence job that runs them.',
  request: { params: idParam, query: outreachListQuery },
  responses: { 200: { description: 'A page of outreach steps', content: jsonContent(listEnvelope(outreachStepSchema)) } },
});

export const createOutreachPlanRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/target-accounts/{id}/outreach-plans',
  tags: ['ABM'],
  summary: 'Create an outreach step',
  description:
    'Plans one step for a contact of the account. Each contact\'s steps run as one durable sequence (a job of type outreach_sequence, ' +
    'job_id): the first step starts it, later ones join it while it runs. The sequence sleeps until each step is due (moved out of the ' +
    'recipient\'s quiet hours), runs it, and stops for the contact — remaining steps skipped — once they reply, book a meeting or unsubscribe. ' +
    'Pause, resume or cancel it through POST /api/jobs/{job_id}/pause|resume|cancel.',
  request: { params: idParam, body: { required: true, content: jsonContent(createOutreachStepBody) } },
  responses: { 201: { description: 'The step, scheduled in its contact\'s sequence', content: jsonContent(okEnvelope(outreachStepSchema)) } },
});

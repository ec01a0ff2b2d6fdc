import { errorResponse, jsonContent, okEnvelope } from '../../openapi/envelopes.js';
import { defineRoute } from '../../openapi/route.js';
import { abmAutomationBody, abmAutomationSchema } from './abm-automation.schemas.js';

const tags = ['ABM'];

export const getAbmAutomationRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/abm/automation',
  tags,
  summary: 'ABM automation schedule (beyond the spec)',
  description:
    "The organization's recurring ABM automation: days, local time and time zone, whether it is paused, and its next runs. " +
    'Each run refreshes the health of the active target accounts and wakes the open outreach sequences.',
  responses: { 200: { description: 'The schedule', content: jsonContent(okEnvelope(abmAutomationSchema)) } },
});

export const putAbmAutomationRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/abm/automation',
  tags,
  summary: 'Schedule ABM automation (beyond the spec)',
  description:
    'Admins only (403 otherwise). Stores the schedule and, within seconds, creates, updates, pauses or deletes the organization\'s ' +
    'Temporal Schedule abm-automation:<organization id> to match (visible under Schedules in the Temporal UI). 422 on an unknown day, ' +
    'a time that is not HH:MM, a time zone that is not an IANA name, or days/time missing while enabled.',
  request: { body: { required: true, content: jsonContent(abmAutomationBody) } },
  responses: {
    200: { description: 'The stored schedule', content: jsonContent(okEnvelope(abmAutomationSchema)) },
    403: errorResponse('Not an admin'),
  },
});

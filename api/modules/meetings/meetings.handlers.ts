import type { RouteHandler } from '@hono/zod-openapi';
import {
  createMeeting,
  deleteMeeting,
  generateMeetingSummary,
  getMeeting,
  listMeetings,
  meetingTranscript,
  updateMeeting,
} from '../../../domain/communications/meeting.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type * as routes from './meetings.routes.js';

export const listMeetingsHandler: RouteHandler<typeof routes.listMeetingsRoute, AppEnv> = async (c) => {
  const { status, ...query } = c.req.valid('query');
  return okList(c, await listMeetings(c.var.deps.database, c.var.auth, { ...query, status: status as 1 | 2 | 3 | 4 | 5 | undefined }), 'Meetings retrieved');
};

export const addMeetingHandler: RouteHandler<typeof routes.addMeetingRoute, AppEnv> = async (c) => {
  const meeting = await createMeeting(c.var.deps.database, c.var.auth, c.req.valid('json'), { sandboxCalendar: c.var.deps.config.SANDBOX_CONNECTORS });
  return ok(c, meeting, 'Meeting created', 201);
};

export const viewMeetingHandler: RouteHandler<typeof routes.viewMeetingRoute, AppEnv> = async (c) =>
  ok(c, await getMeeting(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Meeting retrieved');

export const updateMeetingHandler: RouteHandler<typeof routes.updateMeetingRoute, AppEnv> = async (c) =>
  ok(c, await updateMeeting(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json')), 'Meeting updated');

export const deleteMeetingHandler: RouteHandler<typeof routes.deleteMeetingRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await deleteMeeting(c.var.deps.database, c.var.auth, id);
  return ok(c, { id }, 'Meeting deleted');
};

export const meetingTranscriptHandler: RouteHandler<typeof routes.meetingTranscriptRoute, AppEnv> = async (c) =>
  ok(c, await meetingTranscript(c.var.deps.database, c.var.auth, c.req.valid('param').id), 'Transcript retrieved');

export const generateMeetingSummaryHandler: RouteHandler<typeof routes.generateMeetingSummaryRoute, AppEnv> = async (c) => {
  // without a body the validator hands over {} unparsed, so the schema's default is applied here too
  const detail = c.req.valid('json')?.detail ?? 'brief';
  const summary = await generateMeetingSummary(c.var.deps.database, c.var.deps.services.llm, c.var.auth, c.req.valid('param').id, detail);
  return ok(c, summary, 'Summary generated');
};

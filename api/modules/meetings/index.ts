// Meetings (§6.11, §11 Meeting): CRUD, the transcript and its summary
// (domain/communications/meeting.service.ts); booking in a provider calendar
// runs in workflows/meeting-calendar.workflow.ts.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './meetings.handlers.js';
import * as routes from './meetings.routes.js';

export function mountMeetings(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'listMeetings',
    'addMeeting',
    'viewMeeting',
    'updateMeeting',
    'deleteMeeting',
    'meetingTranscript',
    'generateMeetingSummary',
  ]);
}

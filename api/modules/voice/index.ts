// Voice and calling (§6.12): numbers, the calling wallet, browser calling
// tokens, AI agent calls (workflows/agent-call.workflow.ts) with their
// recordings and transcripts, and the provider's signed status callbacks.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './voice.handlers.js';
import * as routes from './voice.routes.js';

export function mountVoice(app: OpenAPIHono<AppEnv>) {
  // /api/call/list before /api/call/{id}
  mountRoutes(app, routes, handlers, [
    'availableNumbers',
    'myNumbers',
    'purchaseNumber',
    'assignNumber',
    'wallet',
    'voiceToken',
    'initiateAgentCall',
    'listCalls',
    'getCall',
    'callRecording',
    'callTranscript',
    'callStatusCallback',
  ]);
}

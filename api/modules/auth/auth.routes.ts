import { z } from '@hono/zod-openapi';
import { defineRoute } from '../../openapi/route.js';
import { errorResponse, messageEnvelope } from '../../openapi/envelopes.js';

export const loginBody = z
  .object({
    email: z.string().trim().email().max(254),
    password: z.string().min(1).max(200),
  })
  .openapi('LoginRequest');

export const loginResponse = z
  .object({
    success: z.literal(true),
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    expires_at: z.string(),
    user: z.object({
      id: z.number().int(),
      email: z.string(),
      name: z.string(),
      organization_id: z.string(),
      role_name: z.string(),
    }),
  })
  .openapi('LoginResponse');

export const loginRoute = defineRoute('public', {
  method: 'post',
  path: '/api/auth/login',
  tags: ['Authentication'],
  summary: 'Log in, get a token',
  request: { body: { required: true, content: { 'application/json': { schema: loginBody } } } },
  responses: {
    200: { description: 'Token valid for 30 days', content: { 'application/json': { schema: loginResponse } } },
    401: errorResponse('Invalid credentials'),
    403: errorResponse('Account inactive or no organization assigned'),
    404: errorResponse('No LIO account exists for this email'),
  },
});

export const logoutRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/auth/logout',
  tags: ['Authentication'],
  summary: 'Log out (revokes the token used for this call)',
  responses: { 200: { description: 'Logged out', content: { 'application/json': { schema: messageEnvelope } } } },
});

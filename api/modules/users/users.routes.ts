import { z } from '@hono/zod-openapi';
import { errorEnvelopeSchema, listEnvelope, messageEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { csvIds, idParam, listQuery, phoneNumber, recordId } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';

export const userSchema = z
  .object({
    id: z.number().int(),
    first_name: z.string(),
    last_name: z.string().nullable(),
    email: z.string(),
    phone_no: z.string().nullable(),
    language: z.string().nullable(),
    timezone: z.string().nullable(),
    role_id: z.number().int(),
    role_name: z.string(),
    state_id: z.number().int().openapi({ description: '1 = active, 0 = inactive' }),
    organization_id: z.string().openapi({ example: 'org_3kq9x1' }),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('User');

const firstName = z.string().trim().min(2).max(50);
const lastName = z.string().trim().max(50).nullable().optional();
const email = z.string().trim().email().max(254);
const password = z.string().min(8).max(200);

const timezone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin')
  .openapi({ example: 'Europe/Berlin' });

const language = z
  .string()
  .trim()
  .transform((tag, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical) return canonical;
    } catch {
      // RangeError: not a well-formed language tag
    }
    ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag such as en or en-US' });
    return z.NEVER;
  })
  .openapi({ type: 'string', example: 'en-US' });

export const myProfileRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/user/my',
  tags: ['Users'],
  summary: 'Current user profile',
  responses: { 200: { description: 'The caller', content: { 'application/json': { schema: okEnvelope(userSchema) } } } },
});

export const userListQuery = listQuery(['id', 'first_name', 'email', 'created_at']).extend({
  role_id: csvIds.optional().openapi({ description: 'Comma-separated role ids' }),
  state_id: csvIds.optional().openapi({ description: 'Comma-separated states (1 = active, 0 = inactive)' }),
});

export const listUsersRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/user/list',
  tags: ['Users'],
  summary: 'List organization users (search over first name, last name and email)',
  request: { query: userListQuery },
  responses: { 200: { description: 'A page of users', content: { 'application/json': { schema: listEnvelope(userSchema) } } } },
});

export const addUserBody = z
  .object({
    first_name: firstName,
    last_name: lastName,
    email,
    phone_no: phoneNumber,
    password,
    role_id: recordId.optional().openapi({ description: "Defaults to the organization's Sales Rep role" }),
  })
  .openapi('AddUserRequest');

export const addUserRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/user/add',
  tags: ['Users'],
  summary: 'Add a user (Admin or Manager; only an Admin may grant the Admin role)',
  request: { body: { required: true, content: { 'application/json': { schema: addUserBody } } } },
  responses: {
    201: { description: 'The new user', content: { 'application/json': { schema: okEnvelope(userSchema) } } },
    409: { description: 'A user with this email already exists', content: { 'application/json': { schema: errorEnvelopeSchema } } },
  },
});

export const updateUserBody = z
  .object({
    first_name: firstName,
    email,
    phone_no: phoneNumber,
    last_name: lastName,
    language: language.nullable().optional(),
    timezone: timezone.nullable().optional(),
  })
  .openapi('UpdateUserRequest');

export const updateUserRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/user/update/{id}',
  tags: ['Users'],
  summary: 'Update a user (Admins: anyone in the organization; others: themselves)',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateUserBody } } } },
  responses: {
    200: { description: 'The updated user', content: { 'application/json': { schema: okEnvelope(userSchema) } } },
    409: { description: 'A user with this email already exists', content: { 'application/json': { schema: errorEnvelopeSchema } } },
  },
});

export const changePasswordBody = z
  .object({ current_password: z.string().min(1).max(200), new_password: password, confirm_password: z.string().max(200) })
  .superRefine((body, ctx) => {
    if (body.confirm_password !== body.new_password) {
      ctx.addIssue({ code: 'custom', path: ['confirm_password'], message: 'must equal new_password' });
    }
    if (body.new_password === body.current_password) {
      ctx.addIssue({ code: 'custom', path: ['new_password'], message: 'must differ from the current password' });
    }
  })
  .openapi('ChangePasswordRequest');

export const changePasswordRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/user/change-password',
  tags: ['Users'],
  summary: "Change the caller's password (signs out the caller's other sessions)",
  request: { body: { required: true, content: { 'application/json': { schema: changePasswordBody } } } },
  responses: { 200: { description: 'Password changed', content: { 'application/json': { schema: messageEnvelope } } } },
});

export const deleteUserBody = z.object({ user_id: recordId }).openapi('DeleteUserRequest');

export const deleteUserRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/user/delete',
  tags: ['Users'],
  summary: 'Remove a user (Admin only; signs the user out everywhere)',
  request: { body: { required: true, content: { 'application/json': { schema: deleteUserBody } } } },
  responses: { 200: { description: 'User removed', content: { 'application/json': { schema: messageEnvelope } } } },
});

import { z } from '@hono/zod-openapi';
import { errorResponse, jsonContent, listEnvelope, okEnvelope } from '../../openapi/envelopes.js';
import { idParam } from '../../openapi/params.js';
import { defineRoute } from '../../openapi/route.js';
import { bookingListQuery, bookingProfileListQuery, bookingProfileSchema, bookingSchema, createBookingProfileBody, updateBookingProfileBody } from './booking-profiles.schemas.js';

const tags = ['Public booking'];

export const listBookingProfilesRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/booking-profiles',
  tags,
  summary: 'List booking profiles',
  description: "A rep's own booking profiles; an admin sees the organization's (user_id filters). search_value matches slug and title.",
  request: { query: bookingProfileListQuery },
  responses: { 200: { description: 'A page of profiles', content: jsonContent(listEnvelope(bookingProfileSchema)) } },
});

export const createBookingProfileRoute = defineRoute('bearer', {
  method: 'post',
  path: '/api/booking-profiles',
  tags,
  summary: 'Create a booking profile',
  description:
    'A public scheduling page for a rep (default the caller; an admin may name another user of the organization, 403 for a rep). ' +
    '409 slug_taken when the slug is used by any organization; 422 slug_reserved for reserved words, and for overlapping working hours, ' +
    'repeated question keys or a select question without options.',
  request: { body: { required: true, content: jsonContent(createBookingProfileBody) } },
  responses: {
    201: { description: 'The profile', content: jsonContent(okEnvelope(bookingProfileSchema)) },
    409: errorResponse('The slug is taken (error.code slug_taken)'),
  },
});

export const viewBookingProfileRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/booking-profiles/{id}',
  tags,
  summary: 'Get a booking profile',
  request: { params: idParam },
  responses: { 200: { description: 'The profile', content: jsonContent(okEnvelope(bookingProfileSchema)) } },
});

export const updateBookingProfileRoute = defineRoute('bearer', {
  method: 'put',
  path: '/api/booking-profiles/{id}',
  tags,
  summary: 'Update a booking profile',
  description: 'Changes the fields given (the same rules as create). Bookings already made stay as they are.',
  request: { params: idParam, body: { required: true, content: jsonContent(updateBookingProfileBody) } },
  responses: {
    200: { description: 'The profile', content: jsonContent(okEnvelope(bookingProfileSchema)) },
    409: errorResponse('The slug is taken (error.code slug_taken)'),
  },
});

export const deleteBookingProfileRoute = defineRoute('bearer', {
  method: 'delete',
  path: '/api/booking-profiles/{id}',
  tags,
  summary: 'Delete a booking profile',
  description: 'Its page answers 404 from then on; its bookings and their meetings stay, and their manage links still cancel.',
  request: { params: idParam },
  responses: { 200: { description: 'Deleted', content: jsonContent(okEnvelope(z.object({ id: z.number().int() }))) } },
});

export const listBookingsRoute = defineRoute('bearer', {
  method: 'get',
  path: '/api/bookings',
  tags,
  summary: 'List bookings',
  description: "The caller's bookings (an admin: the organization's), latest start first; status and profile_id filter.",
  request: { query: bookingListQuery },
  responses: { 200: { description: 'A page of bookings', content: jsonContent(listEnvelope(bookingSchema)) } },
});

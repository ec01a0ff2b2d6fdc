import type { RouteHandler } from '@hono/zod-openapi';
import {
  createBookingProfile,
  deleteBookingProfile,
  getBookingProfile,
  listBookingProfiles,
  updateBookingProfile,
} from '../../../domain/booking/booking-profile.service.js';
import { listBookings } from '../../../domain/booking/booking.service.js';
import type { AppEnv } from '../../app-env.js';
import { ok, okList } from '../../openapi/envelopes.js';
import type * as routes from './booking-profiles.routes.js';

export const listBookingProfilesHandler: RouteHandler<typeof routes.listBookingProfilesRoute, AppEnv> = async (c) =>
  okList(c, await listBookingProfiles(c.var.deps.database, c.var.auth, c.req.valid('query'), c.var.deps.config.PUBLIC_BASE_URL), 'Booking profiles retrieved');

export const createBookingProfileHandler: RouteHandler<typeof routes.createBookingProfileRoute, AppEnv> = async (c) =>
  ok(c, await createBookingProfile(c.var.deps.database, c.var.auth, c.req.valid('json'), c.var.deps.config.PUBLIC_BASE_URL), 'Booking profile created', 201);

export const viewBookingProfileHandler: RouteHandler<typeof routes.viewBookingProfileRoute, AppEnv> = async (c) =>
  ok(c, await getBookingProfile(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.var.deps.config.PUBLIC_BASE_URL), 'Booking profile retrieved');

export const updateBookingProfileHandler: RouteHandler<typeof routes.updateBookingProfileRoute, AppEnv> = async (c) =>
  ok(
    c,
    await updateBookingProfile(c.var.deps.database, c.var.auth, c.req.valid('param').id, c.req.valid('json'), c.var.deps.config.PUBLIC_BASE_URL),
    'Booking profile updated',
  );

export const deleteBookingProfileHandler: RouteHandler<typeof routes.deleteBookingProfileRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await deleteBookingProfile(c.var.deps.database, c.var.auth, id);
  return ok(c, { id }, 'Booking profile deleted');
};

export const listBookingsHandler: RouteHandler<typeof routes.listBookingsRoute, AppEnv> = async (c) =>
  okList(c, await listBookings(c.var.deps.database, c.var.auth, c.req.valid('query')), 'Bookings retrieved');

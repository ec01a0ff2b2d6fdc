// Booking profiles and the reps' bookings (bearer; beyond the spec, issue 13):
// domain/booking/. The public pages and §10's endpoints: ../public-booking/.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './booking-profiles.handlers.js';
import * as routes from './booking-profiles.routes.js';

export function mountBookingProfiles(app: OpenAPIHono<AppEnv>) {
  mountRoutes(app, routes, handlers, [
    'listBookingProfiles',
    'createBookingProfile',
    'viewBookingProfile',
    'updateBookingProfile',
    'deleteBookingProfile',
    'listBookings',
  ]);
}

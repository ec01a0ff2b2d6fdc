// Public booking (§10, §12): the JSON endpoints and the server-rendered
// booking and manage pages (domain/booking/). The reps' management API:
// ../booking-profiles/.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';
import { mountRoutes } from '../../openapi/mount.js';
import * as handlers from './public-booking.handlers.js';
import * as routes from './public-booking.routes.js';

export function mountPublicBooking(app: OpenAPIHono<AppEnv>) {
  // the manage routes first: /booking/manage/{token} must not be read as a profile whose slug is "manage" (a reserved word anyway)
  mountRoutes(app, routes, handlers, ['manageBooking', 'cancelBooking', 'bookingProfile', 'bookingAvailability', 'confirmBooking', 'bookingPage', 'bookingPageSubmit']);
}

import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { formatInZone, isTimeZone } from '../../../domain/communications/availability.js';
import { publicBookingProfile, type PublicBookingProfile } from '../../../domain/booking/booking-profile.service.js';
import { bookingAvailability, cancelBooking, confirmBooking, managedBooking, type BookingDeps } from '../../../domain/booking/booking.service.js';
import { ApiError } from '../../../domain/platform/errors.js';
import { enforceRateLimit } from '../../../domain/platform/rate-limit.service.js';
import type { AppEnv } from '../../app-env.js';
import { clientIp } from '../../middleware/auth.js';
import { ok } from '../../openapi/envelopes.js';
import { messagePage, sendPublicPage, type PublicPageContent, type PublicPageStatus } from '../../pages/public-page.js';
import { bookingPage, detailsPage, managePage, managePath, type FieldErrors, type FormValues, type PageState } from './public-booking.page.js';
import { confirmBookingBody, type bookingAvailabilityRoute, type bookingPageRoute, type bookingPageSubmitRoute, type bookingProfileRoute, type cancelBookingRoute, type confirmBookingRoute, type manageBookingRoute } from './public-booking.routes.js';

const NOT_FOUND_PAGE = messagePage('Booking page not found', 'There is no booking page at this address. Check the link you followed.');
const NOT_OURS_PAGE = messagePage('Link not valid', 'This link is not valid. It may have been copied incompletely.');
const EMAIL_NOTES = {
  queued: 'A confirmation with a calendar invitation is on its way to your email.',
  not_sent: 'We could not send you a confirmation email: please note the time.',
} as const;

const bookingDeps = (c: Context<AppEnv>): BookingDeps => ({
  secrets: c.var.deps.services.secrets,
  calendars: c.var.deps.services.calendar,
  sandbox: c.var.deps.config.SANDBOX_CONNECTORS,
  tokens: c.var.deps.services.tokens,
  publicBaseUrl: c.var.deps.config.PUBLIC_BASE_URL,
});

/** Per client IP across every API process: every public booking request, and writes (confirm, cancel) by a tighter limit of their own. */
async function limitByIp(c: Context<AppEnv>, write: boolean) {
  const { database, config } = c.var.deps;
  const ip = clientIp(c) ?? 'unknown';
  await enforceRateLimit(database, { bucket: `booking:ip:${ip}`, limit: config.BOOKING_RATE_LIMIT, windowSeconds: 60 });
  if (write) await enforceRateLimit(database, { bucket: `booking-write:ip:${ip}`, limit: config.BOOKING_CONFIRM_RATE_LIMIT, windowSeconds: 60 });
}

const page = <S extends PublicPageStatus>(c: Context<AppEnv>, status: S, content: PublicPageContent, headers?: Record<string, string>) => sendPublicPage(c, status, content, { headers });

/** The pages' answer to what stops a request before its page: a 404 page, a 429 page with Retry-After; anything else is thrown on. */
function stoppedPage(c: Context<AppEnv>, err: unknown, notFound = NOT_FOUND_PAGE) {
  if (!(err instanceof ApiError)) throw err;
  if (err.kind === 'not_found') return page(c, 404, notFound);
  if (err.kind === 'rate_limited') {
    return page(c, 429, messagePage('Too many requests', 'Please wait a minute and try again.'), { 'Retry-After': String(err.options.retryAfterSeconds ?? 60) });
  }
  throw err;
}

export const bookingProfileHandler: RouteHandler<typeof bookingProfileRoute, AppEnv> = async (c) => {
  await limitByIp(c, false);
  return ok(c, await publicBookingProfile(c.var.deps.database, c.req.valid('param').slug), 'Booking profile retrieved');
};

export const bookingAvailabilityHandler: RouteHandler<typeof bookingAvailabilityRoute, AppEnv> = async (c) => {
  await limitByIp(c, false);
  return ok(c, await bookingAvailability(c.var.deps.database, bookingDeps(c), c.req.valid('param').slug, c.req.valid('query')), 'Availability retrieved');
};

export const confirmBookingHandler: RouteHandler<typeof confirmBookingRoute, AppEnv> = async (c) => {
  await limitByIp(c, true);
  const { manage_token: _token, ...booking } = await confirmBooking(c.var.deps.database, bookingDeps(c), c.req.valid('param').slug, c.req.valid('json'));
  return ok(c, booking, 'Booking confirmed', 201);
};

// ---- the pages ----

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The page's state from its query (or form): anything missing or not valid falls back to today, the profile's zone, its first duration. */
function stateOf(profile: PublicBookingProfile, query: { date?: string; tz?: string; duration?: string; reschedule?: string }, now = new Date()): PageState {
  const tz = query.tz && isTimeZone(query.tz) ? query.tz : profile.timezone;
  const duration = profile.durations.find((d) => String(d) === query.duration) ?? profile.durations[0]!;
  const date = query.date && DATE.test(query.date) && !Number.isNaN(Date.parse(`${query.date}T00:00:00Z`)) ? query.date : formatInZone(now, tz).slice(0, 10);
  return { date, tz, duration, ...(query.reschedule ? { reschedule: query.reschedule } : {}) };
}

/** A week of free times from the state's date (the page never fails because of a bad date: it shows none). */
async function weekOf(c: Context<AppEnv>, slug: string, state: PageState) {
  const to = new Date(Date.parse(`${state.date}T12:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
  try {
    return await bookingAvailability(c.var.deps.database, bookingDeps(c), slug, { from: state.date, to, duration: state.duration, tz: state.tz });
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'validation_error') return { slots: [], partial: false };
    throw err;
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const bookingPageHandler: RouteHandler<typeof bookingPageRoute, AppEnv> = async (c) => {
  const { slug } = c.req.valid('param');
  const query = c.req.valid('query');
  try {
    await limitByIp(c, false);
    const profile = await publicBookingProfile(c.var.deps.database, slug);
    const state = stateOf(profile, query);
    if (query.start && query.end && RFC3339.test(query.start) && RFC3339.test(query.end)) {
      return page(c, 200, detailsPage(profile, slug, state, { start: query.start, end: query.end }, {}, {}, state.reschedule !== undefined));
    }
    return page(c, 200, bookingPage(profile, slug, state, await weekOf(c, slug, state), { zoneFromBrowser: query.tz === undefined }));
  } catch (err) {
    return stoppedPage(c, err);
  }
};

const text = (value: unknown) => (typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined);
const orNull = (value: string | undefined) => (value?.trim() ? value.trim() : null);

/** The field a problem's path names on the page (answers.<key> → the question's input). */
const fieldIdOf = (path: string) => (path.startsWith('answers.') ? `q-${path.slice('answers.'.length)}` : path.split('.')[0]!);

const FIELD_MESSAGES: Record<string, string> = { name: 'Enter your name', email: 'Enter an email address like name@example.com' };

export const bookingPageSubmitHandler: RouteHandler<typeof bookingPageSubmitRoute, AppEnv> = async (c) => {
  const { slug } = c.req.valid('param');
  const form = (await c.req.parseBody({ all: true })) as Record<string, unknown>;
  const field = (name: string) => text(form[name]);
  let profile: PublicBookingProfile;
  try {
    await limitByIp(c, true);
    profile = await publicBookingProfile(c.var.deps.database, slug);
  } catch (err) {
    return stoppedPage(c, err);
  }
  const state = stateOf(profile, { date: field('date'), tz: field('tz'), duration: field('duration'), reschedule: field('reschedule') });
  const slot = { start: field('start') ?? '', end: field('end') ?? '' };
  const answers = Object.fromEntries(
    Object.keys(form)
      .filter((k) => k.startsWith('answers.'))
      .map((k) => [k.slice('answers.'.length), field(k) ?? '']),
  );
  const values: FormValues = { name: field('name'), email: field('email'), company: field('company'), phone: field('phone'), notes: field('notes'), answers };
  const rescheduling = state.reschedule !== undefined;
  const again = (errors: FieldErrors) => page(c, 422, detailsPage(profile, slug, state, slot, values, errors, rescheduling));

  const parsed = confirmBookingBody.safeParse({
    start: slot.start,
    end: slot.end,
    ...(rescheduling ? { reschedule_token: state.reschedule } : { name: orNull(values.name) ?? undefined, email: orNull(values.email) ?? undefined }),
    company: orNull(values.company),
    phone: orNull(values.phone),
    notes: orNull(values.notes),
    answers: Object.fromEntries(Object.entries(answers).filter(([, v]) => v.trim() !== '')),
    tz: state.tz,
  });
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const id = fieldIdOf(issue.path.map(String).join('.'));
      // a slot that does not parse is not the visitor's to fix on this form: they pick again
      if (id === 'start' || id === 'end') return page(c, 409, bookingPage(profile, slug, state, await weekOf(c, slug, state), { notice: 'Please pick a time from the list.' }));
      errors[id] ??= FIELD_MESSAGES[id] ?? `${id}: ${issue.message}`;
    }
    return again(errors);
  }
  try {
    const booking = await confirmBooking(c.var.deps.database, bookingDeps(c), slug, parsed.data);
    return c.redirect(`${managePath(booking.manage_token)}?done=booked&email=${booking.confirmation_email.status}`, 303);
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'conflict') {
      const notice =
        err.options.code === 'booking_not_active'
          ? 'The booking you are moving was already cancelled or moved.'
          : 'Someone booked this time a moment ago, or it is no longer free. Please pick another time.';
      return page(c, 409, bookingPage(profile, slug, state, await weekOf(c, slug, state), { notice }));
    }
    if (err instanceof ApiError && err.kind === 'validation_error' && err.options.details?.length) {
      const errors: FieldErrors = {};
      for (const detail of err.options.details) errors[fieldIdOf(detail.path)] ??= detail.message;
      if (errors.end || errors.duration) return page(c, 409, bookingPage(profile, slug, state, await weekOf(c, slug, state), { notice: 'Please pick a time from the list.' }));
      return again(errors);
    }
    return stoppedPage(c, err);
  }
};

export const manageBookingHandler: RouteHandler<typeof manageBookingRoute, AppEnv> = async (c) => {
  const { token } = c.req.valid('param');
  const { done } = c.req.valid('query');
  try {
    await limitByIp(c, false);
    const booking = await managedBooking(c.var.deps.database, c.var.deps.services.tokens, token);
    const email = c.req.query('email');
    const note = done === 'booked' && (email === 'queued' || email === 'not_sent') ? EMAIL_NOTES[email] : undefined;
    return page(c, 200, managePage(token, booking, done, note));
  } catch (err) {
    return stoppedPage(c, err, NOT_OURS_PAGE);
  }
};

export const cancelBookingHandler: RouteHandler<typeof cancelBookingRoute, AppEnv> = async (c) => {
  const { token } = c.req.valid('param');
  try {
    await limitByIp(c, true);
    await cancelBooking(c.var.deps.database, bookingDeps(c), token);
    return c.redirect(`${managePath(token)}?done=cancelled`, 303);
  } catch (err) {
    return stoppedPage(c, err, NOT_OURS_PAGE);
  }
};

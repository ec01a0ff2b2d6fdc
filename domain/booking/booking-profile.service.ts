// Booking profiles (issue 13, spec §10): a rep's public scheduling page —
// its slug (public, unique across every organization), the durations
// offered, working hours in the profile's own time zone, buffers around each
// booking, the minimum notice and the horizon, and the questions asked.
// Managed with the bearer API: a rep manages their own, an admin any of the
// organization's. The public view (GET /api/v1/booking/:slug) names the rep
// by first name and last initial only: no address or phone leaves LIO.
import { Prisma, type BookingProfile } from '../../generated/prisma/client.js';
import { WEEKDAYS, type Weekday, type WorkingHours } from '../communications/availability.js';
import { workingHoursProblem } from '../communications/calendar.service.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$/;

/** Words of LIO's own paths and of what a visitor could mistake for LIO itself: never a rep's slug. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin', 'api', 'app', 'assets', 'availability', 'book', 'booking', 'bookings', 'cancel', 'confirm', 'dashboard', 'docs', 'help', 'login',
  'logout', 'lio', 'manage', 'new', 'page', 'reschedule', 'settings', 'signup', 'static', 'support', 'www',
]);

export const QUESTION_TYPES = ['text', 'textarea', 'select'] as const;
export const PROFILE_STATUSES = ['active', 'disabled'] as const;
export const PROFILE_SORTABLE_FIELDS = ['id', 'slug', 'created_at'] as const;
export const MAX_QUESTIONS = 10;

export interface BookingQuestion {
  key: string;
  label: string;
  type: (typeof QUESTION_TYPES)[number];
  required: boolean;
  /** the choices of a select question */
  options?: string[];
}

export interface BookingProfileInput {
  user_id?: number;
  slug: string;
  title: string;
  description?: string | null;
  durations: number[];
  working_hours: WorkingHours;
  timezone: string;
  buffer_before_minutes?: number;
  buffer_after_minutes?: number;
  minimum_notice_minutes?: number;
  horizon_days?: number;
  questions?: BookingQuestion[];
  status?: (typeof PROFILE_STATUSES)[number];
}

const invalid = (path: string, message: string) => new ApiError('validation_error', `${path}: ${message}`, { details: [{ path, message }] });

const everyWeekday = (hours: WorkingHours) =>
  Object.fromEntries(WEEKDAYS.map((day) => [day, (hours[day] ?? []).map(([s, e]) => [s, e] as [string, string])])) as Record<Weekday, [string, string][]>;

export function presentBookingProfile(profile: BookingProfile, publicBaseUrl: string) {
  return {
    id: profile.id,
    user_id: profile.user_id,
    slug: profile.slug,
    title: profile.title,
    description: profile.description,
    durations: profile.durations,
    working_hours: everyWeekday(profile.working_hours as WorkingHours),
    timezone: profile.timezone,
    buffer_before_minutes: profile.buffer_before_minutes,
    buffer_after_minutes: profile.buffer_after_minutes,
    minimum_notice_minutes: profile.minimum_notice_minutes,
    horizon_days: profile.horizon_days,
    questions: profile.questions as unknown as BookingQuestion[],
    status: profile.status as (typeof PROFILE_STATUSES)[number],
    page_url: bookingPageUrl(publicBaseUrl, profile.slug),
    created_at: profile.created_at.toISOString(),
    updated_at: profile.updated_at.toISOString(),
  };
}

export type BookingProfileView = ReturnType<typeof presentBookingProfile>;

/** Where a visitor books: the server-rendered page of the profile. */
export const bookingPageUrl = (publicBaseUrl: string, slug: string) => `${publicBaseUrl.replace(/\/+$/, '')}/api/v1/booking/${slug}/page`;

/** What the schema cannot see: the slug's reserved words, the working hours' ranges, question keys used once. */
function assertProfileRules(input: Partial<BookingProfileInput>) {
  if (input.slug !== undefined && RESERVED_SLUGS.has(input.slug)) throw new ApiError('validation_error', `slug: "${input.slug}" is reserved`, { code: 'slug_reserved', details: [{ path: 'slug', message: 'reserved' }] });
  if (input.working_hours !== undefined) {
    const problem = workingHoursProblem(input.working_hours);
    if (problem) throw new ApiError('validation_error', `${problem.path}: ${problem.message}`, { details: [problem] });
  }
  if (input.questions !== undefined) {
    const keys = new Set<string>();
    for (const [i, q] of input.questions.entries()) {
      if (keys.has(q.key)) throw invalid(`questions.${i}.key`, `"${q.key}" is used twice`);
      keys.add(q.key);
      if (q.type === 'select' && !q.options?.length) throw invalid(`questions.${i}.options`, 'a select question needs its options');
    }
  }
}

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
const slugTaken = (slug: string) => new ApiError('conflict', `The booking link "${slug}" is taken`, { code: 'slug_taken' });

/** The owner a caller may give a profile: themself; an admin, any active user of the organization (422 otherwise). */
async function ownerFor(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, userId: number | undefined): Promise<number> {
  if (scope.userId === null) throw new ApiError('forbidden', 'A booking profile belongs to a user: call with a user token, not an API key', { code: 'user_required' });
  if (userId === undefined || userId === scope.userId) return scope.userId;
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only an admin may manage another user\'s booking profile', { code: 'admin_required' });
  const user = await db.prisma.user.count({ where: { id: userId, org_id: scope.orgId, deleted_at: null } });
  if (user === 0) throw invalid('user_id', `user ${userId} is not a member of this organization`);
  return userId;
}

/** What a caller sees: a rep their own profiles, an admin the organization's. */
const visibleTo = (scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>): Prisma.BookingProfileWhereInput =>
  isAdmin(scope) ? { org_id: scope.orgId } : { org_id: scope.orgId, user_id: scope.userId ?? -1 };

const dataOf = (input: Partial<BookingProfileInput>) => ({
  ...(input.slug !== undefined && { slug: input.slug }),
  ...(input.title !== undefined && { title: input.title }),
  ...(input.description !== undefined && { description: input.description }),
  ...(input.durations !== undefined && { durations: [...input.durations].sort((a, b) => a - b) }),
  ...(input.working_hours !== undefined && { working_hours: everyWeekday(input.working_hours) as unknown as Prisma.InputJsonValue }),
  ...(input.timezone !== undefined && { timezone: input.timezone }),
  ...(input.buffer_before_minutes !== undefined && { buffer_before_minutes: input.buffer_before_minutes }),
  ...(input.buffer_after_minutes !== undefined && { buffer_after_minutes: input.buffer_after_minutes }),
  ...(input.minimum_notice_minutes !== undefined && { minimum_notice_minutes: input.minimum_notice_minutes }),
  ...(input.horizon_days !== undefined && { horizon_days: input.horizon_days }),
  ...(input.questions !== undefined && { questions: input.questions as unknown as Prisma.InputJsonValue }),
  ...(input.status !== undefined && { status: input.status }),
});

export async function listBookingProfiles(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  params: ListParams<(typeof PROFILE_SORTABLE_FIELDS)[number]> & { user_id?: number },
  publicBaseUrl: string,
) {
  const where: Prisma.BookingProfileWhereInput = {
    ...visibleTo(scope),
    ...(params.user_id !== undefined && { user_id: params.user_id }),
    ...(params.search_value && { OR: [{ slug: { contains: params.search_value.toLowerCase() } }, { title: { contains: params.search_value, mode: 'insensitive' } }] }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.bookingProfile.findMany({ where, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.bookingProfile.count({ where }),
  ]);
  return paged(rows.map((row) => presentBookingProfile(row, publicBaseUrl)), total, params);
}

export async function getBookingProfile(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, id: number, publicBaseUrl: string) {
  const profile = await db.prisma.bookingProfile.findFirst({ where: { id, ...visibleTo(scope) } });
  if (!profile) throw notFound('Booking profile');
  return presentBookingProfile(profile, publicBaseUrl);
}

export async function createBookingProfile(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, input: BookingProfileInput, publicBaseUrl: string) {
  assertProfileRules(input);
  const userId = await ownerFor(db, scope, input.user_id);
  try {
    const profile = await db.prisma.bookingProfile.create({ data: { ...dataOf(input), org_id: scope.orgId, user_id: userId } as Prisma.BookingProfileUncheckedCreateInput });
    return presentBookingProfile(profile, publicBaseUrl);
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(input.slug);
    throw err;
  }
}

export async function updateBookingProfile(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>,
  id: number,
  input: Partial<BookingProfileInput>,
  publicBaseUrl: string,
) {
  assertProfileRules(input);
  const userId = input.user_id === undefined ? undefined : await ownerFor(db, scope, input.user_id);
  try {
    const [profile] = await db.prisma.bookingProfile.updateManyAndReturn({
      where: { id, ...visibleTo(scope) },
      data: { ...dataOf(input), ...(userId !== undefined && { user_id: userId }), updated_at: new Date() },
    });
    if (!profile) throw notFound('Booking profile');
    return presentBookingProfile(profile, publicBaseUrl);
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(input.slug ?? '');
    throw err;
  }
}

/** Deletes the profile; its bookings stay (with their meetings), and its manage links keep working. */
export async function deleteBookingProfile(db: Database, scope: Pick<Scope, 'orgId' | 'userId' | 'roleName'>, id: number): Promise<void> {
  const { count } = await db.prisma.bookingProfile.deleteMany({ where: { id, ...visibleTo(scope) } });
  if (count === 0) throw notFound('Booking profile');
}

/** An active profile by its public slug (any organization), or 404: a disabled profile is not told apart from none. */
export async function activeProfileBySlug(db: Database, slug: string): Promise<BookingProfile> {
  if (!SLUG_PATTERN.test(slug)) throw notFound('Booking page');
  const profile = await db.prisma.bookingProfile.findUnique({ where: { slug } });
  if (!profile || profile.status !== 'active') throw notFound('Booking page');
  return profile;
}

/** The rep as a visitor sees them: first name and last initial (no address, no phone). */
export const publicNameOf = (user: { first_name: string; last_name: string | null }) =>
  user.last_name?.trim() ? `${user.first_name} ${user.last_name.trim()[0]!.toUpperCase()}.` : user.first_name;

/**
 * The profile a visitor may book, by its public slug: active, of a user who
 * is still a member of an active organization (404 otherwise, told apart from
 * no profile at all by nothing).
 */
export async function bookableProfile(db: Database, slug: string) {
  const profile = await activeProfileBySlug(db, slug);
  const [user, org] = await Promise.all([
    db.prisma.user.findFirst({ where: { id: profile.user_id, org_id: profile.org_id }, select: { first_name: true, last_name: true, deleted_at: true } }),
    db.prisma.organization.findUnique({ where: { id: profile.org_id }, select: { name: true, is_active: true } }),
  ]);
  if (!user || user.deleted_at !== null || !org?.is_active) throw notFound('Booking page');
  return { profile, host: user, organizationName: org.name };
}

/** GET /api/v1/booking/:slug: what the booking page shows before any slot. */
export async function publicBookingProfile(db: Database, slug: string) {
  const { profile, host, organizationName } = await bookableProfile(db, slug);
  return {
    slug: profile.slug,
    title: profile.title,
    description: profile.description,
    durations: profile.durations,
    timezone: profile.timezone,
    questions: profile.questions as unknown as BookingQuestion[],
    host_name: publicNameOf(host),
    organization_name: organizationName,
    minimum_notice_minutes: profile.minimum_notice_minutes,
    horizon_days: profile.horizon_days,
  };
}

export type PublicBookingProfile = Awaited<ReturnType<typeof publicBookingProfile>>;

// The booking page (issue 13): server-rendered, everything is links and
// forms that work in any browser. A visitor picks a week and a date with a
// native date input and prev/next links, sees the free times in their own
// time zone (the browser's, through one nonce'd line of script on arrival;
// the select changes it, and without script it starts at the profile's),
// picks one, fills the form and confirms; the manage page (from the
// confirmation email) cancels or reschedules.
import { errorSummary, fieldAria, fieldError, html, type PublicPageContent, type SafeHtml } from '../../pages/public-page.js';
import type { BookingQuestion, PublicBookingProfile } from '../../../domain/booking/booking-profile.service.js';

export interface Slot {
  start: string;
  end: string;
  date: string;
}

export interface PageState {
  /** the first day of the week shown (YYYY-MM-DD in `tz`) */
  date: string;
  tz: string;
  duration: number;
  /** a manage token: the booking being moved */
  reschedule?: string;
}

/** The page's path with its state in the query string (every link keeps the visitor's zone, duration and reschedule token). */
export function pagePath(slug: string, state: PageState, extra: Record<string, string> = {}) {
  const query = new URLSearchParams({ date: state.date, tz: state.tz, duration: String(state.duration), ...(state.reschedule ? { reschedule: state.reschedule } : {}), ...extra });
  return `/api/v1/booking/${encodeURIComponent(slug)}/page?${query.toString()}`;
}

export const managePath = (token: string) => `/api/v1/booking/manage/${encodeURIComponent(token)}`;

const shiftDate = (date: string, days: number) => new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** "Tuesday 30 March 2027" of a local date. */
const dayHeading = (date: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(`${date}T12:00:00Z`));

/** "09:00" of an RFC 3339 time as shown in its own offset. */
const clock = (iso: string) => iso.slice(11, 16);

/** "Tuesday 30 March 2027, 09:00–09:30 (Europe/Berlin)". */
export const slotText = (start: string, end: string, tz: string) => `${dayHeading(start.slice(0, 10))}, ${clock(start)}–${clock(end)} (${tz})`;

let zoneList: string[] | undefined;
/** Every IANA zone this platform knows, for the select (UTC first). */
function timeZones(): string[] {
  zoneList ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  return zoneList;
}

function header(profile: PublicBookingProfile) {
  return html`<h1>${profile.title}</h1>
<p>With ${profile.host_name}${profile.organization_name ? html` · ${profile.organization_name}` : ''}</p>
${profile.description ? html`<p>${profile.description}</p>` : ''}`;
}

function pickerForm(profile: PublicBookingProfile, slug: string, state: PageState) {
  const zones = timeZones().includes(state.tz) ? timeZones() : [state.tz, ...timeZones()];
  return html`<form method="get" action="/api/v1/booking/${slug}/page" class="picker">
${state.reschedule ? html`<input type="hidden" name="reschedule" value="${state.reschedule}">` : ''}
<div class="field"><label for="date">Week starting</label><input type="date" id="date" name="date" value="${state.date}" required></div>
${
  profile.durations.length > 1
    ? html`<div class="field"><label for="duration">Length</label><select id="duration" name="duration">${profile.durations.map(
        (d) => html`<option value="${d}"${d === state.duration ? html` selected` : ''}>${d} minutes</option>`,
      )}</select></div>`
    : html`<input type="hidden" name="duration" value="${state.duration}">`
}
<div class="field"><label for="tz">Your time zone</label><select id="tz" name="tz" autocomplete="off">${zones.map(
    (z) => html`<option${z === state.tz ? html` selected` : ''}>${z}</option>`,
  )}</select></div>
<button type="submit">Show free times</button>
</form>`;
}

/** The week's free times as links, grouped by day in the visitor's zone. */
function slotList(slug: string, state: PageState, slots: Slot[], partial: boolean) {
  const days = new Map<string, Slot[]>();
  for (const slot of slots) days.set(slot.date, [...(days.get(slot.date) ?? []), slot]);
  const week = html`<nav aria-label="Weeks"><p><a href="${pagePath(slug, { ...state, date: shiftDate(state.date, -7) })}">← Previous week</a> · <a href="${pagePath(slug, { ...state, date: shiftDate(state.date, 7) })}">Next week →</a></p></nav>`;
  return html`<section aria-labelledby="times-title"><h2 id="times-title">Free times, ${dayHeading(state.date)} to ${dayHeading(shiftDate(state.date, 6))} (${state.tz})</h2>
${partial ? html`<p class="notice">Some of the host’s calendar could not be read just now; a time shown may still turn out to be taken.</p>` : ''}
${
  days.size === 0
    ? html`<p>No free times this week. Try the next week.</p>`
    : [...days.entries()].map(
        ([date, daySlots]) => html`<h3>${dayHeading(date)}</h3><ul class="slots">${daySlots.map(
          (s) => html`<li><a href="${pagePath(slug, state, { start: s.start, end: s.end })}" aria-label="${slotText(s.start, s.end, state.tz)}">${clock(s.start)}</a></li>`,
        )}</ul>`,
      )
}
${week}</section>`;
}

/** The date picker and the week's free times (with a notice above them: a slot just taken). */
/**
 * A visitor who arrives without a zone in the address sees the week in the
 * profile's zone; where script runs, the page asks again at once in the
 * browser's own zone (the address then has one, so this runs once). Without
 * script, the select does the same by hand.
 */
const IN_BROWSER_ZONE = `(function(){try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone,u=new URL(location.href);if(z&&!u.searchParams.has('tz')){u.searchParams.set('tz',z);location.replace(u.href)}}catch(e){}})();`;

export function bookingPage(
  profile: PublicBookingProfile,
  slug: string,
  state: PageState,
  week: { slots: Slot[]; partial: boolean },
  options: { notice?: string; zoneFromBrowser?: boolean } = {},
): PublicPageContent {
  const { notice, zoneFromBrowser = false } = options;
  return {
    title: `Book: ${profile.title}`,
    ...(zoneFromBrowser ? { script: IN_BROWSER_ZONE } : {}),
    body: html`${header(profile)}
${state.reschedule ? html`<p class="notice">Pick a new time for your booking.</p>` : ''}
${notice ? html`<div class="error-summary" role="alert" tabindex="-1" autofocus><h2>That time is no longer free</h2><p>${notice}</p></div>` : ''}
${pickerForm(profile, slug, state)}
${slotList(slug, state, week.slots, week.partial)}`,
  };
}

export interface FormValues {
  name?: string;
  email?: string;
  company?: string;
  phone?: string;
  notes?: string;
  answers?: Record<string, string>;
}

export type FieldErrors = Record<string, string>;

interface InputSpec {
  id: string;
  name: string;
  label: string;
  type: 'text' | 'email' | 'tel' | 'textarea';
  required: boolean;
  autocomplete?: string;
  maxLength: number;
}

function input(spec: InputSpec, value: string | undefined, error: string | undefined): SafeHtml {
  const required = spec.required ? html` required aria-required="true"` : '';
  const label = html`<label for="${spec.id}">${spec.label}${spec.required ? html` <span class="required" aria-hidden="true">*</span>` : html` (optional)`}</label>`;
  const control =
    spec.type === 'textarea'
      ? html`<textarea id="${spec.id}" name="${spec.name}" maxlength="${spec.maxLength}"${required}${fieldAria(spec.id, { error })}>${value ?? ''}</textarea>`
      : html`<input type="${spec.type}" id="${spec.id}" name="${spec.name}" value="${value ?? ''}" maxlength="${spec.maxLength}"${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''}${required}${fieldAria(spec.id, { error })}>`;
  return html`<div class="field">${label}${fieldError(spec.id, error)}${control}</div>`;
}

function question(q: BookingQuestion, value: string | undefined, error: string | undefined): SafeHtml {
  const id = `q-${q.key}`;
  if (q.type !== 'select') {
    return input({ id, name: `answers.${q.key}`, label: q.label, type: q.type === 'textarea' ? 'textarea' : 'text', required: q.required, maxLength: q.type === 'textarea' ? 5000 : 500 }, value, error);
  }
  return html`<div class="field"><label for="${id}">${q.label}${q.required ? html` <span class="required" aria-hidden="true">*</span>` : ''}</label>${fieldError(id, error)}
<select id="${id}" name="answers.${q.key}"${q.required ? html` required aria-required="true"` : ''}${fieldAria(id, { error })}><option value="">Choose…</option>${(q.options ?? []).map(
    (o) => html`<option${o === value ? html` selected` : ''}>${o}</option>`,
  )}</select></div>`;
}

/** The attendee's details for one chosen slot (again with the errors, when what was sent was not valid). */
export function detailsPage(
  profile: PublicBookingProfile,
  slug: string,
  state: PageState,
  slot: { start: string; end: string },
  values: FormValues = {},
  errors: FieldErrors = {},
  rescheduling = false,
): PublicPageContent {
  const summary = Object.entries(errors).map(([fieldId, message]) => ({ fieldId, message }));
  const standard: InputSpec[] = [
    { id: 'name', name: 'name', label: 'Your name', type: 'text', required: true, autocomplete: 'name', maxLength: 120 },
    { id: 'email', name: 'email', label: 'Email', type: 'email', required: true, autocomplete: 'email', maxLength: 320 },
    { id: 'company', name: 'company', label: 'Company', type: 'text', required: false, autocomplete: 'organization', maxLength: 200 },
    { id: 'phone', name: 'phone', label: 'Phone', type: 'tel', required: false, autocomplete: 'tel', maxLength: 50 },
    { id: 'notes', name: 'notes', label: 'Anything to prepare?', type: 'textarea', required: false, maxLength: 5000 },
  ];
  return {
    title: `Confirm: ${profile.title}`,
    body: html`${header(profile)}
${errorSummary(summary)}
<h2>${slotText(slot.start, slot.end, state.tz)}</h2>
<p><a href="${pagePath(slug, state)}">Pick another time</a></p>
<form method="post" action="/api/v1/booking/${slug}/page" novalidate>
<input type="hidden" name="start" value="${slot.start}">
<input type="hidden" name="end" value="${slot.end}">
<input type="hidden" name="tz" value="${state.tz}">
<input type="hidden" name="date" value="${state.date}">
<input type="hidden" name="duration" value="${state.duration}">
${state.reschedule ? html`<input type="hidden" name="reschedule" value="${state.reschedule}">` : ''}
${
  rescheduling
    ? html`<p>Your details stay as they were booked.</p>`
    : html`${standard.map((spec) => input(spec, values[spec.name as keyof FormValues] as string | undefined, errors[spec.id]))}
${profile.questions.map((q) => question(q, values.answers?.[q.key], errors[`q-${q.key}`]))}`
}
<button type="submit">${rescheduling ? 'Move my booking here' : 'Confirm booking'}</button>
</form>`,
  };
}

export interface ManagedBookingView {
  status: 'confirmed' | 'cancelled' | 'rescheduled';
  start: string;
  end: string;
  timezone: string;
  title: string;
  host_name: string | null;
  slug: string | null;
}

/** The manage page: the booking, with Cancel (a form: a link scanner following the email's link cancels nothing) and Reschedule. */
export function managePage(token: string, booking: ManagedBookingView, flash?: 'booked' | 'cancelled', emailNote?: string): PublicPageContent {
  const when = slotText(booking.start, booking.end, booking.timezone);
  const title = flash === 'booked' ? 'Your booking is confirmed' : flash === 'cancelled' || booking.status === 'cancelled' ? 'Your booking is cancelled' : 'Your booking';
  const reschedule = booking.slug
    ? `/api/v1/booking/${encodeURIComponent(booking.slug)}/page?${new URLSearchParams({ reschedule: token, tz: booking.timezone, date: booking.start.slice(0, 10) }).toString()}`
    : null;
  const actions =
    booking.status === 'confirmed'
      ? html`<form method="post" action="${managePath(token)}/cancel"><p><button type="submit">Cancel booking</button></p></form>
${reschedule ? html`<p><a href="${reschedule}">Reschedule</a></p>` : ''}`
      : booking.status === 'rescheduled'
        ? html`<p>This booking was moved to another time: use the link in the latest confirmation email.</p>`
        : booking.slug
          ? html`<p><a href="/api/v1/booking/${booking.slug}/page">Book another time</a></p>`
          : '';
  return {
    title,
    body: html`<h1>${title}</h1>
<p><strong>${booking.title}</strong>${booking.host_name ? html` with ${booking.host_name}` : ''}</p>
<p>${when}</p>
${emailNote ? html`<p>${emailNote}</p>` : ''}
${actions}`,
  };
}

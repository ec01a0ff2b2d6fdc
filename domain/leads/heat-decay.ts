// The time decay of a lead's engagement heat (lead_heat: heat measured at
// heat_at): one definition for the hot-lead rule (domain/engagement/hot-leads.ts)
// and for the engagement part of the lead score (lead-fit-model.ts), which
// sits below engagement in the layers and so cannot import it from there.

const DAY_MS = 24 * 60 * 60 * 1000;
/** A signal counts half after a week, a quarter after two. */
export const HEAT_HALF_LIFE_MS = 7 * DAY_MS;

/** `value` measured at `from`, decayed to `to` (never grown: a `to` before `from` leaves it as it is). */
export const decayed = (value: number, from: Date, to: Date): number => value * 2 ** (-Math.max(0, to.getTime() - from.getTime()) / HEAT_HALF_LIFE_MS);

// Account health (§6.8 ABM, docs/engagement.md "Account health"): a target
// account's 0-100 score from its engagement, every point explained by a
// reason in words, its band, and how far down the funnel it has come.
// Pure: the engagement is read by target-account.service.ts
// (loadAccountEngagement), and `now` is given, so the same engagement always
// scores the same.

export const HEALTH_BANDS = ['healthy', 'warming', 'at_risk', 'cold'] as const;
export type HealthBand = (typeof HEALTH_BANDS)[number];

export const ENGAGEMENT_STAGES = ['identified', 'engaged', 'meeting', 'opportunity', 'won'] as const;
export type EngagementStage = (typeof ENGAGEMENT_STAGES)[number];

export const HEALTH_FACTORS = ['intent', 'replies', 'meetings', 'deal', 'breadth', 'recency'] as const;
export type HealthFactor = (typeof HEALTH_FACTORS)[number];

export interface HealthReason {
  factor: HealthFactor;
  points: number;
  reason: string;
}

/** Meeting status codes (§11 Meeting). */
const MEETING_STATUS = { scheduled: 1, rescheduled: 2, held: 3, cancelled: 4, noShow: 5 } as const;

/**
 * What each intent signal type weighs in the account's intent (before time
 * decay). Replies are not here: they are a factor of their own.
 */
export const ACCOUNT_SIGNAL_WEIGHTS: Record<string, number> = {
  demo_requested: 10,
  pricing_page_visit: 6,
  form_submitted: 5,
  case_study_download: 4,
  link_clicked: 3,
  email_opened_3x: 3,
  manual: 3,
  email_opened: 1,
};

export const HEALTH_RULES = {
  /** signals, replies and held meetings older than this no longer count */
  windowDays: 90,
  /** a signal weighs half as much after this many days */
  signalHalfLifeDays: 14,
  intent: { max: 35, fullAtWeight: 15 },
  replies: { first: 10, max: 15 },
  meetings: { held: 12, upcoming: 8, max: 20 },
  deal: { open: 5, probability: 10, won: 15 },
  breadth: { max: 10, assumedDecisionMakers: 3 },
  recency: { week: 5, fortnight: 3, silentAfterDays: 30, silencePenalty: -15 },
  bands: { healthy: 70, warming: 40, atRisk: 20 },
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface AccountEngagement {
  /** the account's leads' signals of the last `windowDays` (the leads of its company and of its contacts) */
  signals: { leadId: number; type: string; occurredAt: Date }[];
  /** the account's meetings (with its company, leads or contacts) starting in the last `windowDays` or later; `person` names the attendee ("lead:7", "contact:3"), null for a company meeting */
  meetings: { status: number; startTime: Date; person: string | null }[];
  /** whether any meeting that was not cancelled or missed ever took place or is planned */
  hadMeeting: boolean;
  /** the account's leads' deals */
  deals: { probability: number; isWon: boolean; isLost: boolean; stageName: string }[];
  /** any signal ever, or a tracked email to the account opened or clicked */
  everEngaged: boolean;
  /** the latest signal or meeting that took place (not cancelled or missed), ever */
  lastTouchAt: Date | null;
  estimatedDecisionMakers: number | null;
  /** the account's own status: "won" closes the funnel whatever its deals say */
  status: string;
}

export interface AccountHealth {
  score: number;
  health: HealthBand;
  reasons: HealthReason[];
  engagementStage: EngagementStage;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const ageDays = (at: Date, now: Date) => Math.max(0, (now.getTime() - at.getTime()) / DAY_MS);

/** A meeting that happened or will: not cancelled, not a no-show. */
const meetingCounts = (status: number) => status !== MEETING_STATUS.cancelled && status !== MEETING_STATUS.noShow;

function intentFactor(signals: AccountEngagement['signals'], now: Date): HealthReason {
  const counted = signals.filter((s) => (ACCOUNT_SIGNAL_WEIGHTS[s.type] ?? 0) > 0);
  if (counted.length === 0) return { factor: 'intent', points: 0, reason: `no intent signals in the last ${HEALTH_RULES.windowDays} days` };
  const weight = counted.reduce(
    (sum, s) => sum + ACCOUNT_SIGNAL_WEIGHTS[s.type]! * 0.5 ** (ageDays(s.occurredAt, now) / HEALTH_RULES.signalHalfLifeDays),
    0,
  );
  const { max, fullAtWeight } = HEALTH_RULES.intent;
  const byType = new Map<string, number>();
  for (const s of counted) byType.set(s.type, (byType.get(s.type) ?? 0) + 1);
  const types = [...byType].map(([type, n]) => `${type} ×${n}`).join(', ');
  return {
    factor: 'intent',
    points: Math.round(max * Math.min(1, weight / fullAtWeight)),
    reason: `${plural(counted.length, 'intent signal')} in the last ${HEALTH_RULES.windowDays} days (${types}), time-decayed weight ${weight.toFixed(1)} of ${fullAtWeight} for full points`,
  };
}

function repliesFactor(signals: AccountEngagement['signals']): HealthReason {
  const replies = signals.filter((s) => s.type === 'reply_received').length;
  const { first, max } = HEALTH_RULES.replies;
  if (replies === 0) return { factor: 'replies', points: 0, reason: `no replies in the last ${HEALTH_RULES.windowDays} days` };
  return { factor: 'replies', points: replies === 1 ? first : max, reason: `${plural(replies, 'reply', 'replies')} in the last ${HEALTH_RULES.windowDays} days` };
}

/** A meeting whose time has passed without being marked cancelled or missed counts as held. */
function meetingsFactor(meetings: AccountEngagement['meetings'], now: Date): HealthReason {
  const happening = meetings.filter((m) => meetingCounts(m.status));
  const held = happening.filter((m) => m.startTime.getTime() <= now.getTime()).length;
  const upcoming = happening.length - held;
  const { held: perHeld, upcoming: perUpcoming, max } = HEALTH_RULES.meetings;
  if (happening.length === 0) return { factor: 'meetings', points: 0, reason: `no meetings held in the last ${HEALTH_RULES.windowDays} days or planned` };
  return {
    factor: 'meetings',
    points: Math.min(max, held * perHeld + upcoming * perUpcoming),
    reason: `${plural(held, 'meeting')} held in the last ${HEALTH_RULES.windowDays} days, ${upcoming} upcoming`,
  };
}

function dealFactor(deals: AccountEngagement['deals']): HealthReason {
  const won = deals.filter((d) => d.isWon);
  if (won.length > 0) return { factor: 'deal', points: HEALTH_RULES.deal.won, reason: `deal won (stage ${won[0]!.stageName})` };
  const open = deals.filter((d) => !d.isWon && !d.isLost);
  if (open.length === 0) return { factor: 'deal', points: 0, reason: 'no open deal' };
  const best = open.reduce((a, b) => (b.probability > a.probability ? b : a));
  return {
    factor: 'deal',
    points: HEALTH_RULES.deal.open + Math.round(HEALTH_RULES.deal.probability * Math.min(1, Math.max(0, best.probability))),
    reason: `${plural(open.length, 'open deal')}, the furthest in stage ${best.stageName} (${Math.round(best.probability * 100)}% probability)`,
  };
}

function breadthFactor(engagement: AccountEngagement): HealthReason {
  const people = new Set<string>(engagement.signals.map((s) => `lead:${s.leadId}`));
  for (const m of engagement.meetings) if (m.person && meetingCounts(m.status)) people.add(m.person);
  const expected = engagement.estimatedDecisionMakers && engagement.estimatedDecisionMakers > 0
    ? engagement.estimatedDecisionMakers
    : HEALTH_RULES.breadth.assumedDecisionMakers;
  const source = engagement.estimatedDecisionMakers ? 'estimated' : 'assumed';
  return {
    factor: 'breadth',
    points: Math.round(HEALTH_RULES.breadth.max * Math.min(1, people.size / expected)),
    reason: `${plural(people.size, 'stakeholder')} engaged of ${expected} ${source} decision makers`,
  };
}

function recencyFactor(lastTouchAt: Date | null, now: Date): HealthReason {
  const { week, fortnight, silentAfterDays, silencePenalty } = HEALTH_RULES.recency;
  if (!lastTouchAt) return { factor: 'recency', points: 0, reason: 'no touch yet' };
  const days = Math.floor(ageDays(lastTouchAt, now));
  const since = `last touch ${plural(days, 'day')} ago`;
  if (days <= 7) return { factor: 'recency', points: week, reason: since };
  if (days <= 14) return { factor: 'recency', points: fortnight, reason: since };
  if (days <= silentAfterDays) return { factor: 'recency', points: 0, reason: since };
  return { factor: 'recency', points: silencePenalty, reason: `silent for ${plural(days, 'day')} (over ${silentAfterDays})` };
}

function engagementStageOf(engagement: AccountEngagement): EngagementStage {
  if (engagement.status === 'won' || engagement.deals.some((d) => d.isWon)) return 'won';
  if (engagement.deals.some((d) => !d.isWon && !d.isLost)) return 'opportunity';
  if (engagement.hadMeeting) return 'meeting';
  if (engagement.everEngaged) return 'engaged';
  return 'identified';
}

/**
 * healthy ≥ 70, warming ≥ 40, at_risk ≥ 20 — and an account that was
 * engaged but has been silent for over 30 days is at_risk below 20 too
 * (it is slipping, not yet cold); cold otherwise.
 */
export function healthBandOf(score: number, lastTouchAt: Date | null, now: Date): HealthBand {
  const { healthy, warming, atRisk } = HEALTH_RULES.bands;
  if (score >= healthy) return 'healthy';
  if (score >= warming) return 'warming';
  if (score >= atRisk) return 'at_risk';
  if (lastTouchAt && ageDays(lastTouchAt, now) > HEALTH_RULES.recency.silentAfterDays) return 'at_risk';
  return 'cold';
}

export function computeAccountHealth(engagement: AccountEngagement, now: Date): AccountHealth {
  const windowStart = now.getTime() - HEALTH_RULES.windowDays * DAY_MS;
  const recent = {
    ...engagement,
    signals: engagement.signals.filter((s) => s.occurredAt.getTime() >= windowStart && s.occurredAt.getTime() <= now.getTime()),
    meetings: engagement.meetings.filter((m) => m.startTime.getTime() >= windowStart),
  };
  const reasons = [
    intentFactor(recent.signals, now),
    repliesFactor(recent.signals),
    meetingsFactor(recent.meetings, now),
    dealFactor(recent.deals),
    breadthFactor(recent),
    recencyFactor(engagement.lastTouchAt, now),
  ];
  const score = Math.min(100, Math.max(0, reasons.reduce((sum, r) => sum + r.points, 0)));
  return { score, health: healthBandOf(score, engagement.lastTouchAt, now), reasons, engagementStage: engagementStageOf(engagement) };
}

// Target accounts (§6.8 ABM): companies the organization targets, their
// stakeholders (contacts with a role), their engagement and its health, and
// the ABM reports. An account's "leads" are the leads of its company and the
// leads linked to its contacts; its engagement is what those leads, its
// contacts and its company did (signals, tracked emails, meetings, deals).
//
// Every member of the organization sees and works on all its target
// accounts, as with companies and deals (which do not restrict sales reps
// either); owner_id says whose account it is, and the list filters by it.
//
// Raw SQL (docs/database.md, rule 2): the account's lead set is a UNION
// reused by several aggregates, and the list joins company, owner and a
// contact count; single-row writes are scoped by org_id like everything.
import { Prisma } from '../../generated/prisma/client.js';
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { containsPattern, dateRangeConditions, paged, type DateBound, type ListParams } from '../platform/list-query.js';
import { transaction, withConnection, type SqlClient } from '../platform/transaction.js';
import {
  computeAccountHealth,
  ENGAGEMENT_STAGES,
  HEALTH_RULES,
  type AccountEngagement,
  type AccountHealth,
  type EngagementStage,
  type HealthBand,
  type HealthReason,
} from './account-health.js';

type AccountScope = Pick<Scope, 'orgId' | 'userId'>;

export const TARGET_ACCOUNT_STATUSES = ['active', 'paused', 'won', 'lost', 'archived'] as const;
export type TargetAccountStatus = (typeof TARGET_ACCOUNT_STATUSES)[number];

export const STAKEHOLDER_ROLES = ['decision_maker', 'champion', 'influencer', 'blocker', 'user', 'other'] as const;
export type StakeholderRole = (typeof STAKEHOLDER_ROLES)[number];

/** Fields a target account list may be sorted by; they reach SQL only through accountOrder. */
export const TARGET_ACCOUNT_SORT_FIELDS = ['id', 'health_score', 'tier', 'icp_fit_score', 'company_name', 'created_at'] as const;
export type TargetAccountSortField = (typeof TARGET_ACCOUNT_SORT_FIELDS)[number];

export interface TargetAccountFilters {
  /** company name contains, case-insensitively (% and _ literal) */
  search?: string;
  health?: HealthBand;
  tier?: number;
  owner_id?: number;
  /** on created_at (§5 date range) */
  start_date?: DateBound;
  end_date?: DateBound;
}

export interface TargetAccountInput {
  company_id: number;
  owner_id?: number | null;
  tier?: number;
  estimated_decision_makers?: number | null;
  icp_fit_score?: number | null;
}

export interface TargetAccountPatch {
  owner_id?: number | null;
  tier?: number;
  estimated_decision_makers?: number | null;
  icp_fit_score?: number | null;
  status?: TargetAccountStatus;
}

interface AccountRow {
  id: number;
  company_id: number;
  company_name: string;
  industry_type: string | null;
  website: string | null;
  owner_id: number | null;
  owner_first_name: string | null;
  owner_last_name: string | null;
  owner_email: string | null;
  tier: number;
  estimated_decision_makers: number | null;
  icp_fit_score: number | null;
  status: string;
  health_score: number;
  health: string;
  health_reasons: HealthReason[];
  engagement_stage: string;
  health_computed_at: Date | null;
  contact_count: number;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}

const ACCOUNT_SELECT = Prisma.sql`
  SELECT ta.id, ta.company_id, c.company_name, c.industry_type, c.website,
         ta.owner_id, u.first_name AS owner_first_name, u.last_name AS owner_last_name, u.email AS owner_email,
         ta.tier, ta.estimated_decision_makers, ta.icp_fit_score, ta.status, ta.health_score, ta.health, ta.health_reasons,
         ta.engagement_stage, ta.health_computed_at, ta.created_by, ta.created_at, ta.updated_at,
         (SELECT count(*)::int FROM target_account_contacts tac WHERE tac.org_id = ta.org_id AND tac.target_account_id = ta.id) AS contact_count
    FROM target_accounts ta
    JOIN companies c ON c.org_id = ta.org_id AND c.id = ta.company_id
    LEFT JOIN users u ON u.org_id = ta.org_id AND u.id = ta.owner_id`;

/** The API shape of a target account (list rows, create, update). */
export function presentTargetAccount(row: AccountRow) {
  return {
    id: row.id,
    company_id: row.company_id,
    company: { id: row.company_id, company_name: row.company_name, industry_type: row.industry_type, website: row.website },
    owner_id: row.owner_id,
    owner:
      row.owner_id !== null && row.owner_email !== null
        ? { id: row.owner_id, name: [row.owner_first_name, row.owner_last_name].filter(Boolean).join(' '), email: row.owner_email }
        : null,
    tier: row.tier,
    estimated_decision_makers: row.estimated_decision_makers,
    icp_fit_score: row.icp_fit_score,
    status: row.status as TargetAccountStatus,
    health_score: row.health_score,
    health: row.health as HealthBand,
    health_reasons: row.health_reasons,
    engagement_stage: row.engagement_stage as EngagementStage,
    health_computed_at: row.health_computed_at?.toISOString() ?? null,
    contact_count: row.contact_count,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
export type TargetAccountView = ReturnType<typeof presentTargetAccount>;

const invalid = (path: string, message: string) => new ApiError('validation_error', `${path}: ${message}`, { details: [{ path, message }] });

function accountConditions(orgId: number, filters: TargetAccountFilters): Prisma.Sql {
  const conditions = [Prisma.sql`ta.org_id = ${orgId}`];
  if (filters.search) conditions.push(Prisma.sql`c.company_name ILIKE ${containsPattern(filters.search)}`);
  if (filters.health) conditions.push(Prisma.sql`ta.health = ${filters.health}`);
  if (filters.tier !== undefined) conditions.push(Prisma.sql`ta.tier = ${filters.tier}`);
  if (filters.owner_id !== undefined) conditions.push(Prisma.sql`ta.owner_id = ${filters.owner_id}`);
  conditions.push(...dateRangeConditions('ta.created_at', filters.start_date, filters.end_date));
  return Prisma.join(conditions, ' AND ');
}

/** Names sort case-insensitively; accounts without an ICP fit sort last either way; ties by id keep pages stable. */
function accountOrder(p: Pick<ListParams<TargetAccountSortField>, 'order_by' | 'order_in'>): Prisma.Sql {
  const direction = Prisma.raw(p.order_in === 'ASC' ? 'ASC' : 'DESC');
  const key: Record<TargetAccountSortField, Prisma.Sql> = {
    id: Prisma.sql`ta.id`,
    health_score: Prisma.sql`ta.health_score`,
    tier: Prisma.sql`ta.tier`,
    icp_fit_score: Prisma.sql`ta.icp_fit_score`,
    company_name: Prisma.sql`lower(c.company_name)`,
    created_at: Prisma.sql`ta.created_at`,
  };
  if (p.order_by === 'id') return Prisma.sql`ta.id ${direction}`;
  return Prisma.sql`${key[p.order_by]} ${direction} NULLS LAST, ta.id ${direction}`;
}

export async function listTargetAccounts(
  db: Database,
  scope: AccountScope,
  params: Pick<ListParams<TargetAccountSortField>, 'page' | 'limit' | 'order_by' | 'order_in'>,
  filters: TargetAccountFilters,
) {
  const where = accountConditions(scope.orgId, filters);
  const [rows, counted] = await Promise.all([
    db.prisma.$queryRaw<AccountRow[]>`${ACCOUNT_SELECT} WHERE ${where} ORDER BY ${accountOrder(params)}
      LIMIT ${params.limit} OFFSET ${(params.page - 1) * params.limit}`,
    db.prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM target_accounts ta
      JOIN companies c ON c.org_id = ta.org_id AND c.id = ta.company_id WHERE ${where}`,
  ]);
  return paged(rows.map(presentTargetAccount), counted[0]!.total, params);
}

async function accountRow(db: Database, orgId: number, id: number): Promise<AccountRow> {
  const rows = await db.prisma.$queryRaw<AccountRow[]>`${ACCOUNT_SELECT} WHERE ta.org_id = ${orgId} AND ta.id = ${id}`;
  if (!rows[0]) throw notFound('Target account');
  return rows[0];
}

async function assertOwner(db: Database, orgId: number, ownerId: number | null | undefined) {
  if (ownerId === null || ownerId === undefined) return;
  const { rowCount } = await db.pool.query('SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL', [orgId, ownerId]);
  if (!rowCount) throw invalid('owner_id', `user ${ownerId} is not a member of this organization`);
}

export async function createTargetAccount(db: Database, scope: AccountScope, input: TargetAccountInput): Promise<TargetAccountView> {
  const [{ rowCount: companies }] = await Promise.all([
    db.pool.query('SELECT 1 FROM companies WHERE org_id = $1 AND id = $2', [scope.orgId, input.company_id]),
    assertOwner(db, scope.orgId, input.owner_id),
  ]);
  if (!companies) throw invalid('company_id', `company ${input.company_id} does not exist`);
  const { rows } = await db.pool.query<{ id: number }>(
    `INSERT INTO target_accounts (org_id, company_id, owner_id, tier, estimated_decision_makers, icp_fit_score, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (org_id, company_id) DO NOTHING RETURNING id`,
    [scope.orgId, input.company_id, input.owner_id ?? null, input.tier ?? 2, input.estimated_decision_makers ?? null, input.icp_fit_score ?? null, scope.userId],
  );
  if (!rows[0]) {
    const existing = await db.pool.query<{ id: number }>('SELECT id FROM target_accounts WHERE org_id = $1 AND company_id = $2', [scope.orgId, input.company_id]);
    throw new ApiError('conflict', `Company ${input.company_id} is already a target account`, {
      code: 'target_account_exists',
      meta: { existing_id: existing.rows[0]?.id ?? null },
    });
  }
  // computed at once, so a new account shows its engagement so far (its company's leads may be engaged already)
  await storeAccountHealth(db, scope.orgId, rows[0].id);
  return presentTargetAccount(await accountRow(db, scope.orgId, rows[0].id));
}

/** The columns an update may set: only these names ever reach the UPDATE's text. */
const UPDATABLE_COLUMNS = ['owner_id', 'tier', 'estimated_decision_makers', 'icp_fit_score', 'status'] as const satisfies readonly (keyof TargetAccountPatch)[];

export async function updateTargetAccount(db: Database, scope: AccountScope, id: number, patch: TargetAccountPatch): Promise<TargetAccountView> {
  await assertOwner(db, scope.orgId, patch.owner_id);
  const fields = UPDATABLE_COLUMNS.filter((column) => patch[column] !== undefined).map((column) => [column, patch[column]] as const);
  const assignments = fields.map(([column], i) => `${column} = $${i + 3}`);
  const { rowCount } = await db.pool.query(
    `UPDATE target_accounts SET ${[...assignments, 'updated_at = now()'].join(', ')} WHERE org_id = $1 AND id = $2`,
    [scope.orgId, id, ...fields.map(([, value]) => value)],
  );
  if (!rowCount) throw notFound('Target account');
  // a status of won closes the funnel (engagement_stage won); the decision makers change the breadth
  if (patch.status !== undefined || patch.estimated_decision_makers !== undefined) await storeAccountHealth(db, scope.orgId, id);
  return presentTargetAccount(await accountRow(db, scope.orgId, id));
}

/**
 * Deletes the account, its stakeholder links, and cancels its outreach
 * steps still scheduled (their sequence workflows find them cancelled when
 * they wake and send nothing). The account goes first, so removing its
 * links asks no health refresh of an account that is gone.
 */
export async function deleteTargetAccount(db: Database, scope: AccountScope, id: number): Promise<{ id: number; cancelled_steps: number }> {
  return transaction(db.pool, { actorId: scope.userId }, async (client) => {
    const { rowCount } = await client.query('DELETE FROM target_accounts WHERE org_id = $1 AND id = $2', [scope.orgId, id]);
    if (!rowCount) throw notFound('Target account');
    await client.query('DELETE FROM target_account_contacts WHERE org_id = $1 AND target_account_id = $2', [scope.orgId, id]);
    const cancelled = await client.query(
      `UPDATE outreach_steps SET status = 'cancelled', updated_at = now() WHERE org_id = $1 AND target_account_id = $2 AND status = 'scheduled'`,
      [scope.orgId, id],
    );
    return { id, cancelled_steps: cancelled.rowCount ?? 0 };
  });
}

const CONTACT_COLUMNS = `c.id, c.name, c.email, c.phone_number, c.designation, c.seniority, c.decision_maker, c.linkedin_url, c.company_id, c.lead_id`;

interface AccountContactRow {
  id: number;
  name: string;
  email: string | null;
  phone_number: string | null;
  designation: string | null;
  seniority: string | null;
  decision_maker: string | null;
  linkedin_url: string | null;
  company_id: number | null;
  lead_id: number | null;
  stakeholder_role: string | null;
  added_at: Date;
}

const presentAccountContact = (row: AccountContactRow) => ({
  ...row,
  stakeholder_role: row.stakeholder_role as StakeholderRole | null,
  added_at: row.added_at.toISOString(),
});
export type AccountContactView = ReturnType<typeof presentAccountContact>;

/** The account's contacts with their stakeholder role, oldest link first. */
export async function accountContacts(client: SqlClient, orgId: number, accountId: number): Promise<AccountContactRow[]> {
  const { rows } = await client.query<AccountContactRow>(
    `SELECT ${CONTACT_COLUMNS}, tac.stakeholder_role, tac.created_at AS added_at
       FROM target_account_contacts tac JOIN contacts c ON c.org_id = tac.org_id AND c.id = tac.contact_id
      WHERE tac.org_id = $1 AND tac.target_account_id = $2
      ORDER BY tac.id`,
    [orgId, accountId],
  );
  return rows;
}

/**
 * Adds a stakeholder. The contact must belong to the account's company: the
 * account's engagement is its company's, and a contact of another company
 * would bring that company's leads into this account's health.
 */
export async function addAccountContact(
  db: Database,
  scope: AccountScope,
  accountId: number,
  input: { contact_id: number; stakeholder_role?: StakeholderRole | null },
): Promise<AccountContactView> {
  const account = await db.pool.query<{ company_id: number }>('SELECT company_id FROM target_accounts WHERE org_id = $1 AND id = $2', [scope.orgId, accountId]);
  if (!account.rows[0]) throw notFound('Target account');
  const contact = await db.pool.query<{ company_id: number | null }>('SELECT company_id FROM contacts WHERE org_id = $1 AND id = $2', [scope.orgId, input.contact_id]);
  if (!contact.rows[0]) throw invalid('contact_id', `contact ${input.contact_id} does not exist`);
  if (contact.rows[0].company_id !== account.rows[0].company_id) {
    throw new ApiError('validation_error', `contact_id: contact ${input.contact_id} is not a contact of the account's company`, {
      code: 'contact_not_of_company',
      details: [{ path: 'contact_id', message: "must be a contact of the account's company" }],
    });
  }
  const inserted = await db.pool.query(
    `INSERT INTO target_account_contacts (org_id, target_account_id, contact_id, stakeholder_role, created_by)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (target_account_id, contact_id) DO NOTHING`,
    [scope.orgId, accountId, input.contact_id, input.stakeholder_role ?? null, scope.userId],
  );
  if (!inserted.rowCount) throw new ApiError('conflict', `Contact ${input.contact_id} is already a contact of this account`, { code: 'account_contact_exists' });
  const added = (await accountContacts(db.pool, scope.orgId, accountId)).find((c) => c.id === input.contact_id)!;
  return presentAccountContact(added);
}

// ------------------------------------------------------------ engagement

/** The account's contacts and leads (the company's leads and the contacts' leads), as CTEs over $1 org and $2 account. */
const ACCOUNT_PEOPLE = `
  account AS (SELECT id, company_id FROM target_accounts WHERE org_id = $1 AND id = $2),
  account_contacts AS (
    SELECT c.id, c.lead_id FROM target_account_contacts tac JOIN contacts c ON c.org_id = tac.org_id AND c.id = tac.contact_id
     WHERE tac.org_id = $1 AND tac.target_account_id = $2),
  account_leads AS (
    SELECT l.id FROM leads l JOIN account a ON l.company_id = a.company_id WHERE l.org_id = $1
    UNION SELECT lead_id FROM account_contacts WHERE lead_id IS NOT NULL)`;

// the newest signals of the window are enough to score; an account with more is at full intent anyway
const MAX_SCORED_SIGNALS = 10_000;

interface AccountFacts {
  account: { id: number; estimated_decision_makers: number | null; status: string };
  engagement: AccountEngagement;
  signalCounts: { signal_type: string; last_30: number; last_90: number }[];
  trackedEmails: { sent: number; opened: number; clicked: number };
  deals: { id: number; title: string; value: string; lead_id: number; stage_id: number; stage_name: string; probability: number; is_won: boolean; is_lost: boolean }[];
  meetingCounts: { total: number; held: number; upcoming: number };
}

/** Everything the health and the detail view read of an account's engagement, as of `now`; null when there is no such account. */
export async function loadAccountFacts(client: SqlClient, orgId: number, accountId: number, now: Date): Promise<AccountFacts | null> {
  const accountQuery = await client.query<AccountFacts['account']>(
    'SELECT id, estimated_decision_makers, status FROM target_accounts WHERE org_id = $1 AND id = $2',
    [orgId, accountId],
  );
  const account = accountQuery.rows[0];
  if (!account) return null;
  const params = [orgId, accountId, now];
  // statements that do not read the clock get no $3 (PostgreSQL cannot type a parameter nothing uses)
  const people = [orgId, accountId];
  // one statement after another: a connection runs one query at a time (pg refuses overlapping ones)
  const signals = await client.query<{ lead_id: number; signal_type: string; occurred_at: Date }>(
    `WITH ${ACCOUNT_PEOPLE}
     SELECT lead_id, signal_type, occurred_at FROM intent_signals
      WHERE org_id = $1 AND lead_id IN (SELECT id FROM account_leads)
        AND occurred_at >= $3::timestamptz - make_interval(days => ${HEALTH_RULES.windowDays}) AND occurred_at <= $3::timestamptz
      ORDER BY occurred_at DESC LIMIT ${MAX_SCORED_SIGNALS}`,
    params,
  );
  const signalCounts = await client.query<{ signal_type: string; last_30: number; last_90: number }>(
    `WITH ${ACCOUNT_PEOPLE}
     SELECT signal_type,
            count(*) FILTER (WHERE occurred_at >= $3::timestamptz - interval '30 days')::int AS last_30,
            count(*)::int AS last_90
       FROM intent_signals
      WHERE org_id = $1 AND lead_id IN (SELECT id FROM account_leads)
        AND occurred_at >= $3::timestamptz - interval '90 days' AND occurred_at <= $3::timestamptz
      GROUP BY signal_type ORDER BY signal_type`,
    params,
  );
  const lastSignal = await client.query<{ last_at: Date | null; ever: boolean }>(
    `WITH ${ACCOUNT_PEOPLE}
     SELECT max(occurred_at) AS last_at, count(*) > 0 AS ever FROM intent_signals
      WHERE org_id = $1 AND lead_id IN (SELECT id FROM account_leads) AND occurred_at <= $3::timestamptz`,
    params,
  );
  const meetings = await client.query<{ status: number; start_time: Date; lead_id: number | null; contact_id: number | null; contact_lead_id: number | null }>(
    `WITH ${ACCOUNT_PEOPLE}
     SELECT m.status, m.start_time, m.lead_id, m.contact_id, ac.lead_id AS contact_lead_id
       FROM meetings m LEFT JOIN account_contacts ac ON ac.id = m.contact_id
      WHERE m.org_id = $1
        AND (m.company_id = (SELECT company_id FROM account) OR m.lead_id IN (SELECT id FROM account_leads)
             OR m.contact_id IN (SELECT id FROM account_contacts))`,
    people,
  );
  const deals = await client.query<AccountFacts['deals'][number]>(
    `WITH ${ACCOUNT_PEOPLE}
     SELECT d.id, d.title, d.value::text AS value, d.lead_id, s.id AS stage_id, s.name AS stage_name, s.probability, s.is_won, s.is_lost
       FROM deals d JOIN stages s ON s.id = d.stage_id
      WHERE d.org_id = $1 AND d.lead_id IN (SELECT id FROM account_leads)
      ORDER BY d.id`,
    people,
  );
  const tracked = await client.query<AccountFacts['trackedEmails']>(
    `WITH ${ACCOUNT_PEOPLE}
     SELECT count(*)::int AS sent, count(*) FILTER (WHERE open_count > 0)::int AS opened, count(*) FILTER (WHERE click_count > 0)::int AS clicked
       FROM tracked_emails
      WHERE org_id = $1 AND (target_account_id = $2 OR contact_id IN (SELECT id FROM account_contacts) OR lead_id IN (SELECT id FROM account_leads))`,
    people,
  );
  const nowMs = now.getTime();
  const happened = (m: { status: number }) => m.status !== 4 && m.status !== 5;
  const pastMeetings = meetings.rows.filter((m) => happened(m) && m.start_time.getTime() <= nowMs);
  const lastMeetingAt = pastMeetings.reduce<Date | null>((latest, m) => (!latest || m.start_time > latest ? m.start_time : latest), null);
  const lastSignalAt = lastSignal.rows[0]!.last_at;
  const lastTouchAt = [lastSignalAt, lastMeetingAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  const personOf = (m: (typeof meetings.rows)[number]) =>
    m.lead_id !== null ? `lead:${m.lead_id}` : m.contact_lead_id !== null ? `lead:${m.contact_lead_id}` : m.contact_id !== null ? `contact:${m.contact_id}` : null;
  const tracked0 = tracked.rows[0]!;
  return {
    account,
    engagement: {
      signals: signals.rows.map((s) => ({ leadId: s.lead_id, type: s.signal_type, occurredAt: s.occurred_at })),
      meetings: meetings.rows.map((m) => ({ status: m.status, startTime: m.start_time, person: personOf(m) })),
      hadMeeting: meetings.rows.some(happened),
      deals: deals.rows.map((d) => ({ probability: d.probability, isWon: d.is_won, isLost: d.is_lost, stageName: d.stage_name })),
      everEngaged: lastSignal.rows[0]!.ever || tracked0.opened > 0 || tracked0.clicked > 0,
      lastTouchAt,
      estimatedDecisionMakers: account.estimated_decision_makers,
      status: account.status,
    },
    signalCounts: signalCounts.rows,
    trackedEmails: tracked0,
    deals: deals.rows,
    meetingCounts: {
      total: meetings.rows.length,
      held: pastMeetings.length,
      upcoming: meetings.rows.filter((m) => happened(m) && m.start_time.getTime() > nowMs).length,
    },
  };
}

/**
 * Recomputes the account's health from its engagement and stores it in one
 * UPDATE; null when the account no longer exists. Run by the account-health
 * workflow (one per account, so two refreshes never race) and at create.
 */
export async function refreshAccountHealth(client: SqlClient, orgId: number, accountId: number, now: Date): Promise<AccountHealth | null> {
  const facts = await loadAccountFacts(client, orgId, accountId, now);
  if (!facts) return null;
  const health = computeAccountHealth(facts.engagement, now);
  await client.query(
    `UPDATE target_accounts SET health_score = $3, health = $4, health_reasons = $5::jsonb, engagement_stage = $6, health_computed_at = $7
      WHERE org_id = $1 AND id = $2`,
    [orgId, accountId, health.score, health.health, JSON.stringify(health.reasons), health.engagementStage, now],
  );
  return health;
}

/** refreshAccountHealth on one connection of the pool, as of now. */
export const storeAccountHealth = (db: Database, orgId: number, accountId: number) =>
  withConnection(db.pool, (client) => refreshAccountHealth(client, orgId, accountId, new Date()));

export async function getTargetAccount(db: Database, scope: AccountScope, id: number) {
  const row = await accountRow(db, scope.orgId, id);
  const now = new Date();
  // one connection for the detail's nine short statements, one after the other: a view holds one of the pool's connections
  const { contacts, facts, steps } = await withConnection(db.pool, async (client) => ({
    contacts: await accountContacts(client, scope.orgId, id),
    facts: await loadAccountFacts(client, scope.orgId, id, now),
    steps: await client.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM outreach_steps WHERE org_id = $1 AND target_account_id = $2 GROUP BY status ORDER BY status',
      [scope.orgId, id],
    ),
  }));
  if (!facts) throw notFound('Target account');
  const window = (key: 'last_30' | 'last_90') => ({
    total: facts.signalCounts.reduce((sum, s) => sum + s[key], 0),
    by_type: Object.fromEntries(facts.signalCounts.filter((s) => s[key] > 0).map((s) => [s.signal_type, s[key]])),
  });
  const openDeals = facts.deals.filter((d) => !d.is_won && !d.is_lost);
  return {
    ...presentTargetAccount(row),
    contacts: contacts.map(presentAccountContact),
    engagement: {
      signals: { last_30_days: window('last_30'), last_90_days: window('last_90') },
      last_touch_at: facts.engagement.lastTouchAt?.toISOString() ?? null,
      tracked_emails: facts.trackedEmails,
      meetings: facts.meetingCounts,
      open_deals: openDeals.map((d) => ({
        id: d.id,
        title: d.title,
        value: Number(d.value),
        lead_id: d.lead_id,
        stage: { id: d.stage_id, name: d.stage_name, probability: d.probability },
      })),
      won_deals: facts.deals.filter((d) => d.is_won).length,
    },
    outreach: {
      total: steps.rows.reduce((sum, s) => sum + s.n, 0),
      by_status: Object.fromEntries(steps.rows.map((s) => [s.status, s.n])),
    },
  };
}

// ------------------------------------------------------------ reports

export interface AbmReportFilters {
  tier?: number;
  owner_id?: number;
}

function reportConditions(orgId: number, filters: AbmReportFilters): Prisma.Sql {
  // archived accounts have left the programme: they count in no report
  const conditions = [Prisma.sql`ta.org_id = ${orgId}`, Prisma.sql`ta.status <> 'archived'`];
  if (filters.tier !== undefined) conditions.push(Prisma.sql`ta.tier = ${filters.tier}`);
  if (filters.owner_id !== undefined) conditions.push(Prisma.sql`ta.owner_id = ${filters.owner_id}`);
  return Prisma.join(conditions, ' AND ');
}

/**
 * The funnel: per engagement stage, in funnel order, the accounts at it
 * (`count`), those at it or beyond (`reached`), and `conversion` = reached /
 * the previous stage's reached (null for the first stage or when none reached
 * the previous one).
 */
export async function abmFunnel(db: Database, scope: AccountScope, filters: AbmReportFilters) {
  const rows = await db.prisma.$queryRaw<{ engagement_stage: string; n: number }[]>`
    SELECT ta.engagement_stage, count(*)::int AS n FROM target_accounts ta WHERE ${reportConditions(scope.orgId, filters)} GROUP BY 1`;
  const counts = ENGAGEMENT_STAGES.map((stage) => rows.find((r) => r.engagement_stage === stage)?.n ?? 0);
  const reached = counts.map((_, i) => counts.slice(i).reduce((sum, n) => sum + n, 0));
  const stages = ENGAGEMENT_STAGES.map((stage, i) => ({
    stage,
    count: counts[i]!,
    reached: reached[i]!,
    conversion: i === 0 || reached[i - 1] === 0 ? null : Math.round((reached[i]! / reached[i - 1]!) * 1000) / 1000,
  }));
  return { total: reached[0]!, stages };
}

/**
 * Accounts by health score, then by their signals of the last 30 days, with
 * the reasons of their health. The signals are counted only for the
 * candidates: the accounts scoring at least the limit-th best score (ties
 * there are decided by the signals).
 */
export async function topEngagedAccounts(db: Database, scope: AccountScope, limit: number, filters: AbmReportFilters = {}) {
  const where = reportConditions(scope.orgId, filters);
  const rows = await db.prisma.$queryRaw<(AccountRow & { signals_30d: number })[]>`
    WITH cutoff AS (
      SELECT COALESCE((SELECT ta.health_score FROM target_accounts ta WHERE ${where}
                        ORDER BY ta.health_score DESC OFFSET ${limit - 1} LIMIT 1), 0) AS score),
    candidates AS (
      SELECT ta.id,
             (SELECT count(*)::int FROM intent_signals s
               WHERE s.org_id = ta.org_id AND s.occurred_at >= now() - interval '30 days' AND s.occurred_at <= now()
                 AND s.lead_id IN (
                   SELECT l.id FROM leads l WHERE l.org_id = ta.org_id AND l.company_id = ta.company_id
                   UNION SELECT c.lead_id FROM target_account_contacts tac JOIN contacts c ON c.org_id = tac.org_id AND c.id = tac.contact_id
                          WHERE tac.org_id = ta.org_id AND tac.target_account_id = ta.id)) AS signals_30d
        FROM target_accounts ta WHERE ${where} AND ta.health_score >= (SELECT score FROM cutoff))
    SELECT acc.*, candidates.signals_30d FROM candidates
      JOIN LATERAL (${ACCOUNT_SELECT} WHERE ta.org_id = ${scope.orgId} AND ta.id = candidates.id) acc ON true
     ORDER BY acc.health_score DESC, candidates.signals_30d DESC, acc.id
     LIMIT ${limit}`;
  return rows.map((row) => ({ ...presentTargetAccount(row), signals_last_30_days: row.signals_30d }));
}

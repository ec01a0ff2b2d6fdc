// Scoring stored leads: read what the score depends on (the lead's columns,
// its company's firmographics, its intent heat — scoped by organization),
// compute it with the organization's active learned model or the rules
// (lead-fit-model.ts), and write the score and its explanation back. One
// lead (scoreStoredLead: the scoring workflow's activity, and bulk paths
// such as the HubSpot import and enrichment, inside the transaction that
// changed the lead) or a batch of leads in three statements (scoreLeadBatch:
// the rescoring job). The leads are locked as they are read, so the score a
// write replaces is the one it was computed against: a score that newly
// reaches HOT_LEAD_SCORE writes one 'notification.announce' outbox event
// (hot_lead) in the statement that stores it, once per crossing, whichever
// path scored it.
import type pg from 'pg';
import { announcementRouted, outboxInsert } from '../platform/outbox-events.js';
import { transaction, type SqlClient } from '../platform/transaction.js';
import { fitModelOf, leadScoreRecord, type LeadScoreInput, type LogisticFitModel } from './lead-fit-model.js';
import { SCORING_COLUMNS } from './lead-scoring.js';

/** A lead is hot from this score on (of 100): crossing it from below announces it (hot_lead), once per lead. */
export const HOT_LEAD_SCORE = 80;

/** The columns of LEAD_FIT_FROM a fit is computed from (FitInput, estimated_value as numeric text), with l.id. */
export const LEAD_FIT_COLUMNS = `l.id, ${SCORING_COLUMNS.split(', ').map((c) => `l.${c}`).join(', ')},
  coalesce(nullif(btrim(c.industry_type), ''), l.industry) AS industry, c.employee_size,
  coalesce(nullif(btrim(c.country), ''), l.country) AS country`;
/** The leads `l` with their company `c` (firmographics win over the lead's own industry and country). */
export const LEAD_FIT_FROM = 'leads l LEFT JOIN companies c ON c.id = l.company_id AND c.org_id = l.org_id';

const LEAD_SCORE_SELECT = `SELECT ${LEAD_FIT_COLUMNS}, l.score AS prior, h.heat, h.heat_at
  FROM ${LEAD_FIT_FROM} LEFT JOIN lead_heat h ON h.org_id = l.org_id AND h.lead_id = l.id`;

type StoredRow<T> = Omit<T, 'estimated_value'> & { estimated_value: string | null };

/** A row of LEAD_FIT_COLUMNS as the pure functions take it. */
export const fitInputOf = <T extends { estimated_value: number | null }>(row: StoredRow<T>): T =>
  ({ ...row, estimated_value: row.estimated_value === null ? null : Number(row.estimated_value) }) as T;

type ScoredRow = LeadScoreInput & { id: number; prior: number };

/** The organization's active learned model; null while its fit is the rules. */
export async function activeFitModel(client: SqlClient, orgId: number): Promise<LogisticFitModel | null> {
  const { rows } = await client.query<{ version: number; parameters: unknown }>(
    `SELECT version, parameters FROM scoring_models WHERE org_id = $1 AND status = 'active' ORDER BY version DESC LIMIT 1`,
    [orgId],
  );
  return fitModelOf(rows[0]);
}

/**
 * In the caller's transaction: scores these locked rows and stores the
 * scores in one UPDATE, with a hot_lead announcement for each that crossed
 * HOT_LEAD_SCORE from below. updated_at is left alone: it records changes
 * made to the lead, and the score is derived from the lead; the merge keeps
 * other ai_information keys.
 */
async function storeScores(client: pg.PoolClient, orgId: number, rows: ScoredRow[], model: LogisticFitModel | null, at: Date) {
  const records = rows.map((row) => leadScoreRecord(row, model, at));
  await client.query(
    `WITH v AS (
       SELECT * FROM unnest($2::int[], $3::int[], $4::int[], $5::text[]) AS v(id, prior, score, scoring)
     ), updated AS (
       UPDATE leads l SET score = v.score, ai_information = l.ai_information || jsonb_build_object('scoring', v.scoring::jsonb)
         FROM v WHERE l.org_id = $1 AND l.id = v.id
        RETURNING l.id, l.org_id, v.prior, v.score
     ), announced AS (
       ${outboxInsert({ kind: 'notification.announce', orgId: 'org_id', payload: { eventType: `'hot_lead'::text`, subjectId: 'id' }, from: `updated WHERE prior < $6 AND score >= $6 AND ${announcementRouted('updated.org_id', 'hot_lead')}` })}
     )
     SELECT count(*) FROM updated`,
    [orgId, rows.map((r) => r.id), rows.map((r) => r.prior), records.map((r) => r.score), records.map((r) => JSON.stringify(r.scoring)), HOT_LEAD_SCORE],
  );
  return records.map((r) => r.score);
}

const readLocked = async (client: pg.PoolClient, where: string, params: unknown[]) =>
  (await client.query<StoredRow<ScoredRow>>(`${LEAD_SCORE_SELECT} WHERE ${where} FOR UPDATE OF l`, params)).rows.map((row) => fitInputOf<ScoredRow>(row));

/** Runs `work` in the caller's transaction when given one, else in a transaction of its own (the rows must stay locked until written). */
const inTransaction = <T>(db: SqlClient, work: (client: pg.PoolClient) => Promise<T>) =>
  'release' in db ? work(db) : transaction(db, { actorId: null }, work);

/** The lead's new score; null when the organization has no such lead. `model`: the active model when the caller has loaded it already. */
export async function scoreStoredLead(db: SqlClient, orgId: number, leadId: number, model?: LogisticFitModel | null): Promise<number | null> {
  return inTransaction(db, async (client) => {
    const rows = await readLocked(client, 'l.id = $1 AND l.org_id = $2', [leadId, orgId]);
    if (rows.length === 0) return null;
    const [score] = await storeScores(client, orgId, rows, model === undefined ? await activeFitModel(client, orgId) : model, new Date());
    return score!;
  });
}

/** How many leads the organization has. */
export async function countLeads(client: SqlClient, orgId: number): Promise<number> {
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE org_id = $1', [orgId]);
  return rows[0]!.n;
}

/** In the caller's transaction: scores these leads of the organization with `model` (a bulk path that wrote them); how many. */
export async function scoreLeadsById(client: pg.PoolClient, orgId: number, leadIds: readonly number[], model: LogisticFitModel | null) {
  const rows = await readLocked(client, 'l.org_id = $1 AND l.id = ANY($2::int[]) ORDER BY l.id', [orgId, [...new Set(leadIds)]]);
  if (rows.length > 0) await storeScores(client, orgId, rows, model, new Date());
  return rows.length;
}

/**
 * In the caller's transaction: scores the organization's next `limit` leads
 * after id `afterId` (id order) with `model`; answers how many and the last
 * id (undefined when none were left).
 */
export async function scoreLeadBatch(client: pg.PoolClient, orgId: number, afterId: number, limit: number, model: LogisticFitModel | null) {
  const rows = await readLocked(client, 'l.org_id = $1 AND l.id > $2 ORDER BY l.id LIMIT $3', [orgId, afterId, limit]);
  if (rows.length > 0) await storeScores(client, orgId, rows, model, new Date());
  return { scored: rows.length, lastId: rows.at(-1)?.id };
}

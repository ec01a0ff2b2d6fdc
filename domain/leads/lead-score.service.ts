// Scoring a stored lead: read the columns the score depends on (scoped by
// organization), score them with the pure rules model (lead-scoring.ts), and
// write the score and its explanation back. The scoring workflow's activity
// runs it on its own; bulk paths (HubSpot import, enrichment) run it inside
// the transaction that changed the lead instead of starting one workflow per
// lead.
import type { SqlClient } from '../platform/transaction.js';
import { SCORING_COLUMNS, scoringRecord, type ScoringInput } from './lead-scoring.js';

/** The lead's new score; null when the organization has no such lead. */
export async function scoreStoredLead(db: SqlClient, orgId: number, leadId: number): Promise<number | null> {
  const { rows } = await db.query<Omit<ScoringInput, 'estimated_value'> & { estimated_value: string | null }>(
    `SELECT ${SCORING_COLUMNS} FROM leads WHERE id = $1 AND org_id = $2`,
    [leadId, orgId],
  );
  const lead = rows[0];
  if (!lead) return null;
  const { score, scoring } = scoringRecord(
    { ...lead, estimated_value: lead.estimated_value === null ? null : Number(lead.estimated_value) },
    new Date().toISOString(),
  );
  // updated_at is left alone: it records changes made to the lead, and the
  // score is derived from the lead; the merge keeps other ai_information keys
  const { rowCount } = await db.query(
    `UPDATE leads SET score = $3, ai_information = ai_information || jsonb_build_object('scoring', $4::jsonb)
      WHERE id = $1 AND org_id = $2`,
    [leadId, orgId, score, JSON.stringify(scoring)],
  );
  return rowCount === 1 ? score : null;
}

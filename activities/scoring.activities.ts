// Lead scoring I/O: load the lead (scoped by its organization), score it
// with the pure rules model, write the score and its explanation back.
import type pg from 'pg';
import { SCORING_COLUMNS, scoringRecord, type ScoringInput } from '../domain/lead-scoring.js';

export interface ScoreLeadInput {
  orgId: number;
  leadId: number;
}

export type ScoreLeadResult = { scored: true; score: number } | { scored: false; reason: 'lead_not_found' };

export function createScoringActivities(deps: { pool: pg.Pool }) {
  const { pool } = deps;
  return {
    async scoreLead({ orgId, leadId }: ScoreLeadInput): Promise<ScoreLeadResult> {
      const { rows } = await pool.query<Omit<ScoringInput, 'estimated_value'> & { estimated_value: string | null }>(
        `SELECT ${SCORING_COLUMNS} FROM leads WHERE id = $1 AND org_id = $2`,
        [leadId, orgId],
      );
      const lead = rows[0];
      if (!lead) return { scored: false, reason: 'lead_not_found' };
      const { score, scoring } = scoringRecord(
        { ...lead, estimated_value: lead.estimated_value === null ? null : Number(lead.estimated_value) },
        new Date().toISOString(),
      );
      // updated_at is left alone: it records changes made to the lead, and the
      // score is derived from the lead; the merge keeps other ai_information keys
      const { rowCount } = await pool.query(
        `UPDATE leads SET score = $3, ai_information = ai_information || jsonb_build_object('scoring', $4::jsonb)
          WHERE id = $1 AND org_id = $2`,
        [leadId, orgId, score, JSON.stringify(scoring)],
      );
      return rowCount === 1 ? { scored: true, score } : { scored: false, reason: 'lead_not_found' };
    },
  };
}

export type ScoringActivities = ReturnType<typeof createScoringActivities>;

// Lead scoring I/O for the scoring workflow (domain/leads/lead-score.service.ts).
import type { ActivityDeps } from './activity-deps.js';
import { scoreStoredLead } from '../domain/leads/lead-score.service.js';

export interface ScoreLeadInput {
  orgId: number;
  leadId: number;
}

export type ScoreLeadResult = { scored: true; score: number } | { scored: false; reason: 'lead_not_found' };

export function createScoringActivities({ database }: ActivityDeps) {
  const { pool } = database;
  return {
    async scoreLead({ orgId, leadId }: ScoreLeadInput): Promise<ScoreLeadResult> {
      const score = await scoreStoredLead(pool, orgId, leadId);
      return score === null ? { scored: false, reason: 'lead_not_found' } : { scored: true, score };
    },
  };
}

export type ScoringActivities = ReturnType<typeof createScoringActivities>;

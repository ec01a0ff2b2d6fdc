// Synthetic closed outcomes for the learning score's tests and benchmark:
// leads alike in everything the rules model reads (so the rules rank them
// all equal), differing in industry, each with one deal in the won or lost
// stage of the organization's default pipeline.
import type pg from 'pg';

export interface SeededOutcome {
  industry: string;
  won: boolean;
}

/** Inserts one lead and one closed deal per outcome; answers the leads' ids in order. */
export async function seedOutcomes(pool: pg.Pool, orgId: number, outcomes: readonly SeededOutcome[], label = 'o'): Promise<number[]> {
  const { rows: leads } = await pool.query<{ id: number }>(
    `INSERT INTO leads (org_id, first_name, last_name, email, company, job_title, industry)
     SELECT $1, 'Person', 'No' || n, $3 || n || '@acme' || n || '.example', 'Acme', 'Analyst', industry
       FROM unnest($2::text[]) WITH ORDINALITY AS v(industry, n)
      ORDER BY n RETURNING id`,
    [orgId, outcomes.map((o) => o.industry), `${label}-person`],
  );
  const ids = leads.map((l) => l.id).sort((a, b) => a - b);
  await pool.query(
    `INSERT INTO deals (org_id, lead_id, pipeline_id, stage_id, title, value, expected_close_date)
     SELECT $1, v.lead_id, s.pipeline_id, s.id, 'Deal ' || v.lead_id, 1000, current_date
       FROM unnest($2::int[], $3::bool[]) AS v(lead_id, won)
       JOIN LATERAL (SELECT id, pipeline_id FROM stages WHERE org_id = $1 AND (CASE WHEN v.won THEN is_won ELSE is_lost END) ORDER BY id LIMIT 1) s ON true`,
    [orgId, ids, outcomes.map((o) => o.won)],
  );
  return ids;
}

/** `count` outcomes where industry decides: Software wins 9 of 10, Retail 1 of 10. */
export const industryDecides = (count: number): SeededOutcome[] =>
  Array.from({ length: count }, (_, i) => {
    const software = i % 2 === 0;
    return { industry: software ? 'Software' : 'Retail', won: software ? i % 20 !== 0 : i % 20 === 1 };
  });

/** `count` outcomes where the outcome is a coin toss (MurmurHash3's finaliser of the index), unrelated to the industry. */
export const coinTossOutcomes = (count: number): SeededOutcome[] =>
  Array.from({ length: count }, (_, i) => ({ industry: ['Software', 'Retail', 'Finance'][i % 3]!, won: coin(i + 1) }));

export function coin(i: number): boolean {
  let h = Math.imul(i ^ (i >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % 2 === 0;
}

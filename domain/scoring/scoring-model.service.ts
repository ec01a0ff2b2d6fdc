// The scoring model as the API shows and steers it (beyond the spec,
// docs/scoring.md): the active model (or the rules) with the latest trained
// one, the list of versions, and the admin actions that start a training or
// a rescoring job (one of each at a time per organization).
import type { Job, ScoringModel } from '../../generated/prisma/client.js';
import { isAdmin, type Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { ApiError } from '../platform/errors.js';
import { transaction } from '../platform/transaction.js';
import { createJob, jobOfTypeExists, lockOpenJobWith, type JobType } from '../jobs/job.service.js';
import { HEAT_HALF_LIFE_MS } from '../leads/heat-decay.js';
import { ENGAGEMENT_FULL_HEAT, ENGAGEMENT_POINTS_CAP, type FeatureSpec } from '../leads/lead-fit-model.js';
import { SCORING_MODEL } from '../leads/lead-scoring.js';
import { countLeads } from '../leads/lead-score.service.js';
import { requestScheduleIfFirstTraining } from './scoring-schedule.js';
import { GUARD_AUC_MARGIN, GUARD_MIN_AUC, MIN_CLOSED_LEADS, MIN_LOST_LEADS, MIN_WON_LEADS, type IdealProfile } from './scoring-training.js';

/** Values of each profile dimension the model view shows (the stored profile keeps them all). */
const PROFILE_VALUES_SHOWN = 5;

export function presentScoringModel(row: ScoringModel) {
  const parameters = row.parameters as { features?: FeatureSpec[]; coefficients?: number[]; intercept?: number };
  const profile = row.profile as Partial<IdealProfile>;
  return {
    version: row.version,
    kind: row.kind,
    status: row.status as 'trained' | 'rejected' | 'active' | 'retired',
    decision: row.decision,
    trained_at: row.trained_at.toISOString(),
    training_rows: row.training_rows,
    holdout_rows: row.holdout_rows,
    job_id: row.job_id,
    metrics: row.metrics as Record<string, unknown>,
    intercept: parameters.intercept ?? null,
    features: (parameters.features ?? []).map((f, i) => ({ name: f.name, coefficient: parameters.coefficients?.[i] ?? 0 })),
    profile: {
      closed: profile.closed ?? 0,
      won: profile.won ?? 0,
      base_rate: profile.base_rate ?? 0,
      dimensions: Object.fromEntries(Object.entries(profile.dimensions ?? {}).map(([dimension, values]) => [dimension, values.slice(0, PROFILE_VALUES_SHOWN)])),
    },
  };
}

/** The fit in use and the latest trained model, with the rules that govern them. */
export async function scoringModelOverview(db: Database, scope: Pick<Scope, 'orgId'>) {
  const [active, latest] = await Promise.all([
    db.prisma.scoringModel.findFirst({ where: { org_id: scope.orgId, status: 'active' }, orderBy: { version: 'desc' } }),
    db.prisma.scoringModel.findFirst({ where: { org_id: scope.orgId }, orderBy: { version: 'desc' } }),
  ]);
  return {
    fit_model: active ? `${active.kind} v${active.version}` : SCORING_MODEL,
    active: active ? presentScoringModel(active) : null,
    latest: latest ? presentScoringModel(latest) : null,
    engagement: { points_cap: ENGAGEMENT_POINTS_CAP, full_heat: ENGAGEMENT_FULL_HEAT, half_life_days: HEAT_HALF_LIFE_MS / 86_400_000 },
    training: { min_closed_leads: MIN_CLOSED_LEADS, min_won_leads: MIN_WON_LEADS, min_lost_leads: MIN_LOST_LEADS, guard_auc_margin: GUARD_AUC_MARGIN, guard_min_auc: GUARD_MIN_AUC },
  };
}

export async function listScoringModels(db: Database, scope: Pick<Scope, 'orgId'>, page: { page: number; limit: number }) {
  const where = { org_id: scope.orgId };
  const [rows, total] = await Promise.all([
    db.prisma.scoringModel.findMany({ where, orderBy: { version: 'desc' }, skip: (page.page - 1) * page.limit, take: page.limit }),
    db.prisma.scoringModel.count({ where }),
  ]);
  return { data: rows.map(presentScoringModel), total, page: page.page, limit: page.limit };
}

/**
 * Records a job of `type` unless one is unfinished (409 `code`), under a
 * per-organization lock so two requests cannot both start one. `userId`
 * null: started by the organization's schedule.
 */
export async function startExclusiveJob(
  db: Database,
  scope: Pick<Scope, 'orgId' | 'userId'>,
  type: Extract<JobType, 'scoring_train' | 'lead_rescore'>,
  params: Record<string, unknown>,
): Promise<{ job: Job; started: true } | { jobId: number; started: false }> {
  return transaction(db.pool, { actorId: scope.userId }, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1), $2)`, [type, scope.orgId]);
    const open = await lockOpenJobWith(client, scope.orgId, type, {});
    if (open) return { jobId: open.id, started: false as const };
    if (type === 'scoring_train') await requestScheduleIfFirstTraining(client, scope.orgId);
    // a rescoring's progress has its total from the start (counted again by its first batch)
    const total = type === 'lead_rescore' ? await countLeads(client, scope.orgId) : null;
    return { job: await createJob(client, scope, { type, params, total }), started: true as const };
  });
}

/** Organizations handled per maintenance round (the rest in the next ones). */
const ORGANIZATIONS_PER_ROUND = 100;

/**
 * The worker's maintenance round: organizations with a closed deal and no
 * training yet get their first scoring_train job, and with it their weekly
 * schedule; answers how many.
 */
export async function ensureScoringSchedules(db: Database): Promise<number> {
  const { rows } = await db.pool.query<{ id: number }>(
    `SELECT o.id FROM organizations o
      WHERE EXISTS (SELECT 1 FROM deals d WHERE d.org_id = o.id AND d.closed_at IS NOT NULL)
        AND NOT ${jobOfTypeExists('o.id', 'scoring_train')}
      ORDER BY o.id LIMIT $1`,
    [ORGANIZATIONS_PER_ROUND],
  );
  let made = 0;
  for (const { id } of rows) {
    if ((await startExclusiveJob(db, { orgId: id, userId: null }, 'scoring_train', { trigger: 'first_outcome' })).started) made++;
  }
  return made;
}

const RUNNING_CODES = { scoring_train: 'scoring_training_running', lead_rescore: 'lead_rescore_running' } as const;

/** An admin's request to train now or rescore now: the queued job; 403 for others, 409 while one runs. */
export async function requestScoringJob(db: Database, scope: Scope, type: 'scoring_train' | 'lead_rescore') {
  if (!isAdmin(scope)) throw new ApiError('forbidden', 'Only Admin users may train the scoring model or rescore leads');
  const outcome = await startExclusiveJob(db, scope, type, { trigger: 'manual' });
  if (!outcome.started) {
    throw new ApiError('conflict', `Job ${outcome.jobId} (${type}) has not finished yet; wait for it or cancel it first`, { code: RUNNING_CODES[type] });
  }
  return outcome.job;
}

// Pipelines and their stages (§6.6, §7.3). Won and lost stages are
// protected: they can be neither changed nor removed. Stages and pipelines
// that still hold deals cannot be removed; the deals' foreign keys guarantee
// it even when a deal arrives while the removal runs.
import { Prisma, type Pipeline, type Stage } from '../../generated/prisma/client.js';
import type { Database } from '../platform/db.js';
import { transaction } from '../platform/transaction.js';
import { ApiError, notFound } from '../platform/errors.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';
import { DEFAULT_PIPELINE_STAGES } from '../identity/organization.service.js';

/** The largest amount a Decimal(14, 2) column holds: deal values and pipeline limits. */
export const MAX_AMOUNT = 999_999_999_999.99;

export interface StageInput {
  name: string;
  color?: string | null;
  /** defaults to the stage's place in the list (1-based) */
  position?: number;
  is_won?: boolean;
  is_lost?: boolean;
  probability?: number;
  max_days_in_stage?: number | null;
}

/** An entry of an update's stage list: with id it changes that stage, without id it adds one (name required). */
export type StageItem = Partial<StageInput> & { id?: number };

export interface PipelineInput {
  name: string;
  description?: string | null;
  max_deal_limit?: number | null;
  region?: string | null;
  stages?: StageInput[];
}

export interface PipelinePatch extends Partial<Omit<PipelineInput, 'stages'>> {
  state_id?: number;
  /** the pipeline's complete stage list: stages of the pipeline not listed are removed */
  stages?: StageItem[];
}

type Tx = Prisma.TransactionClient;

const DEFAULT_STAGES: readonly StageInput[] = DEFAULT_PIPELINE_STAGES;

/** What a stage is, as opposed to where it sits: a protected stage may move, never change. */
const STAGE_CONTENT = ['name', 'color', 'is_won', 'is_lost', 'probability', 'max_days_in_stage'] as const;

const withStages = { stages: { orderBy: [{ position: 'asc' }, { id: 'asc' }] } } satisfies Prisma.PipelineInclude;

const isForeignKeyViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2003';

const invalidStages = (message: string, code?: string) =>
  new ApiError('validation_error', message, { code, details: [{ path: 'stages', message }] });

const names = (stages: Pick<Stage, 'name'>[]) => stages.map((s) => `"${s.name}"`).join(', ');

function stillHoldDeals(kind: 'stage' | 'pipeline', which: { id: number; name: string }[]) {
  const label = kind === 'stage' ? 'Stage' : 'Pipeline';
  return new ApiError('conflict', `${label}(s) ${names(which)} still have deals; move or delete those deals first`, {
    code: `${kind}_has_deals`,
    meta: { [`${kind}_ids`]: which.map((w) => w.id) },
  });
}

/** The columns of one stage; won and lost stages are the protected ones. */
function stageRow(stage: StageInput, position: number) {
  const isWon = stage.is_won ?? false;
  const isLost = stage.is_lost ?? false;
  if (isWon && isLost) throw invalidStages(`Stage "${stage.name}" cannot be both won and lost`);
  return {
    name: stage.name,
    color: stage.color ?? null,
    position,
    is_won: isWon,
    is_lost: isLost,
    probability: stage.probability ?? (isWon ? 1 : 0),
    max_days_in_stage: stage.max_days_in_stage ?? null,
    is_protected: isWon || isLost,
  };
}

type StageRow = ReturnType<typeof stageRow>;

function assertUniquePositions(stages: Pick<StageRow, 'position'>[]) {
  const seen = new Set<number>();
  for (const { position } of stages) {
    if (seen.has(position)) throw invalidStages(`Stage positions must be unique: ${position} is used more than once`);
    seen.add(position);
  }
}

export function presentStage(stage: Stage) {
  return {
    id: stage.id,
    pipeline_id: stage.pipeline_id,
    name: stage.name,
    color: stage.color,
    position: stage.position,
    is_won: stage.is_won,
    is_lost: stage.is_lost,
    probability: stage.probability,
    max_days_in_stage: stage.max_days_in_stage,
    is_protected: stage.is_protected,
  };
}

interface DealStats {
  deal_count: number;
  /** summed value of the deals in stages that are neither won nor lost */
  open_value: number;
}

const NO_DEALS: DealStats = { deal_count: 0, open_value: 0 };

export function presentPipeline(pipeline: Pipeline & { stages: Stage[] }, stats: DealStats) {
  return {
    id: pipeline.id,
    name: pipeline.name,
    description: pipeline.description,
    max_deal_limit: pipeline.max_deal_limit === null ? null : Number(pipeline.max_deal_limit),
    region: pipeline.region,
    state_id: pipeline.state_id,
    ...stats,
    stages: pipeline.stages.map(presentStage),
    created_at: pipeline.created_at.toISOString(),
    updated_at: pipeline.updated_at.toISOString(),
  };
}

export type PipelineView = ReturnType<typeof presentPipeline>;

async function dealStats(db: Tx, orgId: number, pipelineIds: number[]): Promise<Map<number, DealStats>> {
  const scoped = { org_id: orgId, pipeline_id: { in: pipelineIds } };
  const [counts, open] = await Promise.all([
    db.deal.groupBy({ by: ['pipeline_id'], where: scoped, _count: { _all: true } }),
    db.deal.groupBy({ by: ['pipeline_id'], where: { ...scoped, stage: { is_won: false, is_lost: false } }, _sum: { value: true } }),
  ]);
  const openValue = new Map(open.map((row) => [row.pipeline_id, Number(row._sum.value ?? 0)]));
  return new Map(counts.map((row) => [row.pipeline_id, { deal_count: row._count._all, open_value: openValue.get(row.pipeline_id) ?? 0 }]));
}

async function loadPipeline(db: Tx, orgId: number, id: number): Promise<PipelineView> {
  const pipeline = await db.pipeline.findFirst({ where: { id, org_id: orgId }, include: withStages });
  if (!pipeline) throw notFound('Pipeline');
  const stats = await dealStats(db, orgId, [id]);
  return presentPipeline(pipeline, stats.get(id) ?? NO_DEALS);
}

export async function listPipelines(
  db: Database,
  scope: { orgId: number },
  params: ListParams<'id' | 'name' | 'created_at'> & { state_id?: number },
) {
  const where: Prisma.PipelineWhereInput = {
    org_id: scope.orgId,
    state_id: params.state_id,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { name: containsText(params.search_value) }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.pipeline.findMany({ where, include: withStages, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.pipeline.count({ where }),
  ]);
  const stats = await dealStats(
    db.prisma,
    scope.orgId,
    rows.map((p) => p.id),
  );
  return paged(
    rows.map((p) => presentPipeline(p, stats.get(p.id) ?? NO_DEALS)),
    total,
    params,
  );
}

/** Without stages, a pipeline starts with the organization defaults, protected Won and Lost included. */
export async function createPipeline(db: Database, scope: { orgId: number }, input: PipelineInput): Promise<PipelineView> {
  const { stages = DEFAULT_STAGES, ...fields } = input;
  const rows = stages.map((stage, i) => stageRow(stage, stage.position ?? i + 1));
  assertUniquePositions(rows);
  const pipeline = await db.prisma.pipeline.create({
    data: { ...fields, org_id: scope.orgId, stages: { create: rows.map((row) => ({ ...row, org_id: scope.orgId })) } },
    include: withStages,
  });
  return presentPipeline(pipeline, NO_DEALS);
}

/** The stored stage as input, so that an update item only overrides what it lists. */
const storedStage = (stage: Stage): StageInput => ({
  name: stage.name,
  color: stage.color,
  is_won: stage.is_won,
  is_lost: stage.is_lost,
  probability: stage.probability,
  max_days_in_stage: stage.max_days_in_stage,
});

/** Makes the pipeline's stages the listed ones; runs inside the update's transaction. */
async function replaceStages(tx: Tx, orgId: number, pipelineId: number, items: StageItem[]) {
  const existing = await tx.stage.findMany({ where: { org_id: orgId, pipeline_id: pipelineId } });
  const byId = new Map(existing.map((stage) => [stage.id, stage]));
  const changes: { id: number; data: StageRow }[] = [];
  const additions: StageRow[] = [];
  items.forEach((item, index) => {
    if (item.id === undefined) {
      if (item.name === undefined) {
        throw new ApiError('bad_request', `Missing required parameter(s): stages.${index}.name (a new stage needs a name)`);
      }
      additions.push(stageRow({ ...item, name: item.name }, item.position ?? index + 1));
      return;
    }
    const stage = byId.get(item.id);
    if (!stage) throw invalidStages(`Stage ${item.id} does not belong to this pipeline`);
    const next = stageRow({ ...storedStage(stage), ...item }, item.position ?? stage.position);
    if (stage.is_protected && STAGE_CONTENT.some((field) => next[field] !== stage[field])) {
      throw invalidStages(`Stage "${stage.name}" is protected and cannot be changed`, 'protected_stage');
    }
    changes.push({ id: stage.id, data: next });
  });
  if (new Set(changes.map((c) => c.id)).size !== changes.length) throw invalidStages('A stage id is listed more than once');
  assertUniquePositions([...changes.map((c) => c.data), ...additions]);

  const listed = new Set(changes.map((c) => c.id));
  const removed = existing.filter((stage) => !listed.has(stage.id));
  const protectedRemoved = removed.filter((stage) => stage.is_protected);
  if (protectedRemoved.length > 0) {
    throw invalidStages(`Protected stage(s) ${names(protectedRemoved)} cannot be removed`, 'protected_stage');
  }
  await removeStages(tx, orgId, removed);
  for (const { id, data } of changes) {
    await tx.stage.updateMany({ where: { id, org_id: orgId, pipeline_id: pipelineId }, data });
  }
  await tx.stage.createMany({ data: additions.map((row) => ({ ...row, org_id: orgId, pipeline_id: pipelineId })) });
}

async function removeStages(tx: Tx, orgId: number, stages: Stage[]) {
  if (stages.length === 0) return;
  const ids = stages.map((s) => s.id);
  const withDeals = await tx.deal.findMany({
    where: { org_id: orgId, stage_id: { in: ids } },
    select: { stage_id: true },
    distinct: ['stage_id'],
  });
  const blocked = stages.filter((s) => withDeals.some((row) => row.stage_id === s.id));
  if (blocked.length > 0) throw stillHoldDeals('stage', blocked);
  try {
    await tx.stage.deleteMany({ where: { org_id: orgId, id: { in: ids } } });
  } catch (err) {
    throw isForeignKeyViolation(err) ? stillHoldDeals('stage', stages) : err;
  }
}

/**
 * One transaction. Its first statement is the scoped pipeline update, which
 * also locks the pipeline row, so concurrent stage edits of one pipeline run
 * one after the other and the position and protection checks hold.
 */
export async function updatePipeline(db: Database, scope: { orgId: number }, id: number, patch: PipelinePatch): Promise<PipelineView> {
  const { stages, ...fields } = patch;
  return transaction(db.prisma, { actorId: null }, async (tx) => {
    const { count } = await tx.pipeline.updateMany({ where: { id, org_id: scope.orgId }, data: { ...fields, updated_at: new Date() } });
    if (count === 0) throw notFound('Pipeline');
    if (stages) await replaceStages(tx, scope.orgId, id, stages);
    return loadPipeline(tx, scope.orgId, id);
  });
}

/** Deletes the organization's pipelines among `ids` (their stages go with them), all or none. */
export async function deletePipelines(db: Database, scope: { orgId: number }, ids: number[]): Promise<number> {
  return transaction(db.prisma, { actorId: null }, async (tx) => {
    const owned = await tx.pipeline.findMany({ where: { id: { in: ids }, org_id: scope.orgId }, select: { id: true, name: true } });
    if (owned.length === 0) throw notFound('Pipeline');
    const ownedIds = owned.map((p) => p.id);
    const withDeals = await tx.deal.findMany({
      where: { org_id: scope.orgId, pipeline_id: { in: ownedIds } },
      select: { pipeline_id: true },
      distinct: ['pipeline_id'],
    });
    const blocked = owned.filter((p) => withDeals.some((row) => row.pipeline_id === p.id));
    if (blocked.length > 0) throw stillHoldDeals('pipeline', blocked);
    try {
      const { count } = await tx.pipeline.deleteMany({ where: { id: { in: ownedIds }, org_id: scope.orgId } });
      return count;
    } catch (err) {
      throw isForeignKeyViolation(err) ? stillHoldDeals('pipeline', owned) : err;
    }
  });
}

export async function pipelineStages(db: Database, scope: { orgId: number }, id: number) {
  const pipeline = await db.prisma.pipeline.findFirst({ where: { id, org_id: scope.orgId }, select: withStages });
  if (!pipeline) throw notFound('Pipeline');
  return pipeline.stages.map(presentStage);
}

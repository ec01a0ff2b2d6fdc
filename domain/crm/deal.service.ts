// Deals (§6.6, §7.2): a lead's opportunity in one stage of one pipeline. The
// lead and pipeline must be the organization's and the stage the pipeline's
// (422 with a reason); the deals table's composite foreign keys hold the
// pipeline and stage rules even against concurrent changes. A deal put into
// a won stage (created there, or moved there from a stage that is not won)
// writes a 'notification.announce' outbox event (deal_won) in the same
// transaction; the announcement's workflow id makes it one per deal.
import { Prisma } from '../../generated/prisma/client.js';
import { announcementRouted, outboxInsert } from '../platform/outbox-events.js';
import { transaction } from '../platform/transaction.js';
import type { Database } from '../platform/db.js';
import { ApiError, notFound } from '../platform/errors.js';
import { containsText, dateRangeFilter, orderArgs, pageArgs, paged, type ListParams } from '../platform/list-query.js';

export interface DealInput {
  lead_id: number;
  pipeline_id: number;
  stage_id: number;
  title: string;
  value: number;
  /** a calendar date (UTC midnight) */
  expected_close_date: Date;
  priority?: number;
  description?: string | null;
}

export type DealPatch = Partial<DealInput>;

export interface DealFilters {
  lead_id?: number;
  pipeline_id?: number;
  /** a stage id */
  status?: number;
}

const withNames = { stage: { select: { name: true } }, pipeline: { select: { name: true } } } satisfies Prisma.DealInclude;

type DealWithNames = Prisma.DealGetPayload<{ include: typeof withNames }>;

export function presentDeal(deal: DealWithNames) {
  return {
    id: deal.id,
    lead_id: deal.lead_id,
    pipeline_id: deal.pipeline_id,
    pipeline_name: deal.pipeline.name,
    stage_id: deal.stage_id,
    stage_name: deal.stage.name,
    title: deal.title,
    value: Number(deal.value),
    expected_close_date: deal.expected_close_date.toISOString().slice(0, 10),
    priority: deal.priority,
    description: deal.description,
    created_by: deal.created_by,
    created_at: deal.created_at.toISOString(),
    updated_at: deal.updated_at.toISOString(),
  };
}

export type DealView = ReturnType<typeof presentDeal>;

const invalid = (path: string, message: string) =>
  new ApiError('validation_error', `${path}: ${message}`, { details: [{ path, message }] });

async function assertLeadOfOrg(db: Database, orgId: number, leadId: number) {
  if ((await db.prisma.lead.count({ where: { id: leadId, org_id: orgId } })) === 0) {
    throw invalid('lead_id', `lead ${leadId} does not exist`);
  }
}

/** The stage must be one of the pipeline's, and the value within the pipeline's max_deal_limit when it has one. */
async function assertPlacement(db: Database, orgId: number, deal: { pipeline_id: number; stage_id: number; value: Prisma.Decimal | number }) {
  const pipeline = await db.prisma.pipeline.findFirst({
    where: { id: deal.pipeline_id, org_id: orgId },
    select: { max_deal_limit: true, stages: { where: { id: deal.stage_id }, select: { id: true } } },
  });
  if (!pipeline) throw invalid('pipeline_id', `pipeline ${deal.pipeline_id} does not exist`);
  if (pipeline.stages.length === 0) {
    throw invalid('stage_id', `stage ${deal.stage_id} is not a stage of pipeline ${deal.pipeline_id}`);
  }
  const limit = pipeline.max_deal_limit;
  if (limit !== null && new Prisma.Decimal(deal.value).greaterThan(limit)) {
    throw invalid('value', `the deal value exceeds the pipeline's max_deal_limit of ${Number(limit)}`);
  }
}

/** The deal-won announcement of the deal when its stage (now, in the transaction) is a won one and the organization routes it. */
const announceIfWon = (tx: Prisma.TransactionClient, orgId: number, dealId: number) =>
  tx.$executeRawUnsafe(
    outboxInsert({
      kind: 'notification.announce',
      orgId: 'd.org_id',
      payload: { eventType: `'deal_won'::text`, subjectId: 'd.id' },
      from: `deals d JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id
             WHERE s.is_won AND d.id = $1 AND d.org_id = $2 AND ${announcementRouted('d.org_id', 'deal_won')}`,
    }),
    dealId,
    orgId,
  );

/** Whether the deal's current stage is a won one, its row locked until the transaction ends (a concurrent move waits). */
async function isWonNow(tx: Prisma.TransactionClient, orgId: number, dealId: number): Promise<boolean> {
  const rows = await tx.$queryRaw<{ is_won: boolean }[]>`
    SELECT s.is_won FROM deals d JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id
     WHERE d.id = ${dealId} AND d.org_id = ${orgId} FOR UPDATE OF d`;
  return rows[0]?.is_won ?? false;
}

export async function listDeals(
  db: Database,
  scope: { orgId: number },
  params: ListParams<'id' | 'title' | 'value' | 'expected_close_date' | 'created_at'> & DealFilters,
) {
  const where: Prisma.DealWhereInput = {
    org_id: scope.orgId,
    lead_id: params.lead_id,
    pipeline_id: params.pipeline_id,
    stage_id: params.status,
    created_at: dateRangeFilter(params.start_date, params.end_date),
    ...(params.search_value && { title: containsText(params.search_value) }),
  };
  const [rows, total] = await Promise.all([
    db.prisma.deal.findMany({ where, include: withNames, orderBy: orderArgs(params), ...pageArgs(params) }),
    db.prisma.deal.count({ where }),
  ]);
  return paged(rows.map(presentDeal), total, params);
}

export async function createDeal(db: Database, scope: { orgId: number; userId: number | null }, input: DealInput): Promise<DealView> {
  await Promise.all([assertLeadOfOrg(db, scope.orgId, input.lead_id), assertPlacement(db, scope.orgId, input)]);
  const deal = await transaction(db.prisma, { actorId: scope.userId }, async (tx) => {
    const created = await tx.deal.create({ data: { ...input, org_id: scope.orgId, created_by: scope.userId }, include: withNames });
    await announceIfWon(tx, scope.orgId, created.id);
    return created;
  });
  return presentDeal(deal);
}

/**
 * A new pipeline, stage or value is checked against the deal's resulting
 * placement (a new pipeline needs one of its stages). The write itself is one
 * scoped statement.
 */
export async function updateDeal(db: Database, scope: { orgId: number; userId: number | null }, id: number, patch: DealPatch): Promise<DealView> {
  if (patch.lead_id !== undefined) await assertLeadOfOrg(db, scope.orgId, patch.lead_id);
  if (patch.pipeline_id !== undefined || patch.stage_id !== undefined || patch.value !== undefined) {
    const current = await db.prisma.deal.findFirst({
      where: { id, org_id: scope.orgId },
      select: { pipeline_id: true, stage_id: true, value: true },
    });
    if (!current) throw notFound('Deal');
    await assertPlacement(db, scope.orgId, {
      pipeline_id: patch.pipeline_id ?? current.pipeline_id,
      stage_id: patch.stage_id ?? current.stage_id,
      value: patch.value ?? current.value,
    });
  }
  const [deal] = await transaction(db.prisma, { actorId: scope.userId }, async (tx) => {
    const wasWon = patch.stage_id !== undefined && (await isWonNow(tx, scope.orgId, id));
    const updated = await tx.deal.updateManyAndReturn({ where: { id, org_id: scope.orgId }, data: patch, include: withNames });
    if (patch.stage_id !== undefined && !wasWon && updated.length > 0) await announceIfWon(tx, scope.orgId, id);
    return updated;
  });
  if (!deal) throw notFound('Deal');
  return presentDeal(deal);
}

export async function deleteDeals(db: Database, scope: { orgId: number; userId: number | null }, ids: number[]): Promise<number> {
  const { count } = await transaction(db.prisma, { actorId: scope.userId }, (tx) => tx.deal.deleteMany({ where: { id: { in: ids }, org_id: scope.orgId } }));
  if (count === 0) throw notFound('Deal');
  return count;
}

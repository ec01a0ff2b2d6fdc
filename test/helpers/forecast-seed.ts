// Forecasting fixtures written straight into the tables (deals with a given
// history, snapshots with given numbers), so tests can state a known answer:
// the deals_stage_timing trigger keeps the stage_entered_at and closed_at an
// INSERT gives it.
import type { TestApp } from './app.js';
import type { Tenant } from './tenants.js';

/** The organization's default pipeline and its stages by name. */
export async function defaultPipeline(t: TestApp, tenant: Tenant) {
  const pipeline = await t.database.prisma.pipeline.findFirstOrThrow({ where: { org_id: tenant.orgId }, include: { stages: true } });
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!.id;
  return { id: pipeline.id, stage };
}

/** A second pipeline with one open stage (probability 0.5) and a won one. */
export async function otherPipeline(t: TestApp, tenant: Tenant) {
  const pipeline = await t.database.prisma.pipeline.create({
    data: {
      org_id: tenant.orgId,
      name: 'Partners',
      stages: {
        create: [
          { org_id: tenant.orgId, name: 'Open', position: 1, probability: 0.5 },
          { org_id: tenant.orgId, name: 'Won', position: 2, probability: 1, is_won: true },
        ],
      },
    },
    include: { stages: true },
  });
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!.id;
  return { id: pipeline.id, stage };
}

export async function seedLead(t: TestApp, tenant: Tenant, assignedTo: number | null = null): Promise<number> {
  const { rows } = await t.database.pool.query<{ id: number }>(
    `INSERT INTO leads (org_id, first_name, last_name, assigned_to, updated_at) VALUES ($1, 'Lee', 'Lead', $2, now()) RETURNING id`,
    [tenant.orgId, assignedTo],
  );
  return rows[0]!.id;
}

export interface DealFixture {
  leadId: number;
  pipelineId: number;
  stageId: number;
  value: number;
  /** YYYY-MM-DD */
  expectedClose: string;
  title?: string;
  stageEnteredAt?: Date;
  closedAt?: Date;
  createdAt?: Date;
  createdBy?: number | null;
}

export async function seedDeal(t: TestApp, tenant: Tenant, deal: DealFixture): Promise<number> {
  const { rows } = await t.database.pool.query<{ id: number }>(
    `INSERT INTO deals (org_id, lead_id, pipeline_id, stage_id, title, value, expected_close_date, stage_entered_at, closed_at, created_at, created_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::date, coalesce($8, now()), $9, coalesce($10, now()), $11, now()) RETURNING id`,
    [
      tenant.orgId,
      deal.leadId,
      deal.pipelineId,
      deal.stageId,
      deal.title ?? 'Deal',
      deal.value,
      deal.expectedClose,
      deal.stageEnteredAt ?? null,
      deal.closedAt ?? null,
      deal.createdAt ?? null,
      deal.createdBy ?? null,
    ],
  );
  return rows[0]!.id;
}

export interface SnapshotFixture {
  dealId: number;
  pipelineId: number;
  stageId: number;
  /** YYYY-MM-DD */
  date: string;
  p: number;
  value: number;
  /** YYYY-MM-DD */
  close: string;
  /** default value × p */
  weighted?: number;
}

export async function seedSnapshot(t: TestApp, tenant: Tenant, s: SnapshotFixture): Promise<void> {
  await t.database.pool.query(
    `INSERT INTO deal_forecasts (org_id, deal_id, pipeline_id, stage_id, snapshot_date, win_probability, expected_close_date, value, weighted_value, category)
     VALUES ($1, $2, $3, $4, $5::date, $6, $7::date, $8, $9, 'pipeline')`,
    [tenant.orgId, s.dealId, s.pipelineId, s.stageId, s.date, s.p, s.close, s.value, s.weighted ?? s.value * s.p],
  );
}

/** UTC calendar helpers (test organizations keep the default time zone, UTC). */
export const utcToday = () => new Date().toISOString().slice(0, 10);
export const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
export const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
/** The first day (YYYY-MM-DD) of the month `offset` months from the current one. */
export function monthStart(offset: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
}
/** Day `day` (1-based) of the month `offset` months from the current one. */
export const dayOfMonth = (offset: number, day: number) => `${monthStart(offset).slice(0, 8)}${String(day).padStart(2, '0')}`;

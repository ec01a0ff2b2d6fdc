// The dashboards read per-day rollups (domain/analytics/dashboard-rollups.ts):
// day rows, deltas not yet folded and live rows for the partial days at a
// range's ends. Their answers must equal a direct computation over the rows
// whatever was written, updated or deleted, folded or not: random writes
// here, checked for every range shape against figures computed in this file
// from the rows themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldDashboardRollups } from '../../domain/analytics/dashboard-rollups.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedTenant, type Tenant } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
function randomSource(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick };
}
type Random = ReturnType<typeof randomSource>;

const FIRST_DAY = Date.UTC(2025, 2, 1);
/**
 * A created_at in the twelve days from 2025-03-01, one in five on a day's
 * first or last millisecond (the edges a partial day must get right), and a
 * few months earlier for the weekly series.
 */
function createdAt(random: Random): Date {
  const day = FIRST_DAY + Math.floor(random.next() * 12) * DAY_MS - (random.next() < 0.1 ? 90 * DAY_MS : 0);
  const roll = random.next();
  if (roll < 0.1) return new Date(day);
  if (roll < 0.2) return new Date(day + DAY_MS - 1);
  return new Date(day + Math.floor(random.next() * DAY_MS));
}

/** The ranges every check covers: none, whole days, instants inside days, one end only, inside one day, and a weekly one. */
const RANGES: Record<string, string>[] = [
  {},
  { start_date: '2025-03-03', end_date: '2025-03-07' },
  { start_date: '2025-03-03T12:00:00Z', end_date: '2025-03-07T06:30:00.500Z' },
  { start_date: '2025-03-02T23:59:59.999Z', end_date: '2025-03-09T00:00:00.000Z' },
  { start_date: '2025-03-05T08:00:00Z' },
  { end_date: '2025-03-06' },
  { end_date: '2025-03-06T13:00:00Z' },
  { start_date: '2025-03-04T01:00:00Z', end_date: '2025-03-04T22:00:00Z' },
  { start_date: '2024-11-20', end_date: '2025-03-12T18:00:00Z' },
];

interface Sales {
  tenant: Tenant;
  users: number[];
  stages: { id: number; is_won: boolean; is_lost: boolean }[];
  pipelineId: number;
}

async function seedOrganization(): Promise<Sales> {
  const tenant = await seedTenant(t, 'Rollups');
  const reps = [await tenant.addUser(), await tenant.addUser(), await tenant.addUser()];
  const pipeline = await t.database.prisma.pipeline.findFirstOrThrow({ where: { org_id: tenant.orgId }, include: { stages: true } });
  return { tenant, users: [tenant.adminId, ...reps.map((r) => r.id)], stages: pipeline.stages, pipelineId: pipeline.id };
}

async function addLeads(sales: Sales, random: Random, count: number) {
  await t.database.prisma.lead.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      org_id: sales.tenant.orgId,
      first_name: `Lead ${i}`,
      // 9: a status code without a lookup; null: no source, unassigned
      status: random.pick([1, 1, 2, 3, 6, 7, 9]),
      lead_source: random.pick([1, 2, 5, null]),
      score: Math.floor(random.next() * 100),
      assigned_to: random.pick([...sales.users, null]),
      created_at: createdAt(random),
    })),
  });
}

async function addDeals(sales: Sales, random: Random, count: number) {
  const leads = await t.database.prisma.lead.findMany({ where: { org_id: sales.tenant.orgId }, select: { id: true } });
  await t.database.prisma.deal.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      org_id: sales.tenant.orgId,
      lead_id: random.pick(leads).id,
      pipeline_id: sales.pipelineId,
      stage_id: random.pick(sales.stages).id,
      title: `Deal ${i}`,
      value: Math.round(random.next() * 1_000_000) / 100,
      expected_close_date: new Date('2025-12-31'),
      created_at: createdAt(random),
    })),
  });
}

/** Updates that move leads and deals between groups and days, updates that change nothing counted, and deletes. */
async function rewrite(sales: Sales, random: Random) {
  const { prisma } = t.database;
  const org_id = sales.tenant.orgId;
  const leads = await prisma.lead.findMany({ where: { org_id }, select: { id: true } });
  for (const { id } of leads) {
    const roll = random.next();
    if (roll < 0.1) await prisma.lead.update({ where: { id }, data: { status: random.pick([1, 2, 3, 9]), score: Math.floor(random.next() * 100) } });
    else if (roll < 0.2) await prisma.lead.update({ where: { id }, data: { assigned_to: random.pick([...sales.users, null]), lead_source: random.pick([2, null]) } });
    else if (roll < 0.25) await prisma.lead.update({ where: { id }, data: { created_at: createdAt(random) } });
    else if (roll < 0.3) await prisma.lead.delete({ where: { id } });
  }
  // one statement over many rows: a reassignment in bulk
  await prisma.lead.updateMany({ where: { org_id, status: 2 }, data: { assigned_to: sales.users[1] } });
  const deals = await prisma.deal.findMany({ where: { org_id }, select: { id: true } });
  for (const { id } of deals) {
    const roll = random.next();
    if (roll < 0.15) await prisma.deal.update({ where: { id }, data: { stage_id: random.pick(sales.stages).id } });
    else if (roll < 0.25) await prisma.deal.update({ where: { id }, data: { value: Math.round(random.next() * 1_000_000) / 100, created_at: createdAt(random) } });
    else if (roll < 0.3) await prisma.deal.delete({ where: { id } });
  }
}

// ------------------------------------------------ the figures, computed here from the rows

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** The range as an instant test: start inclusive, a date-only end its whole day, a date-time end inclusive. */
function within(range: Record<string, string>) {
  const start = range.start_date ? new Date(range.start_date).getTime() : -Infinity;
  const end = range.end_date
    ? DATE_ONLY.test(range.end_date) ? new Date(range.end_date).getTime() + DAY_MS - 1 : new Date(range.end_date).getTime()
    : Infinity;
  return (at: Date) => at.getTime() >= start && at.getTime() <= end;
}

const countBy = <T>(rows: T[], key: (row: T) => string | number | null) => {
  const counts = new Map<string | number | null, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  return counts;
};
const cents = (values: number[]) => Math.round(values.reduce((sum, v) => sum + v * 100, 0)) / 100;

/** Monday of the UTC week, as the stats series names a weekly bucket. */
const weekOf = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) - ((at.getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10);

async function expectedFigures(sales: Sales, range: Record<string, string>, granularity: 'day' | 'week') {
  const { prisma } = t.database;
  const org_id = sales.tenant.orgId;
  const inRange = within(range);
  const allLeads = await prisma.lead.findMany({ where: { org_id } });
  const leads = allLeads.filter((l) => inRange(l.created_at));
  const deals = (await prisma.deal.findMany({ where: { org_id } })).filter((d) => inRange(d.created_at)).map((d) => ({ ...d, value: Number(d.value) }));
  const stage = new Map(sales.stages.map((s) => [s.id, s]));
  const open = deals.filter((d) => !stage.get(d.stage_id)!.is_won && !stage.get(d.stage_id)!.is_lost);
  const won = deals.filter((d) => stage.get(d.stage_id)!.is_won);
  const assignee = new Map(allLeads.map((l) => [l.id, l.assigned_to]));
  const bucket = (at: Date) => (granularity === 'day' ? at.toISOString().slice(0, 10) : weekOf(at));
  const scoreSum = leads.reduce((sum, l) => sum + l.score, 0);
  return {
    leads: {
      total: allLeads.length,
      new_in_period: leads.length,
      average_score: leads.length === 0 ? null : Math.round((scoreSum / leads.length) * 100) / 100,
      by_status: countBy(leads, (l) => l.status),
      by_lead_source: countBy(leads, (l) => l.lead_source),
    },
    deals: {
      count: deals.length,
      open_count: open.length,
      open_value: cents(open.map((d) => d.value)),
      won_count: won.length,
      won_value: cents(won.map((d) => d.value)),
      lost_count: deals.filter((d) => stage.get(d.stage_id)!.is_lost).length,
    },
    leads_created: countBy(leads, (l) => bucket(l.created_at)),
    deals_created: countBy(deals, (d) => bucket(d.created_at)),
    stages: sales.stages.map((s) => ({
      stage_id: s.id,
      deal_count: deals.filter((d) => d.stage_id === s.id).length,
      value: cents(deals.filter((d) => d.stage_id === s.id).map((d) => d.value)),
    })),
    assignees: sales.users
      .map((user_id) => {
        const wins = won.filter((d) => assignee.get(d.lead_id) === user_id);
        return { user_id, leads_assigned: leads.filter((l) => l.assigned_to === user_id).length, deals_won: wins.length, won_value: cents(wins.map((d) => d.value)) };
      })
      .filter((a) => a.leads_assigned > 0 || a.deals_won > 0),
  };
}

const nonZero = (rows: { count: number }[], key: (row: never) => string | number | null) =>
  new Map(rows.filter((r) => r.count > 0).map((r) => [key(r as never), r.count]));

/** Every range's overview and stats against the figures computed from the rows. */
async function expectExactFigures(sales: Sales) {
  for (const range of RANGES) {
    const [overview, stats] = await Promise.all(
      ['/api/dashboard/overview', '/api/dashboard/stats'].map((path) => t.call('GET', path, { token: sales.tenant.token, query: range })),
    );
    expect(overview!.status, JSON.stringify(overview!.body)).toBe(200);
    expect(stats!.status, JSON.stringify(stats!.body)).toBe(200);
    const expected = await expectedFigures(sales, range, stats!.body.data.series.granularity);
    const label = JSON.stringify(range);
    const { leads, deals } = overview!.body.data;
    expect({ total: leads.total, new_in_period: leads.new_in_period, average_score: leads.average_score }, label).toEqual({
      total: expected.leads.total,
      new_in_period: expected.leads.new_in_period,
      average_score: expected.leads.average_score,
    });
    expect(nonZero(leads.by_status, (r: { status: number }) => r.status), label).toEqual(expected.leads.by_status);
    expect(nonZero(leads.by_lead_source, (r: { lead_source: number | null }) => r.lead_source), label).toEqual(expected.leads.by_lead_source);
    // a code without a lookup (status 9, no source) is listed only while leads have it
    expect(leads.by_status.some((r: { status: number }) => r.status === 9), label).toBe(expected.leads.by_status.has(9));
    expect(leads.by_lead_source.some((r: { lead_source: number | null }) => r.lead_source === null), label).toBe(expected.leads.by_lead_source.has(null));
    expect(deals, label).toEqual(expected.deals);

    const series = stats!.body.data;
    const inSeries = (counts: Map<string | number | null, number>) =>
      new Map([...counts].filter(([bucket]) => bucket! >= series.leads_created[0].date && bucket! <= series.leads_created.at(-1).date));
    expect(nonZero(series.leads_created, (r: { date: string }) => r.date), label).toEqual(inSeries(expected.leads_created));
    expect(nonZero(series.deals_created, (r: { date: string }) => r.date), label).toEqual(inSeries(expected.deals_created));
    expect(series.pipelines[0].stages.map((s: Record<string, unknown>) => ({ stage_id: s.stage_id, deal_count: s.deal_count, value: s.value })), label).toEqual(
      expected.stages,
    );
    const byUser = (a: { user_id: number }, b: { user_id: number }) => a.user_id - b.user_id;
    expect(series.top_assignees.map(({ name: _, ...a }: { name: string; user_id: number }) => a).sort(byUser), label).toEqual(expected.assignees.sort(byUser));
  }
}

/**
 * Folds until no delta of this organization is left, two folds at a time (as
 * two workers would; a worker's own fold may hold the lock for a moment too).
 */
async function foldAll(sales: Sales) {
  const left = async () => {
    const { rows } = await t.database.pool.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM lead_rollup_deltas WHERE org_id = $1) + (SELECT count(*) FROM deal_rollup_deltas WHERE org_id = $1))::int AS n`,
      [sales.tenant.orgId],
    );
    return rows[0]!.n;
  };
  for (let attempt = 0; attempt < 20 && (await left()) > 0; attempt++) {
    await Promise.all([foldDashboardRollups(t.database), foldDashboardRollups(t.database)]);
  }
  expect(await left()).toBe(0);
}

describe('dashboard rollups', () => {
  it('answer exactly what the rows say after random writes, updates and deletes, folded, unfolded and in between', async () => {
    const random = randomSource(14);
    const sales = await seedOrganization();
    await addLeads(sales, random, 150);
    await addDeals(sales, random, 40);
    await expectExactFigures(sales); // deltas only

    await foldAll(sales);
    await expectExactFigures(sales); // day rows only

    await rewrite(sales, random);
    await addLeads(sales, random, 40);
    await addDeals(sales, random, 10);
    await expectExactFigures(sales); // day rows and deltas

    await foldAll(sales);
    await expectExactFigures(sales);
  }, 120_000);

  it("move a won deal with its lead's reassignment and deletion, leaving the pipeline as it was", async () => {
    const sales = await seedOrganization();
    const { prisma } = t.database;
    const [first, second] = sales.users;
    const lead = await prisma.lead.create({
      data: { org_id: sales.tenant.orgId, first_name: 'Won', assigned_to: first!, created_at: new Date('2025-03-04T10:00:00Z') },
    });
    const won = sales.stages.find((s) => s.is_won)!;
    await prisma.deal.create({
      data: {
        org_id: sales.tenant.orgId, lead_id: lead.id, pipeline_id: sales.pipelineId, stage_id: won.id, title: 'Won deal', value: 250,
        expected_close_date: new Date('2025-12-31'), created_at: new Date('2025-03-05T10:00:00Z'),
      },
    });
    const winners = async () => {
      const data = (await t.call('GET', '/api/dashboard/stats', { token: sales.tenant.token, query: { start_date: '2025-03-01', end_date: '2025-03-31' } })).body.data;
      const stage = data.pipelines[0].stages.find((s: { stage_id: number }) => s.stage_id === won.id);
      return { pipeline: [stage.deal_count, stage.value], won: data.top_assignees.map((a: Record<string, number>) => [a.user_id, a.deals_won, a.won_value]) };
    };
    await foldAll(sales);
    expect(await winners()).toEqual({ pipeline: [1, 250], won: [[first, 1, 250]] });
    await prisma.lead.update({ where: { id: lead.id }, data: { assigned_to: second! } });
    expect(await winners()).toEqual({ pipeline: [1, 250], won: [[second, 1, 250]] });
    await foldAll(sales);
    expect(await winners()).toEqual({ pipeline: [1, 250], won: [[second, 1, 250]] });
    await prisma.lead.delete({ where: { id: lead.id } });
    await foldAll(sales);
    expect(await winners()).toEqual({ pipeline: [1, 250], won: [] });
  });

  it('leave no delta for updates that change nothing they count', async () => {
    const sales = await seedOrganization();
    await addLeads(sales, randomSource(7), 20);
    await foldAll(sales);
    const org_id = sales.tenant.orgId;
    await t.database.prisma.lead.updateMany({ where: { org_id }, data: { last_activity_at: new Date(), job_title: 'Buyer' } });
    const { rows } = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM lead_rollup_deltas WHERE org_id = $1', [org_id]);
    expect(rows[0]!.n).toBe(0);
  });
});

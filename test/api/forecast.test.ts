// Forecasting endpoints (§6.7) on fixtures with known answers: a deal's
// forecast computed live and read from snapshots with its trend, history,
// the pipeline forecast per period, its contributors, at-risk deals and
// their reasons, accuracy (MAPE and bias on a synthetic history), the CSV
// download, on-demand runs and the schedule's settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accuracyCsv, accuracyMeasures } from '../../domain/forecasting/forecast-accuracy.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  dayOfMonth,
  daysAgo,
  daysFromToday,
  defaultPipeline,
  monthStart,
  otherPipeline,
  seedDeal,
  seedLead,
  seedSnapshot,
  utcToday,
} from '../helpers/forecast-seed.js';
import { seedTenant, seedTwoTenants } from '../helpers/tenants.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp();
});
afterAll(() => t.close());

describe('GET /api/forecast/deal/:id and /history', () => {
  it('computes live before any run, then answers the latest snapshot with its trend', async () => {
    const tenant = await seedTenant(t);
    const pipeline = await defaultPipeline(t, tenant);
    await t.database.pool.query('UPDATE stages SET max_days_in_stage = 20 WHERE id = $1', [pipeline.stage('Proposal')]);
    const leadId = await seedLead(t, tenant);
    const dealId = await seedDeal(t, tenant, {
      leadId,
      pipelineId: pipeline.id,
      stageId: pipeline.stage('Proposal'),
      value: 10_000,
      expectedClose: daysFromToday(40),
      stageEnteredAt: daysAgo(30),
    });

    const live = await t.call('GET', `/api/forecast/deal/${dealId}`, { token: tenant.token });
    expect(live.status, JSON.stringify(live.body)).toBe(200);
    // 0.5; 10 days over 20 → −0.25 × 0.5 = −0.125 → 0.375; silence −0.05 → 0.325; no history, no won deal
    expect(live.body.data).toMatchObject({
      deal_id: dealId,
      source: 'live',
      status: 'open',
      win_probability: 0.325,
      weighted_value: 3250,
      category: 'pipeline',
      expected_close_date: daysFromToday(50),
      job_id: null,
      trend: { change_7d: null, change_30d: null, direction: null },
    });
    expect(live.body.data.factors.map((f: { factor: string; effect: number }) => [f.factor, f.effect])).toEqual([
      ['history', 0],
      ['stage_age', -0.125],
      ['engagement', -0.05],
    ]);

    const base = { dealId, pipelineId: pipeline.id, stageId: pipeline.stage('Proposal'), value: 10_000, close: daysFromToday(40) };
    await seedSnapshot(t, tenant, { ...base, date: daysFromToday(-30), p: 0.3 });
    await seedSnapshot(t, tenant, { ...base, date: daysFromToday(-7), p: 0.5 });
    await seedSnapshot(t, tenant, { ...base, date: utcToday(), p: 0.35 });
    const stored = await t.call('GET', `/api/forecast/deal/${dealId}`, { token: tenant.token });
    expect(stored.body.data).toMatchObject({
      source: 'snapshot',
      snapshot_date: utcToday(),
      win_probability: 0.35,
      weighted_value: 3500,
      trend: { change_7d: -0.15, change_30d: 0.05, direction: 'down', summary: '−15 points since a week ago' },
    });

    const history = await t.call('GET', `/api/forecast/deal/${dealId}/history`, { token: tenant.token, query: { limit: 2 } });
    expect(history.status).toBe(200);
    expect(history.body.data.map((s: { snapshot_date: string; win_probability: number }) => [s.snapshot_date, s.win_probability])).toEqual([
      [utcToday(), 0.35],
      [daysFromToday(-7), 0.5],
    ]);
    const all = await t.call('GET', `/api/forecast/deal/${dealId}/history`, { token: tenant.token });
    expect(all.body.data).toHaveLength(3);
  });

  it('answers a closed deal without snapshots by its outcome', async () => {
    const tenant = await seedTenant(t);
    const pipeline = await defaultPipeline(t, tenant);
    const dealId = await seedDeal(t, tenant, { leadId: await seedLead(t, tenant), pipelineId: pipeline.id, stageId: pipeline.stage('Won'), value: 900, expectedClose: utcToday() });
    const res = await t.call('GET', `/api/forecast/deal/${dealId}`, { token: tenant.token });
    expect(res.body.data).toMatchObject({ status: 'won', source: 'live', win_probability: 1, weighted_value: 900, category: 'omitted', factors: [] });
  });

  it('404 for another organization\'s deal; 422 for a limit out of 1..365', async () => {
    const [a, b] = await seedTwoTenants(t);
    const pipeline = await defaultPipeline(t, a);
    const dealId = await seedDeal(t, a, { leadId: await seedLead(t, a), pipelineId: pipeline.id, stageId: pipeline.stage('Discovery'), value: 100, expectedClose: utcToday() });
    expect((await t.call('GET', `/api/forecast/deal/${dealId}`, { token: b.token })).status).toBe(404);
    expect((await t.call('GET', `/api/forecast/deal/${dealId}/history`, { token: b.token })).status).toBe(404);
    for (const limit of [0, 366]) {
      const res = await t.call('GET', `/api/forecast/deal/${dealId}/history`, { token: a.token, query: { limit } });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { type: 'validation_error' } });
    }
  });
});

/** A tenant with deals whose current forecasts are known (docs in each line). */
async function seedPipelineFixture() {
  const tenant = await seedTenant(t);
  const main = await defaultPipeline(t, tenant);
  const partners = await otherPipeline(t, tenant);
  const rep = await tenant.addUser();
  const leadId = await seedLead(t, tenant, rep.id);
  const snap = async (dealId: number, pipelineId: number, stageId: number, value: number, p: number, close: string, date = utcToday()) =>
    seedSnapshot(t, tenant, { dealId, pipelineId, stageId, value, p, close, date });
  const proposal = main.stage('Proposal');
  // A: 1000 at 0.8 closing this month (an older snapshot said 0.2: the latest counts)
  const a = await seedDeal(t, tenant, { leadId, pipelineId: main.id, stageId: proposal, value: 1000, expectedClose: dayOfMonth(0, 28), title: 'A' });
  await snap(a, main.id, proposal, 1000, 0.2, dayOfMonth(0, 28), daysFromToday(-3));
  await snap(a, main.id, proposal, 1000, 0.8, dayOfMonth(0, 28));
  // B: 2000 at 0.5 closing next month
  const b = await seedDeal(t, tenant, { leadId, pipelineId: main.id, stageId: proposal, value: 2000, expectedClose: dayOfMonth(1, 10), title: 'B' });
  await snap(b, main.id, proposal, 2000, 0.5, dayOfMonth(1, 10));
  // C: 500, never snapshot: its stage's 0.1, its close date long past → the current month
  const c = await seedDeal(t, tenant, { leadId, pipelineId: main.id, stageId: main.stage('Qualification'), value: 500, expectedClose: dayOfMonth(-3, 1), title: 'C' });
  // D: another pipeline, 700 at 0.9 this month
  const d = await seedDeal(t, tenant, { leadId, pipelineId: partners.id, stageId: partners.stage('Open'), value: 700, expectedClose: dayOfMonth(0, 28), title: 'D' });
  await snap(d, partners.id, partners.stage('Open'), 700, 0.9, dayOfMonth(0, 28));
  // E: another pipeline, missing from the latest snapshot day (today): its own latest snapshot, two days old, counts (400 at 0.75 next month)
  const e = await seedDeal(t, tenant, { leadId, pipelineId: partners.id, stageId: partners.stage('Open'), value: 400, expectedClose: dayOfMonth(1, 5), title: 'E' });
  await snap(e, partners.id, partners.stage('Open'), 400, 0.75, dayOfMonth(1, 5), daysFromToday(-2));
  // won today: 300; lost: not counted anywhere
  await seedDeal(t, tenant, { leadId, pipelineId: main.id, stageId: main.stage('Won'), value: 300, expectedClose: utcToday(), closedAt: new Date() });
  await seedDeal(t, tenant, { leadId, pipelineId: main.id, stageId: main.stage('Lost'), value: 5000, expectedClose: utcToday(), closedAt: new Date() });
  return { tenant, main, partners, rep, ids: { a, b, c, d, e } };
}

describe('GET /api/forecast/pipeline', () => {
  it('sums committed, best case and weighted per month from the latest forecasts, beside what was won', async () => {
    const { tenant, main } = await seedPipelineFixture();
    const res = await t.call('GET', '/api/forecast/pipeline', { token: tenant.token, query: { period: 'monthly', months: 2, pipeline_id: main.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.periods).toEqual([
      // A (commit) + C (0.1): weighted 800 + 50
      { period: monthStart(0).slice(0, 7), start: monthStart(0), end: expect.any(String), committed: 1000, best_case: 1000, weighted: 850, deal_count: 2, closed_won: 300, closed_won_count: 1 },
      { period: monthStart(1).slice(0, 7), start: monthStart(1), end: expect.any(String), committed: 0, best_case: 2000, weighted: 1000, deal_count: 1, closed_won: 0, closed_won_count: 0 },
    ]);
    const everyPipeline = await t.call('GET', '/api/forecast/pipeline', { token: tenant.token, query: { months: 1 } });
    expect(everyPipeline.body.data.periods[0]).toMatchObject({ committed: 1700, best_case: 1700, weighted: 1480, deal_count: 3 });
  });

  it('quarterly: ceil(months / 3) quarters from the current one', async () => {
    const { tenant, main } = await seedPipelineFixture();
    const res = await t.call('GET', '/api/forecast/pipeline', { token: tenant.token, query: { period: 'quarterly', months: 4, pipeline_id: main.id } });
    expect(res.status).toBe(200);
    const periods = res.body.data.periods;
    expect(periods).toHaveLength(2);
    const month = new Date().getUTCMonth();
    // B (next month) falls in this quarter unless this is a quarter's last month
    const bThisQuarter = month % 3 !== 2;
    expect(periods[0]).toMatchObject({ weighted: bThisQuarter ? 1850 : 850, best_case: bThisQuarter ? 3000 : 1000 });
    expect(periods[1]).toMatchObject({ weighted: bThisQuarter ? 0 : 1000 });
    expect(periods[0].period).toBe(`${monthStart(0).slice(0, 4)}-Q${Math.floor(month / 3) + 1}`);
  });

  it('validation envelopes for period, months and pipeline_id', async () => {
    const tenant = await seedTenant(t);
    for (const query of [{ period: 'weekly' }, { months: 0 }, { months: 25 }, { pipeline_id: 0 }, { pipeline_id: 'x' }]) {
      const res = await t.call('GET', '/api/forecast/pipeline', { token: tenant.token, query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.body.success).toBe(false);
    }
  });
});

describe('GET /api/forecast/pipeline/contributors', () => {
  it('lists the deals of the month, largest weighted value first, paged', async () => {
    const { tenant, main, rep, ids } = await seedPipelineFixture();
    const res = await t.call('GET', '/api/forecast/pipeline/contributors', { token: tenant.token, query: { pipeline_id: main.id, period_month: monthStart(0).slice(0, 7) } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, page: 1, limit: 10 });
    expect(res.body.data).toEqual([
      expect.objectContaining({ deal_id: ids.a, win_probability: 0.8, weighted_value: 800, category: 'commit', source: 'snapshot', snapshot_date: utcToday(), owner_id: rep.id, owner_name: 'Rep User' }),
      expect.objectContaining({ deal_id: ids.c, win_probability: 0.1, weighted_value: 50, category: 'pipeline', source: 'stage', snapshot_date: null, expected_close_date: monthStart(0) }),
    ]);
    const second = await t.call('GET', '/api/forecast/pipeline/contributors', { token: tenant.token, query: { pipeline_id: main.id, page: 2, limit: 1 } });
    expect(second.body).toMatchObject({ total: 2, page: 2, limit: 1, data: [expect.objectContaining({ deal_id: ids.c })] });
    const next = await t.call('GET', '/api/forecast/pipeline/contributors', { token: tenant.token, query: { period_month: monthStart(1).slice(0, 7) } });
    expect(next.body.data).toEqual([
      expect.objectContaining({ deal_id: ids.b, weighted_value: 1000, snapshot_date: utcToday() }),
      expect.objectContaining({ deal_id: ids.e, win_probability: 0.75, weighted_value: 300, category: 'commit', source: 'snapshot', snapshot_date: daysFromToday(-2) }),
    ]);
    for (const period_month of ['2026-13', '2026-1', 'December']) {
      expect((await t.call('GET', '/api/forecast/pipeline/contributors', { token: tenant.token, query: { period_month } })).status).toBe(422);
    }
  });
});

describe('GET /api/forecast/at-risk', () => {
  it('names every reason a deal is at risk, filters by reason and owner', async () => {
    const tenant = await seedTenant(t);
    const main = await defaultPipeline(t, tenant);
    await t.database.pool.query('UPDATE stages SET max_days_in_stage = 20 WHERE id = $1', [main.stage('Proposal')]);
    const rep = await tenant.addUser();
    const repLead = await seedLead(t, tenant, rep.id);
    const otherLead = await seedLead(t, tenant);
    await t.database.pool.query(`INSERT INTO intent_signals (org_id, lead_id, signal_type, occurred_at) VALUES ($1, $2, 'reply_received', now())`, [tenant.orgId, repLead]);
    const base = { pipelineId: main.id, stageId: main.stage('Proposal'), value: 1000, expectedClose: daysFromToday(30) };
    // the rep's lead was engaged today: only the stage age puts it at risk
    const overdue = await seedDeal(t, tenant, { ...base, leadId: repLead, stageEnteredAt: daysAgo(30), title: 'Overdue' });
    // close date passed and silent (created 40 days ago, the lead never engaged)
    const stale = await seedDeal(t, tenant, { ...base, leadId: otherLead, value: 2000, expectedClose: daysFromToday(-5), createdAt: daysAgo(40), stageEnteredAt: daysAgo(10), title: 'Stale' });
    // 60% a week ago, 45% now (and engaged: the rep's lead)
    const dropping = await seedDeal(t, tenant, { ...base, leadId: repLead, title: 'Dropping' });
    await seedSnapshot(t, tenant, { dealId: dropping, pipelineId: main.id, stageId: main.stage('Proposal'), value: 1000, close: daysFromToday(30), date: daysFromToday(-7), p: 0.6 });
    await seedSnapshot(t, tenant, { dealId: dropping, pipelineId: main.id, stageId: main.stage('Proposal'), value: 1000, close: daysFromToday(30), date: utcToday(), p: 0.45 });
    // healthy: engaged, new, within its stage, closing later
    await seedDeal(t, tenant, { ...base, leadId: repLead, title: 'Healthy' });

    const res = await t.call('GET', '/api/forecast/at-risk', { token: tenant.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const reasons = (deal: { reasons: { reason: string }[] }) => deal.reasons.map((r) => r.reason);
    // most reasons first, then the larger value
    expect(res.body.data.map((d: { deal_id: number }) => d.deal_id)).toEqual([stale, overdue, dropping]);
    expect(reasons(res.body.data[0])).toEqual(['close_date_passed', 'no_engagement']);
    expect(res.body.data[0].reasons[1].detail).toBe('no intent signal nor meeting from the lead for 40 days');
    expect(res.body.data[1].reasons).toEqual([{ reason: 'overdue_in_stage', detail: '30 days in "Proposal", 10 over its 20' }]);
    expect(res.body.data[2]).toMatchObject({ win_probability: 0.45, reasons: [{ reason: 'probability_drop', detail: 'win probability −15 points against a week ago (60% → 45%)' }] });

    const onlyDrops = await t.call('GET', '/api/forecast/at-risk', { token: tenant.token, query: { status: 'probability_drop' } });
    expect(onlyDrops.body.data.map((d: { deal_id: number }) => d.deal_id)).toEqual([dropping]);
    const mine = await t.call('GET', '/api/forecast/at-risk', { token: rep.token, query: { owner: 'me' } });
    expect(mine.body.data.map((d: { deal_id: number }) => d.deal_id)).toEqual([overdue, dropping]);
    const limited = await t.call('GET', '/api/forecast/at-risk', { token: tenant.token, query: { limit: 1 } });
    expect(limited.body.data).toHaveLength(1);
    for (const query of [{ status: 'open' }, { owner: 'you' }, { limit: 101 }]) {
      expect((await t.call('GET', '/api/forecast/at-risk', { token: tenant.token, query })).status).toBe(422);
    }
  });
});

describe('GET /api/forecast/accuracy', () => {
  /**
   * Three past months with a known answer:
   *   M−3: snapshot on its 1st: 1000 weighted closing in M−3 (+500 closing in M−2); won 800 → error +200, 25%
   *   M−2: no snapshot in it: the last before (M−3's) says 500; won 1000 → error −500, 50%
   *   M−1: first snapshot on the 5th says 1200 (the 20th's 9999 is not the start); won 1000 → error +200, 20%
   *   M−4: no snapshot at or before it: no forecast
   * MAPE (25 + 50 + 20) / 3 = 31.67; bias (200 − 500 + 200) / 3 = −33.33; bias % (25 − 50 + 20) / 3 = −1.67
   */
  async function seedHistory() {
    const tenant = await seedTenant(t);
    const main = await defaultPipeline(t, tenant);
    const partners = await otherPipeline(t, tenant);
    const leadId = await seedLead(t, tenant);
    const won = main.stage('Won');
    const dealAt = (value: number, closedAt: string, pipeline = main, stage = won) =>
      seedDeal(t, tenant, { leadId, pipelineId: pipeline.id, stageId: stage, value, expectedClose: closedAt, closedAt: new Date(`${closedAt}T12:00:00Z`) });
    const x = await dealAt(800, dayOfMonth(-3, 15));
    const y = await dealAt(1000, dayOfMonth(-2, 10));
    const z = await dealAt(1000, dayOfMonth(-1, 25));
    // won in another pipeline: only in the unfiltered report
    const other = await dealAt(400, dayOfMonth(-1, 2), partners, partners.stage('Won'));
    const snap = (dealId: number, date: string, close: string, weighted: number, pipelineId = main.id) =>
      seedSnapshot(t, tenant, { dealId, pipelineId, stageId: main.stage('Proposal'), date, close, value: weighted * 2, p: 0.5, weighted });
    await snap(x, dayOfMonth(-3, 1), dayOfMonth(-3, 20), 1000);
    await snap(y, dayOfMonth(-3, 1), dayOfMonth(-2, 10), 500);
    await snap(z, dayOfMonth(-1, 5), dayOfMonth(-1, 25), 1200);
    await snap(z, dayOfMonth(-1, 20), dayOfMonth(-1, 25), 9999);
    await snap(other, dayOfMonth(-1, 5), dayOfMonth(-1, 2), 100, partners.id);
    return { tenant, main };
  }

  it('MAPE, bias and a summary in words on a synthetic history', async () => {
    const { tenant, main } = await seedHistory();
    const res = await t.call('GET', '/api/forecast/accuracy', { token: tenant.token, query: { months: 4, pipeline_id: main.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({
      months: [
        { month: monthStart(-4).slice(0, 7), snapshot_date: null, forecast: null, actual: 0, error: null, abs_pct_error: null },
        { month: monthStart(-3).slice(0, 7), snapshot_date: dayOfMonth(-3, 1), forecast: 1000, actual: 800, error: 200, abs_pct_error: 25 },
        { month: monthStart(-2).slice(0, 7), snapshot_date: dayOfMonth(-3, 1), forecast: 500, actual: 1000, error: -500, abs_pct_error: 50 },
        { month: monthStart(-1).slice(0, 7), snapshot_date: dayOfMonth(-1, 5), forecast: 1200, actual: 1000, error: 200, abs_pct_error: 20 },
      ],
      mape: 31.67,
      bias: -33.33,
      bias_percent: -1.67,
      months_compared: 3,
      summary: "Forecasts were 2% too low on average over 3 months; a month's forecast was off by 32% on average (MAPE).",
    });
    // every pipeline: M−1 adds the other pipeline's 100 forecast and 400 won → 1300 vs 1400
    const all = await t.call('GET', '/api/forecast/accuracy', { token: tenant.token, query: { months: 1 } });
    expect(all.body.data.months).toEqual([{ month: monthStart(-1).slice(0, 7), snapshot_date: dayOfMonth(-1, 5), forecast: 1300, actual: 1400, error: -100, abs_pct_error: 7.14 }]);
  });

  it('format=csv: a download with the same numbers', async () => {
    const { tenant, main } = await seedHistory();
    const res = await t.call('GET', '/api/forecast/accuracy', { token: tenant.token, query: { months: 3, pipeline_id: main.id, format: 'csv' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="forecast-accuracy-3m\.csv"/);
    const lines = (res.body as string).split('\r\n');
    expect(lines.slice(0, 4)).toEqual([
      'month,snapshot_date,forecast,actual,error,abs_pct_error',
      `${monthStart(-3).slice(0, 7)},${dayOfMonth(-3, 1)},1000,800,200,25`,
      `${monthStart(-2).slice(0, 7)},${dayOfMonth(-3, 1)},500,1000,-500,50`,
      `${monthStart(-1).slice(0, 7)},${dayOfMonth(-1, 5)},1200,1000,200,20`,
    ]);
    expect(lines).toContain('mape,31.67');
    expect(lines).toContain('bias,-33.33');
    expect(lines).toContain("summary,Forecasts were 2% too low on average over 3 months; a month's forecast was off by 32% on average (MAPE).");
    expect((await t.call('GET', '/api/forecast/accuracy', { token: tenant.token, query: { format: 'xml' } })).status).toBe(422);
    expect((await t.call('GET', '/api/forecast/accuracy', { token: tenant.token, query: { months: 25 } })).status).toBe(422);
  });

  it('an organization without snapshots: nothing to compare yet', async () => {
    const tenant = await seedTenant(t);
    const res = await t.call('GET', '/api/forecast/accuracy', { token: tenant.token });
    expect(res.body.data).toMatchObject({ mape: null, bias: null, months_compared: 0, summary: 'No forecast was taken at the start of any of the last 6 months: nothing to compare yet.' });
    expect(res.body.data.months).toHaveLength(6);
  });
});

describe('accuracy CSV cells', () => {
  it('neutralises text that a spreadsheet would run as a formula, keeps numbers as numbers, quotes commas', () => {
    const report = accuracyMeasures([{ month: '=HYPERLINK("x")', snapshot_date: '+1', forecast: -5, actual: 10 }]);
    const csv = accuracyCsv(report).split('\r\n');
    expect(csv[1]).toBe(`"'=HYPERLINK(""x"")",'+1,-5,10,-15,150`);
  });
});

describe('POST /api/forecast/runs and the schedule settings', () => {
  it('an admin starts a run (202, a forecast_run job); a second while it is open is 409; a rep is refused', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const started = await t.call('POST', '/api/forecast/runs', { token: tenant.token });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.data).toMatchObject({ type: 'forecast_run', status: 'queued', params: { trigger: 'api', batch_size: 500 } });
    expect(started.body.data.workflow_id).toBe(`forecast_run:${tenant.orgPublicId}:${started.body.data.id}`);
    const again = await t.call('POST', '/api/forecast/runs', { token: tenant.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'forecast_run_in_progress' });
    expect((await t.call('POST', '/api/forecast/runs', { token: rep.token })).status).toBe(403);
    // the job is in the jobs API like any other
    const job = await t.call('GET', `/api/jobs/${started.body.data.id}`, { token: tenant.token });
    expect(job.body.data).toMatchObject({ type: 'forecast_run', status: 'queued' });
  });

  it('settings: defaults, an admin saves them (with the schedule sync event), a rep may not, HH:MM enforced', async () => {
    const tenant = await seedTenant(t);
    const rep = await tenant.addUser();
    const defaults = await t.call('GET', '/api/forecast/settings', { token: rep.token });
    expect(defaults.body.data).toEqual({ run_at: '02:00', paused: false, timezone: 'UTC', schedule_id: `forecast:${tenant.orgPublicId}`, stored: false, updated_at: null });
    expect((await t.call('PUT', '/api/forecast/settings', { token: rep.token, body: { paused: true } })).status).toBe(403);
    for (const body of [{ run_at: '24:00' }, { run_at: '7:30' }, { paused: 'yes' }, { run_at: '07:30', extra: 1 }]) {
      expect((await t.call('PUT', '/api/forecast/settings', { token: tenant.token, body })).status, JSON.stringify(body)).toBe(422);
    }
    const saved = await t.call('PUT', '/api/forecast/settings', { token: tenant.token, body: { run_at: '06:45' } });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({ run_at: '06:45', paused: false, stored: true });
    const paused = await t.call('PUT', '/api/forecast/settings', { token: tenant.token, body: { paused: true } });
    expect(paused.body.data).toMatchObject({ run_at: '06:45', paused: true });
    const events = await t.database.prisma.outboxEvent.count({ where: { org_id: tenant.orgId, kind: 'forecast_schedule.sync' } });
    expect(events).toBe(2);
  });
});

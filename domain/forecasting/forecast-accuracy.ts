// Forecast accuracy (§6.7 accuracy): for each past month M, what the
// forecast said at the start of M against what was won in M.
//   forecast(M) = Σ weighted value (value × probability) of the snapshot
//                 taken at the start of M — the first snapshot day in M, or
//                 the last one before M — over deals it expected to close in M
//   actual(M)   = Σ value of deals won (closed in a won stage) in M
//   error(M)    = forecast − actual (positive: the forecast was too high)
//   APE(M)      = |error| / actual × 100 (no APE for a month that won nothing)
//   MAPE        = mean APE over the months that have one
//   bias        = mean error over months with a forecast (money), and
//   bias_percent = mean of error / actual × 100 over months with an APE
// Months are the organization's calendar months (its time zone); a month
// with no snapshot at or before its start has no forecast and is left out.
import type { Scope } from '../platform/auth-context.js';
import type { Database } from '../platform/db.js';
import { spreadsheetCell } from '../jobs/spreadsheet-cell.js';
import { aggregate } from './forecast-data.js';

export interface MonthAccuracy {
  month: string;
  snapshot_date: string | null;
  forecast: number | null;
  actual: number;
  error: number | null;
  abs_pct_error: number | null;
}

export interface AccuracyReport {
  months: MonthAccuracy[];
  mape: number | null;
  bias: number | null;
  bias_percent: number | null;
  months_compared: number;
  summary: string;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The measures over months whose forecast and actual are known (pure: the report's arithmetic). */
export function accuracyMeasures(rows: readonly { month: string; snapshot_date: string | null; forecast: number | null; actual: number }[]): AccuracyReport {
  const months: MonthAccuracy[] = rows.map((r) => {
    const error = r.forecast === null ? null : r.forecast - r.actual;
    return {
      month: r.month,
      snapshot_date: r.snapshot_date,
      forecast: r.forecast === null ? null : round2(r.forecast),
      actual: round2(r.actual),
      error: error === null ? null : round2(error),
      abs_pct_error: error === null || r.actual <= 0 ? null : round2((Math.abs(error) / r.actual) * 100),
    };
  });
  const forecast = rows.filter((r) => r.forecast !== null);
  const withActual = forecast.filter((r) => r.actual > 0);
  const mape = mean(withActual.map((r) => (Math.abs(r.forecast! - r.actual) / r.actual) * 100));
  const bias = mean(forecast.map((r) => r.forecast! - r.actual));
  const biasPercent = mean(withActual.map((r) => ((r.forecast! - r.actual) / r.actual) * 100));
  return {
    months,
    mape: mape === null ? null : round2(mape),
    bias: bias === null ? null : round2(bias),
    bias_percent: biasPercent === null ? null : round2(biasPercent),
    months_compared: forecast.length,
    summary: summarise(rows.length, forecast.length, mape, biasPercent),
  };
}

function summarise(asked: number, compared: number, mape: number | null, biasPercent: number | null): string {
  if (compared === 0) return `No forecast was taken at the start of any of the last ${asked} months: nothing to compare yet.`;
  const over = `over ${compared} month${compared === 1 ? '' : 's'}`;
  if (mape === null || biasPercent === null) return `Nothing was won in the ${compared} month${compared === 1 ? '' : 's'} with a forecast: percentage errors cannot be computed.`;
  const size = Math.round(Math.abs(biasPercent));
  const direction = size === 0 ? 'about right on average' : `${size}% too ${biasPercent > 0 ? 'high' : 'low'} on average`;
  return `Forecasts were ${direction} ${over}; a month's forecast was off by ${Math.round(mape)}% on average (MAPE).`;
}

/** The report for the last `months` complete months (oldest first). */
export async function forecastAccuracy(db: Database, scope: Pick<Scope, 'orgId'>, query: { months: number; pipeline_id?: number }): Promise<AccuracyReport> {
  const rows = await aggregate<{ month: string; snapshot_date: string | null; forecast: number | null; actual: number }>(
    db,
    `WITH org AS (
       SELECT timezone, date_trunc('month', (now() AT TIME ZONE timezone)::date)::date AS current FROM organizations WHERE id = $1
     ), months AS (
       SELECT gs::date AS start, (gs + interval '1 month')::date AS next
         FROM org, generate_series(org.current - make_interval(months => $2), org.current - interval '1 month', interval '1 month') gs
     ), taken AS (
       SELECT m.start, m.next, coalesce(
                (SELECT min(f.snapshot_date) FROM deal_forecasts f WHERE f.org_id = $1 AND f.snapshot_date >= m.start AND f.snapshot_date < m.next),
                (SELECT max(f.snapshot_date) FROM deal_forecasts f WHERE f.org_id = $1 AND f.snapshot_date < m.start)) AS snapshot_date
         FROM months m
     )
     SELECT to_char(t.start, 'YYYY-MM') AS month, to_char(t.snapshot_date, 'YYYY-MM-DD') AS snapshot_date,
            CASE WHEN t.snapshot_date IS NULL THEN NULL ELSE coalesce((
              SELECT sum(f.weighted_value) FROM deal_forecasts f
               WHERE f.org_id = $1 AND f.snapshot_date = t.snapshot_date AND f.expected_close_date >= t.start AND f.expected_close_date < t.next
                 AND ($3::int IS NULL OR f.pipeline_id = $3)), 0)::float8 END AS forecast,
            coalesce((
              SELECT sum(d.value) FROM deals d JOIN stages s ON s.id = d.stage_id AND s.org_id = d.org_id AND s.is_won, org
               WHERE d.org_id = $1 AND ($3::int IS NULL OR d.pipeline_id = $3)
                 AND (d.closed_at AT TIME ZONE org.timezone)::date >= t.start AND (d.closed_at AT TIME ZONE org.timezone)::date < t.next), 0)::float8 AS actual
       FROM taken t ORDER BY t.start`,
    [scope.orgId, query.months, query.pipeline_id ?? null],
  );
  return accuracyMeasures(rows);
}

const csvField = (value: unknown) => {
  const text = spreadsheetCell(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The report as CSV: one row per month, then the measures and the summary (cells safe to open in a spreadsheet). */
export function accuracyCsv(report: AccuracyReport): string {
  const lines: unknown[][] = [
    ['month', 'snapshot_date', 'forecast', 'actual', 'error', 'abs_pct_error'],
    ...report.months.map((m) => [m.month, m.snapshot_date, m.forecast, m.actual, m.error, m.abs_pct_error]),
    [],
    ['mape', report.mape],
    ['bias', report.bias],
    ['bias_percent', report.bias_percent],
    ['summary', report.summary],
  ];
  return lines.map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
}

// Values of company columns that are rules, not data access: the headcount
// bands employee_size takes. Pure (no database), so schemas and the
// composition root's enrichment adapter (services/) share them with the
// company service.

/** Headcount bands, smallest first: employee_size is one of these, and sorts in this order. */
export const EMPLOYEE_SIZE_BANDS = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001+'] as const;
export type EmployeeSizeBand = (typeof EMPLOYEE_SIZE_BANDS)[number];

const isEmployeeSizeBand = (range: string): range is EmployeeSizeBand => (EMPLOYEE_SIZE_BANDS as readonly string[]).includes(range);

/** A headcount range as outside sources write it, as one of LIO's bands: a band as it is, "5001-10000" or "10001+" as "5001+"; else null. */
export function employeeSizeBand(range: string): EmployeeSizeBand | null {
  if (isEmployeeSizeBand(range)) return range;
  const low = Number.parseInt(range, 10);
  return Number.isFinite(low) && low >= 5001 ? '5001+' : null;
}

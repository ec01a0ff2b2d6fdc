// Cells of the CSV files LIO hands out (exports, import error reports).
// Spreadsheets run a cell that starts with one of these as a formula (CSV
// injection); a leading apostrophe makes them show it as text.
const FORMULA_START = /^[=+\-@\t\r]/;

/** A value as CSV text: JSON for objects, lists joined; text that could run as a formula is neutralised. */
export function spreadsheetCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(', ') : typeof value === 'string' ? value : JSON.stringify(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

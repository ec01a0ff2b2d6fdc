// Lead imports, the file side: what an uploaded file is (by its bytes), a
// cheap check of it at upload, and its rows read as a stream, from any row
// on, so a resumed import continues where committed work ends. CSV cells
// are decoded per byte sequence (valid UTF-8 as UTF-8, any other byte as
// Windows-1252), so a file that mixes the two reads as its author meant.
import type { Readable } from 'node:stream';
import { parse, type Options } from 'csv-parse';
import ExcelJS from 'exceljs';
import { ApiError } from './errors.js';
import type { FileStorage, SniffedType, StoredFile } from './file-storage.js';
import { mapHeader, type ImportFormat } from './lead-import.js';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const COMPOUND_FILE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const UTF8_BOM = [0xef, 0xbb, 0xbf];

const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);

export const IMPORT_MIME_TYPES: Record<ImportFormat, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const unsupported = (message: string) => new ApiError('validation_error', message, { code: 'unsupported_file_type' });

/**
 * CSV or XLSX by content, whatever the name says: a zip container is taken
 * for a workbook (checked further once stored), text for CSV. Text is any
 * byte but NUL and the control characters other than tab, line breaks and
 * form feed: non-UTF-8 bytes are allowed (Windows-1252 exports).
 */
export function classifyImportFile(head: Uint8Array): SniffedType & { extension: ImportFormat } {
  if (startsWith(head, ZIP_MAGIC)) return { mimeType: IMPORT_MIME_TYPES.xlsx, extension: 'xlsx' };
  if (startsWith(head, COMPOUND_FILE_MAGIC)) {
    throw unsupported('Legacy Excel (.xls) files are not supported: save the sheet as .xlsx or .csv');
  }
  const text = head.every((b) => b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d);
  if (text) return { mimeType: IMPORT_MIME_TYPES.csv, extension: 'csv' };
  throw unsupported('The file must be a CSV or an XLSX spreadsheet (recognised by its content)');
}

// Windows-1252 is Latin-1 but for 0x80–0x9F, which carry these characters (the five unassigned bytes keep
// their C1 code points, as the WHATWG encoding standard says). Spelled out here: Node's TextDecoder decodes
// 'windows-1252' as plain Latin-1 on some versions.
const WINDOWS_1252_80_9F = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

const windows1252 = (byte: number) => (byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_80_9F[byte - 0x80]! : String.fromCharCode(byte));
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The length of the well-formed UTF-8 sequence at `i`, or 0. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  const [length, min] = b >= 0xc2 && b <= 0xdf ? [2, 0] : b >= 0xe0 && b <= 0xef ? [3, 0x800] : b >= 0xf0 && b <= 0xf4 ? [4, 0x10000] : [0, 0];
  if (length === 0 || i + length > bytes.length) return 0;
  let codePoint = b & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k]!;
    if ((next & 0xc0) !== 0x80) return 0;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  // overlong forms, surrogates and code points past U+10FFFF are not UTF-8
  if (codePoint < min || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) return 0;
  return length;
}

/** Valid UTF-8 sequences as UTF-8, every other byte as Windows-1252. */
export function decodeMixed(bytes: Uint8Array): string {
  let ascii = true;
  for (const b of bytes) if (b >= 0x80) ascii = false;
  if (ascii) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  try {
    return UTF8.decode(bytes);
  } catch {
    // mixed: decoded piece by piece below
  }
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const length = bytes[i]! < 0x80 ? 1 : utf8SequenceLength(bytes, i);
    if (length === 0) {
      text += windows1252(bytes[i]!);
      i += 1;
    } else {
      text += length === 1 ? String.fromCharCode(bytes[i]!) : UTF8.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return text;
}

// --- the stored file, checked at upload -------------------------------------------------

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const MAX_ZIP_COMMENT = 0xffff;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A workbook's zip directory sits at its end: a truncated or foreign zip is
 * told apart from an XLSX by reading that directory (a few KB), not the file.
 */
async function assertWorkbook(storage: FileStorage, stored: StoredFile): Promise<void> {
  const damaged = unsupported('The XLSX file is damaged or is not an Excel workbook (no readable workbook directory)');
  const tailStart = Math.max(0, stored.size - (22 + MAX_ZIP_COMMENT));
  const tail = await readAll(storage.read(stored.key, { start: tailStart }));
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw damaged;
  const directorySize = tail.readUInt32LE(eocd + 12);
  const directoryOffset = tail.readUInt32LE(eocd + 16);
  if (directorySize === 0 || directoryOffset + directorySize > stored.size) throw damaged;
  const directory = await readAll(storage.read(stored.key, { start: directoryOffset, end: directoryOffset + directorySize - 1 }));
  const names = directory.toString('latin1');
  if (!names.includes('xl/workbook.xml') || !names.includes('xl/worksheets/')) throw damaged;
}

const HEADER_PROBE_BYTES = 256 * 1024;

const noHeader = () =>
  new ApiError('validation_error', 'The first row must be a header row naming the columns (e.g. first_name, last_name, email); none of its cells names a lead field', {
    code: 'no_header_row',
  });

/** The CSV's first record must name at least one lead field (read from the first 256 KB). */
async function assertCsvHeader(storage: FileStorage, stored: StoredFile): Promise<void> {
  const rows = readCsvRows(storage.read(stored.key, { end: HEADER_PROBE_BYTES - 1 }), { row: 0, offset: 0 });
  for await (const row of rows) {
    if ('cells' in row && mapHeader(row.cells)) return;
    break;
  }
  throw noHeader();
}

/**
 * What can be told cheaply before the job starts: a CSV without a header
 * row, an XLSX whose zip directory is missing. A workbook's header is
 * checked by the job (its strings may sit anywhere in the zip).
 */
export async function inspectImportFile(storage: FileStorage, stored: StoredFile, format: ImportFormat): Promise<void> {
  if (format === 'xlsx') await assertWorkbook(storage, stored);
  else await assertCsvHeader(storage, stored);
}

// --- rows ---------------------------------------------------------------------------------

/** A row of the sheet (row numbers as a spreadsheet shows them: the header is row 1). */
export type SheetRow =
  | { row: number; cells: string[]; resume: ResumePoint | null }
  | { row: number; error: string };

/**
 * Where reading can pick up again: CSV rows after `row` start at byte
 * `offset`. XLSX (a zip) cannot be entered midway: it is read from the start
 * and rows up to the checkpoint are passed over.
 */
export interface ResumePoint {
  row: number;
  offset: number;
}

/**
 * CSV rows from `from`: cells decoded per byte sequence, stray quotes kept,
 * short and long rows taken as they are; a record the parser cannot read
 * (an unclosed quote) becomes an error row and reading goes on.
 */
export async function* readCsvRows(source: Readable, from: ResumePoint): AsyncGenerator<SheetRow> {
  let row = from.row;
  let skipBom = from.offset === 0;
  // records the parser gave up on, in file order, handed out between the records around them
  const skipped: SheetRow[] = [];
  const options: Options<SheetRow, Uint8Array[]> = {
    encoding: null,
    bom: false,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // both run synchronously in file order, so row numbers follow the file
    on_record: (record, context): SheetRow => {
      row += 1;
      // encoding null: fields arrive as bytes, decoded here per byte sequence
      const cells = record.map((field, i) => {
        if (i === 0 && skipBom && startsWith(field, UTF8_BOM)) return decodeMixed(field.subarray(3));
        return decodeMixed(field);
      });
      skipBom = false;
      return { row, cells, resume: { row, offset: from.offset + context.bytes } };
    },
    on_skip: (err) => {
      row += 1;
      skipped.push({ row, error: `the row could not be read as CSV: ${err?.message ?? 'malformed record'}` });
      return undefined;
    },
  };
  // the typings assume string fields; with encoding null they are bytes
  const parser = parse(options as unknown as Options);
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<SheetRow>) {
      while (skipped.length > 0 && skipped[0]!.row < record.row) yield skipped.shift()!;
      yield record;
    }
    yield* skipped;
  } finally {
    source.destroy();
  }
}

/** A cell as the text a person sees in it. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
  if ('error' in value) return '';
  return String(value);
}

/** The first worksheet's rows, streamed (shared strings cached, styles ignored). */
export async function* readXlsxRows(source: Readable): AsyncGenerator<SheetRow> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(source, { worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore' });
  try {
    for await (const worksheet of workbook) {
      for await (const row of worksheet) {
        // row.values is 1-based: index 0 is always empty
        const values = row.values as ExcelJS.CellValue[];
        yield { row: row.number, cells: values.slice(1).map((v) => cellText(v)), resume: null };
      }
      return;
    }
  } finally {
    source.destroy();
  }
}

/**
 * The header row of a stored import file, then its rows: a CSV's from
 * `resume` on, a workbook's from its start (a zip cannot be entered midway).
 */
export async function* readImportRows(storage: FileStorage, key: string, format: ImportFormat, resume: ResumePoint): AsyncGenerator<SheetRow> {
  if (format === 'xlsx') {
    yield* readXlsxRows(storage.read(key));
    return;
  }
  if (resume.offset > 0) {
    for await (const header of readCsvRows(storage.read(key), { row: 0, offset: 0 })) {
      yield header;
      break;
    }
  }
  yield* readCsvRows(storage.read(key, { start: resume.offset }), resume);
}

// Lead imports, the file side: what an uploaded file is (by its bytes), a
// cheap check of it at upload, and its rows read as a stream, from any row
// on, so a resumed import continues where committed work ends. CSV cells
// are decoded per byte sequence (valid UTF-8 as UTF-8, any other byte as
// Windows-1252), so a file that mixes the two reads as its author meant.
import type { Readable } from 'node:stream';
import { parse, type Options } from 'csv-parse';
import { SaxesParser } from 'saxes';
import type { Config } from '../platform/config.js';
import { ApiError } from '../platform/errors.js';
import type { FileStorage, SniffedType, StoredFile } from '../platform/file-storage.js';
import { mapHeader, type ImportFormat } from './lead-import.js';
import {
  assertDeclaredInflation,
  openZipEntry,
  readZipDirectory,
  ZipFormatError,
  ZipInflationError,
  type InflationLimits,
  type RangeReader,
  type ZipEntry,
} from './zip-archive.js';

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
  // an indexed loop that stops at the first non-ASCII byte: this runs for every cell of the file
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
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

/** How far an XLSX import may inflate: operator settings (README), with entries under 1 MiB never judged by ratio. */
export function xlsxInflationLimits(config: Pick<Config, 'IMPORT_MAX_BYTES' | 'IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES' | 'IMPORT_XLSX_MAX_RATIO'>): InflationLimits {
  return {
    maxTotalBytes: config.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES ?? 5 * config.IMPORT_MAX_BYTES,
    maxRatio: config.IMPORT_XLSX_MAX_RATIO,
    ratioFreeBytes: 1024 * 1024,
  };
}

const WORKBOOK_PART = 'xl/workbook.xml';
const WORKBOOK_RELATIONSHIPS_PART = 'xl/_rels/workbook.xml.rels';
const SHARED_STRINGS_PART = 'xl/sharedStrings.xml';

const inflationRefused = (reason: string) => `The XLSX file is refused: ${reason}. A spreadsheet this compressible is almost certainly a decompression bomb`;

/** An XLSX archive: its parts by name, each readable on its own. */
interface Workbook {
  read: RangeReader;
  parts: Map<string, ZipEntry>;
}

/**
 * Opens a stored workbook by its zip directory (a few KB at its end): a
 * truncated or foreign zip, and one whose declared sizes exceed the
 * inflation limits, are refused before anything is inflated.
 */
async function openWorkbook(storage: FileStorage, file: { key: string; size: number }, limits: InflationLimits): Promise<Workbook> {
  const read: RangeReader = (range) => storage.read(file.key, range);
  const entries = await readZipDirectory(read, file.size);
  const parts = new Map(entries.map((entry) => [entry.name, entry]));
  if (!parts.has(WORKBOOK_PART) || !entries.some((e) => e.name.startsWith('xl/worksheets/'))) throw new ZipFormatError('it has no workbook and worksheets');
  assertDeclaredInflation(entries, limits);
  return { read, parts };
}

/** The workbook refusals as the API answers them at upload (422). */
async function assertWorkbook(storage: FileStorage, stored: StoredFile, limits: InflationLimits): Promise<void> {
  try {
    await openWorkbook(storage, stored, limits);
  } catch (err) {
    if (err instanceof ZipInflationError) throw new ApiError('validation_error', inflationRefused(err.message), { code: 'decompression_limit' });
    if (err instanceof ZipFormatError) throw unsupported(`The XLSX file is damaged or is not an Excel workbook (${err.message})`);
    throw err;
  }
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
 * row, an XLSX whose zip directory is missing or declares a decompression
 * bomb. A workbook's header is checked by the job.
 */
export async function inspectImportFile(storage: FileStorage, stored: StoredFile, format: ImportFormat, limits: InflationLimits): Promise<void> {
  if (format === 'xlsx') await assertWorkbook(storage, stored, limits);
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

const UTF8_BOM_LATIN1 = String.fromCharCode(...UTF8_BOM);
const NON_ASCII = /[^\x00-\x7f]/;

/** A cell's bytes read as Latin-1, decoded as decodeMixed decodes them (an ASCII cell is already its text). */
const latin1Cell = (cell: string) => (NON_ASCII.test(cell) ? decodeMixed(Buffer.from(cell, 'latin1')) : cell);

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
  const options: Options<SheetRow, string[]> = {
    // Latin-1 is one character per byte: the parser hands out each cell's bytes as a string without a Buffer per
    // cell, and the bytes are decoded per sequence only for a cell that has a non-ASCII one (latin1Cell)
    encoding: 'latin1',
    bom: false,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // both run synchronously in file order, so row numbers follow the file
    on_record: (record, context): SheetRow => {
      row += 1;
      const cells = record.map((field, i) => latin1Cell(i === 0 && skipBom && field.startsWith(UTF8_BOM_LATIN1) ? field.slice(3) : field));
      skipBom = false;
      return { row, cells, resume: { row, offset: from.offset + context.bytes } };
    },
    on_skip: (err) => {
      row += 1;
      skipped.push({ row, error: `the row could not be read as CSV: ${err?.message ?? 'malformed record'}` });
      return undefined;
    },
  };
  // on_record turns each record into a SheetRow, which parse's typings do not follow
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

/** An element's or attribute's name without its namespace prefix (some writers write <x:row>). */
const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/**
 * An inflated XML part through a SAX parser, chunk by chunk: what `listen`
 * emits is handed out after each chunk, so memory holds one chunk's worth.
 * Stopping early stops the inflating.
 */
async function* parseXmlPart<T>(source: Readable, listen: (parser: SaxesParser, emit: (item: T) => void) => void): AsyncGenerator<T> {
  const parser = new SaxesParser();
  const ready: T[] = [];
  listen(parser, (item) => ready.push(item));
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of source) {
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
      yield* ready.splice(0);
    }
    parser.write(decoder.decode()).close();
    yield* ready.splice(0);
  } finally {
    source.destroy();
  }
}

const openPart = async (workbook: Workbook, name: string) => {
  const entry = workbook.parts.get(name);
  if (!entry) throw new ZipFormatError(`it has no ${name}`);
  return openZipEntry(workbook.read, entry);
};

/**
 * The shared strings table (cells of type "s" hold an index into it), read
 * on its own wherever the part sits in the zip. Its size is bounded by the
 * inflation limits. Phonetic runs (<rPh>) are annotations, not text.
 */
async function readSharedStrings(workbook: Workbook): Promise<string[]> {
  if (!workbook.parts.has(SHARED_STRINGS_PART)) return [];
  const strings: string[] = [];
  const items = parseXmlPart<string>(await openPart(workbook, SHARED_STRINGS_PART), (parser, emit) => {
    let text: string | null = null;
    let inText = false;
    let inPhonetic = false;
    parser.on('opentag', (tag) => {
      const name = localName(tag.name);
      if (name === 'si') text = '';
      else if (name === 'rPh') inPhonetic = true;
      else if (name === 't') inText = !inPhonetic;
    });
    parser.on('text', (chunk) => {
      if (inText && text !== null) text += chunk;
    });
    parser.on('closetag', (tag) => {
      const name = localName(tag.name);
      if (name === 't') inText = false;
      else if (name === 'rPh') inPhonetic = false;
      else if (name === 'si') {
        emit(text ?? '');
        text = null;
      }
    });
  });
  for await (const text of items) strings.push(text);
  return strings;
}

/** The part of the workbook's first sheet (its first tab, which need not be sheet1.xml), by the workbook's relationships. */
async function firstSheetPart(workbook: Workbook): Promise<string> {
  let sheetId: string | undefined;
  const sheets = parseXmlPart<string>(await openPart(workbook, WORKBOOK_PART), (parser, emit) =>
    parser.on('opentag', (tag) => {
      const id = Object.entries(tag.attributes).find(([name]) => name.includes(':') && localName(name) === 'id')?.[1];
      if (localName(tag.name) === 'sheet' && typeof id === 'string') emit(id);
    }),
  );
  for await (const id of sheets) {
    sheetId = id;
    break;
  }
  const relationships = parseXmlPart<string>(await openPart(workbook, WORKBOOK_RELATIONSHIPS_PART), (parser, emit) =>
    parser.on('opentag', (tag) => {
      if (localName(tag.name) === 'Relationship' && tag.attributes.Id === sheetId) emit(String(tag.attributes.Target));
    }),
  );
  for await (const target of relationships) {
    // targets are relative to xl/, or absolute within the package
    const part = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
    if (workbook.parts.has(part)) return part;
  }
  throw new ZipFormatError('its first worksheet cannot be found');
}

/** "C7" -> 2 (columns from 0); undefined when the reference is absent. */
function columnOf(reference: string | undefined): number | undefined {
  const letters = /^[A-Z]+/i.exec(reference ?? '')?.[0];
  if (!letters) return undefined;
  let column = 0;
  for (const letter of letters.toUpperCase()) column = column * 26 + (letter.charCodeAt(0) - 64);
  return column - 1;
}

/** A cell as the text a person sees in it, by its type attribute (styles are not read: a date shows as its serial number). */
function cellText(type: string, raw: string, sharedStrings: string[]): string {
  switch (type) {
    case 's':
      return sharedStrings[Number(raw)] ?? '';
    case 'b':
      return raw === '1' ? 'true' : 'false';
    case 'e':
      // an error value (#N/A, #DIV/0!) has nothing to import
      return '';
    case 'n':
      return raw === '' ? '' : String(Number(raw));
    default:
      // inlineStr, str (a formula's text result), d (an ISO date)
      return raw;
  }
}

/** A worksheet's rows, streamed: values of <v> (or inline <is><t>), formulas' cached results, shared strings resolved. */
function readSheetRows(source: Readable, sharedStrings: string[]): AsyncGenerator<SheetRow> {
  return parseXmlPart<SheetRow>(source, (parser, emit) => {
    let row = 0;
    let cells: string[] = [];
    let column = -1;
    let type = 'n';
    let value = '';
    let inValue = false;
    let inPhonetic = false;
    parser.on('opentag', (tag) => {
      switch (localName(tag.name)) {
        case 'row':
          row = Number(tag.attributes.r) || row + 1;
          cells = [];
          column = -1;
          break;
        case 'c':
          column = columnOf(tag.attributes.r) ?? column + 1;
          type = tag.attributes.t ?? 'n';
          value = '';
          break;
        case 'rPh':
          inPhonetic = true;
          break;
        case 'v':
        case 't':
          inValue = !inPhonetic;
          break;
      }
    });
    parser.on('text', (chunk) => {
      if (inValue) value += chunk;
    });
    parser.on('closetag', (tag) => {
      switch (localName(tag.name)) {
        case 'v':
        case 't':
          inValue = false;
          break;
        case 'rPh':
          inPhonetic = false;
          break;
        case 'c':
          cells[column] = cellText(type, value, sharedStrings);
          break;
        case 'row':
          emit({ row, cells: Array.from(cells, (cell) => cell ?? ''), resume: null });
          break;
      }
    });
  });
}

/**
 * The first worksheet's rows. The shared strings are read first, by
 * themselves, wherever they sit in the zip (writers store them before or
 * after the sheets), then the sheet is streamed; every part is inflated
 * within the limits.
 */
export async function* readXlsxRows(storage: FileStorage, file: { key: string; size: number }, limits: InflationLimits): AsyncGenerator<SheetRow> {
  const workbook = await openWorkbook(storage, file, limits);
  const sharedStrings = await readSharedStrings(workbook);
  yield* readSheetRows(await openPart(workbook, await firstSheetPart(workbook)), sharedStrings);
}

/** A stored import file. */
export interface ImportFile {
  key: string;
  size: number;
  format: ImportFormat;
}

/**
 * The header row of a stored import file, then its rows: a CSV's from
 * `resume` on, a workbook's from its start (a zip cannot be entered midway).
 */
export async function* readImportRows(storage: FileStorage, file: ImportFile, resume: ResumePoint, limits: InflationLimits): AsyncGenerator<SheetRow> {
  if (file.format === 'xlsx') {
    yield* readXlsxRows(storage, file, limits);
    return;
  }
  if (resume.offset > 0) {
    for await (const header of readCsvRows(storage.read(file.key), { row: 0, offset: 0 })) {
      yield header;
      break;
    }
  }
  yield* readCsvRows(storage.read(file.key, { start: resume.offset }), resume);
}

// A zip archive (an XLSX workbook) read from a stored file by its central
// directory: any entry can be opened on its own, in any order (a streaming
// reader sees entries only in file order), and decompression is bounded.
// The directory's declared sizes are judged against the limits before any
// byte is inflated, and while inflating every byte is counted: an entry that
// inflates past its declared size is stopped there, so a forged directory
// cannot hide a decompression bomb.
import { pipeline, Transform, type Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

/** How far an archive may inflate. */
export interface InflationLimits {
  /** bytes all its entries together may inflate to */
  maxTotalBytes: number;
  /** inflated size / compressed size that no entry larger than `ratioFreeBytes` inflated may exceed */
  maxRatio: number;
  /** entries up to this size inflated are not judged by their ratio (small XML parts compress far beyond any ratio) */
  ratioFreeBytes: number;
}

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** The archive is not a readable zip; the message says why. */
export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

/** The archive inflates (or says it would) beyond the limits; the message says how far. */
export class ZipInflationError extends Error {
  override name = 'ZipInflationError';
}

/** Bytes `start`..`end` (inclusive) of the stored archive, as a stream. */
export type RangeReader = (range: { start: number; end: number }) => Readable;

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const END_RECORD_SIZE = 22;
const MAX_ZIP_COMMENT = 0xffff;
// a workbook's directory is a few KB; one this large is thousands of parts no spreadsheet has
const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;

async function readRange(read: RangeReader, start: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of read({ start, end: start + length - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The entries of the archive of `size` bytes, from its central directory (at its end: a few KB are read, not the file). */
export async function readZipDirectory(read: RangeReader, size: number): Promise<ZipEntry[]> {
  const tailStart = Math.max(0, size - (END_RECORD_SIZE + MAX_ZIP_COMMENT));
  const tail = await readRange(read, tailStart, size - tailStart);
  let end = -1;
  for (let i = tail.length - END_RECORD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipFormatError('no zip directory at the end of the file');
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  if (directorySize === 0 || directoryOffset + directorySize > size) throw new ZipFormatError('the zip directory lies outside the file');
  if (directorySize > MAX_DIRECTORY_BYTES) throw new ZipFormatError(`the zip directory is ${megabytes(directorySize)}, far more than a workbook has`);
  const directory = await readRange(read, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  for (let at = 0; at + 46 <= directory.length && directory.readUInt32LE(at) === CENTRAL_DIRECTORY_ENTRY; ) {
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      method: directory.readUInt16LE(at + 10),
      encrypted: (directory.readUInt16LE(at + 8) & 1) === 1,
      compressedSize: directory.readUInt32LE(at + 20),
      // 0xffffffff (a ZIP64 size) reads as 4 GiB, which no limit allows
      uncompressedSize: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    };
    if (entry.localHeaderOffset + entry.compressedSize > size) throw new ZipFormatError(`the zip entry ${entry.name} lies outside the file`);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Refuses an archive whose directory declares more inflation than the limits allow, before anything is inflated. */
export function assertDeclaredInflation(entries: ZipEntry[], limits: InflationLimits): void {
  let total = 0;
  for (const entry of entries) {
    total += entry.uncompressedSize;
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > limits.ratioFreeBytes && ratio > limits.maxRatio) {
      throw new ZipInflationError(
        `its part ${entry.name} inflates ${Math.round(ratio)}-fold (${megabytes(entry.compressedSize)} to ${megabytes(entry.uncompressedSize)}); ` +
          `at most ${limits.maxRatio}-fold is allowed`,
      );
    }
  }
  if (total > limits.maxTotalBytes) {
    throw new ZipInflationError(`it inflates to ${megabytes(total)}; at most ${megabytes(limits.maxTotalBytes)} is allowed`);
  }
}

/**
 * Stops an entry at its declared size: the directory's sizes were judged
 * against the limits, so an entry inflating past them is forged (or
 * damaged) and reading it on would be the bomb those limits refuse.
 */
function declaredSizeGuard(entry: ZipEntry): Transform {
  let inflated = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      inflated += chunk.length;
      if (inflated > entry.uncompressedSize) {
        done(new ZipInflationError(`its part ${entry.name} inflates past the ${entry.uncompressedSize} bytes its zip directory declares (a forged or damaged file)`));
      } else done(null, chunk);
    },
  });
}

/** The inflated content of one entry, streamed, and never more than its declared size. */
export async function openZipEntry(read: RangeReader, entry: ZipEntry): Promise<Readable> {
  if (entry.encrypted) throw new ZipFormatError(`its part ${entry.name} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) throw new ZipFormatError(`its part ${entry.name} uses an unsupported compression method (${entry.method})`);
  const header = await readRange(read, entry.localHeaderOffset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_FILE_HEADER) throw new ZipFormatError(`its part ${entry.name} has no local header`);
  const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const guard = declaredSizeGuard(entry);
  if (entry.compressedSize === 0) {
    guard.end();
    return guard;
  }
  const compressed = read({ start: dataStart, end: dataStart + entry.compressedSize - 1 });
  // pipeline destroys every stage when one fails or the reader stops early; the outcome reaches the reader through `guard`
  const settled = () => undefined;
  if (entry.method === 8) pipeline(compressed, createInflateRaw(), guard, settled);
  else pipeline(compressed, guard, settled);
  return guard;
}

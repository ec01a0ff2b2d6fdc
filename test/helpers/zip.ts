// Zip archives built by hand for import tests: parts in any order, deflated
// or stored, and directories that may lie about sizes (as a forged file
// would). Also the parts of an archive another writer (exceljs) produced.
import { crc32, createDeflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ZipPart {
  name: string;
  data: Buffer;
  /** the inflated size the central directory declares (default: the true one) */
  declaredSize?: number;
}

/** The archive of `parts`, in the order given, each deflated (or `deflated` given as is, with its true size). */
export function buildZip(parts: (ZipPart | (Omit<ZipPart, 'data'> & { deflated: Buffer; size: number; crc: number }))[]): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name, 'utf8');
    const [compressed, size, checksum] = 'data' in part ? [deflateRawSync(part.data), part.data.length, crc32(part.data)] : [part.deflated, part.size, part.crc];
    const declared = part.declaredSize ?? size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(declared, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    directory.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directoryBytes, end]);
}

/** The parts of an archive, in its order (by its central directory). */
export function zipParts(archive: Buffer): ZipPart[] {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = archive.readUInt16LE(end + 10);
  const parts: ZipPart[] = [];
  for (let i = 0, at = archive.readUInt32LE(end + 16); i < count; i++) {
    const method = archive.readUInt16LE(at + 10);
    const compressedSize = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const local = archive.readUInt32LE(at + 42);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const raw = archive.subarray(start, start + compressedSize);
    parts.push({ name: archive.toString('utf8', at + 46, at + 46 + nameLength), data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
  }
  return parts;
}

/** The parts of a one-sheet workbook whose sheet is `sheetXml` (rows of inline strings or shared string indexes). */
export function workbookParts(sheetXml: Buffer | string, sharedStrings?: string[]): ZipPart[] {
  const xml = (text: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${text}`);
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return [
    { name: '[Content_Types].xml', data: xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>') },
    { name: '_rels/.rels', data: xml(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`) },
    { name: 'xl/workbook.xml', data: xml(`<workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>`) },
    { name: 'xl/_rels/workbook.xml.rels', data: xml(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`) },
    { name: 'xl/worksheets/sheet1.xml', data: typeof sheetXml === 'string' ? xml(sheetXml) : sheetXml },
    ...(sharedStrings
      ? [{ name: 'xl/sharedStrings.xml', data: xml(`<sst xmlns="${main}" count="${sharedStrings.length}">${sharedStrings.map((s) => `<si><t>${escape(s)}</t></si>`).join('')}</sst>`) }]
      : []),
  ];
}

/**
 * `head`, then `unit` `count` times, then `tail`, deflated as a stream (the
 * inflated text is never held): repeated text deflates about 1000-fold.
 */
export async function deflateRepeated(head: string, unit: string, count: number, tail: string) {
  const deflater = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve, reject) => deflater.on('end', resolve).on('error', reject));
  // units in blocks of about 1 MB: few writes, little memory
  const perBlock = Math.max(1, Math.floor(1e6 / unit.length));
  const block = Buffer.from(unit.repeat(perBlock));
  let crc = crc32(head);
  let size = Buffer.byteLength(head);
  deflater.write(head);
  for (let left = count; left > 0; left -= perBlock) {
    const piece = left >= perBlock ? block : Buffer.from(unit.repeat(left));
    crc = crc32(piece, crc);
    size += piece.length;
    if (!deflater.write(piece)) await new Promise((resolve) => deflater.once('drain', resolve));
  }
  crc = crc32(tail, crc);
  size += Buffer.byteLength(tail);
  deflater.end(tail);
  await done;
  return { deflated: Buffer.concat(out), size, crc };
}

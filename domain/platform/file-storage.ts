// Uploaded files on local disk under STORAGE_DIR. A stored file gets a random
// name chosen here (never the client's name or path), and its content type is
// read from its first bytes: what a client claims about a file is not trusted.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { constants, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ApiError, notFound } from './errors.js';

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

const OFFICE_ZIP_TYPES: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

const OFFICE_LEGACY_TYPES: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};

export const DOCUMENT_TYPES = [
  ...IMAGE_TYPES,
  'application/pdf',
  'text/plain',
  'text/csv',
  ...Object.values(OFFICE_ZIP_TYPES),
  ...Object.values(OFFICE_LEGACY_TYPES),
] as const;

export interface SniffedType {
  mimeType: string;
  extension: string;
}

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);

const ascii = (text: string) => [...text].map((ch) => ch.charCodeAt(0));

const MAGIC: { type: SniffedType; matches: (bytes: Uint8Array) => boolean }[] = [
  { type: { mimeType: 'image/jpeg', extension: 'jpg' }, matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { type: { mimeType: 'image/png', extension: 'png' }, matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: { mimeType: 'image/gif', extension: 'gif' }, matches: (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')) },
  { type: { mimeType: 'image/webp', extension: 'webp' }, matches: (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8) },
  { type: { mimeType: 'application/pdf', extension: 'pdf' }, matches: (b) => startsWith(b, ascii('%PDF-')) },
];

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const COMPOUND_FILE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** UTF-8 without NUL, DEL or other control bytes (tab, line breaks and form feed aside) reads as text. */
function isPlainText(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  return bytes.every((b) => (b >= 0x20 && b !== 0x7f) || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d);
}

const extensionOf = (fileName: string) => path.extname(fileName).slice(1).toLowerCase();

/**
 * The content type of `bytes`, from their magic numbers. Office documents are
 * zip (docx/xlsx/pptx) or compound-file (doc/xls/ppt) containers whose magic
 * says only "container", so their extension picks among the formats that
 * container can be; text has no magic and is recognised by its bytes.
 */
function sniffContentType(bytes: Uint8Array, fileName: string): SniffedType | null {
  const known = MAGIC.find((m) => m.matches(bytes));
  if (known) return known.type;
  const extension = extensionOf(fileName);
  if (startsWith(bytes, ZIP_MAGIC) && OFFICE_ZIP_TYPES[extension]) return { mimeType: OFFICE_ZIP_TYPES[extension], extension };
  if (startsWith(bytes, COMPOUND_FILE_MAGIC) && OFFICE_LEGACY_TYPES[extension]) return { mimeType: OFFICE_LEGACY_TYPES[extension], extension };
  if (isPlainText(bytes)) return extension === 'csv' ? { mimeType: 'text/csv', extension } : { mimeType: 'text/plain', extension: 'txt' };
  return null;
}

/** A client's file name kept for display and downloads only: no directories, no control characters. */
function displayFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean || 'file';
}

export interface UploadRules {
  allowedTypes: readonly string[];
  maxBytes: number;
  /** what the upload is, for error messages: "image", "file" */
  label: string;
}

/** A streamed upload: its type is decided by `classify` from the first bytes, its size counted as it is written. */
export interface StreamUploadRules {
  maxBytes: number;
  /** what the upload is, for error messages: "import file" */
  label: string;
  /** the client's file name (display only) */
  fileName: string;
  /** the content type of a file that starts with `head` (at most SNIFF_BYTES); throws an ApiError to refuse it */
  classify(head: Uint8Array, fileName: string): SniffedType;
}

/** How much of a streamed upload is read before its type is decided. */
export const SNIFF_BYTES = 4096;

const tooLarge = (rules: { label: string; maxBytes: number }) =>
  new ApiError('payload_too_large', `The ${rules.label} is larger than the limit of ${rules.maxBytes} bytes`, {
    meta: { max_bytes: rules.maxBytes },
  });

export interface StoredFile {
  key: string;
  mimeType: string;
  size: number;
  fileName: string;
}

// <org id>/<32 hex chars>.<extension>: the only shape of key this module writes or reads
const KEY_PATTERN = /^\d+\/[0-9a-f]{32}\.[a-z0-9]{1,8}$/;

export type FileStorage = ReturnType<typeof createFileStorage>;

/** A file written piece by piece (exports): memory stays constant however large it grows. */
export interface FileWriter {
  /** appends `text` as UTF-8 and answers the file's size after it */
  append(text: string): Promise<number>;
  /** makes what was appended durable, before the caller records it as written */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const newKey = (orgId: number, extension: string) => `${orgId}/${randomBytes(16).toString('hex')}.${extension}`;

export function createFileStorage(storageDir: string) {
  const root = path.resolve(storageDir);
  const pathOf = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new Error(`malformed storage key ${JSON.stringify(key)}`);
    return path.join(root, key);
  };

  /**
   * Best effort, after the rows that referenced the files are gone: a file
   * left behind is unreachable through the API, while failing here would
   * report an error for a change that was made.
   */
  async function remove(keys: readonly (string | null)[]): Promise<void> {
    await Promise.allSettled(keys.filter((k): k is string => k !== null).map(async (key) => rm(pathOf(key), { force: true })));
  }

  return {
    /** 413 over the size limit; 422 for an empty file or a type outside `allowedTypes`. */
    async store(orgId: number, upload: File, rules: UploadRules): Promise<StoredFile> {
      if (upload.size > rules.maxBytes) {
        throw new ApiError('payload_too_large', `The ${rules.label} is larger than the limit of ${rules.maxBytes} bytes`, {
          meta: { max_bytes: rules.maxBytes },
        });
      }
      if (upload.size === 0) throw new ApiError('validation_error', `The ${rules.label} is empty`);
      const bytes = new Uint8Array(await upload.arrayBuffer());
      const type = sniffContentType(bytes, upload.name);
      if (!type || !rules.allowedTypes.includes(type.mimeType)) {
        throw new ApiError('validation_error', `The ${rules.label} must be one of: ${rules.allowedTypes.join(', ')}`, {
          code: 'unsupported_file_type',
          meta: { detected_type: type?.mimeType ?? null },
        });
      }
      const key = newKey(orgId, type.extension);
      await mkdir(path.dirname(pathOf(key)), { recursive: true });
      await writeFile(pathOf(key), bytes, { flag: 'wx' });
      return { key, mimeType: type.mimeType, size: bytes.length, fileName: displayFileName(upload.name) };
    },

    /**
     * Writes an upload to disk as it arrives, never holding more than a chunk
     * (and the first SNIFF_BYTES) in memory: 413 as soon as it passes
     * `maxBytes`, 422 when it is empty or `classify` refuses it. A refused or
     * failed upload leaves no file behind.
     */
    async storeStream(orgId: number, source: AsyncIterable<Uint8Array>, rules: StreamUploadRules): Promise<StoredFile> {
      const iterator = source[Symbol.asyncIterator]();
      const head: Buffer[] = [];
      let headBytes = 0;
      let ended = false;
      while (headBytes < SNIFF_BYTES) {
        const next = await iterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        head.push(Buffer.from(next.value));
        headBytes += next.value.length;
      }
      if (headBytes === 0) throw new ApiError('validation_error', `The ${rules.label} is empty`);
      if (headBytes > rules.maxBytes) throw tooLarge(rules);
      const firstBytes = Buffer.concat(head);
      const type = rules.classify(firstBytes.subarray(0, SNIFF_BYTES), rules.fileName);
      const key = newKey(orgId, type.extension);
      await mkdir(path.dirname(pathOf(key)), { recursive: true });
      const out = createWriteStream(pathOf(key), { flags: 'wx' });
      let size = headBytes;
      try {
        if (!out.write(firstBytes)) await once(out, 'drain');
        while (!ended) {
          const next = await iterator.next();
          if (next.done) break;
          size += next.value.length;
          if (size > rules.maxBytes) throw tooLarge(rules);
          if (!out.write(next.value)) await once(out, 'drain');
        }
        out.end();
        await finished(out);
      } catch (err) {
        out.destroy();
        await remove([key]);
        throw err;
      }
      return { key, mimeType: type.mimeType, size, fileName: displayFileName(rules.fileName) };
    },

    /** The stored bytes from `start` (inclusive) to `end` (inclusive), as a Node stream for parsers. */
    read(key: string, range: { start?: number; end?: number } = {}): Readable {
      return createReadStream(pathOf(key), range);
    },

    /**
     * Runs `record`, the database write that references a just-stored file,
     * and removes the file again when that write fails or records nothing:
     * a rejected upload leaves no file behind.
     */
    async recordOrDiscard<T>(stored: StoredFile, record: () => Promise<T | undefined>): Promise<T | undefined> {
      let recorded: T | undefined;
      try {
        recorded = await record();
        return recorded;
      } finally {
        if (recorded === undefined) await remove([stored.key]);
      }
    },

    /** The stored bytes as a web stream; 404 when the file is gone from disk. */
    async open(key: string): Promise<{ body: ReadableStream<Uint8Array>; size: number }> {
      const file = pathOf(key);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) throw notFound('File');
      return { body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, size: info.size };
    },

    /** A fresh key for a file the caller writes itself with openForWriting. */
    newKey,

    /**
     * Opens `key` for writing at byte `offset`, creating it when missing.
     * Anything past `offset` (left by an interrupted writer that had not
     * recorded it) is cut off, so a writer resumes from the size it recorded.
     */
    async openForWriting(key: string, offset: number): Promise<FileWriter> {
      const file = pathOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      const handle = await open(file, constants.O_WRONLY | constants.O_CREAT);
      try {
        await handle.truncate(offset);
      } catch (err) {
        await handle.close();
        throw err;
      }
      let size = offset;
      return {
        async append(text) {
          const bytes = Buffer.from(text, 'utf8');
          let written = 0;
          while (written < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, size + written);
            written += bytesWritten;
          }
          size += bytes.length;
          return size;
        },
        sync: () => handle.datasync(),
        close: () => handle.close(),
      };
    },

    remove,
  };
}

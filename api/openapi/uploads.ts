// HTTP side of file uploads and downloads, shared by every resource that
// takes files: the multipart schemas, the request-size guard, and the
// response that streams a stored file back.
import { Readable } from 'node:stream';
import { z } from '@hono/zod-openapi';
import busboy from 'busboy';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../../domain/platform/errors.js';
import type { AppEnv } from '../app-env.js';

/** A file field of a multipart/form-data body. */
export const uploadedFile = z.instanceof(File).openapi({ type: 'string', format: 'binary' });
/** A response body of raw bytes. */
export const fileBytes = z.string().openapi({ format: 'binary' });

// multipart framing and the small text fields next to the file
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Refuses an upload body over UPLOAD_MAX_BYTES before it is buffered, even
 * without a Content-Length; the exact per-file limit is checked on the parsed
 * file. Mounted ahead of authentication on purpose: an oversized body is
 * refused without being read, whoever sends it.
 */
export const uploadBodyLimit: MiddlewareHandler<AppEnv> = (c, next) => {
  const maxSize = c.var.deps.config.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError('payload_too_large', `The request body is larger than the upload limit of ${c.var.deps.config.UPLOAD_MAX_BYTES} bytes`);
    },
  })(c, next);
};

/** The process's one file storage, built by the composition root (services/services.ts), not per request. */
export const fileStorageOf = (c: Context<AppEnv>) => c.var.deps.services.storage;

/** `filename*` carries any name; the plain `filename` is its ASCII fallback for old clients. */
export const attachmentDisposition = (fileName: string) =>
  `attachment; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;

/**
 * A file as the response body: a stored one, or one produced as it is sent
 * (then its size is unknown); nosniff so browsers keep to the given type.
 */
export function sendStoredFile(
  c: Context<AppEnv>,
  file: { body: ReadableStream<Uint8Array>; size?: number; mimeType: string },
  contentDisposition: string,
): Response {
  return c.body(file.body, 200, {
    'content-type': file.mimeType,
    ...(file.size !== undefined && { 'content-length': String(file.size) }),
    'content-disposition': contentDisposition,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-cache',
  });
}

export interface StreamedUploadOptions<T> {
  /** the multipart field that carries the file */
  fileField: string;
  /** the most the file may hold; a body announcing more is refused before it is read */
  maxBytes: number;
  /** writes the file as it arrives (e.g. FileStorage.storeStream); throws an ApiError to refuse it */
  store(file: Readable, fileName: string): Promise<T>;
  /** undoes `store` when the rest of the body turns out unusable */
  discard(stored: T): Promise<void>;
}

// the text fields next to the file: a few short values
const STREAMED_UPLOAD_LIMITS = { files: 1, fields: 20, fieldSize: 1024, parts: 30 };

/**
 * A multipart/form-data body read as a stream (busboy over the raw request
 * body): the file goes to `store` chunk by chunk, never whole in memory, and
 * the small text fields are collected. For uploads too large to buffer, in
 * place of a `multipart/form-data` zod schema (whose validator reads the whole
 * body first). 400 for a body that is not multipart or lacks the file.
 */
export async function receiveStreamedUpload<T>(c: Context<AppEnv>, options: StreamedUploadOptions<T>): Promise<{ stored: T; fields: Record<string, string> }> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType) || !c.req.raw.body) {
    throw new ApiError('bad_request', `Send the ${options.fileField} as multipart/form-data`);
  }
  const announced = Number(c.req.header('content-length'));
  if (Number.isFinite(announced) && announced > options.maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw new ApiError('payload_too_large', `The request body is larger than the limit of ${options.maxBytes} bytes`, {
      meta: { max_bytes: options.maxBytes },
    });
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: STREAMED_UPLOAD_LIMITS });
  } catch (err) {
    throw new ApiError('bad_request', `Malformed multipart/form-data body: ${(err as Error).message}`);
  }
  const request = Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream<Uint8Array>);
  const fields: Record<string, string> = {};
  let storing: Promise<T> | undefined;
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      // stop reading: the rest of the body is not wanted
      request.unpipe(parser);
      request.destroy();
      storing?.then((stored) => options.discard(stored), () => undefined);
      reject(err);
    };
    parser.on('file', (name, file, info) => {
      if (name !== options.fileField || storing) {
        file.resume();
        return;
      }
      storing = options.store(file, info.filename ?? options.fileField);
      storing.catch(fail);
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('error', (err) => fail(new ApiError('bad_request', `Malformed multipart/form-data body: ${(err as Error).message}`)));
    parser.on('close', () => {
      if (failed) return;
      if (!storing) return fail(new ApiError('bad_request', `Missing required parameter(s): ${options.fileField}`));
      storing.then((stored) => resolve({ stored, fields }), fail);
    });
    request.on('error', (err) => fail(new ApiError('bad_request', `The upload was interrupted: ${err.message}`)));
    request.pipe(parser);
  });
}

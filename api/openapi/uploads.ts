// HTTP side of file uploads and downloads, shared by every resource that
// takes files: the multipart schemas, the request-size guard, and the
// response that streams a stored file back.
import { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../../domain/errors.js';
import { createFileStorage } from '../../domain/file-storage.js';
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

export const fileStorageOf = (c: Context<AppEnv>) => createFileStorage(c.var.deps.config.STORAGE_DIR);

/** `filename*` carries any name; the plain `filename` is its ASCII fallback for old clients. */
export const attachmentDisposition = (fileName: string) =>
  `attachment; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;

/** A stored file as the response body; nosniff so browsers keep to the type sniffed at upload. */
export function sendStoredFile(
  c: Context<AppEnv>,
  file: { body: ReadableStream<Uint8Array>; size: number; mimeType: string },
  contentDisposition: string,
): Response {
  return c.body(file.body, 200, {
    'content-type': file.mimeType,
    'content-length': String(file.size),
    'content-disposition': contentDisposition,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-cache',
  });
}

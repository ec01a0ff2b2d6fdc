// What every local fake reads first: the whole request body as text (each
// fake then parses it as its provider does: JSON, a form, MIME).
import type { IncomingMessage } from 'node:http';

export async function requestText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// A logger destination that keeps what is written, for tests that read the logs.
import { Writable } from 'node:stream';

export function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines };
}

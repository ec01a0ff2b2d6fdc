// A benchmark's worker in its own process (`worker/worker.ts` under tsx, as
// `npm run worker` runs it), with the given environment: resolves once it
// logs "worker running"; stop() ends it with SIGTERM.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WorkerProcess {
  stop(): Promise<void>;
}

export function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const worker = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../worker/worker.ts', import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (worker.exitCode !== null) return resolve();
      worker.once('exit', () => resolve());
      worker.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    worker.once('exit', (code) => reject(new Error(`the worker exited with ${code} before running`)));
    worker.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('"worker running"')) {
        worker.removeAllListeners('exit');
        // its log is not needed any more, but must keep flowing
        worker.stdout!.removeAllListeners('data');
        worker.stdout!.resume();
        resolve({ stop });
      }
    });
  });
}

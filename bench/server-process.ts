// A benchmark's server in its own process (so the load generator does not
// share its event loop): the bench script runs itself with `--serve …`,
// the child prints `{"port": …}` once it listens, and stop() ends it.
import { spawn } from 'node:child_process';

export interface ServerProcess {
  port: number;
  stop(): Promise<void>;
}

/** Runs `script --serve <serveArgs…>` under tsx (with `nodeArgs` first, e.g. a CPU profile) and waits for its port. */
export function startServerProcess(script: string, serveArgs: string[], nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, '--serve', ...serveArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${serveArgs[0] ?? 'bench'} server exited with ${code}`)));
    child.stdout!.once('data', (line) => {
      const { port } = JSON.parse(String(line)) as { port: number };
      const stop = () =>
        new Promise<void>((done) => {
          child.removeAllListeners('exit');
          child.once('exit', () => done());
          child.kill('SIGTERM');
        });
      resolve({ port, stop });
    });
  });
}

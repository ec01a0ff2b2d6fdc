// The worker as its own process (`tsx worker/worker.ts`), for tests that
// kill it as a crash would (SIGKILL: no shutdown, no cleanup) and start
// another: what survives is what Temporal's history and the database hold.
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestApp } from './app.js';

/** The environment of a worker on the test app's database, task queue and storage. */
export function workerEnvOf(t: TestApp): Record<string, string> {
  const { config } = t.deps;
  return {
    DATABASE_URL: config.DATABASE_URL,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    STORAGE_DIR: config.STORAGE_DIR,
    JWT_SECRET: config.JWT_SECRET,
    CREDENTIALS_KEY: config.CREDENTIALS_KEY,
    LOG_LEVEL: 'error',
  };
}

/** A worker process with `env` (over this process's), in its own process group so SIGKILL takes it whole. */
export function spawnWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/worker.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  child.stderr?.on('data', () => undefined);
  return child;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}
